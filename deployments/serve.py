"""The whole pipeline locally: Prefect server + UI, work pool, deployment, automations, worker.

    python -m deployments.serve        (or: make serve)

1. starts a Prefect server with its UI on 127.0.0.1:4200 (its database and log in
   $PREFECT_HOME, by default .prefect/ in the repository),
2. creates the process work pool `greenery-process` if it is missing,
3. registers the deployments of prefect.yaml (`prefect deploy --all --no-prompt`),
4. sets up the notification blocks and automations (`python -m deployments.setup`),
   skipped with a note when no GREENERY_*_WEBHOOK_URL is set,
5. starts a worker for the pool, which runs the daily flow on its schedule,

then prints where to look and runs until Ctrl-C, which stops the worker, then the
server. Every command runs from the repository root with
PREFECT_API_URL=http://127.0.0.1:4200/api and analytics off.
"""

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from deployments import local_server
from deployments.contract import DEPLOYMENT_FULL_NAME, WORK_POOL_NAME
from deployments.notifications import CHANNELS

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORT = 4200
UI_URL = f"http://{HOST}:{PORT}"
API_URL = f"{UI_URL}/api"


class Stop(Exception):
    """SIGTERM, or a child that exited on its own; `exit_code` is serve's exit status."""

    def __init__(self, reason: str, exit_code: int = 0) -> None:
        super().__init__(reason)
        self.exit_code = exit_code


def _say(message: str) -> None:
    print(f"[serve] {message}", flush=True)


def _prefect(*args: str, env: Mapping[str, str], check: bool = True, quiet: bool = False) -> int:
    command = [*local_server.PREFECT, *args]
    _say("$ prefect " + " ".join(args))
    output = subprocess.DEVNULL if quiet else None
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=output
    )
    if check and result.returncode != 0:
        raise SystemExit(f"[serve] `prefect {' '.join(args)}` failed ({result.returncode})")
    return result.returncode


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _ensure_work_pool(env: Mapping[str, str]) -> None:
    if _prefect("work-pool", "inspect", WORK_POOL_NAME, env=env, check=False, quiet=True) != 0:
        _prefect("work-pool", "create", WORK_POOL_NAME, "--type", "process", env=env)


def _setup_automations(env: Mapping[str, str]) -> None:
    if not any(env.get(channel.env_var, "").strip() for channel in CHANNELS):
        names = " or ".join(channel.env_var for channel in CHANNELS)
        _say(f"Automations skipped: set {names} and run `make automations` to add them.")
        return
    _say("$ python -m deployments.setup")
    result = subprocess.run(
        [sys.executable, "-m", "deployments.setup"],
        cwd=REPO_ROOT,
        env=dict(env),
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        _say("Automation setup failed (see above); serving without them.")


def _banner(log_path: Path, automations_configured: bool) -> None:
    automations = (
        f"{UI_URL}/automations"
        if automations_configured
        else "none (no notification URL set, see above)"
    )
    lines = [
        "",
        "Greenery is being served locally:",
        f"  Prefect UI    {UI_URL}",
        f"  deployment    {DEPLOYMENT_FULL_NAME}  ({UI_URL}/deployments)",
        f"  automations   {automations}",
        f"  work pool     {WORK_POOL_NAME}, with a worker running here",
        f"  server log    {log_path}",
        "Run the flow now:",
        f"  PREFECT_API_URL={API_URL} .venv/bin/prefect deployment run {DEPLOYMENT_FULL_NAME}",
        "Ctrl-C stops the worker and the server.",
        "",
    ]
    print("\n".join(lines), flush=True)


def serve() -> int:
    home = Path(os.environ.get("PREFECT_HOME") or REPO_ROOT / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = local_server.server_env(home, HOST, PORT)
    if local_server.is_healthy(API_URL):
        _say(f"Something already answers on {UI_URL}; stop it first.")
        return 1

    signal.signal(signal.SIGTERM, _raise_stop)
    log_path = home / "server.log"
    children: list[subprocess.Popen] = []
    try:
        with log_path.open("ab") as log:
            _say(f"Starting the Prefect server on {UI_URL} (log: {log_path})")
            server = local_server.start(HOST, PORT, env, log=log)
            children.append(server)
            local_server.wait_until_healthy(API_URL, server, timeout=180)
        _ensure_work_pool(env)
        _prefect("deploy", "--all", "--no-prompt", env=env)
        _setup_automations(env)
        _say(f"$ prefect worker start --pool {WORK_POOL_NAME}")
        worker = subprocess.Popen(
            [*local_server.PREFECT, "worker", "start", "--pool", WORK_POOL_NAME],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        children.append(worker)
        configured = any(env.get(channel.env_var, "").strip() for channel in CHANNELS)
        _banner(log_path, configured)
        while True:
            for child, name in ((server, "server"), (worker, "worker")):
                try:
                    code = child.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
                raise Stop(f"the {name} exited with status {code}", exit_code=1)
    except KeyboardInterrupt:
        _say("Stopping (Ctrl-C).")
        return 0
    except Stop as stop:
        _say(f"Stopping ({stop}).")
        return stop.exit_code
    except RuntimeError as error:  # the server did not come up
        _say(f"{error}; see {log_path}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut cleanup
        for child in reversed(children):
            local_server.stop(child)
        _say("Worker and server stopped.")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m deployments.serve",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    return serve()


if __name__ == "__main__":
    sys.exit(main())
