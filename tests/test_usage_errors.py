"""Usage errors are the runner's to fix, not the stakeholders' news: the run says it is a
usage error and what to do, exits 1, changes nothing and emits no contract event. A bad
setting in the environment is one too, refused before anything runs. (Bad arguments on the
command line: test_command_line.py.)"""

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from prefect.events import emit_event
from prefect.events.worker import EventsWorker

from deployments import setup
from deployments.settings import setup_settings
from flows import daily, pipeline
from flows.pipeline import greenery_daily
from flows.settings import DUCKDB_PATH_ENV, REPO_ROOT, duckdb_path, gx_project_dir, settings
from flows.snowflake import connection_parameters, snowflake_settings
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


# A bad value of each typed setting, and what the usage error says the variable accepts.
FLOW_SETTINGS = {
    "GREENERY_DBT_LOG_LEVEL": ("loud", "one of debug, info, warn, error"),
    "GREENERY_WAREHOUSE_RETRIES": ("three", "a whole number, 0 or more"),
    "GREENERY_WAREHOUSE_RETRY_SECONDS": ("0", "a number of seconds, more than 0"),
    "GREENERY_WAREHOUSE_WAIT_MINUTES": ("an hour", "a number of minutes, more than 0"),
    "GREENERY_DATA_DOCS_URL": ("docs.example.com/data", "an http:// or https:// address"),
    "GREENERY_CONTRACT_RUNS_KEPT": ("0", "a whole number, 1 or more"),
}
PROD_SETTINGS = {  # read only by a run on the prod target
    "SNOWFLAKE_PORT": ("443x", "a port number, 1 to 65535"),
    "SNOWFLAKE_PROTOCOL": ("ftp", "http or https"),
}
SETUP_SETTINGS = {  # read by python -m deployments.setup
    "GREENERY_MISSING_RUN_HOURS": ("0.001", "a number of hours from 0.003"),
    "GREENERY_SLACK_WEBHOOK_URL": (
        "https://chat.example/services/s3cr3t-t0ken",
        "a Slack incoming webhook URL",
    ),
    "GREENERY_NOTIFY_WEBHOOK_URL": ("hooks.example/s3cr3t-path", "an http:// or https:// URL"),
}
BAD_SETTINGS = FLOW_SETTINGS | PROD_SETTINGS | SETUP_SETTINGS
SECRETS = {"GREENERY_SLACK_WEBHOOK_URL", "GREENERY_NOTIFY_WEBHOOK_URL"}


def _refusal(variable: str) -> str:
    value, accepts = BAD_SETTINGS[variable]
    if variable in SECRETS:
        return f"{variable} is not valid (its value is not shown): expected {accepts}"
    return f"{variable}={value!r} is not valid: expected {accepts}"


def _must_not_run(**_: object) -> None:
    raise AssertionError("the flow ran despite a bad setting")


@pytest.mark.parametrize("variable", BAD_SETTINGS)
def test_a_bad_setting_is_a_usage_error_naming_it(
    variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, BAD_SETTINGS[variable][0])
    monkeypatch.setattr(pipeline, "greenery_daily", _must_not_run)
    if variable in SETUP_SETTINGS:
        exit_code, nothing = setup.main([]), "Nothing was set up."
    else:
        target = "prod" if variable in PROD_SETTINGS else "dev"
        exit_code, nothing = daily.main(["--target", target]), "Nothing was run."
    error = capsys.readouterr().err
    assert exit_code == 1, error
    assert error.startswith(f"Usage error: {_refusal(variable)}"), error
    assert error.endswith(f". {nothing}\n"), error
    if variable in SECRETS:
        assert "s3cr3t" not in error


def _command(
    module: str, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `python -m module args` with only the given settings set (-X importtime); the
    top-level packages it imported."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GREENERY_", "SNOWFLAKE_"))}
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", module, *args],
        cwd=REPO_ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = run.stderr.splitlines()
    modules = {line.split("|")[-1].strip().split(".")[0] for line in lines if "|" in line}
    run.stderr = "\n".join(line for line in lines if not line.startswith("import time:"))
    return run, modules


def test_the_command_line_refuses_bad_settings_before_importing_prefect() -> None:
    bad = {variable: value for variable, (value, _) in (FLOW_SETTINGS | PROD_SETTINGS).items()}

    helped, _ = _command("flows.daily", "--help", **bad)
    assert helped.returncode == 0 and "--as-of" in helped.stdout, helped.stderr

    refused, modules = _command("flows.daily", "--as-of", "2024-03-03", "--target", "prod", **bad)
    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith("Usage error: ") and line.endswith(". Nothing was run."), line
    for variable in bad:
        assert _refusal(variable) in line
    assert "prefect" not in modules  # nor flows.faults, which reads the retries on import


def test_setup_refuses_bad_settings_without_showing_the_urls() -> None:
    bad = {variable: value for variable, (value, _) in SETUP_SETTINGS.items()}
    refused, _ = _command("deployments.setup", **bad)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr, refused.stderr
    [line] = refused.stderr.splitlines()
    assert line.startswith("Usage error: ") and line.endswith(". Nothing was set up."), line
    for variable in bad:
        assert _refusal(variable) in line
    assert "s3cr3t" not in refused.stdout + refused.stderr


def test_settings_defaults_and_values_are_read_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in [v for v in os.environ if v.startswith(("GREENERY_", "SNOWFLAKE_"))]:
        monkeypatch.delenv(variable)
    assert settings().model_dump() == {
        "duckdb_path": REPO_ROOT / "warehouse" / "greenery.duckdb",
        "gx_dir": REPO_ROOT / "gx",
        "snowflake_landing_path": REPO_ROOT / "warehouse" / "snowflake_landing.duckdb",
        "dbt_log_level": "error",
        "warehouse_retries": 3,
        "warehouse_retry_seconds": 10.0,
        "warehouse_wait_minutes": 60.0,
        "data_docs_bucket": None,
        "data_docs_prefix": "",
        "data_docs_url": None,
        "contract_runs_kept": 14,
    }
    assert setup_settings().model_dump() == {
        "slack_webhook_url": None,
        "notify_webhook_url": None,
        "missing_run_hours": 26.0,
    }

    for variable, value in {
        "GREENERY_DUCKDB_PATH": "scratch/day.duckdb",  # relative: from the repository root
        "GREENERY_GX_DIR": "/srv/greenery/gx",
        "GREENERY_SNOWFLAKE_LANDING_PATH": "",  # empty: the default
        "GREENERY_DBT_LOG_LEVEL": "info",
        "GREENERY_WAREHOUSE_RETRIES": "0",
        "GREENERY_WAREHOUSE_RETRY_SECONDS": "0.5",
        "GREENERY_WAREHOUSE_WAIT_MINUTES": "90",
        "GREENERY_DATA_DOCS_BUCKET": "greenery-docs",
        "GREENERY_DATA_DOCS_PREFIX": "data/",
        "GREENERY_DATA_DOCS_URL": "https://docs.example.com/data/",
        "GREENERY_CONTRACT_RUNS_KEPT": "2",
    }.items():
        monkeypatch.setenv(variable, value)
    assert settings().model_dump() == {
        "duckdb_path": REPO_ROOT / "scratch" / "day.duckdb",
        "gx_dir": Path("/srv/greenery/gx"),
        "snowflake_landing_path": REPO_ROOT / "warehouse" / "snowflake_landing.duckdb",
        "dbt_log_level": "info",
        "warehouse_retries": 0,
        "warehouse_retry_seconds": 0.5,
        "warehouse_wait_minutes": 90.0,
        "data_docs_bucket": "greenery-docs",
        "data_docs_prefix": "data/",
        "data_docs_url": "https://docs.example.com/data/",
        "contract_runs_kept": 2,
    }
    assert duckdb_path() == REPO_ROOT / "scratch" / "day.duckdb"
    assert gx_project_dir() == Path("/srv/greenery/gx")


def test_secret_settings_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        "SNOWFLAKE_ACCOUNT": "org-account",
        "SNOWFLAKE_USER": "pipeline",
        "SNOWFLAKE_ROLE": "transformer",
        "SNOWFLAKE_WAREHOUSE": "transforming",
        "SNOWFLAKE_DATABASE": "greenery",
        "SNOWFLAKE_PASSWORD": "s3cr3t-password",
        "SNOWFLAKE_PORT": "8443",
        "GREENERY_NOTIFY_WEBHOOK_URL": " https://hooks.example/s3cr3t-path ",
        "GREENERY_MISSING_RUN_HOURS": "0.003",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("SNOWFLAKE_PRIVATE_KEY_PATH", raising=False)
    read = (snowflake_settings(), setup_settings())
    assert "s3cr3t" not in repr(read) + str(read)
    parameters = connection_parameters()
    assert parameters["password"] == "s3cr3t-password" and parameters["port"] == 8443
    webhook, hours = read[1].notify_webhook_url, read[1].missing_run_hours
    assert webhook and webhook.get_secret_value() == "https://hooks.example/s3cr3t-path"
    assert hours == 0.003
