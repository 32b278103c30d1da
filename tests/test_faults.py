"""Faults on the DuckDB warehouse: the file locked by another process, a run killed
mid-way, two runs at once. Every run here is a `python -m flows.daily` process against a
real Prefect server (tests/lab.py). A dropped Snowflake connection: test_faults_on_snowflake.
"""

import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import AS_OF, PipelineRun, copy_warehouse, published_marts, raw_counts
from tests.lab import BUILDING_A_MART, RUN_TIMEOUT, Lab, Run, lab_in


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_in(tmp_path_factory.mktemp("faults")) as lab:
        yield lab


@pytest.fixture(scope="module")
def good_day(scale_1_run: PipelineRun, lab: Lab) -> Path:
    """A warehouse after one good day (the shared scale-1 run's), copied by each test."""
    return copy_warehouse(scale_1_run, lab.tmp)


def _copy(good_day: Path, directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    warehouse = directory / "greenery.duckdb"
    warehouse.write_bytes(good_day.read_bytes())
    return warehouse


@contextmanager
def _locked(warehouse: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the DuckDB file open for writing, as a notebook or the duckdb
    CLI would; it lets go when killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            " print('locked', flush=True); time.sleep(3600)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def _assert_same(published: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert published.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(published[name], frame, obj=name)


def _log_time(line: str) -> datetime:
    """The clock time at the start of a Prefect log line (HH:MM:SS.mmm | ...)."""
    return datetime.strptime(line.split("|")[0].strip(), "%H:%M:%S.%f")


def test_a_warehouse_locked_for_a_while_is_retried_and_the_run_succeeds(
    lab: Lab, good_day: Path, tmp_path: Path
) -> None:
    warehouse = _copy(good_day, tmp_path)
    with _locked(warehouse) as holder:
        run = lab.start(warehouse, "--as-of", AS_OF.isoformat())
        retry = run.wait_for("Retry 1/3 will start")
        holder.kill()  # the other process lets go while the run waits to try again
    assert run.finish() == 0, run.output
    assert "locked by another process" in run.output, retry
    assert "Published: 12 marts" in run.output


def test_a_warehouse_locked_throughout_fails_clearly_and_publishes_nothing(
    lab: Lab, good_day: Path, tmp_path: Path
) -> None:
    warehouse = _copy(good_day, tmp_path)
    before = published_marts(warehouse)
    with _locked(warehouse):
        code, output = lab.run(
            warehouse, "--as-of", AS_OF.isoformat(), GREENERY_WAREHOUSE_RETRIES="2"
        )
    assert code == 1, output
    summary = output[output.index("Greenery daily run") :]
    assert "FAILED, the warehouse could not be reached" in summary
    assert "landing the raw data: the DuckDB file is locked by another process" in summary
    assert "gave up after 3 attempts" in summary
    assert "NOT published (warehouse unavailable)" in summary
    assert output.count("Retry ") == 2  # Prefect's "Retry n/2 will start ..." lines
    _assert_same(published_marts(warehouse), before)


def test_a_second_run_waits_for_the_first_and_a_third_that_will_not_wait_is_refused(
    lab: Lab, good_day: Path, tmp_path: Path
) -> None:
    warehouse = _copy(good_day, tmp_path)
    raw_before = raw_counts(warehouse)
    first = lab.start(warehouse, "--as-of", AS_OF.isoformat())
    first.wait_for("Holding the warehouse")
    second = lab.start(warehouse, "--as-of", AS_OF.isoformat())
    impatient = lab.start(
        warehouse, "--as-of", AS_OF.isoformat(), GREENERY_WAREHOUSE_WAIT_MINUTES="0.05"
    )

    assert impatient.finish() == 1, impatient.output
    assert "FAILED before starting" in impatient.output
    assert "Another run held the warehouse" in impatient.output
    assert "Land the shop's raw data" not in impatient.output
    assert first.finish() == 0, first.output
    assert second.finish() == 0, second.output

    first_done = _log_time(first.wait_for("Publish the audited marts"))
    second_holds = _log_time(second.wait_for("Holding the warehouse"))
    assert second_holds >= first_done, (first_done, second_holds)
    assert raw_counts(warehouse) == raw_before  # the same day landed three times: no duplicates


@dataclass
class Killed:
    """The killed runs' warehouses (killed while building, while publishing), the marts
    they published before, and the reruns that follow the kills."""

    warehouses: tuple[Path, Path]
    before: dict[str, pd.DataFrame]
    reruns: list[Run]


def _kill_and_rerun(lab: Lab, good_day: Path, tmp: Path) -> Killed:
    killed_building = _copy(good_day, tmp / "building")
    killed_publishing = _copy(good_day, tmp / "publishing")
    before = published_marts(good_day)
    next_day = (AS_OF + timedelta(days=1)).isoformat()

    # Two warehouses, two slots: both runs go at once.
    building = lab.start(killed_building, "--as-of", next_day)
    publishing = lab.start(
        killed_publishing, "--as-of", next_day, module="tests.dies_while_publishing"
    )
    building.wait_for(BUILDING_A_MART)
    building.kill()
    assert "Publish the audited marts" not in building.output
    _assert_same(published_marts(killed_building), before)
    # A killed run's slot on its warehouse is freed when its lease expires (a minute):
    # the rerun waits for it.
    reruns = [lab.start(killed_building, "--as-of", next_day)]
    assert publishing.finish() == -signal.SIGKILL, publishing.output
    assert "Validate the marts against their contracts" in publishing.output
    _assert_same(published_marts(killed_publishing), before)
    reruns.append(lab.start(killed_publishing, "--as-of", next_day))
    return Killed((killed_building, killed_publishing), before, reruns)


@pytest.fixture(scope="module", autouse=True)
def killed(
    lab: Lab, good_day: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Future[Killed]]:
    """Runs killed mid-way and their reruns, started before this module's other tests: the
    reruns wait about a minute for the killed runs' leases, which the other tests use."""
    with ThreadPoolExecutor(1) as background:
        killed = background.submit(
            _kill_and_rerun, lab, good_day, tmp_path_factory.mktemp("killed")
        )
        yield killed
        if not killed.exception():
            for rerun in killed.result().reruns:  # none outlives the lab's server
                rerun.finish()


def test_a_run_killed_while_building_or_publishing_leaves_the_published_marts_intact(
    killed: Future[Killed],
) -> None:
    outcome = killed.result(timeout=RUN_TIMEOUT)
    for warehouse, rerun in zip(outcome.warehouses, outcome.reruns, strict=True):
        assert rerun.finish() == 0, rerun.output
        assert "Published: 12 marts" in rerun.output
        after = published_marts(warehouse)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            audited = {name: con.table(f"audit_{name}").df() for name in after}
        for name, frame in after.items():
            expected = audited[name].sort_values(list(frame.columns)).reset_index(drop=True)
            pd.testing.assert_frame_equal(frame, expected, obj=f"{warehouse.parent.name}: {name}")
        assert not after["core.fact_orders"].equals(outcome.before["core.fact_orders"])  # a new day
