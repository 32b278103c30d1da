"""What a run changed in a mart: its audit table against the version readers have, row by
row, on DuckDB. The contracts validate what changed, and publication copies it.

Rows are compared by a hash of the whole row (DuckDB's 64-bit `hash`), as sets: a row
counts as changed when no published row has its hash. Comparing hashes is ten times
cheaper than comparing the rows' values (EXCEPT) at two million rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Change:
    """An audit table against its published version."""

    comparable: bool  # the published version exists, with the same columns in the same order
    changed: int = 0  # audit rows that are not in the published version
    removed: int = 0  # published rows that are not in the audit table
    same_count: bool = False

    @property
    def unchanged(self) -> bool:
        return self.comparable and not self.changed and not self.removed and self.same_count


def compare(con: duckdb.DuckDBPyConnection, audit: str, published: str) -> Change:
    if not same_columns(con, audit, published):
        return Change(comparable=False)
    [(changed, removed, audit_rows, published_rows)] = con.execute(
        f"""
        select
            count(*) filter (where published.h is null),
            count(*) filter (where audit.h is null),
            (select count(*) from {audit}),
            (select count(*) from {published})
        from (select hash(a) as h from {audit} as a) as audit
        full join (select hash(p) as h from {published} as p) as published
            on audit.h = published.h
        """
    ).fetchall()
    return Change(True, changed, removed, audit_rows == published_rows)


def changed_rows(audit: str, published: str) -> str:
    """A query for the rows of `audit` that are not in `published`."""
    return f"from {audit} as a where hash(a) not in (select hash(p) from {published} as p)"


def changed_keys(audit: str, published: str, key: Sequence[str]) -> str:
    """A query for the keys whose row was added, changed or removed."""
    columns = ", ".join(key)
    return f"""
        select {columns} {changed_rows(audit, published)}
        union
        select {columns} {changed_rows(published, audit)}
    """


def same_columns(con: duckdb.DuckDBPyConnection, audit: str, published: str) -> bool:
    """Whether the published version exists, with the audit table's columns in its order."""
    columns = {}
    for relation in (audit, published):
        schema, table = relation.split(".")
        columns[relation] = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    return bool(columns[published]) and columns[published] == columns[audit]
