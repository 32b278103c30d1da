"""A catalogue of bad inputs. Whatever arrives, the run ends Failed, names the table, column,
check and failing rows, emits the event the stakeholders' automation sends on, and leaves
the published marts exactly as the last good day left them.

Every case is run twice: on the generator's data (the raw tables edited in the warehouse,
then a run with --skip-landing) and on a CSV export (the files edited, then --raw-dir).
Cases that cannot hide one another share a run; the assertions stay per case.
"""

import csv
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from prefect.events.worker import EventsWorker

from flows.landing import land_generated, write_csv_export
from flows.landing.raw_schema import RAW_TABLES
from flows.landing.raw_tables import replace_rows
from tests.conftest import AS_OF, PipelineRun, copy_warehouse, published_marts, run_pipeline
from tests.events import Event, wait_for_events

Rows = list[dict[str, Any]]
FUTURE = datetime.combine(AS_OF + timedelta(days=2), datetime.min.time())


def _future(value: Any) -> Any:
    """A timestamp two days after the run's day, in the form the source uses."""
    return FUTURE.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, str) else FUTURE


def _first(rows: Rows, **match: str) -> dict[str, Any]:
    return next(row for row in rows if all(row[k] == v for k, v in match.items()))


def _set(table: str, column: str, value: Any, **match: str) -> Callable[[dict[str, Rows]], str]:
    """Set `column` of the first matching row; returns that row's first key."""

    def change(tables: dict[str, Rows]) -> str:
        row = _first(tables[table], **match)
        row[column] = value(row[column]) if callable(value) else value
        return str(row[RAW_TABLES[table].primary_key[0]])

    return change


def _duplicate(table: str) -> Callable[[dict[str, Rows]], str]:
    def change(tables: dict[str, Rows]) -> str:
        tables[table].append(dict(tables[table][0]))
        return str(tables[table][0][RAW_TABLES[table].primary_key[0]])

    return change


def _null_key(table: str) -> Callable[[dict[str, Rows]], str]:
    """Null the key of the table's second row (_duplicate copies the first)."""
    key = RAW_TABLES[table].primary_key[0]

    def change(tables: dict[str, Rows]) -> str:
        row = tables[table][1]
        row[key] = None
        return str(row[key])

    return change


def _empty(table: str) -> Callable[[dict[str, Rows]], str]:
    def change(tables: dict[str, Rows]) -> str:
        tables[table].clear()
        return ""

    return change


def _thin_out_run_day(table: str, keep_one_in: int) -> Callable[[dict[str, Rows]], str]:
    """Drop all but one in `keep_one_in` of the table's rows created on the run's day."""

    def change(tables: dict[str, Rows]) -> str:
        on_day = [row for row in tables[table] if str(row["created_at"])[:10] == str(AS_OF)]
        dropped = {id(row) for row in on_day[::keep_one_in]} ^ {id(row) for row in on_day}
        tables[table][:] = [row for row in tables[table] if id(row) not in dropped]
        return ""

    return change


@dataclass(frozen=True)
class Case:
    name: str
    batch: str  # cases in one batch share a run
    change: Callable[[dict[str, Rows]], str]  # edits the raw tables, returns the key touched
    relation: str  # what the failure must name
    column: str | None
    check: str
    rows: int | None  # failing rows the message must give


KEY_CASES = [
    Case(
        f"duplicated {table} key",
        "keys",
        _duplicate(table),
        f"raw.{table}",
        None if table == "order_items" else RAW_TABLES[table].primary_key[0],
        "unique_combination_of_columns" if table == "order_items" else "unique",
        1,
    )
    for table in RAW_TABLES
]
NULL_KEY_CASES = [
    Case(
        f"null {table} key",
        "keys",
        _null_key(table),
        f"raw.{table}",
        RAW_TABLES[table].primary_key[0],
        "not_null",
        1,
    )
    for table in RAW_TABLES
]
STAGED = "staging.stg_greenery__"
VALUE_CASES = [
    Case(
        "unknown event type",
        "values",
        _set("events", "event_type", "hover", event_type="page_view"),
        f"{STAGED}events",
        "event_type",
        "accepted_values",
        1,
    ),
    Case(
        "unknown order status",
        "values",
        _set("orders", "status", "lost", status="preparing"),
        f"{STAGED}orders",
        "status",
        "accepted_values",
        1,
    ),
    Case(
        "unknown shipping service",
        "values",
        _set("orders", "shipping_service", "pigeon", status="delivered"),
        f"{STAGED}orders",
        "shipping_service",
        "accepted_values",
        1,
    ),
    Case(
        "price of zero",
        "values",
        _set("products", "price", 0),
        f"{STAGED}products",
        "price",
        "accepted_range",
        1,
    ),
    Case(
        "quantity below one",
        "values",
        _set("order_items", "quantity", -2),
        f"{STAGED}order_items",
        "quantity",
        "accepted_range",
        1,
    ),
    Case(
        "order item for an unknown product",
        "values",
        _set("order_items", "product_id", str(uuid.UUID(int=1))),
        f"{STAGED}order_items",
        "product_id",
        "relationships",
        1,
    ),
    Case(
        "event of an unknown user",
        "values",
        _set("events", "user_id", str(uuid.UUID(int=2)), event_type="add_to_cart"),
        f"{STAGED}events",
        "user_id",
        "relationships",
        1,
    ),
    Case(
        "order with an unknown promo",
        "values",
        _set("orders", "promo_id", "no such promo", status="shipped"),
        f"{STAGED}orders",
        "promo_id",
        "relationships",
        1,
    ),
    Case(
        "event after the run's day",
        "values",
        _set("events", "created_at", _future, event_type="checkout"),
        f"{STAGED}events",
        "created_at",
        "not_after_the_run_day",
        1,
    ),
    Case(
        "order after the run's day",
        "values",
        _set("orders", "created_at", _future, status="delivered"),
        f"{STAGED}orders",
        "created_at",
        "not_after_the_run_day",
        1,
    ),
    Case(
        "checkout URL with the wrong path",
        "values",
        _set(
            "events",
            "page_url",
            lambda url: url.replace("/checkout/", "/cart/"),
            event_type="checkout",
        ),
        f"{STAGED}events",
        "page_url",
        "url_matches_pattern",
        1,
    ),
]


def _page_url(change: Callable[[str, dict[str, Any], Rows], str], nth: int) -> Any:
    def edit(tables: dict[str, Rows]) -> str:
        views = [row for row in tables["events"] if row["event_type"] == "page_view"]
        row = views[nth]
        row["page_url"] = change(row["page_url"], row, views)
        return str(row["event_id"])

    return edit


CONTRACT_CASES = [
    Case(
        "page URL on the wrong domain",
        "contracts",
        _page_url(lambda url, row, views: url.replace("greenary.com", "greenery.example"), 0),
        "product.fact_page_views",
        "page_url",
        "expect_column_values_to_match_regex",
        None,
    ),
    Case(
        "page URL with the wrong path for a page view",
        "contracts",
        _page_url(lambda url, row, views: url.replace("/product/", "/checkout/"), 1),
        "product.fact_page_views",
        "page_url",
        "expect_column_values_to_match_regex",
        None,
    ),
    Case(
        "page URL of another row's product",
        "contracts",
        _page_url(
            lambda url, row, views: next(
                v["page_url"] for v in views if v["product_id"] != row["product_id"]
            ),
            2,
        ),
        "product.fact_page_views",
        "product_id, page_url_product_id",
        "expect_column_pair_values_to_be_equal",
        None,
    ),
    Case(
        "page URL whose id is not a UUID",
        "contracts",
        _page_url(lambda url, row, views: "https://greenary.com/product/monstera", 3),
        "product.fact_page_views",
        "page_url",
        "expect_column_values_to_match_regex",
        None,
    ),
    Case(
        "order total that does not add up",
        "contracts",
        _set("orders", "order_total", lambda total: round(float(total) + 5, 2), status="shipped"),
        "core.fact_orders",
        "order_total",
        "expect_multicolumn_values_to_add_up",
        1,
    ),
    Case(
        "delivered before ordered",
        "contracts",
        _set(
            "orders",
            "delivered_at",
            lambda _: "2020-01-01T00:00:00Z" if isinstance(_, str) else datetime(2020, 1, 1),
            status="delivered",
        ),
        "core.fact_orders",
        "delivered_at, created_at",
        "expect_column_pair_values_a_to_be_greater_than_b",
        1,
    ),
]
EMPTY_CASES = [
    Case(
        "empty events table",
        "empty",
        _empty("events"),
        "raw.events",
        "created_at",
        "source freshness",
        None,
    )
]
VOLUME_CASES = [
    Case(
        "a day with a tenth of the usual events",
        "volume",
        _thin_out_run_day("events", 10),
        f"{STAGED}events",
        "created_at",
        "daily_volume_not_below_usual",
        1,
    )
]
CASES = KEY_CASES + NULL_KEY_CASES + VALUE_CASES + CONTRACT_CASES + EMPTY_CASES + VOLUME_CASES
SOURCES = ("generator", "csv")


@dataclass
class Outcome:
    run: PipelineRun
    keys: dict[str, str]  # case name -> the key of the row it changed
    published_before: dict[str, pd.DataFrame]
    published_after: dict[str, pd.DataFrame]
    events: list[dict[str, Any]]


def _read_raw(con: duckdb.DuckDBPyConnection) -> dict[str, Rows]:
    tables = {}
    for name, table in RAW_TABLES.items():
        rows = con.execute(f"select * from raw.{name}").fetchall()
        tables[name] = [dict(zip(table.column_names, row, strict=True)) for row in rows]
    return tables


def _write_raw(con: duckdb.DuckDBPyConnection, tables: dict[str, Rows]) -> None:
    for name, rows in tables.items():
        table = RAW_TABLES[name]
        replace_rows(con, table, [tuple(row[c] for c in table.column_names) for row in rows])


def _read_csv(export: Path) -> dict[str, Rows]:
    tables = {}
    for name in RAW_TABLES:
        with (export / f"{name}.csv").open(newline="") as f:
            tables[name] = [
                {k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)
            ]
    return tables


def _write_csv(export: Path, tables: dict[str, Rows]) -> None:
    for name, rows in tables.items():
        with (export / f"{name}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=RAW_TABLES[name].column_names)
            writer.writeheader()
            writer.writerows(rows)


def _failed_events(since: datetime, expected: int = 1) -> list[Event]:
    return wait_for_events(
        {
            "event": {"name": ["greenery.contract.failed"]},
            "occurred": {"since": since.isoformat()},
        },
        at_least=expected,
    )


@dataclass(frozen=True)
class GoodDay:
    """What each source's bad day follows: a good day of generated data (the shared
    scale-1 run's), and a good day of a CSV export, with that export (a warehouse holds
    one source or the other)."""

    generated: Path
    csv: Path
    export: Path

    def warehouse(self, source: str) -> Path:
        return self.generated if source == "generator" else self.csv


@pytest.fixture(scope="module")
def good_day(scale_1_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> GoodDay:
    tmp = tmp_path_factory.mktemp("bad-inputs")
    export = tmp / "export"
    with duckdb.connect(str(tmp / "export-source.duckdb")) as con:
        land_generated(con, as_of=AS_OF, seed=5)
        write_csv_export(con, export)
    csv_day = run_pipeline(
        tmp / "csv.duckdb", "--as-of", AS_OF.isoformat(), "--raw-dir", f"{export}"
    )
    assert csv_day.exit_code == 0, csv_day.output
    return GoodDay(
        copy_warehouse(scale_1_run, tmp),
        copy_warehouse(csv_day, tmp_path_factory.mktemp("csv-day")),
        export,
    )


@pytest.fixture(scope="module")
def outcomes(
    good_day: GoodDay, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Outcome]:
    """One run per (source, batch), every case of the batch applied together."""
    results = {}
    for source in SOURCES:
        for batch in dict.fromkeys(case.batch for case in CASES):
            tmp = tmp_path_factory.mktemp(f"{source}-{batch.replace(' ', '-')}")
            warehouse = tmp / "greenery.duckdb"
            shutil.copy(good_day.warehouse(source), warehouse)
            cases = [case for case in CASES if case.batch == batch]
            if source == "generator":
                with duckdb.connect(str(warehouse)) as con:
                    tables = _read_raw(con)
                    keys = {case.name: case.change(tables) for case in cases}
                    _write_raw(con, tables)
                args: tuple[str, ...] = ("--skip-landing",)
            else:
                export = tmp / "export"
                shutil.copytree(good_day.export, export)
                tables = _read_csv(export)
                keys = {case.name: case.change(tables) for case in cases}
                _write_csv(export, tables)
                args = ("--raw-dir", str(export))
            before = published_marts(warehouse)
            started = datetime.now().astimezone()
            run = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), *args)
            EventsWorker.drain_all(timeout=10)
            failed = sum(line.startswith("  FAILED ") for line in run.output.splitlines())
            results[(source, batch)] = Outcome(
                run, keys, before, published_marts(warehouse), _failed_events(started, failed)
            )
    return results


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_fails_names_the_check_notifies_and_publishes_nothing(
    case: Case, source: str, outcomes: dict[tuple[str, str], Outcome]
) -> None:
    outcome = outcomes[(source, case.batch)]
    assert outcome.run.exit_code == 1, outcome.run.output
    assert ": FAILED" in outcome.run.output and "NOT published" in outcome.run.output

    failures = [
        line.strip() for line in outcome.run.output.splitlines() if line.startswith("  FAILED ")
    ]
    named = [
        line
        for line in failures
        if line.startswith(f"FAILED {case.relation}")
        and (case.column is None or f"column {case.column}" in line)
        and case.check in line
    ]
    assert named, f"{case.name}: no failure names it in\n" + "\n".join(failures)
    if case.rows is not None:
        rows = "row" if case.rows == 1 else "rows"
        assert any(f"failed on {case.rows} {rows}" in line for line in named), named

    events = [
        event
        for event in outcome.events
        if event["resource"]["prefect.resource.name"] == case.relation
    ]
    checks = [check for event in events for check in event["payload"]["failed_checks"]]
    assert any(check["check"] == case.check for check in checks), (case.name, checks)
    if case.batch == "contracts":
        keys = {key for check in checks for key in check.get("failing_keys", [])}
        assert outcome.keys[case.name] in keys

    assert outcome.published_after.keys() == outcome.published_before.keys()
    for name, frame in outcome.published_before.items():
        pd.testing.assert_frame_equal(outcome.published_after[name], frame)


@pytest.mark.parametrize("source", SOURCES)
def test_a_failed_dbt_test_is_one_line_naming_the_test_to_rerun(
    source: str, outcomes: dict[tuple[str, str], Outcome]
) -> None:
    assert (
        "  FAILED staging.stg_greenery__events, column page_url: check 'url_matches_pattern'"
        " failed on 1 row (dbt test stg_greenery__events_checkout_page_url)"
    ) in outcomes[(source, "values")].run.output.splitlines()


def _rewrite(path: Path, edit: Callable[[list[list[str]]], None], delimiter: str = ",") -> None:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with path.open("w", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)


def _set_cell(column: str, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[1][rows[0].index(column)] = value

    return edit


def _drop_column(column: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        at = rows[0].index(column)
        for row in rows:
            del row[at]

    return edit


def _unterminated_quote(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace(",", ',"', 1)
    path.write_text("".join(lines))


def _not_utf8(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"United States", b"United St\xe4tes", 1))


@dataclass(frozen=True)
class FormatCase:
    file: str
    edit: Callable[[Path], None]
    words: list[str]  # what the error must say
    batch: str = "files"  # cases in one batch share a run; one file per batch


FORMAT_CASES = {
    "missing column": FormatCase(
        "orders.csv",
        lambda p: _rewrite(p, _drop_column("status")),
        ["missing column(s) status"],
    ),
    "extra column": FormatCase(
        "orders.csv",
        lambda p: _rewrite(p, lambda rows: [row.append("x") for row in rows]),
        ["unknown column(s) x"],
        batch="orders again",
    ),
    "non-numeric value": FormatCase(
        "products.csv",
        lambda p: _rewrite(p, _set_cell("price", "twelve")),
        ["price", "twelve"],
    ),
    "unterminated quote": FormatCase(
        "users.csv", _unterminated_quote, ["line 3", "unterminated quote"]
    ),
    "wrong delimiter": FormatCase(
        "promos.csv", lambda p: _rewrite(p, lambda rows: None, ";"), ["';' as delimiter"]
    ),
    "bytes that are not UTF-8": FormatCase("addresses.csv", _not_utf8, ["not UTF-8"]),
    "missing file": FormatCase("events.csv", lambda p: p.unlink(), ["missing"]),
}


@dataclass
class FormatOutcome:
    run: PipelineRun
    events: list[Event]
    raw_unchanged: bool
    published_unchanged: bool


@pytest.fixture(scope="module")
def format_outcomes(
    good_day: GoodDay, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, FormatOutcome]:
    """One run per batch of malformed exports, every case of the batch in the one export:
    the loader reads every file and reports every problem at once."""
    outcomes = {}
    for batch in dict.fromkeys(case.batch for case in FORMAT_CASES.values()):
        tmp = tmp_path_factory.mktemp(f"format-{batch.replace(' ', '-')}")
        warehouse = tmp / "greenery.duckdb"
        shutil.copy(good_day.csv, warehouse)
        export = tmp / "export"
        shutil.copytree(good_day.export, export)
        for case in FORMAT_CASES.values():
            if case.batch == batch:
                case.edit(export / case.file)
        with duckdb.connect(str(warehouse)) as con:
            raw_before = _read_raw(con)
        before = published_marts(warehouse)
        started = datetime.now().astimezone()
        run = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), "--raw-dir", str(export))
        EventsWorker.drain_all(timeout=10)
        with duckdb.connect(str(warehouse)) as con:
            raw_unchanged = _read_raw(con) == raw_before
        published_unchanged = all(
            published_marts(warehouse)[name].equals(frame) for name, frame in before.items()
        )
        outcomes[batch] = FormatOutcome(
            run, _failed_events(started), raw_unchanged, published_unchanged
        )
    return outcomes


@pytest.mark.parametrize("case", FORMAT_CASES)
def test_a_malformed_csv_export_lands_nothing_and_says_why(
    case: str, format_outcomes: dict[str, FormatOutcome]
) -> None:
    file, words = FORMAT_CASES[case].file, FORMAT_CASES[case].words
    outcome = format_outcomes[FORMAT_CASES[case].batch]
    run = outcome.run
    assert run.exit_code == 1
    assert "FAILED while landing raw data" in run.output and "NOT published" in run.output
    assert file in run.output and all(word in run.output for word in words), run.output
    [event] = [e for e in outcome.events if e["payload"]["checker"] == "landing"]
    assert file in event["payload"]["summary"]
    assert outcome.raw_unchanged, "the raw tables are as they were"
    assert outcome.published_unchanged, "the published marts are as they were"
