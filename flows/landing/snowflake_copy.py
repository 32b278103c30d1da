"""Copy a landing from its local DuckDB file into Snowflake's raw schema.

On the prod target the generator and the CSV loader still land into a local DuckDB file
(all their checks, the generator's memory of earlier days); this copy then makes
Snowflake's raw tables equal to it. It serves demos, tests and first loads: a team whose
raw data arrives by other tools runs with --skip-landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb

from flows.landing.raw_schema import RAW_SCHEMA, RAW_TABLES, RawTable
from flows.snowflake import transaction

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection
    from snowflake.connector.cursor import SnowflakeCursor

# Rows per INSERT statement: keeps each statement well under Snowflake's size limit.
BATCH_ROWS = 2_000
_INCOMING_SUFFIX = "__incoming"


def copy_raw_tables(local: duckdb.DuckDBPyConnection, snowflake: SnowflakeConnection) -> None:
    """Replace Snowflake's seven raw tables with the local ones.

    Rows go to `<table>__incoming` first; one transaction then swaps the contents of all
    seven tables, so readers see the old landing or the new one, never a mix.
    """
    cursor = snowflake.cursor()
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    # DDL commits on its own in Snowflake, so every table exists before the transaction.
    for table in RAW_TABLES.values():
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {_qualified(table)} ({columns})")
        cursor.execute(f"CREATE OR REPLACE TRANSIENT TABLE {_incoming(table)} ({columns})")
        _upload(local, cursor, table)
    with transaction(cursor):
        for table in RAW_TABLES.values():
            cursor.execute(f"DELETE FROM {_qualified(table)}")
            cursor.execute(f"INSERT INTO {_qualified(table)} SELECT * FROM {_incoming(table)}")
    for table in RAW_TABLES.values():
        cursor.execute(f"DROP TABLE IF EXISTS {_incoming(table)}")


def _upload(local: duckdb.DuckDBPyConnection, cursor: SnowflakeCursor, table: RawTable) -> None:
    placeholders = ", ".join(["%s"] * len(table.columns))
    insert = (
        f"INSERT INTO {_incoming(table)} ({', '.join(table.column_names)}) VALUES ({placeholders})"
    )
    for batch in _batches(local, table):
        cursor.executemany(insert, batch)


def _batches(local: duckdb.DuckDBPyConnection, table: RawTable) -> Iterator[list[tuple]]:
    # REAL is single precision in DuckDB: going through text keeps 20.48 as 20.48
    # rather than the 20.479999542236328 a float64 would read from it.
    columns = ", ".join(
        f"CAST(CAST({c.name} AS VARCHAR) AS DOUBLE)" if c.sql_type == "REAL" else c.name
        for c in table.columns
    )
    result = local.execute(f"SELECT {columns} FROM {_qualified(table)}")
    while batch := result.fetchmany(BATCH_ROWS):
        yield batch


def _qualified(table: RawTable) -> str:
    return f"{RAW_SCHEMA}.{table.name}"


def _incoming(table: RawTable) -> str:
    return f"{RAW_SCHEMA}.{table.name}{_INCOMING_SUFFIX}"
