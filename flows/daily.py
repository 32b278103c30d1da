"""The daily Greenery run: land → check raw → snapshot → build → validate → publish → KPIs →
record.

python -m flows.daily [--as-of YYYY-MM-DD] [--raw-dir DIR] [--scale N] [--seed N]
                      [--history-days N] [--target dev|prod] [--skip-landing]
                      [--full-refresh] [--scenario NAME] [--verbose]

Its settings come from GREENERY_* variables (flows/settings.py) and, on prod, SNOWFLAKE_*
variables (flows/snowflake.py); a bad value is a usage error, like a bad argument.

Prefect records the run on the API in PREFECT_API_URL, or else on the local Prefect
server in PREFECT_HOME, started on first use and left running for later runs (`make
stop` stops it). The flow itself is flows/pipeline.py.
"""

import argparse
import atexit
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NoReturn

from deployments import local_server
from flows.scenarios import NOT_GENERATED, SCENARIOS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage error: said as one, with what to do, and exit 1 like any failed run."""
        self.print_usage(sys.stderr)
        self.exit(1, f"Usage error: {message}. Nothing was run; see {self.prog} --help.\n")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a day as YYYY-MM-DD, such as 2024-03-03, not {value!r}"
        ) from None


def _folder(value: str) -> str:
    if not Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder (a CSV export's folder)")
    return value


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m flows.daily",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        default=None,
        help="the day to run for, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument(
        "--raw-dir",
        type=_folder,
        default=None,
        help="land a directory of CSV exports instead of generated data",
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
    parser.add_argument(
        "--target",
        choices=["dev", "prod"],
        default="dev",
        help="dev: the DuckDB file (default); prod: Snowflake, from the SNOWFLAKE_* variables",
    )
    parser.add_argument(
        "--skip-landing",
        action="store_true",
        help="do not land anything: model the raw data other tools landed",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental marts from all of history (after a model change,"
        " or rows that landed more than 3 days late)",
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default=None,
        help="make the --as-of day a bad business day on purpose, to see a KPI alert end"
        " to end (generated data only): conversion-drop (a third fewer visits end in"
        " an order) or slow-deliveries (parcels due that day arrive two days late)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show Prefect's log lines (every task's state) in the terminal too",
    )
    args = parser.parse_args(argv)
    if args.scenario and (args.raw_dir or args.skip_landing):
        parser.error(NOT_GENERATED)
    return args


@contextmanager
def _prefect_api() -> Iterator[None]:
    """The configured Prefect API, or else the local background server."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_UI_URL,
        temporary_settings,
    )

    if PREFECT_API_URL.value():
        yield
        return
    server = local_server.ensure_background(PREFECT_HOME.value())
    with temporary_settings({PREFECT_API_URL: server.api_url, PREFECT_UI_URL: server.ui_url}):
        yield


def _settings_problem(target: str) -> str | None:
    """What is wrong with the settings from the environment, if anything. Checked before
    the pipeline is imported: flows/faults.py reads its retries when imported."""
    from flows.settings import SettingsError, settings
    from flows.snowflake import snowflake_settings

    problems = []
    for read in (settings, snowflake_settings) if target == "prod" else (settings,):
        try:
            read()
        except SettingsError as error:
            problems.append(str(error))
    return "; ".join(problems) or None


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if problem := _settings_problem(args.target):
        print(f"Usage error: {problem}. Nothing was run.", file=sys.stderr)
        return 1
    # Prefect, dbt and GX take seconds to import: only after the arguments are good.
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    from flows.console import terminal
    from flows.pipeline import greenery_daily
    from flows.summary import RunSummary

    try:
        with terminal(args.verbose), _prefect_api():
            state = greenery_daily(
                as_of=args.as_of,
                raw_dir=args.raw_dir,
                scale=args.scale,
                seed=args.seed,
                history_days=args.history_days,
                target=args.target,
                skip_landing=args.skip_landing,
                full_refresh=args.full_refresh,
                scenario=args.scenario,
                return_state=True,
            )
            # Automations act on the run's events: they reach the server before it ends.
            APILogWorker.drain_all(timeout=10)
            EventsWorker.drain_all(timeout=10)
    except local_server.ServerDidNotStart as error:
        print(f"Greenery daily run: FAILED before starting\n  {error}")
        return 1
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):  # a bug in the pipeline: its traceback helps
        raise summary
    if not isinstance(summary, RunSummary):
        raise TypeError(f"the flow returned {summary!r}, not its summary")
    print("\n".join(summary.lines()))
    return 0 if summary.succeeded else 1


def _exit_without_teardown(status: list[int]) -> None:
    """End the process once every other exit handler has run (Prefect's drains, logging's).

    What is left is the interpreter freeing, one by one, every object the run made: dbt's
    manifest, GX, DuckDB's buffers. That took 2 to 3 s after a scale-100 run, and 12 s on a
    loaded machine, with nothing left to write: the run's files are closed, and DuckDB's
    committed transactions are already in its file or in its write-ahead log.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status[0])


if __name__ == "__main__":
    status = [1]  # if main() raises (a bug), its traceback is printed first
    atexit.register(_exit_without_teardown, status)  # registered first: runs last
    try:
        status[0] = main()
    except SystemExit as stop:  # --help, or a usage error, from argparse
        status[0] = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        raise
    sys.exit(status[0])
