"""Faults: the DuckDB file locked by another process, a dropped Snowflake connection, a run
killed mid-way, two runs at once. Every run here is a `python -m flows.daily` process against
a real Prefect server, so that file locks, SIGKILL, leases and concurrency limits are real.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.settings import REPO_ROOT
from tests.conftest import AS_OF, published_marts
from tests.servers import client_env, dropping_proxy, prefect_server, snowflake_emulator

BUILDING_A_MART = "START sql table model audit_"  # a dbt line logged at info
RUN_TIMEOUT = 600


@dataclass
class Run:
    """A daily run in its own process (and process group), its output read as it comes."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = RUN_TIMEOUT) -> str:
        """The first output line containing `text`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := next((line for line in list(self.lines) if text in line), None):
                return found
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"the run never printed {text!r}:\n{self.output[-5000:]}")

    def finish(self) -> int:
        code = self.process.wait(timeout=RUN_TIMEOUT)
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.finish()


@dataclass
class Lab:
    env: dict[str, str]
    tmp: Path

    def start(self, warehouse: Path, *args: str, module: str = "flows.daily", **env: str) -> Run:
        """The run shows Prefect's and dbt's log lines, which these tests watch for."""
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args, "--verbose"],
            env={
                **self.env,
                "GREENERY_DUCKDB_PATH": str(warehouse),
                "GREENERY_DBT_LOG_LEVEL": "info",
                **env,
            },
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        return Run(process)

    def run(self, warehouse: Path, *args: str, **env: str) -> tuple[int, str]:
        run = self.start(warehouse, *args, **env)
        return run.finish(), run.output


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A Prefect server, and warehouse retries one second apart (1, 2, 4 s) to keep tests short."""
    tmp = tmp_path_factory.mktemp("faults")
    with prefect_server(tmp) as api_url:
        env = client_env(api_url, tmp / "client-home", GREENERY_WAREHOUSE_RETRY_SECONDS="1")
        yield Lab(env, tmp)


@pytest.fixture(scope="module")
def good_day(lab: Lab) -> Path:
    """A warehouse after one good day, copied by each test."""
    warehouse = lab.tmp / "good.duckdb"
    code, output = lab.run(warehouse, "--as-of", AS_OF.isoformat())
    assert code == 0, output
    return warehouse


def _copy(good_day: Path, tmp_path: Path) -> Path:
    warehouse = tmp_path / "greenery.duckdb"
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


def _raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        return {
            name: con.execute(f"select count(*) from raw.{name}").fetchall()[0][0]
            for (name,) in tables
        }


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
    assert "Published: 11 marts" in run.output


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
    raw_before = _raw_counts(warehouse)
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
    assert _raw_counts(warehouse) == raw_before  # the same day landed three times: no duplicates


def test_a_run_killed_while_building_or_publishing_leaves_the_published_marts_intact(
    lab: Lab, good_day: Path, tmp_path: Path
) -> None:
    warehouse = _copy(good_day, tmp_path)
    before = published_marts(warehouse)
    next_day = (AS_OF + timedelta(days=1)).isoformat()

    building = lab.start(warehouse, "--as-of", next_day)
    building.wait_for(BUILDING_A_MART)
    building.kill()
    assert "Publish the audited marts" not in building.output
    _assert_same(published_marts(warehouse), before)

    # The killed run's slot on the warehouse is freed when its lease expires (a minute).
    publishing = lab.start(warehouse, "--as-of", next_day, module="tests.dies_while_publishing")
    assert publishing.finish() == -signal.SIGKILL, publishing.output
    assert "Validate the marts against their contracts" in publishing.output
    _assert_same(published_marts(warehouse), before)

    code, output = lab.run(warehouse, "--as-of", next_day)
    assert code == 0, output
    assert "Published: 11 marts" in output
    after = published_marts(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audited = {name: con.table(f"audit_{name}").df() for name in after}
    for name, frame in after.items():
        expected = audited[name].sort_values(list(frame.columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(frame, expected, obj=name)
    assert not after["core.fact_orders"].equals(before["core.fact_orders"])  # a new day


def test_a_dropped_snowflake_connection_does_not_fail_the_run(lab: Lab, tmp_path: Path) -> None:
    with (
        snowflake_emulator(tmp_path) as snowflake_env,
        dropping_proxy(int(snowflake_env["SNOWFLAKE_PORT"])) as proxy,
    ):
        run = lab.start(
            tmp_path / "landing.duckdb",
            "--as-of",
            AS_OF.isoformat(),
            "--target",
            "prod",
            **snowflake_env
            | {
                "SNOWFLAKE_PORT": str(proxy.port),
                "GREENERY_SNOWFLAKE_LANDING_PATH": str(tmp_path / "landing.duckdb"),
            },
        )
        run.wait_for(BUILDING_A_MART)
        proxy.drop(refuse_for=3)
        code = run.finish()
    assert proxy.dropped > 0 and proxy.refused > 0  # connections cut, and retried while refused
    assert code == 0, run.output
    assert "Published: 11 marts" in run.output
