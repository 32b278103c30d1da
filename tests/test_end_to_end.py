"""End to end: the daily flow against a real Prefect server, with the automations set up,
a real webhook receiver on 127.0.0.1 standing in for the stakeholders' channel, and the
Data Docs site hosted in a bucket of a real S3 API server, opened as a stakeholder opens
it: from the notification's link, in a browser with no internet."""

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from flows.settings import REPO_ROOT, gx_project_dir
from tests.browser import offline_browser
from tests.conftest import AS_OF
from tests.events import wait_for_events
from tests.exports import break_page_urls, edit_csv, export_with
from tests.servers import (
    Post,
    Received,
    S3Site,
    client_env,
    prefect_server,
    s3_site,
    webhook_receiver,
)

NOTIFICATION_TIMEOUT_S = 30


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    received: Received
    tmp: Path
    site: S3Site  # where the runs publish Data Docs

    def run_flow(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "GREENERY_DUCKDB_PATH": str(self.tmp / f"{name}.duckdb")}
        return subprocess.run(
            [sys.executable, "-m", "flows.daily", "--as-of", AS_OF.isoformat(), *args],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def events(self, name: str, at_least: int = 0) -> list[dict[str, Any]]:
        """Events `name`, waiting until `at_least` of them are stored."""
        return wait_for_events(
            {"event": {"name": [name]}}, at_least=at_least, wait=30, api_url=self.api_url
        )

    def artifact(self, key: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.api_url}/artifacts/latest/filter", json={"artifacts": {"key": {"any_": [key]}}}
        )
        response.raise_for_status()
        [artifact] = response.json()
        return artifact


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    with (
        prefect_server(tmp) as api_url,
        webhook_receiver() as (url, received),
        s3_site(tmp) as site,
    ):
        env = client_env(api_url, tmp / "client-home", GREENERY_NOTIFY_WEBHOOK_URL=url, **site.env)
        subprocess.run(
            [sys.executable, "-m", "deployments.setup"],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        yield Stack(api_url, env, received, tmp, site)


def _names(post: Post, *words: str) -> bool:
    return all(word in post.text for word in words)


def test_a_clean_run_sends_no_contract_notification(stack: Stack) -> None:
    run = stack.run_flow("clean")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    *_, contracts, publication, look_next = run.stdout.strip().splitlines()
    assert contracts.startswith("Contracts: 13 of 13 suites passed")
    assert publication == "Published: 11 marts to core, marketing, product"
    assert look_next.startswith(f"Look next: Data Docs {stack.site.url}index.html; ")

    passed = stack.events("greenery.contract.passed", at_least=13)
    assert len(passed) == 13
    assert stack.events("greenery.contract.failed") == []
    time.sleep(10)  # time enough for an automation to have fired, had one matched
    assert len(stack.received) == 0, [post.text for post in stack.received]


CANARY = {  # personal data planted in one customer's row
    "first_name": "Canaryfirst",
    "email": "canary.pii@example.org",
    "phone_number": "555-0100-9876",
    "address": "77 Canary Wharf Lane",
}


@dataclass
class BrokenRun:
    """One run of an export broken three ways, in three marts whose contracts fail apart:
    page URLs (product.fact_page_views), order totals (core.fact_orders), and a customer's
    missing last name (core.dim_users) on the very row that holds the canary's personal data.
    """

    run: subprocess.CompletedProcess[str]
    finished: float  # time.monotonic() when the run ended
    broken_url_ids: list[str]
    user_id: str


def _inflate_totals(rows: list[dict[str, str]]) -> None:
    for row in rows[:2]:
        row["order_total"] = str(round(float(row["order_total"]) + 5, 2))


def _plant_canary(rows: list[dict[str, str]]) -> tuple[str, str]:
    row = rows[0]
    row.update({k: v for k, v in CANARY.items() if k != "address"}, last_name="")
    return row["user_id"], row["address_id"]


@pytest.fixture(scope="module")
def broken_run(stack: Stack) -> BrokenRun:
    export, broken_ids = export_with(stack.tmp, "events", break_page_urls)
    edit_csv(export / "orders.csv", _inflate_totals)
    user_id, address_id = edit_csv(export / "users.csv", _plant_canary)

    def plant_address(rows: list[dict[str, str]]) -> None:
        next(r for r in rows if r["address_id"] == address_id)["address"] = CANARY["address"]

    edit_csv(export / "addresses.csv", plant_address)
    run = stack.run_flow("broken", "--raw-dir", str(export))
    return BrokenRun(run, time.monotonic(), broken_ids, user_id)


def test_broken_page_urls_fail_the_run_and_notify_within_30_s(
    stack: Stack, broken_run: BrokenRun
) -> None:
    run = broken_run.run
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED product.fact_page_views" in run.stdout

    post = stack.received.wait_for(
        lambda post: _names(post, "fact_page_views", "page_url"), timeout=NOTIFICATION_TIMEOUT_S
    )
    assert time.monotonic() - broken_run.finished < NOTIFICATION_TIMEOUT_S
    assert "greenery" in post.text

    [event] = [
        e
        for e in stack.events("greenery.contract.failed")
        if e["resource"]["prefect.resource.name"] == "product.fact_page_views"
    ]
    url_checks = [
        check
        for check in event["payload"]["failed_checks"]
        if "page_url" in (check["column"] or "")
    ]
    reported = {key for check in url_checks for key in check["failing_keys"]}
    assert reported == set(broken_run.broken_url_ids)
    assert all(check["failing_rows"] and check["sample_values"] for check in url_checks)

    contracts = stack.artifact("greenery-contracts")
    assert "| product.fact_page_views |" in contracts["data"]
    assert "**FAILED**" in contracts["data"]
    failed_table = stack.artifact("greenery-failed-expectations")
    assert "page_url" in str(failed_table["data"])


def test_an_order_total_that_does_not_add_up_fails_the_run_and_notifies(
    stack: Stack, broken_run: BrokenRun
) -> None:
    run = broken_run.run
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED core.fact_orders" in run.stdout
    stack.received.wait_for(
        lambda post: _names(post, "fact_orders", "order_total"), timeout=NOTIFICATION_TIMEOUT_S
    )


def test_personal_data_stays_out_of_docs_artifacts_events_and_notifications(
    stack: Stack, broken_run: BrokenRun
) -> None:
    """The customer's last name goes missing, so core.dim_users fails its contract on the
    very row that holds the canary's name, email, phone and street address."""
    run = broken_run.run
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED core.dim_users" in run.stdout and "column last_name" in run.stdout
    stack.received.wait_for(
        lambda post: _names(post, "dim_users", "last_name"), timeout=NOTIFICATION_TIMEOUT_S
    )
    [event] = [
        e
        for e in stack.events("greenery.contract.failed")
        if e["resource"]["prefect.resource.name"] == "core.dim_users"
    ]
    assert broken_run.user_id in str(event["payload"]), "the failing row is named by its key"

    outputs = {
        "the run's output": run.stdout + run.stderr,
        "notifications": "\n".join(post.text for post in stack.received),
        "events": json.dumps(
            stack.events("greenery.contract.failed") + stack.events("greenery.contract.passed")
        ),
        "artifacts": json.dumps(
            [stack.artifact("greenery-contracts"), stack.artifact("greenery-failed-expectations")]
        ),
    }
    docs = gx_project_dir() / "uncommitted" / "data_docs"
    outputs |= {str(page): page.read_text(errors="replace") for page in docs.rglob("*.html")}
    for where, text in outputs.items():
        for value in CANARY.values():
            assert value not in text, f"{value!r} appears in {where}"


def test_a_stakeholder_opens_the_failed_page_from_the_notification_with_no_internet(
    stack: Stack, broken_run: BrokenRun, tmp_path: Path
) -> None:
    """The notification links to the failed contract's page in the bucket; the page, the
    site's index and dbt's docs (linked from the run's artifact) draw in a browser that
    may reach nothing but 127.0.0.1."""
    post = stack.received.wait_for(
        lambda post: _names(post, "fact_page_views", "page_url"), timeout=NOTIFICATION_TIMEOUT_S
    )
    [link] = re.findall(r"^Data Docs: (\S+)$", post.json["body"], re.MULTILINE)
    assert link.startswith(f"{stack.site.url}validations/product/fact_page_views/"), link
    [dbt_docs] = re.findall(r"\[dbt docs\]\((\S+)\)", stack.artifact("greenery-contracts")["data"])
    assert dbt_docs == f"{stack.site.url}dbt/index.html"

    with offline_browser() as browser:
        page = browser.page
        response = page.goto(link)
        assert response and response.ok
        expect(page.get_by_text("Status: Failed")).to_be_visible()
        for event_id in broken_run.broken_url_ids:
            expect(page.get_by_text(event_id).first).to_be_visible()
        page.screenshot(path=tmp_path / "hosted_fact_page_views.png", full_page=True)

        page.get_by_role("link", name="Great Expectations").first.click()  # GX's home link
        page.wait_for_url(f"{stack.site.url}index.html")
        results = page.locator("tr[data-href^='validations/product/fact_page_views/']")
        expect(results.first).to_be_visible()  # drawn by bootstrap-table, from the site

        page.goto(f"{dbt_docs}#!/model/model.greenery.fact_page_views")  # dbt's own app
        expect(page.get_by_text("fact_page_views").first).to_be_visible()
        expect(page.get_by_text("page_url").first).to_be_visible()  # from the catalog
    assert browser.refused == [], "the pages asked for these outside the machine"
    assert stack.env["AWS_SECRET_ACCESS_KEY"] not in broken_run.run.stdout + broken_run.run.stderr
