"""One measured command: `python -m flows.daily` (or another) in its own process, its wall
time and peak memory from the operating system, a daily run's stages from the Prefect API."""

import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.sorting import FlowRunSort

from flows.settings import DBT_PROJECT_DIR, DUCKDB_PATH_ENV, GX_DIR_ENV, REPO_ROOT

# Stage name -> how its task runs are named (the flow's tasks; the dbt commands by the
# command each "Run dbt" task runs).
STAGES = {
    "landing": ("Land the shop's raw data",),
    "dbt parse, source freshness, raw checks": (
        "dbt parse",
        "dbt source freshness",
        "dbt build --select source:greenery",
    ),
    "snapshots": ("dbt build --select resource_type:snapshot",),
    "dbt build": ("dbt build --select intermediate marts",),
    "contracts + Data Docs": ("Validate the marts against their contracts",),
    "publication": ("Publish the audited marts",),
    "dbt docs": ("dbt docs generate --static",),
    "Data Docs site upload (when hosted)": ("Publish the Data Docs site",),
    "notifications": ("Record the results in Prefect",),
}
DBT_STAGES = ("dbt parse, source freshness, raw checks", "snapshots", "dbt build", "dbt docs")
MARTS_ARTIFACT = "greenery-dbt-marts"


@dataclass
class MeasuredRun:
    wall_seconds: float
    peak_rss_mb: float
    stages: dict[str, float] = field(default_factory=dict)  # seconds
    # The marts step's incremental models, in seconds.
    incremental_models: dict[str, float] = field(default_factory=dict)

    @property
    def outside_stages(self) -> float:
        """Process wall time not spent in any stage: interpreter and imports, connecting to
        Prefect, creating the flow run, holding the warehouse, moving between tasks."""
        return self.wall_seconds - sum(self.stages.values())

    @property
    def dbt_seconds(self) -> float:
        return sum(self.stages[stage] for stage in DBT_STAGES)


def median_run(runs: list[MeasuredRun]) -> MeasuredRun:
    """Each measure's median over repeated runs."""
    return MeasuredRun(
        wall_seconds=statistics.median(run.wall_seconds for run in runs),
        peak_rss_mb=statistics.median(run.peak_rss_mb for run in runs),
        stages={
            stage: statistics.median(run.stages.get(stage, 0.0) for run in runs) for stage in STAGES
        },
    )


def measure(label: str, command: list[str], env: dict[str, str]) -> MeasuredRun:
    """Run `command` from the repository root; RuntimeError with its output if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{label}: {' '.join(command)} failed:\n{output}")
    return MeasuredRun(wall, usage.ru_maxrss / 1024)


def run_flow(label: str, args: list[str], env: dict[str, str]) -> MeasuredRun:
    run = measure(label, [sys.executable, "-m", "flows.daily", *args], env)
    _read_stages(run)
    return run


def dbt_build(label: str, as_of: str, env: dict[str, str]) -> MeasuredRun:
    """`dbt build` of the whole project, then `dbt docs generate --static`, with dbt's own
    command line, as a user builds and documents the project."""
    dbt = shlex.quote(str(Path(sys.executable).parent / "dbt"))
    project = f"--project-dir {shlex.quote(str(DBT_PROJECT_DIR))} --profiles-dir " + shlex.quote(
        str(DBT_PROJECT_DIR)
    )
    as_of_var = shlex.quote(f'{{"as_of": "{as_of}"}}')
    script = (
        f"{dbt} build {project} --vars {as_of_var} && "
        f"{dbt} docs generate --static {project} --vars {as_of_var}"
    )
    return measure(label, ["sh", "-c", script], env)


# The API's page size for task runs.
TASK_RUNS_PAGE = 200


def _read_stages(run: MeasuredRun) -> None:
    """The latest flow run's task runs, summed per stage, and its models' build times (from
    the marts step's artifact)."""
    with get_client(sync_client=True) as client:
        [flow_run] = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        of_this_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        task_runs, page = [], None
        while page is None or len(page) == TASK_RUNS_PAGE:
            page = client.read_task_runs(
                flow_run_filter=of_this_run, limit=TASK_RUNS_PAGE, offset=len(task_runs)
            )
            task_runs += page
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[MARTS_ARTIFACT])),
            flow_run_filter=of_this_run,
        )
    nodes = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    run.incremental_models = {
        node["node"]: node["seconds"] for node in nodes if node["kind"] == "incremental model"
    }
    for stage, prefixes in STAGES.items():
        run.stages[stage] = sum(
            (task_run.end_time - task_run.start_time).total_seconds()
            for task_run in task_runs
            if task_run.start_time and task_run.end_time and task_run.name.startswith(prefixes)
        )


def startup_seconds(repeats: int) -> float:
    """What a run spends before its flow starts: the interpreter and the imports of the
    flow (Prefect, dbt, GX, pandas, DuckDB), measured alone; the median of `repeats`."""
    return statistics.median(
        measure("imports", [sys.executable, "-c", "import flows.pipeline"], {}).wall_seconds
        for _ in range(repeats)
    )


def help_seconds(repeats: int) -> float:
    """`python -m flows.daily --help`, the median of `repeats`."""
    return statistics.median(
        measure("--help", [sys.executable, "-m", "flows.daily", "--help"], {}).wall_seconds
        for _ in range(repeats)
    )


def warehouse_env(warehouse: Path, api_url: str, scratch: Path) -> dict[str, str]:
    """The bench's runs write their warehouse, dbt's target and logs, and GX's results and
    Data Docs under `scratch`, apart from the working tree's."""
    return {
        DUCKDB_PATH_ENV: str(warehouse),
        "PREFECT_API_URL": api_url,
        GX_DIR_ENV: str(scratch / "gx"),
        "DBT_TARGET_PATH": str(scratch / "dbt-target"),
        "DBT_LOG_PATH": str(scratch / "dbt-logs"),
    }
