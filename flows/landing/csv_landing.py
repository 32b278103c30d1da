"""Land a CSV export of the shop database: a full snapshot replacing the raw tables."""

from datetime import date
from pathlib import Path

import duckdb

from flows.landing.csv_parsing import read_export
from flows.landing.landing_log import LandingRecord, record_landing
from flows.landing.raw_schema import RAW_TABLES
from flows.landing.result import LandingResult
from flows.landing.warehouse import count_rows, ensure_raw_tables, replace_rows, transaction

SOURCE = "csv"


def land_csv_export(con: duckdb.DuckDBPyConnection, raw_dir: Path, *, as_of: date) -> LandingResult:
    """Replace the seven raw tables with the export in `raw_dir`, in one transaction.

    The whole export is checked first; on any problem a LandingError lists them
    all and the warehouse is not touched.
    """
    tables = read_export(raw_dir)
    with transaction(con):
        ensure_raw_tables(con)
        rows_landed = {
            name: replace_rows(con, table, tables[name]) for name, table in RAW_TABLES.items()
        }
        record_landing(
            con,
            LandingRecord(source=SOURCE, as_of=as_of, days=[as_of], raw_dir=str(raw_dir)),
        )
        return LandingResult(SOURCE, [as_of], rows_landed, count_rows(con))
