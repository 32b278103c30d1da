"""Landing a CSV export of the shop database, and writing one."""

import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.failures import UsageError
from flows.landing import LandingError, land_csv_export, land_generated, write_csv_export
from flows.landing.raw_schema import RAW_TABLES

AS_OF = date(2021, 2, 12)
GOOD_EXPORT = Path(__file__).parent / "fixtures" / "csv_export"


@pytest.fixture
def con(tmp_path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {name: rows(con, f"SELECT * FROM raw.{name} ORDER BY ALL") for name in RAW_TABLES}


def test_good_export_lands_with_the_right_types_and_values(con):
    result = land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)

    assert result.source == "csv"
    assert result.days == [AS_OF]
    expected_counts = {
        "addresses": 3,
        "users": 2,
        "promos": 3,
        "products": 3,
        "orders": 3,
        "order_items": 4,
        "events": 13,
    }
    assert result.rows_landed == expected_counts
    assert result.rows_in_raw == expected_counts
    for table in RAW_TABLES.values():
        types = {name: sql_type for name, sql_type, *_ in rows(con, f"DESCRIBE raw.{table.name}")}
        assert types == {
            c.name: "FLOAT" if c.sql_type == "REAL" else c.sql_type for c in table.columns
        }

    assert rows(con, "SELECT zipcode, state FROM raw.addresses ORDER BY zipcode") == [
        (2203, "Massachusetts"),  # 02203: the leading zero is gone
        (7030, "New Jersey"),
        (94114, "California"),
    ]
    assert rows(con, "SELECT address FROM raw.addresses WHERE zipcode = 94114") == [
        ("12 Oak Street, Apt 4",)
    ]
    assert rows(con, "SELECT name FROM raw.products WHERE inventory = 0") == [("Devil's Ivy",)]
    shipped = rows(
        con,
        "SELECT promo_id, estimated_delivery_at, delivered_at, order_total"
        " FROM raw.orders WHERE status = 'shipped'",
    )
    assert shipped == [(None, datetime(2021, 2, 20, 12), None, 106.0)]  # estimate in the future
    preparing = rows(
        con,
        "SELECT created_at, tracking_id, shipping_service, order_total"
        " FROM raw.orders WHERE status = 'preparing'",
    )
    assert preparing == [
        (datetime(2021, 2, 12, 20, 45, 0, 500000), None, None, pytest.approx(32.99))
    ]
    assert rows(con, "SELECT discount FROM raw.promos WHERE promo_id = 'Optional'") == [(25,)]
    assert rows(con, "SELECT source, as_of, days FROM raw.landing_log") == [("csv", AS_OF, [AS_OF])]


def test_generated_data_round_trips_through_a_csv_export(con, tmp_path):
    land_generated(con, as_of=AS_OF)
    export = tmp_path / "export"

    write_csv_export(con, export)
    copy = duckdb.connect(str(tmp_path / "copy.duckdb"))
    land_csv_export(copy, export, as_of=AS_OF)

    assert raw_tables(copy) == raw_tables(con)
    assert sorted(path.name for path in export.iterdir()) == sorted(
        f"{name}.csv" for name in RAW_TABLES
    )
    header, first_row = (export / "users.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header == ",".join(RAW_TABLES["users"].column_names)
    created_at = first_row.split(",")[5]
    assert datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ")


def test_writing_the_good_export_reproduces_its_content(con, tmp_path):
    land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    write_csv_export(con, tmp_path / "export")
    orders = (tmp_path / "export" / "orders.csv").read_text(encoding="utf-8")
    assert "2021-02-12T20:45:00.500000Z" in orders
    assert ",Optional,6513270e-269e-4d37-b2a7-4de452e6b438,2021-02-10T09:15:30Z,102.22," in orders


def test_landing_the_same_export_twice_leaves_the_same_tables(con):
    land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    first = raw_tables(con)
    land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    assert raw_tables(con) == first


def test_an_export_replaces_the_previous_export_whole(con, tmp_path):
    generated = duckdb.connect(str(tmp_path / "generated.duckdb"))
    land_generated(generated, as_of=AS_OF)
    write_csv_export(generated, tmp_path / "bigger")
    generated.close()
    land_csv_export(con, tmp_path / "bigger", as_of=AS_OF)
    result = land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    assert result.rows_in_raw["users"] == 2
    assert result.rows_in_raw["events"] == 13


def test_an_export_onto_generated_days_is_a_usage_error_and_changes_nothing(con):
    land_generated(con, as_of=AS_OF, seed=7)
    before = raw_tables(con)
    with pytest.raises(UsageError, match="holds generated days \\(seed 7") as error:
        land_csv_export(con, GOOD_EXPORT, as_of=AS_OF)
    assert "GREENERY_DUCKDB_PATH" in str(error.value)
    assert raw_tables(con) == before


def replace_in(file: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(export: Path) -> None:
        path = export / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def drop_column(file: str, column: str) -> Callable[[Path], None]:
    def edit(export: Path) -> None:
        path = export / file
        lines = path.read_text(encoding="utf-8").splitlines()
        position = lines[0].split(",").index(column)
        kept = [",".join(v for i, v in enumerate(ln.split(",")) if i != position) for ln in lines]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")

    return edit


def remove(file: str) -> Callable[[Path], None]:
    return lambda export: (export / file).unlink()


def use_semicolons(file: str) -> Callable[[Path], None]:
    return replace_in(file, ",", ";", count=-1)


def encode_latin1(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(export: Path) -> None:
        path = export / file
        path.write_bytes(path.read_bytes().replace(old.encode(), new.encode("latin-1")))

    return edit


def all_event_times_as_us_dates(export: Path) -> None:
    path = export / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        moment = datetime.strptime(fields[4][:19], "%Y-%m-%dT%H:%M:%S")
        fields[4] = moment.strftime("%m/%d/%Y %H:%M")
        broken.append(",".join(fields))
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")


# Each broken variant: how to break the good export, and the words the error must contain.
BROKEN_EXPORTS = {
    "missing file": (remove("order_items.csv"), ["order_items.csv", "missing"]),
    "missing column": (
        drop_column("users.csv", "phone_number"),
        ["users.csv", "line 1", "missing column(s) phone_number"],
    ),
    "unknown column": (
        replace_in("promos.csv", "promo_id,discount,status", "promo_id,discount,status,note"),
        ["promos.csv", "line 1", "unknown column(s) note"],
    ),
    "text in an integer column": (
        replace_in("products.csv", ",77\n", ",lots\n"),
        ["products.csv", "column inventory", "1 value(s) are not whole numbers", "line(s) 2"],
    ),
    "comma decimal in a real column": (
        replace_in("orders.csv", ",102.22,", ',"102,22",'),
        ["orders.csv", "column order_cost", "are not numbers", "line(s) 2 ('102,22')"],
    ),
    "impossible timestamp": (
        replace_in("users.csv", "2021-03-01T08:00:00Z", "2021-02-30T08:00:00Z"),
        ["users.csv", "column updated_at", "UTC timestamps", "line(s) 3"],
    ),
    "every timestamp in a foreign format": (
        all_event_times_as_us_dates,
        ["events.csv", "column created_at", "13 value(s)", "line(s) 2 ('02/10/2021 09:10')"],
    ),
    "unterminated quote": (
        replace_in("addresses.csv", '"12 Oak Street, Apt 4"', '"12 Oak Street, Apt 4'),
        ["addresses.csv", "line 3", "unterminated quote"],
    ),
    "row with an extra field": (
        replace_in(
            "order_items.csv",
            "a170b338-3926-4059-b28c-105d1fb17c23,1\n",
            "a170b338-3926-4059-b28c-105d1fb17c23,1,1\n",
        ),
        ["order_items.csv", "line(s) 4 (4 fields)", "header's 3 fields"],
    ),
    "semicolon delimiter": (
        use_semicolons("products.csv"),
        ["products.csv", "line 1", "product_id, name, price, inventory", "';' as delimiter"],
    ),
    "bytes that are not utf-8": (
        encode_latin1("users.csv", "Wei", "Wéi"),
        ["users.csv", "line 3", "not UTF-8"],
    ),
}


@pytest.mark.parametrize("variant", BROKEN_EXPORTS, ids=str)
def test_a_broken_export_is_refused_and_changes_nothing(con, tmp_path, variant):
    land_generated(con, as_of=AS_OF)
    landed = raw_tables(con)
    log = rows(con, "SELECT * FROM raw.landing_log")
    break_export, expected_words = BROKEN_EXPORTS[variant]
    export = tmp_path / "export"
    shutil.copytree(GOOD_EXPORT, export)
    break_export(export)

    with pytest.raises(LandingError) as error:
        land_csv_export(con, export, as_of=AS_OF)

    for words in expected_words:
        assert words in str(error.value)
    assert raw_tables(con) == landed
    assert rows(con, "SELECT * FROM raw.landing_log") == log


def test_every_problem_of_an_export_is_reported_at_once(con, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(GOOD_EXPORT, export)
    remove("promos.csv")(export)
    replace_in("products.csv", ",77\n", ",lots\n")(export)

    with pytest.raises(LandingError, match="2 problem") as error:
        land_csv_export(con, export, as_of=AS_OF)

    assert "promos.csv" in str(error.value) and "products.csv" in str(error.value)
    assert rows(
        con, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'raw'"
    ) == [(0,)]


def test_a_missing_export_folder_is_a_usage_error(con, tmp_path):
    with pytest.raises(UsageError, match="does not exist: check the path given to --raw-dir"):
        land_csv_export(con, tmp_path / "nowhere", as_of=AS_OF)
