"""The prod target: Snowflake (SNOWFLAKE_* settings, flows/snowflake.py).

The landing still goes into a local DuckDB file first (the generator's memory of earlier
days, the CSV loader's checks) and its raw tables are then copied over; the contracts run
as SQL inside Snowflake, so no mart leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from flows import snowflake
from flows.contracts import (
    Contract,
    ContractReport,
    open_project,
    orphan_suites,
    run_contracts,
    snowflake_contracts,
)
from flows.contracts.report import WHOLE_TABLE, Batch
from flows.landing.result import LandingResult
from flows.landing.snowflake_copy import copy_raw_tables
from flows.marts import Relation
from flows.warehouse import Landing

if TYPE_CHECKING:
    from great_expectations.checkpoint import CheckpointResult
    from great_expectations.core.run_identifier import RunIdentifier
    from snowflake.connector.cursor import SnowflakeCursor


@dataclass(frozen=True)
class SnowflakeWarehouse:
    landing_path: Path  # the local DuckDB file landings go into before the copy
    target: Literal["prod"] = "prod"

    def check_settings(self) -> None:
        snowflake.connection_parameters()  # names any missing setting
        self.landing_path.parent.mkdir(parents=True, exist_ok=True)

    def lock_name(self) -> str:
        where = snowflake.connection_parameters()
        return f"greenery-warehouse snowflake {where['account']}.{where['database']}".lower()

    def land(self, landing: Landing) -> LandingResult:
        with duckdb.connect(str(self.landing_path)) as local:
            result = landing(local)
            with snowflake.connect() as warehouse:
                copy_raw_tables(local, warehouse)
        return result

    def validate(self, relations: list[Relation], *, against_published: bool) -> ContractReport:
        """Every table is validated whole, in the warehouse."""
        from sqlalchemy.exc import SQLAlchemyError

        context = open_project()
        contracts = snowflake_contracts(context, relations, snowflake.connection_parameters())

        def run(contract: Contract, run_id: RunIdentifier) -> tuple[CheckpointResult, Batch]:
            return contract.checkpoint.run(run_id=run_id), Batch(WHOLE_TABLE)

        return run_contracts(
            context,
            contracts,
            run,
            errors=(SQLAlchemyError,),
            orphans=orphan_suites(context, relations),
        )

    def publish(self, marts: list[Relation], contracts: ContractReport) -> list[str]:
        """Snowflake commits DDL on its own, so tables are created (or recreated, when a
        mart's columns changed) before the transaction; the rows of all marts change
        together in it. Readers are granted each unit's schema, its future tables included,
        by dbt (macros/grant_select_to_readers.sql)."""
        with snowflake.connect() as con:
            cursor = con.cursor()
            for mart in marts:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {mart.schema}")
                if _columns(cursor, mart.published) != _columns(cursor, mart.audit):
                    cursor.execute(f"CREATE OR REPLACE TABLE {mart.published} LIKE {mart.audit}")
            with snowflake.transaction(cursor):
                for mart in marts:
                    cursor.execute(f"DELETE FROM {mart.published}")
                    cursor.execute(f"INSERT INTO {mart.published} SELECT * FROM {mart.audit}")
        return sorted(mart.published for mart in marts)

    def read_table(self, table: str) -> list[dict[str, Any]]:
        with snowflake.connect() as con:
            cursor = con.cursor()
            cursor.execute(f"SELECT * FROM {table}")
            columns = [column.name.lower() for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _columns(cursor: SnowflakeCursor, relation: str) -> list[tuple[str, str]]:
    schema, table = relation.upper().split(".")
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    )
    return cursor.fetchall()
