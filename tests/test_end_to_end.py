"""End to end: the daily flow against a real Prefect server, with the automations set up,
real webhook receivers on 127.0.0.1 standing in for the stakeholders' shared channel and
the product unit's own, and the Data Docs site hosted in a bucket of a real S3 API server,
opened as a stakeholder opens it: from the notification's link, in a browser with no
internet."""

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pandas as pd
import pytest
from playwright.sync_api import expect

from flows.kpis import check_kpis, load_kpis
from flows.kpis.report import formatted
from flows.settings import REPO_ROOT, gx_project_dir
from tests.browser import offline_browser
from tests.conftest import AS_OF
from tests.events import wait_for_events
from tests.exports import break_page_urls, edit_csv, export_with
from tests.kpi_oracle import as_stored, assert_kpis_match, expected_daily_kpis
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
ORDINARY_DAYS = 14  # the clean run's history: fourteen ordinary days ending on AS_OF
DROP_DAY = AS_OF + timedelta(days=1)  # then a conversion-drop day


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    received: Received
    tmp: Path
    site: S3Site  # where the runs publish Data Docs
    product_received: Received  # the product unit's own channel, for the KPIs it owns

    def warehouse(self, name: str) -> Path:
        return self.tmp / f"{name}.duckdb"

    def run_flow(
        self, name: str, *args: str, as_of: date = AS_OF
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "GREENERY_DUCKDB_PATH": str(self.warehouse(name))}
        return subprocess.run(
            [sys.executable, "-m", "flows.daily", "--as-of", as_of.isoformat(), *args],
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
        webhook_receiver() as (product_url, product_received),
        s3_site(tmp) as site,
    ):
        env = client_env(
            api_url,
            tmp / "client-home",
            GREENERY_NOTIFY_WEBHOOK_URL=url,
            GREENERY_PRODUCT_NOTIFY_WEBHOOK_URL=product_url,
            **site.env,
        )
        subprocess.run(
            [sys.executable, "-m", "deployments.setup"],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        yield Stack(api_url, env, received, tmp, site, product_received)


def _names(post: Post, *words: str) -> bool:
    return all(word in post.text for word in words)


@pytest.fixture(scope="module")
def clean_run(stack: Stack) -> subprocess.CompletedProcess[str]:
    return stack.run_flow("clean", "--history-days", str(ORDINARY_DAYS))


def test_a_clean_run_sends_no_notification(
    stack: Stack, clean_run: subprocess.CompletedProcess[str]
) -> None:
    run = clean_run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    *_, contracts, publication, kpis, look_next = run.stdout.strip().splitlines()
    assert contracts.startswith("Contracts: 14 of 14 suites passed")
    assert publication == "Published: 12 marts to core, marketing, product"
    assert kpis == f"KPIs for {AS_OF}: 8 of 8 checked KPIs within their usual range"
    assert look_next.startswith(
        f"Look next: Data Docs {stack.site.url}index.html;"
        f" the KPI report {stack.site.url}kpis/{AS_OF}.html; "
    )

    passed = stack.events("greenery.contract.passed", at_least=14)
    assert len(passed) == 14
    assert stack.events("greenery.contract.failed") == []
    assert stack.events("greenery.kpi.breached") == []
    time.sleep(10)  # time enough for an automation to have fired, had one matched
    assert len(stack.received) == 0, [post.text for post in stack.received]
    assert len(stack.product_received) == 0, [post.text for post in stack.product_received]


def _tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    names = ("raw.events", "raw.orders", "raw.order_items", "raw.products", "core.daily_kpis")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.table(name).df() for name in names}


def _expected_kpis(tables: dict[str, pd.DataFrame], through: date) -> pd.DataFrame:
    return expected_daily_kpis(
        tables["raw.events"],
        tables["raw.orders"],
        tables["raw.order_items"],
        tables["raw.products"],
        through,
    )


def test_fourteen_ordinary_days_trip_no_kpi_check(
    stack: Stack, clean_run: subprocess.CompletedProcess[str]
) -> None:
    """Every day of the clean run's history, checked as its own morning would check it."""
    assert clean_run.returncode == 0, clean_run.stdout[-3000:]
    tables = _tables(stack.warehouse("clean"))
    mart = tables["core.daily_kpis"]
    assert_kpis_match(mart, _expected_kpis(tables, AS_OF))
    kpis, rows = load_kpis(), mart.to_dict("records")
    days = [AS_OF - timedelta(days=n) for n in reversed(range(ORDINARY_DAYS))]
    for day in days:
        report = check_kpis(kpis, rows, day)
        assert report is not None and report.breaches == [], day
    # From the fourth day on, every check has the three earlier days its median needs.
    fourth = check_kpis(kpis, rows, days[3])
    assert fourth and len(fourth.checked) == sum(kpi.check is not None for kpi in kpis.kpis)


@dataclass
class DropRun:
    run: subprocess.CompletedProcess[str]
    finished: float  # time.monotonic() when the run ended


@pytest.fixture(scope="module")
def conversion_drop(stack: Stack, clean_run: subprocess.CompletedProcess[str]) -> DropRun:
    """The day after the clean run's fourteen: fewer visits end in an order."""
    run = stack.run_flow("clean", "--scenario", "conversion-drop", as_of=DROP_DAY)
    return DropRun(run, time.monotonic())


def _is_kpi_alert(post: Post) -> bool:
    return (post.json or {}).get("subject", "").startswith("Greenery KPI out of its usual range")


def test_a_conversion_drop_alerts_the_product_unit_and_still_publishes(
    stack: Stack, conversion_drop: DropRun
) -> None:
    run = conversion_drop.run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Published: 12 marts to core, marketing, product" in run.stdout
    assert f"KPIs for {DROP_DAY}: 1 of 8 checked KPIs out of their usual range" in run.stdout

    tables = _tables(stack.warehouse("clean"))
    expected = _expected_kpis(tables, DROP_DAY)
    assert_kpis_match(tables["core.daily_kpis"], expected)
    rate = expected.conversion_rate.map(lambda value: as_stored("conversion_rate", value))
    today = formatted(rate[DROP_DAY], "percent")
    median = formatted(rate[rate.index < DROP_DAY].tail(7).median(), "percent")

    [event] = stack.events("greenery.kpi.breached", at_least=1)
    assert event["resource"]["prefect.resource.id"] == "greenery.kpi.conversion_rate"
    assert event["resource"]["greenery.unit"] == "product"
    assert (event["payload"]["value_text"], event["payload"]["median_text"]) == (today, median)

    post = stack.product_received.wait_for(_is_kpi_alert, timeout=NOTIFICATION_TIMEOUT_S)
    assert time.monotonic() - conversion_drop.finished < NOTIFICATION_TIMEOUT_S
    assert _names(post, "Conversion rate", "conversion_rate", "product", today, median)
    assert f"Value on {DROP_DAY}: {today}" in post.json["body"]
    assert f"Median of the previous days: {median}" in post.json["body"]
    time.sleep(5)  # time enough for a second alert, had another check tripped
    assert len(stack.product_received.matching(_is_kpi_alert)) == 1
    assert stack.received.matching(_is_kpi_alert) == [], "the product unit has its own channel"

    report = stack.artifact("greenery-kpis")["data"]
    rows = [line for line in report.splitlines() if line.startswith("| ")][2:]
    assert rows[0].startswith(f"| ⚠ | **Conversion rate** | {today} |"), rows[0]
    cells = {
        cell[1].strip("*"): cell[2:5]
        for cell in ([part.strip() for part in row.strip("|").split("|")] for row in rows)
    }
    kpis = load_kpis()
    for kpi in kpis.kpis:  # every KPI of the report: today, yesterday, median, from raw
        values = expected[kpi.column].map(lambda value, c=kpi.column: as_stored(c, value))
        earlier = values[values.index < DROP_DAY].tail(kpis.median_days).dropna()
        shown = [
            values[DROP_DAY],
            values[DROP_DAY - timedelta(days=1)],
            earlier.median() if len(earlier) >= kpis.min_history_days else None,
        ]
        assert cells[kpi.label] == [formatted(value, kpi.format) for value in shown], kpi.label
    top = expected.top_products_by_conversion[DROP_DAY]
    assert f"Top products by conversion: {top}" in report.splitlines()


def test_the_product_unit_opens_the_morning_report_from_its_alert_with_no_internet(
    stack: Stack, conversion_drop: DropRun
) -> None:
    post = stack.product_received.wait_for(_is_kpi_alert, timeout=NOTIFICATION_TIMEOUT_S)
    [link] = re.findall(r"^Morning report: (\S+)$", post.json["body"], re.MULTILINE)
    assert link == f"{stack.site.url}kpis/{DROP_DAY}.html"
    with offline_browser() as browser:
        page = browser.page
        response = page.goto(link)
        assert response and response.ok
        expect(
            page.get_by_role("heading", name="Greenery KPIs for Monday 4 March 2024")
        ).to_be_visible()
        breached = page.get_by_role("row").filter(has_text="Conversion rate")
        expect(breached).to_contain_text("breached")
        sessions = page.get_by_role("row", name=re.compile(r"^✓ Sessions "))
        expect(sessions).to_contain_text("passed")
    assert browser.refused == [], "the page asked for these outside the machine"


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
