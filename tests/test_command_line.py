"""`python -m flows.daily` as a person meets it: help and usage errors at once, the local
Prefect server started once and shared, a quiet terminal with the summary last."""

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from deployments import local_server
from flows.settings import REPO_ROOT
from tests.conftest import AS_OF
from tests.servers import SESSION_SETTINGS

HEAVY = ("prefect", "great_expectations", "dbt", "duckdb", "pandas")


def _imported(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the command with -X importtime; the top-level packages it imported."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flows.daily", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.split("|")[-1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return run, modules


def test_help_and_usage_errors_answer_before_the_heavy_imports() -> None:
    helped, modules = _imported("--help")
    assert helped.returncode == 0 and "--as-of" in helped.stdout
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))

    refused, modules = _imported("--as-of", "yesterday")
    assert refused.returncode == 1
    assert (
        "Usage error: argument --as-of: expected a day as YYYY-MM-DD, such as 2024-03-03,"
        " not 'yesterday'. Nothing was run; see python -m flows.daily --help."
    ) in refused.stderr
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))

    nowhere, modules = _imported("--raw-dir", "no/such/export")
    assert nowhere.returncode == 1
    assert (
        "Usage error: argument --raw-dir: no/such/export is not a folder (a CSV export's folder)."
    ) in nowhere.stderr
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))

    nothing_generated, modules = _imported("--skip-landing", "--scenario", "conversion-drop")
    assert nothing_generated.returncode == 1
    assert (
        "Usage error: --scenario changes generated data: it cannot go with --raw-dir or"
        " --skip-landing. Nothing was run"
    ) in nothing_generated.stderr
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def _user_env(home: Path, warehouse: Path) -> dict[str, str]:
    """A person's shell: no Prefect API configured, PREFECT_HOME as the Makefile sets it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENERY_"))}
    return env | {
        "PREFECT_HOME": str(home),
        "GREENERY_DUCKDB_PATH": str(warehouse),
        **{name: os.environ[name] for name in SESSION_SETTINGS},
    }


def test_two_runs_started_together_share_one_local_server_and_both_succeed(
    tmp_path: Path,
) -> None:
    home, warehouse = tmp_path / "prefect-home", tmp_path / "greenery.duckdb"
    env = _user_env(home, warehouse)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "flows.daily", "--as-of", AS_OF.isoformat()],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [run.communicate(timeout=900) for run in runs]
        for run, (stdout, stderr) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, stdout + stderr
            lines = stdout.strip().splitlines()
            assert "Published: 12 marts to core, marketing, product" in lines, stdout
            # Where to look next, last: the Data Docs, the KPI report and this run in the
            # local server's UI.
            look = re.fullmatch(
                r"Look next: Data Docs file://\S+/index\.html;"
                rf" the KPI report file://\S+/kpis/{AS_OF}\.html; this run in Prefect"
                r" (http://127\.0\.0\.1:\d+/runs/flow-run/[0-9a-f-]{36})",
                lines[-1],
            )
            assert look, lines[-1]
            page = httpx.get(look[1], headers={"Accept": "text/html"})  # as a browser asks
            assert page.status_code == 200 and "<html" in page.text.lower(), page
            assert len(lines) <= 20, stdout  # the steps and the summary, nothing else
            assert "Traceback" not in stdout + stderr, stdout + stderr
            assert "ERROR" not in stdout + stderr, stdout + stderr  # waiting is no error
        # The run that waited found the same day's marts already published: unchanged.
        rerun = [out for out, _ in outputs if "(12 unchanged, since the last publication)" in out]
        assert len(rerun) == 1, outputs
        started = [out for out, _ in outputs if "Starting a local Prefect server" in out]
        assert len(started) == 1, outputs  # the other run waited for it, then used it
        server = local_server.ensure_background(home, say=lambda _: None)
        assert not server.started  # a third comer finds it running
    finally:
        stopped = subprocess.run(
            [sys.executable, "-m", "deployments.local_server", "stop"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert stopped.stdout.startswith("Stopped the local Prefect server at http://127.0.0.1:")
    assert not local_server.is_healthy(server.api_url)
    again = subprocess.run(
        [sys.executable, "-m", "deployments.local_server", "stop"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.stdout.startswith("No local Prefect server is running")
