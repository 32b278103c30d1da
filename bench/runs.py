"""One measured daily run: `python -m flows.daily` in its own process, its wall time and
peak memory from the operating system, its stages' times from the Prefect API."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import FlowRunSort

from flows.settings import REPO_ROOT

# Stage name -> how its task runs are named (the flow's tasks; the dbt commands by the
# command each "Run dbt" task runs).
STAGES = {
    "landing": ("Land the shop's raw data",),
    "raw checks": ("dbt source freshness", "dbt build --select source:greenery"),
    "snapshots": (
        "dbt run-operation rewind_snapshots",
        "dbt build --select resource_type:snapshot",
    ),
    "dbt build": ("dbt build --select intermediate marts",),
    "contracts + Data Docs": ("Validate the marts against their contracts",),
    "publication": ("Publish the audited marts",),
    "notifications": ("Record the results in Prefect",),
}


# The API's page size for task runs; every dbt node is a task run too (about 140 a run).
TASK_RUNS_PAGE = 200


@dataclass
class MeasuredRun:
    wall_seconds: float
    peak_rss_mb: float
    stages: dict[str, float] = field(default_factory=dict)  # seconds

    @property
    def outside_stages(self) -> float:
        """Process wall time not spent in any stage: interpreter and imports, connecting to
        Prefect, creating the flow run, holding the warehouse, moving between tasks."""
        return self.wall_seconds - sum(self.stages.values())


def run_flow(label: str, args: list[str], env: dict[str, str]) -> MeasuredRun:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.daily", *args],
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
        raise RuntimeError(f"{label}: python -m flows.daily {' '.join(args)} failed:\n{output}")
    run = MeasuredRun(wall, usage.ru_maxrss / 1024)
    _read_stages(run)
    return run


def _read_stages(run: MeasuredRun) -> None:
    """The latest flow run's task runs, summed per stage."""
    with get_client(sync_client=True) as client:
        [flow_run] = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        of_this_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        task_runs, page = [], None
        while page is None or len(page) == TASK_RUNS_PAGE:
            page = client.read_task_runs(
                flow_run_filter=of_this_run, limit=TASK_RUNS_PAGE, offset=len(task_runs)
            )
            task_runs += page
    for stage, prefixes in STAGES.items():
        run.stages[stage] = sum(
            (task_run.end_time - task_run.start_time).total_seconds()
            for task_run in task_runs
            if task_run.start_time and task_run.end_time and task_run.name.startswith(prefixes)
        )


def startup_seconds() -> float:
    """What a run spends before its flow starts: the interpreter and the imports of
    flows.daily (Prefect, dbt, GX, pandas, DuckDB), measured alone."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import flows.daily"], cwd=REPO_ROOT, check=True)
    return time.perf_counter() - started


def warehouse_env(warehouse: Path, api_url: str) -> dict[str, str]:
    return {"GREENERY_DUCKDB_PATH": str(warehouse), "PREFECT_API_URL": api_url}
