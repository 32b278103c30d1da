"""Start, health-check and stop a local `prefect server start` subprocess.

Used by `python -m deployments.serve` and by the tests (tests/servers.py).
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

PREFECT = [sys.executable, "-m", "prefect"]  # the CLI of the running interpreter


def server_env(home: Path, host: str, port: int, base: Mapping[str, str] | None = None) -> dict:
    """The environment for a server with its own PREFECT_HOME, and for clients of it."""
    env = dict(os.environ if base is None else base)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://{host}:{port}/api",
        PREFECT_UI_URL=f"http://{host}:{port}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


def start(
    host: str,
    port: int,
    env: Mapping[str, str],
    log: IO[bytes] | int | None = None,
    ui: bool = True,
) -> subprocess.Popen:
    """`prefect server start` in its own session (Ctrl-C in a terminal does not reach it)."""
    command = [*PREFECT, "server", "start", "--host", host, "--port", str(port), "--analytics-off"]
    if not ui:
        command.append("--no-ui")
    return subprocess.Popen(
        command,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )


def is_healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(api_url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    """Wait until /api/health answers; RuntimeError if the server exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Prefect server exited with status {process.returncode}")
        if is_healthy(api_url):
            return
        time.sleep(0.25)
    raise RuntimeError(f"Prefect server at {api_url} not healthy after {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process's group (it leads its own session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
