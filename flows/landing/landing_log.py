"""The landing log, raw.landing_log: one row per landing call that changed the warehouse."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from flows.landing.raw_schema import RAW_SCHEMA
from flows.warehouse.duckdb import table_exists

LOG_TABLE = "landing_log"
_QUALIFIED = f"{RAW_SCHEMA}.{LOG_TABLE}"


@dataclass(frozen=True)
class LandingRecord:
    source: str  # "generator" or "csv"
    as_of: date
    days: list[date]
    seed: int | None = None  # generator only
    scale: int | None = None  # generator only
    origin: date | None = None  # generator only: the first day ever generated
    raw_dir: str | None = None  # csv only
    scenario: str | None = None  # generator only: the bad day made on purpose on `as_of`


def last_landing(con: duckdb.DuckDBPyConnection) -> LandingRecord | None:
    if not table_exists(con, RAW_SCHEMA, LOG_TABLE):
        return None
    _add_scenario_column(con)
    rows = con.execute(
        f"SELECT source, as_of, days, seed, scale, origin, raw_dir, scenario FROM {_QUALIFIED}"
        " ORDER BY landing_id DESC LIMIT 1"
    ).fetchall()
    return LandingRecord(*rows[0]) if rows else None


def scenario_days(con: duckdb.DuckDBPyConnection, scenario: str) -> frozenset[date]:
    """The days `scenario` was applied to: the as-of days of the landings that asked for it."""
    _add_scenario_column(con)
    rows = con.execute(f"SELECT as_of FROM {_QUALIFIED} WHERE scenario = ?", [scenario]).fetchall()
    return frozenset(day for (day,) in rows)


def record_landing(con: duckdb.DuckDBPyConnection, record: LandingRecord) -> None:
    """Append `record`, stamped with the wall-clock time in UTC."""
    con.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {_QUALIFIED} (
            landing_id INTEGER, landed_at TIMESTAMP, source VARCHAR, as_of DATE,
            days DATE[], seed BIGINT, scale INTEGER, origin DATE, raw_dir VARCHAR,
            scenario VARCHAR
        )
        """
    )
    _add_scenario_column(con)
    con.execute(
        f"""
        INSERT INTO {_QUALIFIED}
        SELECT coalesce(max(landing_id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?
        FROM {_QUALIFIED}
        """,
        [
            datetime.now(UTC).replace(tzinfo=None),
            record.source,
            record.as_of,
            record.days,
            record.seed,
            record.scale,
            record.origin,
            record.raw_dir,
            record.scenario,
        ],
    )


def _add_scenario_column(con: duckdb.DuckDBPyConnection) -> None:
    # Warehouses that started before scenarios existed log without the column.
    con.execute(f"ALTER TABLE {_QUALIFIED} ADD COLUMN IF NOT EXISTS scenario VARCHAR")
