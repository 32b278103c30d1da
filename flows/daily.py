"""The daily Greenery run: land → check raw → snapshot → build → validate → publish → record.

python -m flows.daily [--as-of YYYY-MM-DD] [--raw-dir DIR] [--scale N] [--seed N]
                      [--history-days N] [--target dev|prod] [--skip-landing]
                      [--full-refresh]
"""

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import duckdb
from prefect import flow, task
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL

from flows import snowflake
from flows.contracts import ContractReport, validate_marts, validate_snowflake_marts
from flows.faults import (
    WAREHOUSE_RETRIES,
    WarehouseBusy,
    WarehouseUnavailable,
    exclusive_warehouse,
    gave_up_line,
    reaching_the_warehouse,
)
from flows.landing import LandingError, LandingResult, land_csv_export, land_generated
from flows.landing.snowflake_copy import copy_raw_tables
from flows.publication import audited_marts, publish_duckdb, publish_snowflake
from flows.reporting import (
    emit_dbt_failure_event,
    emit_landing_failure_event,
    emit_suite_event,
    publish_contract_artifacts,
)
from flows.settings import DUCKDB_PATH_ENV, duckdb_path, snowflake_landing_path
from flows.summary import PipelineFailed, RunSummary, not_published_line
from flows.transform import run_dbt

Target = Literal["dev", "prod"]
# Three builds that between them run every dbt node once. The raw data's checks and the
# snapshots take only tests whose every parent they select ("cautious"); the marts' build
# takes every test touching a mart, including relationships back to staging.
RAW_CHECKS = ["build", "--select", "source:greenery", "staging", "--indirect-selection", "cautious"]
SNAPSHOTS = ["build", "--select", "resource_type:snapshot", "--indirect-selection", "cautious"]
REWIND_SNAPSHOTS = ["run-operation", "rewind_snapshots"]  # a rerun replaces its day
_MARTS = ["build", "--select", "intermediate", "marts", "--exclude-resource-type"]
# Unit tests check SQL logic on fixed inputs, not data: they run on dev and in CI, and
# production builds leave them out, as dbt advises.
BUILD = {"dev": [*_MARTS, "snapshot"], "prod": [*_MARTS, "snapshot", "unit_test"]}


@task(name="Land the shop's raw data", **WAREHOUSE_RETRIES)
def land_raw_data(
    target: Target,
    as_of: date,
    raw_dir: Path | None,
    seed: int,
    scale: int,
    history_days: int,
) -> LandingResult:
    local = duckdb_path() if target == "dev" else snowflake_landing_path()
    local.parent.mkdir(parents=True, exist_ok=True)
    with reaching_the_warehouse("landing the raw data"), duckdb.connect(str(local)) as con:
        if raw_dir is not None:
            result = land_csv_export(con, raw_dir, as_of=as_of)
        else:
            result = land_generated(
                con, as_of=as_of, seed=seed, scale=scale, history_days=history_days
            )
        if target == "prod":
            with snowflake.connect() as warehouse:
                copy_raw_tables(con, warehouse)
    return result


@task(name="Validate the marts against their contracts", **WAREHOUSE_RETRIES)
def validate_contracts(target: Target) -> ContractReport:
    with reaching_the_warehouse("validating the marts"):
        return validate_marts(duckdb_path()) if target == "dev" else validate_snowflake_marts()


@task(name="Publish the audited marts", **WAREHOUSE_RETRIES)
def publish_marts(target: Target, marts: dict[str, list[str]]) -> list[str]:
    with reaching_the_warehouse("publishing the marts"):
        if target == "dev":
            with duckdb.connect(str(duckdb_path())) as con:
                return publish_duckdb(con, marts)
        with snowflake.connect() as con:
            return publish_snowflake(con, marts)


@task(name="Record the results in Prefect")
def record_results(summary: RunSummary) -> None:
    publication = summary.publication_line()
    for failure in summary.failures:
        emit_dbt_failure_event(failure, summary.target, publication)
    if summary.contracts:
        publish_contract_artifacts(summary.contracts, publication)
        docs_index = summary.contracts.docs_index.as_uri()
        for suite in summary.contracts.suites:
            emit_suite_event(suite, docs_index, summary.target, publication)


def _today() -> date:
    return datetime.now(UTC).date()


def _run_name() -> str:
    return f"greenery-daily-{flow_run.parameters.get('as_of') or _today()}"


@flow(name="greenery_daily", flow_run_name=_run_name)
def greenery_daily(
    as_of: date | None = None,
    raw_dir: str | None = None,
    scale: int = 1,
    seed: int = 42,
    history_days: int = 3,
    target: Target = "dev",
    skip_landing: bool = False,
    full_refresh: bool = False,
    snowflake_credentials_block: str | None = None,
) -> RunSummary:
    """`target` is the dbt target: dev, the DuckDB file, or prod, Snowflake (SNOWFLAKE_*
    variables, or the SnowflakeCredentials block named by `snowflake_credentials_block`).
    `skip_landing` leaves raw data landed by other tools alone; `full_refresh` rebuilds
    the incremental marts from all of history instead of adding the day to them."""
    as_of = as_of or _today()
    os.environ[DUCKDB_PATH_ENV] = str(duckdb_path())  # dbt's dev profile reads it
    if snowflake_credentials_block:
        snowflake.use_credentials_block(snowflake_credentials_block)
    if target == "prod":
        snowflake.connection_parameters()  # names any missing setting before work starts

    summary = RunSummary(as_of=as_of, target=target)
    with exclusive_warehouse(target):
        if not skip_landing:
            try:
                summary.landing = land_raw_data(
                    target, as_of, Path(raw_dir) if raw_dir else None, seed, scale, history_days
                )
            except LandingError as error:
                emit_landing_failure_event(error, target, not_published_line("bad raw data"))
                raise
        # A CSV export replaces the raw tables whole: rows may have gone, which adding to
        # the incremental marts would keep. Generated days only add and update rows.
        replaced = summary.landing is not None and summary.landing.source == "csv"
        _transform_and_validate(summary, full_refresh or replaced)
    record_results(summary)
    if summary.problems:
        raise PipelineFailed(summary)
    return summary


def _transform_and_validate(summary: RunSummary, full_refresh: bool) -> None:
    """Freshness and the raw data's checks → snapshot → build the marts into the audit
    schemas → contracts → publish. Stale or failing raw data stops before the snapshot, so
    history only records checked data; failing mart tests do not stop the contracts, so
    stakeholders get the whole picture; any failure stops publication."""
    for command in (["source", "freshness"], RAW_CHECKS, REWIND_SNAPSHOTS, SNAPSHOTS):
        summary.dbt.append(run_dbt(command, as_of=summary.as_of, target=summary.target))
        if summary.failures:
            return
    build_command = [*BUILD[summary.target], *(["--full-refresh"] if full_refresh else [])]
    build = run_dbt(build_command, as_of=summary.as_of, target=summary.target)
    summary.dbt.append(build)
    summary.contracts = validate_contracts(summary.target)
    if not summary.problems:
        summary.published = publish_marts(summary.target, audited_marts(build.built))


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
    return parser.parse_args(argv)


def _stop_temporary_server() -> None:
    """Stop the temporary Prefect server a run without PREFECT_API_URL starts, so
    that its shutdown messages come before the summary rather than after it."""
    if not PREFECT_API_URL.value():
        from prefect.server.api.server import SubprocessASGIServer  # only for this case

        APILogWorker.drain_all(timeout=5)  # send queued logs while the server still listens
        EventsWorker.drain_all(timeout=5)
        SubprocessASGIServer().stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        summary = greenery_daily(
            as_of=args.as_of,
            raw_dir=args.raw_dir,
            scale=args.scale,
            seed=args.seed,
            history_days=args.history_days,
            target=args.target,
            skip_landing=args.skip_landing,
            full_refresh=args.full_refresh,
        )
        lines, exit_code = summary.lines(), 0
    except PipelineFailed as failed:
        lines, exit_code = failed.summary.lines(), 1
    except LandingError as error:
        lines = [
            "Greenery daily run: FAILED while landing raw data",
            f"  {error}",
            not_published_line("bad raw data"),
        ]
        exit_code = 1
    except WarehouseUnavailable as error:
        lines = [
            "Greenery daily run: FAILED, the warehouse could not be reached",
            gave_up_line(error),
            not_published_line("warehouse unavailable"),
        ]
        exit_code = 1
    except (snowflake.SnowflakeSettingsError, WarehouseBusy) as error:
        lines, exit_code = ["Greenery daily run: FAILED before starting", f"  {error}"], 1
    _stop_temporary_server()
    print("\n".join(lines))
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
