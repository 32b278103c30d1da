"""Land a CSV export of the shop database: a full snapshot replacing the raw tables."""

from datetime import date
from pathlib import Path

import duckdb

from flows.failures import UsageError
from flows.landing.csv_parsing import read_export
from flows.landing.landing_log import LandingRecord, last_landing, record_landing
from flows.landing.raw_schema import RAW_TABLES
from flows.landing.raw_tables import count_rows, ensure_raw_tables, replace_rows
from flows.landing.result import LandingResult
from flows.warehouse.duckdb import transaction

SOURCE = "csv"


def land_csv_export(con: duckdb.DuckDBPyConnection, raw_dir: Path, *, as_of: date) -> LandingResult:
    """Replace the seven raw tables with the export in `raw_dir`, in one transaction.

    The whole export is checked first; on any problem a LandingError lists them
    all and the warehouse is not touched. A warehouse of generated days is refused (a
    UsageError): the export would replace that shop with another.
    """
    tables = read_export(raw_dir)
    with transaction(con):
        _check_not_generated(last_landing(con))
        ensure_raw_tables(con)
        rows_landed = {
            name: replace_rows(con, table, tables[name]) for name, table in RAW_TABLES.items()
        }
        record_landing(
            con,
            LandingRecord(source=SOURCE, as_of=as_of, days=[as_of], raw_dir=str(raw_dir)),
        )
        return LandingResult(SOURCE, [as_of], rows_landed, count_rows(con))


def _check_not_generated(previous: LandingRecord | None) -> None:
    if previous is not None and previous.source != SOURCE:
        raise UsageError(
            f"The warehouse holds generated days (seed {previous.seed}, scale"
            f" {previous.scale}, up to {previous.as_of}); a CSV export would replace that"
            " shop with another. Land the export into a warehouse of its own: point"
            " GREENERY_DUCKDB_PATH at a new file."
        )
