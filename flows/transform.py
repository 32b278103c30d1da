"""Run the flow's dbt steps through prefect-dbt's runner: one Prefect task per dbt command,
each node's outcome in a table artifact of the step."""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dbt.cli.main import dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest
from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import SettingsContext, get_settings_context
from prefect.runtime import task_run
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.dbt_results import DbtOutcome, node_rows, summarise
from flows.failures import RunStopped
from flows.faults import (
    WAREHOUSE_RETRIES,
    WarehouseUnavailable,
    reaching_the_warehouse,
    transient_reason,
)
from flows.settings import AS_OF_ENV, DBT_PROJECT_DIR, dbt_console_level


class DbtCouldNotRun(RunStopped):
    """dbt ran no node: the project does not parse or compile, or a profile is wrong."""


@dataclass(frozen=True)
class DbtStep:
    """One dbt command of the daily run."""

    key: str  # names the step's artifact: greenery-dbt-<key>
    command: list[str]


FRESHNESS = DbtStep("freshness", ["source", "freshness"])
# Three builds that between them run every dbt node once. The raw data's checks and the
# snapshots take only tests whose every parent they select ("cautious"); the marts' build
# takes every test touching a mart, including relationships back to staging.
RAW_CHECKS = DbtStep(
    "raw-checks",
    ["build", "--select", "source:greenery", "staging", "--indirect-selection", "cautious"],
)
SNAPSHOTS = DbtStep(
    "snapshots",
    ["build", "--select", "resource_type:snapshot", "--indirect-selection", "cautious"],
)
_MARTS = ["build", "--select", "intermediate", "marts", "--exclude-resource-type", "snapshot"]
# Unit tests check SQL logic on fixed inputs, not data: they run on dev and in CI, and
# production builds leave them out, as dbt advises.
BUILD = {"dev": DbtStep("marts", _MARTS), "prod": DbtStep("marts", [*_MARTS, "unit_test"])}
# dbt's documentation of the project and the warehouse's catalog, as one HTML page.
DOCS = DbtStep("docs", ["docs", "generate", "--static"])


def _task_run_name() -> str:
    return "dbt " + " ".join(task_run.parameters["step"].command)


@task(name="Parse the dbt project", task_run_name="dbt parse", cache_policy=NO_CACHE)
def parse_project(*, as_of: date, target: str) -> Manifest:
    """The dbt project's manifest for the run: parsed once, and written to the target
    folder once, rather than twice by every step (a second each)."""
    os.environ[AS_OF_ENV] = as_of.isoformat()  # macros/as_of.sql reads it
    manifest = invoke_without_node_tasks(["parse", "--target", target]).result
    if not isinstance(manifest, Manifest):
        raise DbtCouldNotRun(f"dbt parse gave no manifest: {manifest!r}")
    return manifest


@task(name="Run dbt", task_run_name=_task_run_name, cache_policy=NO_CACHE, **WAREHOUSE_RETRIES)
def run_dbt(
    step: DbtStep, *, as_of: date, target: str, manifest: Manifest, full_refresh: bool = False
) -> DbtOutcome:
    """Run one dbt step for the run's day on `target` (a profiles.yml output), whose
    parsed `manifest` is given (pass it quoted), and summarise what it did.

    Test and model failures come back in the outcome rather than as an exception, so the
    flow can report all of them at once; a warehouse that could not be reached raises
    WarehouseUnavailable, and the whole command is retried.
    """
    command = [*step.command, *(["--full-refresh"] if full_refresh else [])]
    label = "dbt " + " ".join(command)
    os.environ[AS_OF_ENV] = as_of.isoformat()
    with reaching_the_warehouse(label):
        result = invoke_without_node_tasks(
            [*command, "--target", target, "--no-write-json"], manifest
        )
    results = getattr(result.result, "results", None)
    outcome = summarise(" ".join(command), results, manifest)
    for failure in outcome.failures:
        if reason := transient_reason(failure.message):
            raise WarehouseUnavailable(f"{label}: {reason} ({failure.describe()})")
    create_table_artifact(
        key=f"greenery-dbt-{step.key}",
        table=node_rows(results),
        description=f"`{label}`: each dbt node, its status, time and rows",
    )
    logger = get_run_logger()
    for failure in outcome.failures:
        logger.error(failure.describe())
    return outcome


@task(
    name="Generate dbt's docs",
    task_run_name="dbt docs generate --static",
    cache_policy=NO_CACHE,
    **WAREHOUSE_RETRIES,
)
def generate_dbt_docs(*, as_of: date, target: str, manifest: Manifest) -> str:
    """The page of DOCS: dbt's docs of the run's project and of the warehouse's catalog."""
    os.environ[AS_OF_ENV] = as_of.isoformat()
    with reaching_the_warehouse("dbt docs generate"):
        result = invoke_without_node_tasks([*DOCS.command, "--target", target], manifest)
    if not result.success:
        raise DbtCouldNotRun(f"dbt docs generate: {result.exception or 'see dbt_project/logs'}")
    return (dbt_target_path() / "static_index.html").read_text(encoding="utf-8")


def dbt_target_path() -> Path:
    """dbt's target folder: DBT_TARGET_PATH, or target/ in the project."""
    return DBT_PROJECT_DIR / (os.environ.get("DBT_TARGET_PATH") or "target")


def invoke_without_node_tasks(args: list[str], manifest: Manifest | None = None) -> dbtRunnerResult:
    """Invoke dbt through PrefectDbtRunner, given the project's `manifest` when parsed
    already, without a Prefect task per dbt node.

    Inside a flow or task run, prefect-dbt makes every node a task run of its own, which
    costs about a quarter of a second each, more than dbt's own work on this project;
    outside one it creates none (its documented default, which `_force_nodes_as_tasks`
    overrides). So dbt runs in a thread of its own: a new thread starts without the run's
    context, and only Prefect's settings (which API, which profile) go with it. The step's
    artifact shows each node instead. tests/test_transform.py fails if a prefect-dbt
    upgrade changes this.
    """
    settings = get_settings_context()

    def invoke() -> dbtRunnerResult:
        with SettingsContext(profile=settings.profile, settings=settings.settings):
            runner = PrefectDbtRunner(
                manifest=manifest,
                settings=PrefectDbtSettings(
                    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR
                ),
                raise_on_failure=False,
            )
            try:
                # dbt's own lines: from info up in dbt_project/logs/dbt.log; in the terminal,
                # its errors (naming a failed node's compiled SQL) or GREENERY_DBT_LOG_LEVEL's.
                result = runner.invoke(args, log_level=dbt_console_level(), log_level_file="info")
            except ValueError as error:
                # How prefect-dbt reports that dbt ran no node; dbt's words follow.
                prefix, _, words = str(error).partition(": ")
                if not prefix.startswith("Failed to invoke dbt command"):
                    raise
                raise DbtCouldNotRun(f"dbt {' '.join(args)}: {words}") from None
            return result

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dbt") as pool:
        return pool.submit(invoke).result()
