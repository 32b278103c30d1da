"""Run dbt commands through prefect-dbt, so that every dbt node is a Prefect task."""

import json
import threading
from datetime import date

from prefect import get_run_logger, task
from prefect.runtime import task_run
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.dbt_results import DbtOutcome, summarise
from flows.faults import (
    WAREHOUSE_RETRIES,
    WarehouseUnavailable,
    reaching_the_warehouse,
    transient_reason,
)
from flows.settings import DBT_PROJECT_DIR, dbt_log_level

# prefect-dbt runs each node's task in a thread of its own (named after its target,
# `run_task`) and returns once dbt has finished, not once those tasks have.
NODE_TASK_THREAD = "(run_task)"
NODE_TASK_WAIT_SECONDS = 300


def _wait_for_node_tasks(running_before: set[threading.Thread]) -> None:
    """Wait for the node tasks a dbt command started, so each is finished (and counted)
    before the next step, and none is cut off when the process ends."""
    for thread in threading.enumerate():
        if thread not in running_before and thread.name.endswith(NODE_TASK_THREAD):
            thread.join(timeout=NODE_TASK_WAIT_SECONDS)


def _task_run_name() -> str:
    return "dbt " + " ".join(task_run.parameters["command"])


@task(name="Run dbt", task_run_name=_task_run_name, **WAREHOUSE_RETRIES)
def run_dbt(command: list[str], *, as_of: date, target: str) -> DbtOutcome:
    """Invoke one dbt command for the run's day on `target` (a profiles.yml output) and
    summarise what it did.

    Test and model failures come back in the outcome rather than as an
    exception, so the flow can report all of them at once; a warehouse that could not be
    reached raises WarehouseUnavailable, and the whole command is retried.
    """
    runner = PrefectDbtRunner(
        settings=PrefectDbtSettings(
            project_dir=DBT_PROJECT_DIR,
            profiles_dir=DBT_PROJECT_DIR,
            log_level=dbt_log_level(),
        ),
        raise_on_failure=False,
    )
    step = "dbt " + " ".join(command)
    running = set(threading.enumerate())
    try:
        with reaching_the_warehouse(step):
            result = runner.invoke(
                [*command, "--target", target, "--vars", json.dumps({"as_of": as_of.isoformat()})]
            )
    finally:
        _wait_for_node_tasks(running)
    outcome = summarise(" ".join(command), getattr(result.result, "results", None), runner.manifest)
    for failure in outcome.failures:
        if reason := transient_reason(failure.message):
            raise WarehouseUnavailable(f"{step}: {reason} ({failure.describe()})")
    logger = get_run_logger()
    for failure in outcome.failures:
        logger.error(failure.describe())
    return outcome
