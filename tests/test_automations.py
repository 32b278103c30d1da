"""`python -m deployments.setup` against a real Prefect server, with a real webhook receiver.

Setup runs as a subprocess pointed at the server; the tests read the server and emit
events with a Prefect client pointed at it (temporary_settings), not at the session's
test harness.
"""

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.events import Event
from prefect.events.clients import get_events_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Crashed, Failed, Running

from deployments.automations import DAILY_RUN_FAILED, DAILY_RUN_MISSING, NAMES, kpi_breached_name
from flows.kpis import load_kpis
from flows.settings import REPO_ROOT
from tests.servers import Post, Received, client_env, prefect_server, webhook_receiver

NOTIFICATION_TIMEOUT_S = 30
SLACK_URL = "https://hooks.slack.com/services/T0GREENERY/B0GREENERY/slacksecret0token"
SILENT_WEBHOOK_URL = "http://127.0.0.1:9/webhook-secret-path"  # never called in these tests
PRODUCT_WEBHOOK_URL = "http://127.0.0.1:9/product-secret-path"  # likewise
BLOCK_TYPES = {"greenery-slack": "slack-webhook", "greenery-webhook": "custom-webhook"}
# One automation per business unit owning a KPI (kpis.yml).
KPI_AUTOMATIONS = {unit: kpi_breached_name(unit) for unit in load_kpis().units}


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prefect_server(tmp_path_factory.mktemp("automations-server")) as url:
        yield url


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, Received]]:
    with webhook_receiver() as served:
        yield served


def run_setup(
    api_url: str, tmp_path: Path, **greenery_env: str
) -> subprocess.CompletedProcess[str]:
    env = client_env(api_url, tmp_path / "client-home", **greenery_env)
    return subprocess.run(
        [sys.executable, "-m", "deployments.setup"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def setup_ok(api_url: str, tmp_path: Path, **greenery_env: str) -> str:
    result = run_setup(api_url, tmp_path, **greenery_env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def read_state(api_url: str) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Automations and block documents on the server, by name."""
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        automations: dict[str, list[Any]] = {}
        for automation in client.read_automations():
            automations.setdefault(automation.name, []).append(automation)
        blocks: dict[str, list[Any]] = {}
        for block in client.read_block_documents():
            blocks.setdefault(block.name, []).append(block)
    return automations, blocks


def emit(api_url: str, *events: Event) -> None:
    async def send() -> None:
        async with get_events_client() as client:
            for event in events:
                await client.emit(event)

    with temporary_settings({PREFECT_API_URL: api_url}):
        asyncio.run(send())


def contract_event(name: str, table: str, marker: str, *, failed: bool) -> Event:
    """An event shaped like the flow's (flows/reporting.py), `marker` in its summary."""
    column, rows = "page_url", 4
    summary = (
        f"{table}: column {column} failed 'url matches pattern' on {rows} rows [{marker}]"
        if failed
        else f"{table}: all 12 expectations passed [{marker}]"
    )
    return Event(
        event=name,
        resource={"prefect.resource.id": f"greenery.table.{table}", "prefect.resource.name": table},
        payload={
            "checker": "great_expectations",
            "table": table,
            "summary": summary,
            "failed_checks": [
                {
                    "check": "expect_column_values_to_match_regex",
                    "column": column,
                    "failing_rows": rows,
                    "sample_values": ["https://greenery.example/product/1", "not-a-url"],
                }
            ]
            if failed
            else [],
            "data_docs_url": f"file:///tmp/data_docs/{marker}/index.html",
            "flow_run_url": f"http://127.0.0.1:4200/runs/flow-run/{marker}",
        },
    )


def mentions(*words: str) -> Callable[[Post], bool]:
    return lambda post: all(word in post.text for word in words)


def test_setup_without_a_url_fails_naming_the_variables(api_url: str, tmp_path: Path) -> None:
    result = run_setup(api_url, tmp_path)
    assert result.returncode != 0
    assert "GREENERY_SLACK_WEBHOOK_URL" in result.stderr
    assert "GREENERY_NOTIFY_WEBHOOK_URL" in result.stderr
    assert "Automations:" not in result.stdout


def test_a_malformed_url_is_rejected_without_printing_it(api_url: str, tmp_path: Path) -> None:
    secret = "https://chat.example/services/s3cr3t-t0ken"
    result = run_setup(api_url, tmp_path, GREENERY_SLACK_WEBHOOK_URL=secret)
    assert result.returncode != 0
    assert "GREENERY_SLACK_WEBHOOK_URL" in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr

    unit = run_setup(
        api_url,
        tmp_path,
        GREENERY_NOTIFY_WEBHOOK_URL=SILENT_WEBHOOK_URL,
        GREENERY_PRODUCT_SLACK_WEBHOOK_URL=secret,
    )
    assert unit.returncode != 0
    assert "GREENERY_PRODUCT_SLACK_WEBHOOK_URL is not valid (its value is not shown)" in unit.stderr
    assert "s3cr3t" not in unit.stdout + unit.stderr
    assert "Automations:" not in unit.stdout


def test_setup_creates_the_blocks_and_automations_once(api_url: str, tmp_path: Path) -> None:
    env = {
        "GREENERY_SLACK_WEBHOOK_URL": SLACK_URL,
        "GREENERY_NOTIFY_WEBHOOK_URL": SILENT_WEBHOOK_URL,
        "GREENERY_PRODUCT_NOTIFY_WEBHOOK_URL": PRODUCT_WEBHOOK_URL,
    }
    first = setup_ok(api_url, tmp_path, **env)
    automations, blocks = read_state(api_url)
    second = setup_ok(api_url, tmp_path, **env)
    automations_again, blocks_again = read_state(api_url)

    for output in (first, second):
        assert "slacksecret0token" not in output
        assert "webhook-secret-path" not in output
        assert "product-secret-path" not in output
    assert "created" not in second
    assert second.count("updated") == len(NAMES) + len(KPI_AUTOMATIONS)
    assert "  core: the shared channels (GREENERY_CORE_SLACK_WEBHOOK_URL or" in second
    assert (
        "  product: webhook: block 'greenery-product-webhook' (Custom Webhook) saved,"
        " URL from GREENERY_PRODUCT_NOTIFY_WEBHOOK_URL" in second
    )

    for name, slug in BLOCK_TYPES.items():
        [block] = blocks_again[name]
        assert block.block_type.slug == slug
        assert block.id == blocks[name][0].id  # updated in place
    block_ids = {blocks_again[name][0].id for name in BLOCK_TYPES}

    assert set(NAMES) <= set(automations_again)
    for name in NAMES:
        [automation] = automations_again[name]
        assert automation.id == automations[name][0].id  # updated in place
        assert automation.enabled
        assert {action.block_document_id for action in automation.actions} == block_ids
        assert {action.type for action in automation.actions} == {"send-notification"}

    # The product unit's KPIs go to its own channel only; the other units' to the shared.
    [product_block] = blocks_again["greenery-product-webhook"]
    for unit, name in KPI_AUTOMATIONS.items():
        [automation] = automations_again[name]
        assert automation.id == automations[name][0].id
        expected = {product_block.id} if unit == "product" else block_ids
        assert {action.block_document_id for action in automation.actions} == expected, unit


def test_setup_keeps_a_pause_and_removes_duplicates(api_url: str, tmp_path: Path) -> None:
    env = {"GREENERY_NOTIFY_WEBHOOK_URL": SILENT_WEBHOOK_URL}
    setup_ok(api_url, tmp_path, **env)
    automations, _ = read_state(api_url)
    [original] = automations[DAILY_RUN_FAILED]
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        Automation(**original.model_dump(exclude={"id"})).create()  # a duplicate
        client.pause_automation(original.id)  # the most recently updated: the one kept
        try:
            output = setup_ok(api_url, tmp_path, **env)
            automations, _ = read_state(api_url)
            [kept] = automations[DAILY_RUN_FAILED]
            assert kept.id == original.id
            assert not kept.enabled
            assert f"updated (left paused), removed 1 duplicate(s): {DAILY_RUN_FAILED}" in output
        finally:
            client.resume_automation(original.id)


def test_a_failed_contract_notifies_within_30_s(
    api_url: str, receiver: tuple[str, Received], tmp_path: Path
) -> None:
    url, received = receiver
    setup_ok(api_url, tmp_path, GREENERY_NOTIFY_WEBHOOK_URL=url)
    marker, without_links = uuid.uuid4().hex, uuid.uuid4().hex
    # A dbt check's failure has no Data Docs page, and a run without a Prefect UI address
    # no run page: a link that is missing is left out, never sent as "None".
    linkless = contract_event(
        "greenery.contract.failed", "core.fact_orders", without_links, failed=True
    )
    linkless.payload |= {"data_docs_url": None, "flow_run_url": None}

    emit(
        api_url,
        contract_event("greenery.contract.failed", "product.fact_page_views", marker, failed=True),
        linkless,
    )

    post = received.wait_for(mentions(marker), timeout=NOTIFICATION_TIMEOUT_S)
    assert post.json is not None, post.text
    assert "fact_page_views" in post.json["subject"]
    body = post.json["body"]
    assert "column page_url: 4 failing rows" in body
    assert "expect_column_values_to_match_regex" in body
    assert f"file:///tmp/data_docs/{marker}/index.html" in body
    assert f"http://127.0.0.1:4200/runs/flow-run/{marker}" in body
    assert post.json["text"].startswith(post.json["subject"])

    body = received.wait_for(mentions(without_links), timeout=NOTIFICATION_TIMEOUT_S).json["body"]
    assert "None" not in body and "Data Docs:" not in body and "Flow run:" not in body, body


def test_a_passed_contract_sends_nothing(
    api_url: str, receiver: tuple[str, Received], tmp_path: Path
) -> None:
    url, received = receiver
    setup_ok(api_url, tmp_path, GREENERY_NOTIFY_WEBHOOK_URL=url)
    passed, sentinel = uuid.uuid4().hex, uuid.uuid4().hex

    emit(
        api_url,
        contract_event("greenery.contract.passed", "product.fact_page_views", passed, failed=False),
        # A failed event sent after it: once its notification is in, the passed event
        # has been through the same pipeline.
        contract_event("greenery.contract.failed", "core.fact_orders", sentinel, failed=True),
    )

    received.wait_for(mentions(sentinel), timeout=NOTIFICATION_TIMEOUT_S)
    assert received.matching(mentions(passed)) == []


def test_a_failed_or_crashed_daily_run_notifies_the_data_team(
    api_url: str, receiver: tuple[str, Received], tmp_path: Path
) -> None:
    url, received = receiver
    setup_ok(api_url, tmp_path, GREENERY_NOTIFY_WEBHOOK_URL=url)
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("greenery_daily")
        daily = client.create_deployment(flow_id=flow_id, name="greenery-daily")
        other = client.create_deployment(flow_id=flow_id, name="greenery-backfill")
        runs = {}
        for deployment_id, final, label in (
            (other, Failed(message="backfill broke"), "other"),
            (daily, Failed(message="dbt build: 2 tests failed"), "failed"),
            (daily, Crashed(message="the worker went away"), "crashed"),
        ):
            run = client.create_flow_run_from_deployment(deployment_id, parameters={"seed": 7})
            client.set_flow_run_state(run.id, Running(), force=True)
            client.set_flow_run_state(run.id, final, force=True)
            runs[label] = run.name

    failed = received.wait_for(mentions(runs["failed"]), timeout=NOTIFICATION_TIMEOUT_S)
    assert "Failed" in failed.json["subject"]
    assert "dbt build: 2 tests failed" in failed.json["body"]
    assert "greenery_daily/greenery-daily" in failed.json["body"]
    assert "/runs/flow-run/" in failed.json["body"]  # a link to the run in the UI
    crashed = received.wait_for(mentions(runs["crashed"]), timeout=NOTIFICATION_TIMEOUT_S)
    assert "Crashed" in crashed.json["subject"]
    assert received.matching(mentions(runs["other"])) == []


def test_no_completed_run_within_the_window_notifies(
    api_url: str, receiver: tuple[str, Received], tmp_path: Path
) -> None:
    # The smallest window Prefect allows (~11 s) stands in for the default 26 hours.
    url, received = receiver
    setup_ok(api_url, tmp_path, GREENERY_NOTIFY_WEBHOOK_URL=url, GREENERY_MISSING_RUN_HOURS="0.003")
    try:
        post = received.wait_for(
            lambda post: "daily run missing" in (post.json or {}).get("subject", ""),
            timeout=45,
        )
        assert "0.003 hours" in post.json["body"]
        assert "greenery-process" in post.json["body"]
    finally:  # back to the default window, so it stops reminding
        setup_ok(api_url, tmp_path, GREENERY_NOTIFY_WEBHOOK_URL=url)
    automations, _ = read_state(api_url)
    assert automations[DAILY_RUN_MISSING][0].trigger.within.total_seconds() == 26 * 3600
