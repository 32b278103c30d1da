"""The daily Greenery run: land → freshness → snapshot → build and test.

python -m flows.daily [--as-of YYYY-MM-DD] [--raw-dir DIR] [--scale N]
                      [--seed N] [--history-days N]
"""

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from prefect import flow, task

from flows.landing import LandingError, LandingResult, land_csv_export, land_generated
from flows.settings import DUCKDB_PATH_ENV, duckdb_path
from flows.summary import PipelineFailed, RunSummary
from flows.transform import run_dbt


@task(name="Land the shop's raw data")
def land_raw_data(
    warehouse: Path,
    as_of: date,
    raw_dir: Path | None,
    seed: int,
    scale: int,
    history_days: int,
) -> LandingResult:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        if raw_dir is not None:
            return land_csv_export(con, raw_dir, as_of=as_of)
        return land_generated(con, as_of=as_of, seed=seed, scale=scale, history_days=history_days)


@flow(name="greenery_daily", flow_run_name="greenery-daily-{as_of}")
def greenery_daily(
    as_of: date | None = None,
    raw_dir: str | None = None,
    scale: int = 1,
    seed: int = 42,
    history_days: int = 3,
) -> RunSummary:
    as_of = as_of or datetime.now(UTC).date()
    warehouse = duckdb_path()
    os.environ[DUCKDB_PATH_ENV] = str(warehouse)  # dbt's profile reads it

    summary = RunSummary(as_of=as_of)
    summary.landing = land_raw_data(
        warehouse, as_of, Path(raw_dir) if raw_dir else None, seed, scale, history_days
    )
    for command in (
        ["source", "freshness"],
        ["snapshot"],
        ["build", "--exclude-resource-type", "snapshot"],
    ):
        summary.dbt.append(run_dbt(command, as_of=as_of))
        if summary.failures:
            raise PipelineFailed(summary)
    return summary


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flows.daily", description=__doc__)
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="the day to run for, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument(
        "--raw-dir", default=None, help="land a directory of CSV exports instead of generated data"
    )
    parser.add_argument(
        "--scale", type=int, default=1, help="generator size; 1 is about the shop's size"
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument(
        "--history-days",
        type=int,
        default=3,
        help="days of history the generator lands into an empty warehouse",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        summary = greenery_daily(
            as_of=args.as_of,
            raw_dir=args.raw_dir,
            scale=args.scale,
            seed=args.seed,
            history_days=args.history_days,
        )
    except PipelineFailed as failed:
        print("\n".join(failed.summary.lines()))
        return 1
    except LandingError as error:
        print(f"Greenery daily run: FAILED while landing raw data\n  {error}")
        return 1
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
