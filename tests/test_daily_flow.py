"""The daily flow end to end: snapshots across days, failures, freshness, scale, docs."""

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from flows.landing import land_generated, write_csv_export
from flows.settings import DBT_PROJECT_DIR, DUCKDB_PATH_ENV
from tests.conftest import AS_OF, SEED, PipelineRun, copy_warehouse, run_pipeline

NEXT_DAY = AS_OF + timedelta(days=1)
END_OF_NEXT_DAY = datetime.combine(NEXT_DAY + timedelta(days=1), datetime.min.time())


def _csv_export(tmp_path: Path, seed: int = 3) -> Path:
    """A CSV export of a generated shop, as the shop database would produce it."""
    export = tmp_path / "export"
    with duckdb.connect(str(tmp_path / "source.duckdb")) as con:
        land_generated(con, as_of=AS_OF, seed=seed)
        write_csv_export(con, export)
    return export


def test_snapshots_catch_inventory_and_order_status_changes(
    scale_1_run: PipelineRun, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(scale_1_run, tmp_path)  # after a first good day
    first = PipelineRun(warehouse, scale_1_run.exit_code, scale_1_run.output)
    products_before = first.table("raw.products").set_index("product_id")
    orders_before = first.table("raw.orders").set_index("order_id")

    second = run_pipeline(warehouse, "--as-of", NEXT_DAY.isoformat(), "--seed", SEED)
    assert second.exit_code == 0, second.output
    products_after = second.table("raw.products").set_index("product_id")
    orders_after = second.table("raw.orders").set_index("order_id")

    # Inventory and price changes between the two days, computed from raw.
    joined = products_before.join(products_after, lsuffix="_before", rsuffix="_after")
    changed = joined[
        (joined.inventory_before != joined.inventory_after)
        | (joined.price_before != joined.price_after)
    ]
    assert len(changed) > 0, "the generator should change some inventory day to day"

    changes = second.table("product.fact_inventory_changes").set_index("product_id")
    assert sorted(changes.index) == sorted(changed.index)
    assert (changes.changed_at == END_OF_NEXT_DAY).all()
    assert (changes.inventory_before == changed.inventory_before.reindex(changes.index)).all()
    assert (changes.inventory_after == changed.inventory_after.reindex(changes.index)).all()

    # An order that shipped on the second day has two versions in the snapshot.
    moved = orders_before.join(orders_after, lsuffix="_before", rsuffix="_after", how="inner")
    moved = moved[moved.status_before != moved.status_after]
    assert len(moved) > 0, "some earlier orders should move on the next day"
    order_id = moved.index[0]
    versions = second.query(
        "select status, dbt_valid_from, dbt_valid_to from snapshots.orders_snapshot"
        f" where order_id = '{order_id}' order by dbt_valid_from"
    )
    assert versions.status.tolist() == [
        moved.loc[order_id, "status_before"],
        moved.loc[order_id, "status_after"],
    ]
    assert versions.dbt_valid_to.iloc[0] == END_OF_NEXT_DAY
    assert versions.dbt_valid_from.iloc[1] == END_OF_NEXT_DAY
    assert versions.dbt_valid_to.isna().iloc[1]

    # Running the same day again adds no snapshot versions.
    snapshot_rows = second.query("select count(*) as n from snapshots.orders_snapshot").n[0]
    again = run_pipeline(warehouse, "--as-of", NEXT_DAY.isoformat(), "--seed", SEED)
    assert again.exit_code == 0, again.output
    assert again.query("select count(*) as n from snapshots.orders_snapshot").n[0] == (
        snapshot_rows
    )


def test_freshness_is_judged_against_the_as_of_day(tmp_path: Path) -> None:
    export = _csv_export(tmp_path)
    two_days_later = run_pipeline(
        tmp_path / "a.duckdb",
        "--raw-dir",
        str(export),
        "--as-of",
        (AS_OF + timedelta(days=2)).isoformat(),
    )
    assert two_days_later.exit_code == 0, two_days_later.output
    assert "warned 2" in two_days_later.output  # events and orders are a day stale
    warned = sorted(
        line for line in two_days_later.output.splitlines() if line.startswith("  WARNED ")
    )
    assert [line.split(":")[0] for line in warned] == [
        "  WARNED raw.events, column created_at",
        "  WARNED raw.orders, column created_at",
    ], warned
    assert all("source freshness" in line and "days older than" in line for line in warned)

    ten_days_later = run_pipeline(
        tmp_path / "b.duckdb",
        "--raw-dir",
        str(export),
        "--as-of",
        (AS_OF + timedelta(days=10)).isoformat(),
    )
    assert ten_days_later.exit_code == 1
    assert "raw.events, column created_at: source freshness" in ten_days_later.output
    assert "days older than the end of the run's day" in ten_days_later.output


def test_dbt_build_passes_at_scale_10(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path / "greenery.duckdb", "--as-of", AS_OF.isoformat(), "--scale", "10")
    assert run.exit_code == 0, run.output
    orders = run.query("select count(*) as n from core.fact_orders").n[0]
    assert orders > 5 * 360  # ten times the shop's size, give or take the generator's spread


def test_docs_describe_every_model_and_column(
    scale_1_run: PipelineRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DUCKDB_PATH_ENV, str(scale_1_run.warehouse))
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    docs = dbtRunner().invoke(["docs", "generate", *project, "--vars", f'{{"as_of": "{AS_OF}"}}'])
    assert docs.success, docs.exception
    manifest = dbtRunner().invoke(["parse", *project]).result

    undocumented = []
    for unique_id, table in docs.result.nodes.items():
        definition = manifest.nodes[unique_id]
        if not definition.description:
            undocumented.append(unique_id)
        undocumented += [
            f"{unique_id}.{column}"
            for column in table.columns
            if column not in definition.columns or not definition.columns[column].description
        ]
    assert len(docs.result.nodes) >= 20
    assert not undocumented, undocumented
