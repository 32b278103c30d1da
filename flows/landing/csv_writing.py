"""Write the raw tables as a CSV export, in the format land_csv_export reads."""

from pathlib import Path

import duckdb

from flows.landing.errors import LandingError
from flows.landing.raw_schema import RAW_SCHEMA, RAW_TABLES, Column
from flows.warehouse.duckdb import table_exists


def write_csv_export(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """One <table>.csv per raw table in `out_dir`, rows ordered by primary key.

    UTF-8, comma-delimited, header row, NULL as an empty field, timestamps in
    ISO-8601 UTC ending in Z.
    """
    missing = [name for name in RAW_TABLES if not table_exists(con, RAW_SCHEMA, name)]
    if missing:
        raise LandingError(
            f"Nothing to export: the warehouse has no raw table(s) {', '.join(missing)}."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in RAW_TABLES.values():
        columns = ", ".join(_exported(column) for column in table.columns)
        order = ", ".join(table.primary_key)
        con.sql(f"SELECT {columns} FROM {RAW_SCHEMA}.{table.name} ORDER BY {order}").write_csv(
            str(out_dir / f"{table.name}.csv"), header=True, sep=","
        )


def _exported(column: Column) -> str:
    if column.sql_type != "TIMESTAMP":
        return column.name
    # Whole seconds print as 2021-02-10T16:02:09Z, others with microseconds.
    return (
        f"CASE WHEN microsecond({column.name}) % 1000000 = 0"
        f" THEN strftime({column.name}, '%Y-%m-%dT%H:%M:%SZ')"
        f" ELSE strftime({column.name}, '%Y-%m-%dT%H:%M:%S.%fZ') END AS {column.name}"
    )
