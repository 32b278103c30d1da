"""Write-audit-publish on DuckDB: stakeholders read either today's checked marts or the last
good ones, never bad rows. One warehouse lives through four CSV exports: a good day, a day
whose page URLs break the contract, a day whose raw products repeat a key, and a good day
again.
(On Snowflake, test_marts.py reads the published schemas the prod run filled.)"""

from dataclasses import dataclass

import httpx
import pandas as pd
import pytest
from prefect.settings import PREFECT_API_URL

from tests.conftest import AS_OF, PUBLISHED_SCHEMAS, PipelineRun, published_marts, run_pipeline
from tests.exports import break_page_urls, export_with

AUDIT_PREFIX = "audit_"
AUDIT_SCHEMAS = tuple(AUDIT_PREFIX + schema for schema in PUBLISHED_SCHEMAS)


def _latest_contracts_artifact() -> str:
    response = httpx.post(
        f"{PREFECT_API_URL.value()}/artifacts/latest/filter",
        json={"artifacts": {"key": {"any_": ["greenery-contracts"]}}},
    )
    response.raise_for_status()
    [artifact] = response.json()
    return artifact["data"]


def _broken_page_views(run: PipelineRun, schema: str) -> int:
    return int(
        run.query(
            f"select count(*) as n from {schema}.fact_page_views"
            " where not regexp_full_match(page_url, 'https://greenary\\.com/product/[0-9a-f-]{36}')"
            "    or page_url_product_id <> product_id"
        ).n[0]
    )


def _duplicate_a_product(rows: list[dict[str, str]]) -> list[str]:
    rows.append(dict(rows[0], name="Duplicate Monstera"))
    return [rows[0]["product_id"]]


@dataclass
class Day:
    run: PipelineRun
    published: dict[str, pd.DataFrame]
    audited: dict[str, pd.DataFrame]  # each mart's audit table after the run, by mart
    snapshot_rows: int
    artifact: str  # the run's greenery-contracts artifact
    broken_page_views: dict[str, int]  # page views whose URL breaks the contract, per schema


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Day]:
    tmp = tmp_path_factory.mktemp("publication")
    warehouse = tmp / "greenery.duckdb"
    first, _ = export_with(tmp, "users", lambda rows: [], seed=11)
    broken_urls, _ = export_with(tmp, "events", break_page_urls)
    duplicate_key, _ = export_with(tmp, "products", _duplicate_a_product)
    good, _ = export_with(tmp, "users", lambda rows: [])
    runs = {
        "good": ("--raw-dir", str(first)),
        "broken urls": ("--raw-dir", str(broken_urls)),
        "duplicate key": ("--raw-dir", str(duplicate_key)),
        "good again": ("--raw-dir", str(good)),
    }
    days = {}
    for name, args in runs.items():
        run = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), *args)
        days[name] = _day(run, artifact=_latest_contracts_artifact())
    return days


def _day(run: PipelineRun, artifact: str) -> Day:
    audited = {
        name.removeprefix(AUDIT_PREFIX): frame
        for name, frame in published_marts(run.warehouse, AUDIT_SCHEMAS).items()
    }
    snapshots = run.query("select count(*) as n from snapshots.products_snapshot").n[0]
    broken = {schema: _broken_page_views(run, schema) for schema in ("audit_product", "product")}
    return Day(run, published_marts(run.warehouse), audited, int(snapshots), artifact, broken)


def test_a_good_day_publishes_every_mart(days: dict[str, Day]) -> None:
    good = days["good"]
    assert good.run.exit_code == 0, good.run.output
    assert "Published: 12 marts to core, marketing, product" in good.run.output
    assert len(good.published) == 12
    for name, frame in good.published.items():
        pd.testing.assert_frame_equal(frame, good.audited[name], obj=name)
    assert len(good.published["core.fact_orders"]) > 0
    assert "**Published: 12 marts" in good.artifact


def test_a_failed_contract_leaves_the_published_marts_as_they_were(days: dict[str, Day]) -> None:
    good, broken = days["good"], days["broken urls"]
    assert broken.run.exit_code == 1
    assert "FAILED product.fact_page_views" in broken.run.output
    failed = sum(line.startswith("  FAILED ") for line in broken.run.output.splitlines())
    checks = "check" if failed == 1 else "checks"
    assert f"NOT published ({failed} failed {checks}): core, marketing, product keep" in (
        broken.run.output
    )
    assert "**NOT published" in broken.artifact
    assert broken.published.keys() == good.published.keys()
    for name, frame in good.published.items():
        pd.testing.assert_frame_equal(broken.published[name], frame, check_dtype=False)


def test_the_audit_tables_keep_the_failed_day_for_inspection(days: dict[str, Day]) -> None:
    broken = days["broken urls"].broken_page_views
    assert broken == {"audit_product": 4, "product": 0}


def test_failing_raw_checks_stop_before_the_snapshot(days: dict[str, Day]) -> None:
    before, bad = days["broken urls"], days["duplicate key"]
    assert bad.run.exit_code == 1
    assert "FAILED raw.products, column product_id: check 'unique' failed on 1 row" in (
        bad.run.output
    )
    assert "NOT published" in bad.run.output
    assert bad.snapshot_rows == before.snapshot_rows
    for name, frame in days["good"].published.items():
        pd.testing.assert_frame_equal(bad.published[name], frame, check_dtype=False)


def test_the_next_good_day_publishes_again(days: dict[str, Day]) -> None:
    good, again = days["good"], days["good again"]
    assert again.run.exit_code == 0, again.run.output
    assert again.published.keys() == good.published.keys()
    assert not again.published["core.dim_users"].equals(good.published["core.dim_users"])
    for name, frame in again.published.items():  # only what changed was written
        pd.testing.assert_frame_equal(frame, again.audited[name], obj=name)
