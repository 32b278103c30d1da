"""The raw schema of a landing's DuckDB file: create its tables, write rows into them,
count them."""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from flows.landing.raw_schema import RAW_SCHEMA, RAW_TABLES, RawTable
from flows.warehouse.duckdb import table_exists

_PANDAS_DTYPES = {
    "VARCHAR": "str",
    "INTEGER": "Int64",
    "REAL": "float64",
    "TIMESTAMP": "datetime64[us]",
}
_INCOMING = "landing_incoming"
_CHANGES = "landing_changes"


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its tables if missing, without any constraint."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for table in RAW_TABLES.values():
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {_qualified(table)} ({columns})")


def count_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each raw table; 0 for a table that does not exist yet."""
    return {
        name: _count(con, f"SELECT count(*) FROM {_qualified(table)}")
        if table_exists(con, RAW_SCHEMA, name)
        else 0
        for name, table in RAW_TABLES.items()
    }


def upsert(con: duckdb.DuckDBPyConnection, table: RawTable, rows: list[tuple]) -> int:
    """Insert new rows and replace changed ones, matched by primary key.

    Returns how many rows were inserted or changed; identical rows are left alone.
    """
    key = ", ".join(table.primary_key)
    matches = " AND ".join(f"t.{k} = c.{k}" for k in table.primary_key)
    with _registered(con, table, rows):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {_CHANGES} AS
            SELECT {_typed_columns(table)} FROM {_INCOMING}
            EXCEPT
            SELECT t.* FROM {_qualified(table)} AS t SEMI JOIN {_INCOMING} USING ({key})
            """
        )
    con.execute(f"DELETE FROM {_qualified(table)} AS t USING {_CHANGES} AS c WHERE {matches}")
    con.execute(f"INSERT INTO {_qualified(table)} SELECT * FROM {_CHANGES}")
    changed = _count(con, f"SELECT count(*) FROM {_CHANGES}")
    con.execute(f"DROP TABLE {_CHANGES}")
    return changed


def replace_rows(con: duckdb.DuckDBPyConnection, table: RawTable, rows: list[tuple]) -> int:
    """Make `rows` the table's whole content; returns how many rows were inserted."""
    con.execute(f"DELETE FROM {_qualified(table)}")
    with _registered(con, table, rows):
        con.execute(
            f"INSERT INTO {_qualified(table)} SELECT {_typed_columns(table)} FROM {_INCOMING}"
        )
    return len(rows)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    # fetchall, not fetchone: DuckDB 2 refuses further work on a connection
    # whose last result was not read to the end.
    ((value,),) = con.execute(sql).fetchall()
    return value


def _qualified(table: RawTable) -> str:
    return f"{RAW_SCHEMA}.{table.name}"


def _typed_columns(table: RawTable) -> str:
    return ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in table.columns)


@contextmanager
def _registered(
    con: duckdb.DuckDBPyConnection, table: RawTable, rows: list[tuple]
) -> Iterator[None]:
    """Expose `rows` to SQL as a view named _INCOMING, built column by column."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(table.columns)
    frame = pd.DataFrame(
        {
            column.name: pd.Series(column_values, dtype=_PANDAS_DTYPES[column.sql_type])
            for column, column_values in zip(table.columns, values, strict=True)
        }
    )
    con.register(_INCOMING, frame)
    try:
        yield
    finally:
        con.unregister(_INCOMING)
