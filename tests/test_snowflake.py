"""The prod target on Snowflake, against fakesnow (an emulator speaking Snowflake's HTTP
protocol). The marts' numbers are checked in test_marts.py, on both targets; this module
checks what only prod has: the raw copy, validation inside the warehouse, credentials and
grants. The emulator takes one snapshot per table (a second fails on it), so snapshot
history stays covered on DuckDB (test_daily_flow.py)."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from dbt.cli.main import dbtRunner
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter
from prefect_snowflake import SnowflakeCredentials
from pydantic import SecretStr

from flows import snowflake
from flows.faults import WarehouseUnavailable, reaching_the_warehouse
from flows.landing.raw_schema import RAW_TABLES
from flows.settings import DBT_PROJECT_DIR, REPO_ROOT
from tests.conftest import AS_OF, PipelineRun, run_pipeline
from tests.events import Event, wait_for_events
from tests.exports import break_page_urls, export_with
from tests.servers import silent_server, snowflake_emulator

MARTS = 14
# Generated or installed trees that no run writes a secret into by design, and that are big.
NOT_SEARCHED = {".venv", ".git"}


def prod_events(name: str, table: str | None = None, at_least: int = 1) -> list[Event]:
    """Events `name` the prod target emitted (for `table`), once `at_least` are stored."""
    events = wait_for_events(
        {"event": {"name": [name]}, "resource": {"labels": {"greenery.target": ["prod"]}}},
        at_least=at_least,
    )
    return [e for e in events if table is None or e["resource"]["prefect.resource.name"] == table]


@pytest.fixture(scope="module")
def broken_urls_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineRun, list[str]]:
    """A CSV export with four broken page_urls, run on prod against its own emulator."""
    tmp = tmp_path_factory.mktemp("snowflake-broken")
    export, broken_ids = export_with(tmp, "events", break_page_urls)
    with snowflake_emulator(tmp) as env:
        run = run_pipeline(
            tmp / "landing.duckdb",
            "--as-of",
            AS_OF.isoformat(),
            "--raw-dir",
            str(export),
            snowflake_env=env,
        )
    return run, broken_ids


def test_raw_tables_in_snowflake_equal_the_landing(snowflake_run: PipelineRun) -> None:
    for name, table in RAW_TABLES.items():
        keys = ", ".join(table.primary_key)
        local = snowflake_run.query(f"select {keys} from raw.{name}")
        remote = snowflake_run.snowflake_query(f"select {keys} from raw.{name}")
        assert len(remote) == len(local) > 0, name
        assert set(remote.itertuples(index=False)) == set(local.itertuples(index=False)), name
    prices = snowflake_run.snowflake_query("select price from raw.products").price
    assert ((prices * 100).round(6) % 1 == 0).all(), "prices keep their cents exactly"


def test_contracts_run_inside_snowflake_with_data_docs_and_events(
    snowflake_run: PipelineRun,
) -> None:
    assert f"Contracts: {MARTS} of {MARTS} suites passed" in snowflake_run.output
    passed = prod_events("greenery.contract.passed", at_least=MARTS)
    assert len({event["resource"]["prefect.resource.name"] for event in passed}) == MARTS
    for event in passed:
        page = Path(event["payload"]["data_docs_url"].removeprefix("file://"))
        assert page.is_file() and page.name.startswith("greenery_snowflake-"), page
        # The stored result beside the page: a table batch, run as SQL in the warehouse.
        stored = Path(
            str(page)
            .replace("data_docs/local_site/validations", "validations")
            .removesuffix(".html")
            + ".json"
        )
        batch_spec = json.loads(stored.read_text())["meta"]["batch_spec"]
        assert batch_spec["type"] == "table" and "batch_data" not in batch_spec


def test_a_broken_page_url_is_caught_on_snowflake(
    broken_urls_run: tuple[PipelineRun, list[str]],
) -> None:
    run, broken_ids = broken_urls_run
    assert run.exit_code == 1, run.output
    assert "on prod: FAILED" in run.output
    assert "FAILED product.fact_page_views" in run.output
    assert "column page_url" in run.output

    [event] = prod_events("greenery.contract.failed", "product.fact_page_views")
    url_checks = [
        check for check in event["payload"]["failed_checks"] if "page_url" in check["column"]
    ]
    reported = {key for check in url_checks for key in check["failing_keys"]}
    assert reported == set(broken_ids)


def test_no_snowflake_secret_in_outputs_logs_or_artifacts(
    snowflake_run: PipelineRun, broken_urls_run: tuple[PipelineRun, list[str]]
) -> None:
    broken_run, _ = broken_urls_run
    passwords = {
        run.snowflake_env["SNOWFLAKE_PASSWORD"]
        for run in (snowflake_run, broken_run)
        if run.snowflake_env
    }
    assert len(passwords) == 2
    assert not any(p in run.output for p in passwords for run in (snowflake_run, broken_run))

    with get_client(sync_client=True) as client:
        logs, offset = [], 0
        while page := client.read_logs(LogFilter(), limit=200, offset=offset):
            logs += [log.message for log in page]
            offset += len(page)
        artifacts = [json.dumps(a.data) + (a.description or "") for a in client.read_artifacts()]
    assert logs and artifacts
    for text in logs + artifacts:
        assert not any(p in text for p in passwords)

    for path in REPO_ROOT.rglob("*"):
        if NOT_SEARCHED & set(path.relative_to(REPO_ROOT).parts) or not path.is_file():
            continue
        content = path.read_bytes()
        assert not any(p.encode() in content for p in passwords), path


def test_missing_settings_stop_the_run_with_their_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in list(os.environ):
        if variable.startswith("SNOWFLAKE_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "greenery-prod")
    run = run_pipeline(tmp_path / "landing.duckdb", "--target", "prod", "--as-of", "2024-03-03")
    assert run.exit_code == 1
    assert "on prod: FAILED, a usage error (nothing is wrong with the data)" in run.output
    missing = run.output.split("SnowflakeCredentials block: ")[1].split(" not set.")[0]
    assert missing == (
        "SNOWFLAKE_USER, SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_DATABASE,"
        " SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH"
    )
    assert not (tmp_path / "landing.duckdb").exists(), "stops before landing anything"


def test_key_pair_authentication_goes_to_the_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        "SNOWFLAKE_ACCOUNT": "org-account",
        "SNOWFLAKE_USER": "pipeline",
        "SNOWFLAKE_ROLE": "transformer",
        "SNOWFLAKE_WAREHOUSE": "transforming",
        "SNOWFLAKE_DATABASE": "greenery",
        "SNOWFLAKE_PRIVATE_KEY_PATH": "/keys/pipeline.p8",
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "passphrase",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("SNOWFLAKE_PASSWORD", raising=False)
    parameters = snowflake.connection_parameters()
    assert parameters["private_key_file"] == "/keys/pipeline.p8"
    assert parameters["private_key_file_pwd"] == "passphrase"
    assert "password" not in parameters and "host" not in parameters


def test_a_credentials_block_connects_to_snowflake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with snowflake_emulator(tmp_path) as env:
        SnowflakeCredentials(
            account=env["SNOWFLAKE_ACCOUNT"],
            user="block-user",
            password=SecretStr(env["SNOWFLAKE_PASSWORD"]),
            role=env["SNOWFLAKE_ROLE"],
        ).save("greenery-test", overwrite=True)
        for variable, value in env.items():
            monkeypatch.setenv(variable, value)
        # The block wins over the environment for what it holds.
        for variable in ("SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_ROLE"):
            monkeypatch.setenv(variable, "from-the-environment")

        snowflake.use_credentials_block("greenery-test")

        assert os.environ["SNOWFLAKE_USER"] == "block-user"
        assert os.environ["SNOWFLAKE_PASSWORD"] == env["SNOWFLAKE_PASSWORD"]
        assert os.environ["SNOWFLAKE_ROLE"] == env["SNOWFLAKE_ROLE"]
        with snowflake.connect() as con:
            assert con.cursor().execute("select 1").fetchall() == [(1,)]


def _compiled(jinja: str, tmp_path: Path) -> str:
    """What dbt renders `jinja` to in the project (on the dev target: no warehouse needed)."""
    result = dbtRunner().invoke(
        [
            "compile",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--quiet",
            "--inline",
            jinja,
        ]
    )
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def test_each_business_unit_grants_select_on_its_published_schema_to_its_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One macro grants every unit (a folder under models/marts/, and the snapshots) to the
    roles in GREENERY_<UNIT>_READERS: its published schema, never its audit schema."""
    monkeypatch.setenv("GREENERY_DUCKDB_PATH", str(tmp_path / "greenery.duckdb"))
    monkeypatch.setenv("GREENERY_MARKETING_READERS", "analyst, reporting_bi")
    monkeypatch.setenv("GREENERY_SNAPSHOTS_READERS", "auditor")
    compiled = _compiled(
        "{% for schema in readable_schemas() %}"
        "{{ schema }}: {{ reader_grants(schema) | join('; ') }}\n"
        "{% endfor %}",
        tmp_path,
    )
    grants = dict(line.split(": ", 1) for line in compiled.strip().splitlines())
    assert set(grants) == {"core", "marketing", "product", "snapshots"}
    assert grants["core"] == grants["product"] == ""
    database = "greenery"  # the DuckDB file's name on the dev target
    assert grants["marketing"].split("; ") == [
        f"create schema if not exists {database}.marketing with managed access",
        *(
            statement
            for role in ("analyst", "reporting_bi")
            for statement in (
                f"grant usage on schema {database}.marketing to role {role}",
                f"grant select on all tables in schema {database}.marketing to role {role}",
                f"grant select on future tables in schema {database}.marketing to role {role}",
            )
        ),
    ]
    assert "to role auditor" in grants["snapshots"] and "audit_" not in compiled


def test_snapshots_are_stamped_with_the_end_of_the_as_of_day(snowflake_run: PipelineRun) -> None:
    for snapshot in ("snapshots.orders_snapshot", "snapshots.products_snapshot"):
        stamps = snowflake_run.snowflake_query(f"select distinct dbt_valid_from from {snapshot}")
        assert stamps.dbt_valid_from.tolist() == [pd.Timestamp(AS_OF + timedelta(days=1))]


def test_a_login_that_times_out_is_worth_retrying() -> None:
    """Snowflake that does not answer a login in time (the connector gives up with 250001)
    is a warehouse out of reach, which the run retries, not a failed model."""
    import snowflake.connector

    with (
        silent_server() as port,
        pytest.raises(WarehouseUnavailable) as raised,
        reaching_the_warehouse("dbt build"),
    ):
        snowflake.connector.connect(
            account="greenery-emulator",
            user="pipeline",
            password="unused",
            host="127.0.0.1",
            port=port,
            protocol="http",
            login_timeout=2,
            socket_timeout=1,
        )
    assert str(raised.value).startswith("dbt build: could not connect to Snowflake (250001: ")
