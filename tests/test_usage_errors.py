"""Usage errors are the runner's to fix, not the stakeholders' news: the run says it is a
usage error and what to do, exits 1, changes nothing and emits no contract event. (Bad
arguments on the command line: test_command_line.py.)"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from prefect.events import emit_event
from prefect.events.worker import EventsWorker

from flows.pipeline import greenery_daily
from flows.settings import DUCKDB_PATH_ENV
from tests.conftest import AS_OF, SEED, PipelineRun, copy_warehouse, raw_counts, run_pipeline
from tests.events import Event, wait_for_events
from tests.exports import export_with

USAGE_ERROR = "FAILED, a usage error (nothing is wrong with the data)"
NOTHING_SENT = "Nothing was changed and no stakeholder was alerted"


def _contract_events_since(started: datetime) -> list[Event]:
    """The contract events since `started`, once the server has stored a marker event
    emitted after them (events are stored in the order they arrive)."""
    EventsWorker.drain_all(timeout=10)
    marker = emit_event(event="greenery.test.marker", resource={"prefect.resource.id": "test"})
    assert marker
    EventsWorker.drain_all(timeout=10)
    wait_for_events({"id": {"id": [str(marker.id)]}})
    return wait_for_events(
        {
            "event": {"prefix": ["greenery.contract."]},
            "occurred": {"since": started.isoformat()},
        },
        at_least=0,
        wait=0,
    )


@dataclass
class UsageErrors:
    started: datetime
    runs: dict[str, tuple[PipelineRun, dict[str, int]]]  # a run, and raw's row counts before


@pytest.fixture(scope="module")
def usage_errors(scale_1_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> UsageErrors:
    """Runs onto a warehouse of generated days (the shared scale-1 run's) that cannot be."""
    tmp = tmp_path_factory.mktemp("usage-errors")
    export, _ = export_with(tmp, "users", lambda rows: [])
    cases = {
        "a CSV export onto generated days": ("--raw-dir", str(export)),
        "another generator seed": ("--seed", str(int(SEED) + 1)),
    }
    started = datetime.now().astimezone()
    runs = {}
    for name, args in cases.items():
        warehouse = copy_warehouse(scale_1_run, tmp_path_factory.mktemp("usage"))
        before = raw_counts(warehouse)
        runs[name] = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), *args), before
    return UsageErrors(started, runs)


def test_a_warehouse_holding_another_source_is_a_usage_error(usage_errors: UsageErrors) -> None:
    for name, (run, before) in usage_errors.runs.items():
        assert run.exit_code == 1, (name, run.output)
        lines = run.output.strip().splitlines()
        assert lines[-3].endswith(USAGE_ERROR), (name, lines)
        assert "GREENERY_DUCKDB_PATH" in lines[-2], (name, lines)
        assert lines[-1].startswith(NOTHING_SENT), (name, lines)
        assert raw_counts(run.warehouse) == before, name
    assert _contract_events_since(usage_errors.started) == []


def test_a_missing_export_folder_given_to_the_flow_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a deployment's parameters give it, past the command line's own check."""
    started = datetime.now().astimezone()
    monkeypatch.setenv(DUCKDB_PATH_ENV, str(tmp_path / "greenery.duckdb"))
    state = greenery_daily(as_of=AS_OF, raw_dir=str(tmp_path / "no-such-export"), return_state=True)
    assert state.is_failed()
    lines = state.result(raise_on_failure=False).lines()
    assert lines[0].endswith(USAGE_ERROR)
    assert "no-such-export does not exist: check the path given to --raw-dir" in lines[1]
    assert _contract_events_since(started) == []
