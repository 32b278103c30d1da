"""A lab for fault tests: daily runs as `python -m flows.daily` processes of their own
against a real Prefect server, so that file locks, SIGKILL, leases and concurrency limits
are real, their output read as it comes."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flows.settings import REPO_ROOT
from tests.conftest import SEED
from tests.servers import client_env, prefect_server

BUILDING_A_MART = "START sql table model audit_"  # dbt lines logged at info
CHECKING_THE_RAW_DATA = "START sql view model staging."
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
        """A run with the shared runs' generator seed (tests/conftest.py), showing Prefect's
        and dbt's log lines, which these tests watch for."""
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args, "--seed", SEED, "--verbose"],
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


@contextmanager
def lab_in(tmp: Path) -> Iterator[Lab]:
    """A Prefect server, and warehouse retries one second apart (1, 2, 4 s) to keep tests short."""
    with prefect_server(tmp) as api_url:
        env = client_env(api_url, tmp / "client-home", GREENERY_WAREHOUSE_RETRY_SECONDS="1")
        yield Lab(env, tmp)
