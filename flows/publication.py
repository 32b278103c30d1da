"""Write-audit-publish: the last step, publishing audited marts to the schemas people read.

dbt builds each business unit's marts into `audit_<unit>` (dbt_project.yml); dbt tests and
the GX contracts check them there. Only when every check passed does the flow copy all of
them to `<unit>` at once: readers see yesterday's marts or today's, never a mix. When a
check fails nothing is copied, and the audit tables stay for inspection. On DuckDB only
what changed is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb

from flows import snowflake
from flows.changes import changed_keys, compare, same_columns
from flows.landing.warehouse import transaction

if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection
    from snowflake.connector.cursor import SnowflakeCursor

AUDIT_PREFIX = "audit_"
PUBLISHED_SCHEMAS = ("core", "marketing", "product")


def audit_relation(relation: str) -> str:
    """Where a published mart is built and audited: core.fact_orders -> audit_core.fact_orders.
    Other relations (the snapshots) are checked where they are."""
    schema = relation.split(".")[0]
    return f"{AUDIT_PREFIX}{relation}" if schema in PUBLISHED_SCHEMAS else relation


def audited_marts(built: dict[str, list[str]]) -> dict[str, list[str]]:
    """The audit tables among what dbt built, with their readers' roles."""
    return {
        relation: readers
        for relation, readers in built.items()
        if relation.split(".")[0] in {AUDIT_PREFIX + schema for schema in PUBLISHED_SCHEMAS}
    }


def published_relation(audit: str) -> str:
    return audit.removeprefix(AUDIT_PREFIX)


def publish_duckdb(
    con: duckdb.DuckDBPyConnection, marts: dict[str, list[str]], keys: Mapping[str, list[str]]
) -> list[str]:
    """Bring every published mart to its audited version in one transaction, writing only
    what differs (flows/changes.py): a mart with a key in `keys` (an incremental mart) gets
    the rows of its added, changed and removed keys; any other mart that changed is
    replaced whole."""
    with transaction(con):
        for audit in sorted(marts):
            target = published_relation(audit)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {target.split('.')[0]}")
            if audit in keys and same_columns(con, audit, target):
                _publish_changed_keys(con, audit, target, keys[audit])
            elif not compare(con, audit, target).unchanged:
                con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {audit}")
    return sorted(published_relation(audit) for audit in marts)


def _publish_changed_keys(
    con: duckdb.DuckDBPyConnection, audit: str, target: str, key: list[str]
) -> None:
    columns = ", ".join(key)
    matching = " AND ".join(f"{target}.{column} = changed_keys.{column}" for column in key)
    con.execute(f"CREATE TEMP TABLE changed_keys AS {changed_keys(audit, target, key)}")
    con.execute(f"DELETE FROM {target} USING changed_keys WHERE {matching}")
    con.execute(
        f"INSERT INTO {target} SELECT * FROM {audit} SEMI JOIN changed_keys USING ({columns})"
    )
    con.execute("DROP TABLE changed_keys")


def publish_snowflake(con: SnowflakeConnection, marts: dict[str, list[str]]) -> list[str]:
    """Replace the rows of every published mart with its audited version in one transaction.

    Snowflake commits DDL on its own, so tables are created (or recreated, when a mart's
    columns changed) before the transaction; the rows of all marts change together in it.
    """
    cursor = con.cursor()
    for audit in sorted(marts):
        target = published_relation(audit)
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {target.split('.')[0]}")
        if _columns(cursor, target) != _columns(cursor, audit):
            cursor.execute(f"CREATE OR REPLACE TABLE {target} LIKE {audit}")
    with snowflake.transaction(cursor):
        for audit in sorted(marts):
            target = published_relation(audit)
            cursor.execute(f"DELETE FROM {target}")
            cursor.execute(f"INSERT INTO {target} SELECT * FROM {audit}")
    for audit, readers in sorted(marts.items()):
        for role in readers:
            cursor.execute(f"GRANT SELECT ON TABLE {published_relation(audit)} TO ROLE {role}")
    return sorted(published_relation(audit) for audit in marts)


def _columns(cursor: SnowflakeCursor, relation: str) -> list[tuple[str, str]]:
    schema, table = relation.upper().split(".")
    return cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    ).fetchall()
