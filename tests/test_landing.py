"""Landing generated days: day after day, idempotent, one transaction, refusing mixes as
usage errors."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.failures import UsageError
from flows.landing import land_csv_export, land_generated
from flows.landing.raw_schema import RAW_TABLES
from flows.landing.raw_tables import upsert

AS_OF = date(2021, 2, 12)
NEXT_DAY = AS_OF + timedelta(days=1)
GOOD_EXPORT = Path(__file__).parent / "fixtures" / "csv_export"


@pytest.fixture
def con(tmp_path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table's full content, the landing log included."""
    names = [*RAW_TABLES, "landing_log"]
    return {name: rows(con, f"SELECT * FROM raw.{name} ORDER BY ALL") for name in names}


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {name: rows(con, f"SELECT * FROM raw.{name} ORDER BY ALL") for name in RAW_TABLES}


def test_first_landing_lands_the_history_days_ending_at_as_of(con):
    result = land_generated(con, as_of=AS_OF, seed=5, scale=1, history_days=3)

    assert result.source == "generator"
    assert result.days == [date(2021, 2, 10), date(2021, 2, 11), AS_OF]
    assert result.rows_landed == result.rows_in_raw
    assert set(result.rows_in_raw) == set(RAW_TABLES)
    assert all(count > 0 for count in result.rows_in_raw.values())
    ((source, as_of, days, seed, scale, origin, landed_at),) = rows(
        con, "SELECT source, as_of, days, seed, scale, origin, landed_at FROM raw.landing_log"
    )
    assert (source, as_of, days, seed, scale, origin) == (
        "generator",
        AS_OF,
        result.days,
        5,
        1,
        date(2021, 2, 10),
    )
    assert isinstance(landed_at, datetime)


def test_next_day_brings_new_rows_and_moves_earlier_orders_along(con):
    land_generated(con, as_of=AS_OF)
    before = {
        order_id: status
        for order_id, status in rows(con, "SELECT order_id, status FROM raw.orders")
    }
    inventory_before = dict(rows(con, "SELECT product_id, inventory FROM raw.products"))
    counts_before = land_generated(con, as_of=AS_OF).rows_in_raw  # a no-op that counts

    result = land_generated(con, as_of=NEXT_DAY)

    assert result.days == [NEXT_DAY]
    for name in ("users", "addresses", "orders", "order_items", "events"):
        assert result.rows_in_raw[name] > counts_before[name], name
    after = dict(rows(con, "SELECT order_id, status FROM raw.orders"))
    newly_sent = [
        order_id
        for order_id, status in before.items()
        if status == "preparing" and after[order_id] in ("shipped", "delivered")
    ]
    assert newly_sent
    assert any(before[o] == "shipped" and after[o] == "delivered" for o in before)
    shipments = dict(
        rows(
            con,
            "SELECT order_id, list(created_at) FROM raw.events"
            " WHERE event_type = 'package_shipped' GROUP BY order_id",
        )
    )
    for order_id in newly_sent:
        (shipped_at,) = shipments[order_id]  # exactly one package_shipped event
        assert datetime(2021, 2, 13) <= shipped_at < datetime(2021, 2, 14)
    inventory_after = dict(rows(con, "SELECT product_id, inventory FROM raw.products"))
    assert inventory_after != inventory_before
    assert result.rows_landed["products"] > 0
    assert result.rows_landed["promos"] == 0
    for table, column in [("events", "created_at"), ("orders", "created_at")]:
        ((latest,),) = rows(con, f"SELECT max({column}) FROM raw.{table}")
        assert latest < datetime(2021, 2, 14)
        ((on_next_day,),) = rows(
            con, f"SELECT count(*) FROM raw.{table} WHERE {column} >= '2021-02-13'"
        )
        assert on_next_day > 0


def test_landing_day_by_day_equals_landing_at_once(tmp_path, con):
    land_generated(con, as_of=AS_OF, history_days=3)
    land_generated(con, as_of=NEXT_DAY)
    at_once = duckdb.connect(str(tmp_path / "at_once.duckdb"))
    land_generated(at_once, as_of=NEXT_DAY, history_days=4)

    assert raw_tables(con) == raw_tables(at_once)


def test_catching_up_several_days_lands_each_of_them(con):
    land_generated(con, as_of=AS_OF)
    result = land_generated(con, as_of=AS_OF + timedelta(days=3))
    assert result.days == [AS_OF + timedelta(days=n) for n in (1, 2, 3)]


def test_landing_the_same_day_again_changes_nothing(con):
    land_generated(con, as_of=AS_OF)
    landed = snapshot(con)

    again = land_generated(con, as_of=AS_OF)
    earlier = land_generated(con, as_of=AS_OF - timedelta(days=1))

    assert again.days == [] and earlier.days == []
    assert set(again.rows_landed.values()) == {0}
    assert again.rows_in_raw == {name: len(table) for name, table in raw_tables(con).items()}
    assert snapshot(con) == landed


@pytest.mark.parametrize(("seed", "scale"), [(7, 1), (42, 2)])
def test_another_seed_or_scale_is_refused(con, seed, scale):
    land_generated(con, as_of=AS_OF, seed=42, scale=1)
    landed = snapshot(con)

    with pytest.raises(UsageError, match="seed 42 and scale 1") as error:
        land_generated(con, as_of=NEXT_DAY, seed=seed, scale=scale)

    assert "GREENERY_DUCKDB_PATH" in str(error.value)
    assert snapshot(con) == landed


def test_generating_on_top_of_a_csv_export_is_refused(con):
    land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    landed = snapshot(con)

    with pytest.raises(UsageError, match="CSV export") as error:
        land_generated(con, as_of=NEXT_DAY)

    assert "GREENERY_DUCKDB_PATH" in str(error.value)
    assert snapshot(con) == landed


def test_generating_into_tables_filled_by_someone_else_is_refused(con):
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.promos (promo_id VARCHAR, discount INTEGER, status VARCHAR)")
    con.execute("INSERT INTO raw.promos VALUES ('spring', 5, 'active')")

    with pytest.raises(UsageError, match=r"raw\.promos \(1 rows\)"):
        land_generated(con, as_of=AS_OF)

    assert rows(con, "SELECT * FROM raw.promos") == [("spring", 5, "active")]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"scale": 0}, "scale"),
        ({"history_days": 0}, "history_days"),
        ({"as_of": datetime(2021, 2, 12, 8)}, "as_of"),
    ],
)
def test_bad_arguments_are_refused_before_touching_the_warehouse(con, arguments, message):
    with pytest.raises(UsageError, match=message):
        land_generated(con, **{"as_of": AS_OF, **arguments})
    assert rows(
        con, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'raw'"
    ) == [(0,)]


def test_a_landing_that_fails_midway_leaves_the_warehouse_as_it_was(con, monkeypatch):
    land_generated(con, as_of=AS_OF)
    landed = snapshot(con)

    def upsert_then_fail_on_events(connection, table, table_rows):
        if table.name == "events":
            raise RuntimeError("disk full")
        return upsert(connection, table, table_rows)

    monkeypatch.setattr("flows.landing.generated_landing.upsert", upsert_then_fail_on_events)
    with pytest.raises(RuntimeError, match="disk full"):
        land_generated(con, as_of=NEXT_DAY)

    assert snapshot(con) == landed
