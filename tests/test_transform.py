"""dbt runs through prefect-dbt's runner without a Prefect task per dbt node; each step's
nodes are in a table artifact instead. Fails if a prefect-dbt upgrade brings node tasks
back (flows/transform.py relies on the runner creating none outside a run's context)."""

import json
import time
from pathlib import Path
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.utilities.annotations import quote
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.dbt_results import DbtOutcome
from flows.settings import DBT_PROJECT_DIR, DUCKDB_PATH_ENV
from flows.transform import DbtStep, parse_project, run_dbt
from tests.conftest import AS_OF, PipelineRun, copy_warehouse

# A view and its three data tests: four dbt nodes.
STEP = DbtStep("test-step", ["build", "--select", "stg_greenery__promos"])
NODES = 4


@flow
def _the_pipelines_way() -> DbtOutcome:
    manifest = parse_project(as_of=AS_OF, target="dev")
    return run_dbt(STEP, as_of=AS_OF, target="dev", manifest=quote(manifest))


@flow
def _prefect_dbts_default() -> None:
    settings = PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    PrefectDbtRunner(settings=settings, raise_on_failure=False).invoke(
        [*STEP.command, "--vars", f'{{"as_of": "{AS_OF}"}}']
    )


def _task_run_names(flow_run_id: UUID, at_least: int = 0, wait: float = 60) -> list[str]:
    """The flow run's task runs, once `at_least` are stored (node tasks arrive as events)."""
    deadline = time.monotonic() + wait
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            if len(task_runs) >= at_least or time.monotonic() > deadline:
                return sorted(task_run.name for task_run in task_runs)
            time.sleep(1)


def test_dbt_steps_run_without_a_task_per_node_and_show_nodes_in_an_artifact(
    scale_1_run: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DUCKDB_PATH_ENV, str(copy_warehouse(scale_1_run, tmp_path)))

    ours = _the_pipelines_way(return_state=True)
    outcome = ours.result()
    assert outcome.succeeded and outcome.count("data test", "pass") == NODES - 1

    default = _prefect_dbts_default(return_state=True)
    assert default.is_completed()
    # Control: prefect-dbt's default inside a flow is a task per node, and this can see them.
    node_tasks = _task_run_names(default.state_details.flow_run_id, at_least=NODES)
    assert len(node_tasks) == NODES, node_tasks
    # Ours ran first, so its task runs are stored by now: only the parse and the step.
    assert _task_run_names(ours.state_details.flow_run_id) == [
        "dbt build --select stg_greenery__promos",
        "dbt parse",
    ]

    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["greenery-dbt-test-step"])),
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[ours.state_details.flow_run_id])
            ),
        )
    rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    # Each node, and the project's on-run-end hook (readers' grants: nothing on DuckDB).
    assert len(rows) == NODES + 1
    [hook] = [row for row in rows if row["kind"] == "operation"]
    assert hook["node"].startswith("greenery-on-run-end") and hook["status"] == "success"
    [model] = [row for row in rows if row["kind"] == "model"]
    assert (model["node"], model["status"]) == ("stg_greenery__promos", "success")
    tests = [row for row in rows if row["kind"] == "data test"]
    assert len(tests) == NODES - 1
    assert all(row["status"] == "pass" and row["rows"] == 0 for row in tests), tests
    assert all(row["seconds"] >= 0 for row in rows)
