"""Start, health-check and stop local `prefect server start` processes.

The background server serves every run started without a Prefect API configured
(`make run`, `python -m flows.daily`) and `make serve`: the first run starts it in
PREFECT_HOME and leaves it running, later runs reuse it, `make stop` stops it. Two runs
starting together start one server between them (a lock file in PREFECT_HOME), and a
run waits for the server as long as the server is starting, however busy the machine:
no run races a start-up timeout.

    python -m deployments.local_server stop     (or: make stop)

The tests start servers of their own with `start` (tests/servers.py).
"""

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PREFECT = [sys.executable, "-m", "prefect"]  # the CLI of the running interpreter
HOST = "127.0.0.1"
DEFAULT_PORT = 4200
STATE_FILE = "local-server.json"
LOCK_FILE = "local-server.lock"
LOG_FILE = "server.log"
# How long a server that is still running may take to answer. On an idle machine it
# answers in about ten seconds; a loaded one can take minutes.
START_TIMEOUT_SECONDS = 900


class ServerDidNotStart(RuntimeError):
    """The server exited while starting, or never answered."""


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
        with urllib.request.urlopen(f"{api_url}/health", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(
    api_url: str, process: subprocess.Popen | int, timeout: float = START_TIMEOUT_SECONDS
) -> None:
    """Wait until /api/health answers; ServerDidNotStart if the server (a child process,
    or any process by its pid) exits first, or does not answer within `timeout` s."""
    running = (
        (lambda: process.poll() is None)
        if isinstance(process, subprocess.Popen)
        else (lambda: _is_running(process))
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running():
            raise ServerDidNotStart(f"the Prefect server for {api_url} exited while starting")
        if is_healthy(api_url):
            return
        time.sleep(0.5)
    raise ServerDidNotStart(
        f"the Prefect server at {api_url} did not answer within {timeout:.0f} s"
    )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process's group (it leads its own session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    _stop_group(process.pid, lambda: _exited(process, timeout))


@dataclass(frozen=True)
class Background:
    """The background server: its process and where it listens."""

    pid: int
    port: int
    started: bool = False  # started by this call, rather than found running

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"


def ensure_background(home: Path, say: Callable[[str], None] = print) -> Background:
    """The background server of this PREFECT_HOME, started if it is not running. Waits
    for it to answer (ServerDidNotStart, naming the log, if it exits or never answers)."""
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / LOG_FILE
    with _locked(home / LOCK_FILE):  # one starter at a time; the others then find it
        found = _read_state(home)
        if found and _is_running(found.pid) and _is_prefect(found.pid):
            if not is_healthy(found.api_url):
                say(f"Waiting for the local Prefect server at {found.ui_url} to answer.")
                _wait_or_explain(found, log_path)
            return found
        port = DEFAULT_PORT if _port_is_free(DEFAULT_PORT) else _free_port()
        say(
            f"Starting a local Prefect server at http://{HOST}:{port} (log: {log_path});"
            " later runs reuse it, `make stop` stops it."
        )
        with log_path.open("ab") as log:
            process = start(HOST, port, server_env(home, HOST, port), log=log)
        server = Background(process.pid, port, started=True)
        (home / STATE_FILE).write_text(json.dumps({"pid": server.pid, "port": server.port}))
        _wait_or_explain(server, log_path)
        return server


def stop_background(home: Path) -> str:
    """Stop the background server of this PREFECT_HOME; says what it did."""
    with _locked(home / LOCK_FILE):
        found = _read_state(home)
        (home / STATE_FILE).unlink(missing_ok=True)
        if not found or not _is_running(found.pid) or not _is_prefect(found.pid):
            return f"No local Prefect server is running for {home}."
        _stop_group(found.pid, lambda: _gone(found.pid, timeout=20))
        return f"Stopped the local Prefect server at {found.ui_url} (pid {found.pid})."


def _wait_or_explain(server: Background, log_path: Path) -> None:
    try:
        wait_until_healthy(server.api_url, server.pid)
    except ServerDidNotStart as error:
        raise ServerDidNotStart(f"{error}; see {log_path}") from None


def _read_state(home: Path) -> Background | None:
    try:
        state = json.loads((home / STATE_FILE).read_text())
        return Background(pid=int(state["pid"]), port=int(state["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _is_running(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # not a child of this process
        if os.waitpid(pid, os.WNOHANG)[0]:  # a child that exited (and is now reaped)
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_prefect(pid: int) -> bool:
    """Whether the pid is still a Prefect server, not a process that reused the number.
    Where /proc does not exist (macOS), the health check alone decides."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():
        return True
    try:
        return b"prefect" in cmdline.read_bytes()
    except OSError:
        return False


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _stop_group(pid: int, stopped: Callable[[], bool]) -> None:
    """SIGTERM the group `pid` leads, then SIGKILL unless `stopped()` (which waits) says
    it is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        if stopped():
            return


def _exited(process: subprocess.Popen, timeout: float) -> bool:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_running(pid):
            return True
        time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.local_server",
        description="Manage the background Prefect server of PREFECT_HOME.",
    )
    parser.add_argument("command", choices=["stop"], help="stop the background server")
    parser.parse_args(argv)
    print(stop_background(prefect_home()))
    return 0


def prefect_home() -> Path:
    """PREFECT_HOME, as Prefect reads it (the Makefile sets the repository's .prefect)."""
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


if __name__ == "__main__":
    sys.exit(main())
