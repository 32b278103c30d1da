"""The whole pipeline locally: Prefect server + UI, work pool, deployment, automations, worker.

    python -m deployments.serve        (or: make serve)

1. starts the local Prefect server with its UI on 127.0.0.1:4200, or reuses the one
   `make run` left running (deployments/local_server.py; its database and log in
   $PREFECT_HOME, .prefect/ in the repository under make),
2. creates the process work pool `greenery-process` if it is missing,
3. registers the deployments of prefect.yaml (`prefect deploy --all --no-prompt`),
4. sets up the notification blocks and automations (`python -m deployments.setup`),
   skipped with a note when no GREENERY_*_WEBHOOK_URL is set,
5. starts a worker for the pool, which runs the daily flow on its schedule,

then prints where to look and runs until Ctrl-C, which stops the worker, and the server
if it started it. Every command runs from the repository root against that server,
with analytics off.
"""

import argparse
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
SERVER_CHECK_SECONDS = 5


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


def _banner(server: local_server.Background, log_path: Path, automations_configured: bool) -> None:
    automations = (
        f"{server.ui_url}/automations"
        if automations_configured
        else "none (no notification URL set, see above)"
    )
    stops = "the worker and the server" if server.started else "the worker (the server runs on)"
    lines = [
        "",
        "Greenery is being served locally:",
        f"  Prefect UI    {server.ui_url}",
        f"  deployment    {DEPLOYMENT_FULL_NAME}  ({server.ui_url}/deployments)",
        f"  automations   {automations}",
        f"  work pool     {WORK_POOL_NAME}, with a worker running here",
        f"  server log    {log_path}",
        "Run the flow now:",
        f"  PREFECT_API_URL={server.api_url} .venv/bin/prefect deployment run"
        f" {DEPLOYMENT_FULL_NAME}",
        f"Ctrl-C stops {stops}.",
        "",
    ]
    print("\n".join(lines), flush=True)


def serve() -> int:
    home = local_server.prefect_home().resolve()
    log_path = home / local_server.LOG_FILE
    try:
        server = local_server.ensure_background(home, say=_say)
    except local_server.ServerDidNotStart as error:
        _say(str(error))
        return 1
    env = local_server.server_env(home, local_server.HOST, server.port)

    signal.signal(signal.SIGTERM, _raise_stop)
    worker: subprocess.Popen | None = None
    try:
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
        configured = any(env.get(channel.env_var, "").strip() for channel in CHANNELS)
        _banner(server, log_path, configured)
        while True:
            try:
                code = worker.wait(timeout=SERVER_CHECK_SECONDS)
            except subprocess.TimeoutExpired:
                if not local_server.is_healthy(server.api_url):
                    raise Stop("the server stopped answering", exit_code=1) from None
                continue
            raise Stop(f"the worker exited with status {code}", exit_code=1)
    except KeyboardInterrupt:
        _say("Stopping (Ctrl-C).")
        return 0
    except Stop as stop:
        _say(f"Stopping ({stop}).")
        return stop.exit_code
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut cleanup
        if worker is not None:
            local_server.stop(worker)
        if server.started:
            _say(local_server.stop_background(home))
        else:
            _say("Worker stopped; the Prefect server runs on (`make stop` stops it).")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m deployments.serve",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    return serve()


if __name__ == "__main__":
    sys.exit(main())
