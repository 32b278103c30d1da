"""The daily Greenery run as a Prefect flow: land → check raw → snapshot → build →
validate → publish → document → check the KPIs → record. `python -m flows.daily` runs it
from the command line; the deployment in prefect.yaml runs it on a schedule."""

import os
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import cast

from dbt.contracts.graph.manifest import Manifest
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.utilities.annotations import quote

from flows import snowflake
from flows.console import say
from flows.contracts import ContractReport
from flows.contracts.site import add_dbt_docs, hosted, link, sync_to_bucket
from flows.failures import RunStopped, UsageError, log_stops_without_traceback
from flows.faults import WAREHOUSE_RETRIES, exclusive_warehouse, reaching_the_warehouse
from flows.kpis import KpiFile, KpiReport, check_kpis, last_complete_day, load_kpis
from flows.kpis.definitions import check_against_project
from flows.kpis.report import write_page
from flows.landing import LandingError, LandingResult, Scenario, land_csv_export, land_generated
from flows.marts import Relation, checked_relations, mart_columns
from flows.reporting import (
    emit_dbt_failure_event,
    emit_kpi_breach_events,
    emit_landing_failure_event,
    emit_suite_event,
    publish_contract_artifacts,
    publish_kpi_artifact,
    run_page_url,
)
from flows.scenarios import NOT_GENERATED
from flows.settings import DUCKDB_PATH_ENV, duckdb_path, snowflake_landing_path
from flows.summary import RunSummary, not_published_line
from flows.transform import (
    BUILD,
    FRESHNESS,
    RAW_CHECKS,
    SNAPSHOTS,
    generate_dbt_docs,
    parse_project,
    run_dbt,
)
from flows.warehouse import Landing, Target, Warehouse, for_target


@task(name="Land the shop's raw data", cache_policy=NO_CACHE, **WAREHOUSE_RETRIES)
def land_raw_data(warehouse: Warehouse, landing: Landing) -> LandingResult:
    with reaching_the_warehouse("landing the raw data"):
        return warehouse.land(landing)


@task(name="Validate the marts against their contracts", cache_policy=NO_CACHE, **WAREHOUSE_RETRIES)
def validate_contracts(
    warehouse: Warehouse, relations: list[Relation], full_refresh: bool
) -> ContractReport:
    """A day's run validates what differs from the published marts, where the warehouse
    can tell; a full refresh validates every table whole."""
    with reaching_the_warehouse("validating the marts"):
        return warehouse.validate(relations, against_published=not full_refresh)


@task(name="Publish the audited marts", cache_policy=NO_CACHE, **WAREHOUSE_RETRIES)
def publish_marts(
    warehouse: Warehouse, relations: list[Relation], contracts: ContractReport
) -> list[str]:
    with reaching_the_warehouse("publishing the marts"):
        return warehouse.publish(relations, contracts)


@task(name="Check the shop's KPIs", cache_policy=NO_CACHE, **WAREHOUSE_RETRIES)
def check_the_kpis(
    warehouse: Warehouse, kpi_mart: Relation, kpis: KpiFile, day: date
) -> KpiReport | None:
    """The day's KPIs against their checks, from the mart as this run built it."""
    with reaching_the_warehouse("reading the KPIs"):
        return check_kpis(kpis, warehouse.read_table(kpi_mart.audit), day)


@task(name="Publish the Data Docs site")
def publish_docs(site_root: Path) -> None:
    """Sync the site (the run's pages, dbt's docs) to its bucket, when one is set."""
    if hosted():
        uploaded = sync_to_bucket(site_root)
        get_run_logger().info(f"Data Docs: {uploaded} new or changed files uploaded")


@task(name="Record the results in Prefect")
def record_results(summary: RunSummary) -> None:
    publication = summary.publication_line()
    for failure in summary.failures:
        emit_dbt_failure_event(failure, summary.target, publication)
    if summary.contracts:
        publish_contract_artifacts(summary.contracts, publication, summary.dbt_docs)
        for suite in summary.contracts.suites:
            emit_suite_event(suite, summary.contracts.docs_url, summary.target, publication)
    if summary.kpis:
        publish_kpi_artifact(
            summary.kpis, publication, summary.published is not None, summary.kpi_page
        )
        # Only data that passed its checks says the business moved: a KPI of data that
        # failed them may be wrong, and that failure is notified already.
        if summary.published is not None:
            emit_kpi_breach_events(summary.kpis, summary.target, publication, summary.kpi_page)


def _today() -> date:
    return datetime.now(UTC).date()


def _run_name() -> str:
    """The day's name, and when the run started: runs of one day stay apart in the UI."""
    started = datetime.now(UTC)
    day = flow_run.parameters.get("as_of") or _today()
    return f"greenery-daily-{day} (started {started:%H:%M:%S} UTC)"


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
    scenario: Scenario | None = None,
) -> RunSummary | State:
    """`target` is the dbt target: dev, the DuckDB file, or prod, Snowflake (SNOWFLAKE_*
    variables, or the SnowflakeCredentials block named by `snowflake_credentials_block`).
    `skip_landing` leaves raw data landed by other tools alone; `full_refresh` rebuilds
    the incremental marts from all of history instead of adding the day to them;
    `scenario` makes the generated `as_of` day a bad business day on purpose.

    Ends Completed with the run's summary, or Failed with it as the state's data; either
    way the summary is the run's last log lines."""
    log_stops_without_traceback()
    summary = RunSummary(as_of=as_of or _today(), target=target, run_url=run_page_url())
    try:
        if scenario and (raw_dir or skip_landing):  # the deployment's parameters, say
            raise UsageError(f"{NOT_GENERATED}.")
        warehouse = _prepare(target, snowflake_credentials_block)
        kpis = load_kpis()
        with exclusive_warehouse(warehouse.lock_name()):
            if not skip_landing:
                say("Landing the shop's raw data")
                summary.landing = _land(
                    warehouse, summary, raw_dir, seed, scale, history_days, scenario
                )
            # A CSV export replaces the raw tables whole: rows may have gone, which adding
            # to the incremental marts would keep. Generated days only add and update rows.
            replaced = summary.landing is not None and summary.landing.source == "csv"
            summary.rebuilt = full_refresh or replaced
            _transform_and_validate(warehouse, summary, kpis)
    except RunStopped as stopped:
        summary.stopped = stopped
    if summary.contracts:  # before anyone is sent a link to it
        try:
            publish_docs(summary.contracts.docs_index.parent)
        except RunStopped as stopped:
            summary.stopped = summary.stopped or stopped
    record_results(summary)
    logger = get_run_logger()
    for line in summary.lines():
        logger.info(line)
    if not summary.succeeded:
        return Failed(message=summary.failure_message, data=summary)
    return summary


def _prepare(target: Target, snowflake_credentials_block: str | None) -> Warehouse:
    """The run's warehouse, its settings checked before any work starts."""
    os.environ[DUCKDB_PATH_ENV] = str(duckdb_path())  # dbt's dev profile reads it
    if snowflake_credentials_block:
        snowflake.use_credentials_block(snowflake_credentials_block)
    warehouse = for_target(target, duckdb_path(), snowflake_landing_path())
    warehouse.check_settings()
    return warehouse


def _land(
    warehouse: Warehouse,
    summary: RunSummary,
    raw_dir: str | None,
    seed: int,
    scale: int,
    history_days: int,
    scenario: Scenario | None,
) -> LandingResult:
    as_of = summary.as_of
    landing: Landing = (
        partial(land_csv_export, raw_dir=Path(raw_dir), as_of=as_of)
        if raw_dir
        else partial(
            land_generated,
            as_of=as_of,
            seed=seed,
            scale=scale,
            history_days=history_days,
            scenario=scenario,
        )
    )
    try:
        return land_raw_data(warehouse, landing)
    except LandingError as error:
        emit_landing_failure_event(error, summary.target, not_published_line("bad raw data"))
        raise


def _unexamined(manifest: Manifest) -> Manifest:
    """The manifest, for Prefect to pass to tasks without looking inside it (a tree of
    thousands of objects); the tasks receive the manifest itself."""
    return cast(Manifest, quote(manifest))


def _transform_and_validate(warehouse: Warehouse, summary: RunSummary, kpis: KpiFile) -> None:
    """Freshness and the raw data's checks → snapshot → build the marts into the audit
    schemas → contracts → publish → KPIs. Stale or failing raw data stops before the
    snapshot, so history only records checked data; failing mart tests do not stop the
    contracts, so stakeholders get the whole picture; any failure stops publication. A KPI
    out of its usual range does not: the data is right, the business moved."""
    as_of, target, full_refresh = summary.as_of, summary.target, summary.rebuilt
    say("Checking the raw data")
    project = parse_project(as_of=as_of, target=target)
    relations = checked_relations(project)
    summary.marts = [relation for relation in relations if relation.is_mart]
    check_against_project(
        kpis, {mart.schema for mart in summary.marts}, mart_columns(project, kpis.mart)
    )
    manifest = _unexamined(project)
    for step in (FRESHNESS, RAW_CHECKS):
        summary.dbt.append(run_dbt(step, as_of=as_of, target=target, manifest=manifest))
        if summary.failures:
            return
    say("Snapshotting products and orders")
    summary.dbt.append(run_dbt(SNAPSHOTS, as_of=as_of, target=target, manifest=manifest))
    if summary.failures:
        return
    say("Building and testing the marts")
    summary.dbt.append(
        run_dbt(
            BUILD[target], as_of=as_of, target=target, manifest=manifest, full_refresh=full_refresh
        )
    )
    say("Validating the marts against their contracts")
    summary.contracts = contracts = validate_contracts(warehouse, relations, full_refresh)
    if not summary.problems:
        say("Publishing the marts")
        summary.published = publish_marts(warehouse, summary.marts, contracts)
    say("Documenting the project (dbt docs)")
    site_root = contracts.docs_index.parent
    html = generate_dbt_docs(as_of=as_of, target=target, manifest=manifest)
    summary.dbt_docs = add_dbt_docs(site_root, html)
    if summary.failures:  # a mart dbt could not build or test may be missing or wrong
        return
    say("Checking the shop's KPIs")
    [kpi_mart] = [mart for mart in summary.marts if mart.published == kpis.mart]
    day = last_complete_day(as_of, _today())
    summary.kpis = check_the_kpis(warehouse, kpi_mart, kpis, day)
    if summary.kpis:
        publication = summary.publication_line()
        page = write_page(summary.kpis, publication, summary.published is not None, site_root)
        summary.kpi_page = link(page, site_root)
