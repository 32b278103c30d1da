"""The warehouse a run writes, chosen once per run: DuckDB (the dev target, one file) or
Snowflake (prod). Each implementation does the run's warehouse work the same way:

- land: the landing (generated days or a CSV export) goes into a local DuckDB file, the
  warehouse itself on DuckDB; on Snowflake its raw tables are then copied over;
- validate: each table's contract, read where dbt built it (flows/contracts/);
- publish (write-audit-publish): dbt builds each business unit's marts into `audit_<unit>`,
  where dbt's tests and the contracts check them; only when every check passed are all of
  them brought to `<unit>` at once, so readers see yesterday's marts or today's, never a
  mix. When a check fails nothing is published and the audit tables stay for inspection;
- read_table: a small table's rows (the KPI mart, for the morning report);
- lock_name: the Prefect concurrency limit that keeps two runs from writing it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

# The landing imports the DuckDB warehouse's transaction: nothing here imports the landing.
if TYPE_CHECKING:
    import duckdb

    from flows.contracts.report import ContractReport
    from flows.landing.result import LandingResult
    from flows.marts import Relation

Target = Literal["dev", "prod"]
# Lands the raw data into a DuckDB connection (flows/landing/).
Landing = Callable[["duckdb.DuckDBPyConnection"], "LandingResult"]


class Warehouse(Protocol):
    @property
    def target(self) -> Target: ...

    def check_settings(self) -> None:
        """Raise a UsageError naming any setting the warehouse lacks, before work starts."""

    def lock_name(self) -> str:
        """The concurrency limit standing for this warehouse."""

    def land(self, landing: Landing) -> LandingResult: ...

    def validate(self, relations: list[Relation], *, against_published: bool) -> ContractReport:
        """Validate `relations` (marts where dbt built them, and snapshots). With
        `against_published` (a day's run) only what differs from the published marts
        is validated, where the warehouse can tell: what they were published with passed
        the same suites."""

    def publish(self, marts: list[Relation], contracts: ContractReport) -> list[str]:
        """Bring every published mart to its audited version at once, as it passed
        `contracts`; their names."""

    def read_table(self, table: str) -> list[dict[str, Any]]:
        """Every row of `table` (schema.name), keyed by lowercase column name."""


def for_target(target: Target, duckdb_file: Path, landing_file: Path) -> Warehouse:
    from flows.warehouse.duckdb import DuckDBWarehouse
    from flows.warehouse.snowflake import SnowflakeWarehouse

    if target == "dev":
        return DuckDBWarehouse(duckdb_file)
    return SnowflakeWarehouse(landing_file)
