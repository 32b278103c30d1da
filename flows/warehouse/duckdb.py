"""The dev target: one DuckDB file holds the raw data, the audit schemas and the marts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pyarrow as pa

from flows.changes import Change, changed_keys, changed_rows, compare, same_columns
from flows.marts import Relation

# The landing writes in this module's transactions, and need not import GX: the contracts
# are imported where the marts are validated.
if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.checkpoint import CheckpointResult
    from great_expectations.core.run_identifier import RunIdentifier

    from flows.contracts import Contract, ContractReport
    from flows.contracts.report import Batch
    from flows.landing.result import LandingResult
    from flows.warehouse import Landing


# Which version of each suite the published marts passed (ContractReport.fingerprints):
# a mart identical to its published version is not validated again unless its suite changed.
PUBLISHED_CONTRACTS = "main.greenery_published_contracts"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit everything done inside, or nothing if anything fails."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    [(found,)] = con.execute(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return found > 0


@dataclass(frozen=True)
class DuckDBWarehouse:
    path: Path
    target: Literal["dev"] = "dev"

    def check_settings(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def lock_name(self) -> str:
        digest = hashlib.sha256(str(self.path).encode()).hexdigest()[:8]
        return f"greenery-warehouse duckdb {self.path.name} {digest}"

    def connect(self) -> duckdb.DuckDBPyConnection:
        # A plain connection: the calling process may already hold one with the default config.
        return duckdb.connect(str(self.path))

    def land(self, landing: Landing) -> LandingResult:
        with self.connect() as con:
            return landing(con)

    def validate(self, relations: list[Relation], *, against_published: bool) -> ContractReport:
        """A mart identical to its published version passed its contract when it was
        published, and is not validated again; an incremental mart is validated on the rows
        that differ from it (flows/changes.py); a full refresh validates every table whole.
        Tables are read into DataFrames: GX has no DuckDB SQL dialect."""
        from flows.contracts import open_project, orphan_suites, pandas_contracts, run_contracts

        context = open_project()
        contracts = pandas_contracts(context, relations)
        with self.connect() as con:
            passed = _published_contracts(con)

            def run(
                contract: Contract, run_id: RunIdentifier
            ) -> tuple[CheckpointResult | None, Batch]:
                relation = contract.relation
                same_contract = passed.get(contract.suite) == contract.fingerprint
                change = (
                    compare(con, relation.audit, relation.published)
                    if against_published and relation.is_mart and same_contract
                    else None
                )
                data, batch = _batch(con, relation, change)
                if data is None:
                    return None, batch
                result = contract.checkpoint.run(
                    batch_parameters={"dataframe": data}, run_id=run_id
                )
                return result, batch

            return run_contracts(
                context,
                contracts,
                run,
                errors=(duckdb.CatalogException,),
                orphans=orphan_suites(context, relations),
            )

    def publish(self, marts: list[Relation], contracts: ContractReport) -> list[str]:
        """One transaction writes only what differs (flows/changes.py): an incremental mart
        gets the rows of its added, changed and removed keys; any other mart that changed
        is replaced whole. The suites they passed are recorded with them."""
        with self.connect() as con, transaction(con):
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {PUBLISHED_CONTRACTS}"
                " (suite VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL)"
            )
            con.execute(f"DELETE FROM {PUBLISHED_CONTRACTS}")
            if contracts.fingerprints:
                con.executemany(
                    f"INSERT INTO {PUBLISHED_CONTRACTS} VALUES (?, ?)",
                    sorted(contracts.fingerprints.items()),
                )
            for mart in marts:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {mart.schema}")
                if mart.incremental and same_columns(con, mart.audit, mart.published):
                    _publish_changed_keys(con, mart)
                elif not compare(con, mart.audit, mart.published).unchanged:
                    con.execute(
                        f"CREATE OR REPLACE TABLE {mart.published} AS SELECT * FROM {mart.audit}"
                    )
        return sorted(mart.published for mart in marts)

    def read_table(self, table: str) -> list[dict[str, Any]]:
        with self.connect() as con:
            rows = con.table(table)
            return [dict(zip(rows.columns, row, strict=True)) for row in rows.fetchall()]


def _published_contracts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The fingerprint of each suite the published marts passed; none before the first
    publication."""
    if not table_exists(con, *PUBLISHED_CONTRACTS.split(".")):
        return {}
    return dict(con.execute(f"SELECT suite, fingerprint FROM {PUBLISHED_CONTRACTS}").fetchall())


def _publish_changed_keys(con: duckdb.DuckDBPyConnection, mart: Relation) -> None:
    target = mart.published
    columns = ", ".join(mart.key)
    matching = " AND ".join(f"{target}.{column} = changed_keys.{column}" for column in mart.key)
    con.execute(f"CREATE TEMP TABLE changed_keys AS {changed_keys(mart.audit, target, mart.key)}")
    con.execute(f"DELETE FROM {target} USING changed_keys WHERE {matching}")
    con.execute(
        f"INSERT INTO {target} SELECT * FROM {mart.audit} SEMI JOIN changed_keys USING ({columns})"
    )
    con.execute("DROP TABLE changed_keys")


def _batch(
    con: duckdb.DuckDBPyConnection, relation: Relation, change: Change | None
) -> tuple[pd.DataFrame | None, Batch]:
    """What to validate of the audit table, given how it differs from the published one."""
    from flows.contracts.report import CHANGED_ROWS, UNCHANGED, WHOLE_TABLE, Batch

    if change and change.unchanged:
        return None, Batch(UNCHANGED, rows=0)
    if change and change.comparable and change.changed and relation.incremental:
        data = read_arrow(con.sql(changed_rows(relation.audit, relation.published)))
        return data, Batch(CHANGED_ROWS, rows=len(data))
    data = read_arrow(con.table(relation.audit))
    return data, Batch(WHOLE_TABLE, rows=len(data))


def read_arrow(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """The relation's rows as a DataFrame, through Arrow: at two million rows, DuckDB's own
    .df() takes six times as long and twice the memory. Decimals become floats and dates
    datetimes, as .df() makes them."""
    table = relation.fetch_arrow_table()
    floats = pa.schema(
        pa.field(field.name, pa.float64()) if pa.types.is_decimal(field.type) else field
        for field in table.schema
    )
    return table.cast(floats).to_pandas(date_as_object=False)
