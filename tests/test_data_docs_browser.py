"""The Data Docs site in a real headless browser with no internet, after a failing
validation: GX's own scripts draw the index from the copies the site serves
(flows/contracts/site_assets.py), and no page asks for anything outside the machine."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, expect

from flows.contracts import ContractReport
from tests.browser import OfflineBrowser, offline_browser
from tests.conftest import PipelineRun, copy_warehouse, validate_marts
from tests.test_contracts import MARTS, break_page_urls, gx_project  # noqa: F401


@pytest.fixture(scope="module")
def failing_report(
    gx_project: Path,  # noqa: F811
    scale_1_run: PipelineRun,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ContractReport, dict[str, tuple[str, str]]]:
    warehouse = copy_warehouse(scale_1_run, tmp_path_factory.mktemp("browser"))
    with duckdb.connect(str(warehouse)) as con:
        broken_urls = break_page_urls(con)
    return validate_marts(warehouse), broken_urls


@pytest.fixture
def browser() -> Iterator[OfflineBrowser]:
    with offline_browser() as browser:
        yield browser
        assert browser.refused == [], "the site asked for these outside the machine"


def _rows_on_every_page(page: Page, link_prefix: str) -> dict[str, str]:
    """Links and texts of the index rows linking under `link_prefix`, through the pagination
    of the bootstrap-table that holds them (it shows ten rows a page and loops)."""
    rows = page.locator(f"tr[data-href^='{link_prefix}']")
    expect(rows.first).to_be_visible()
    table = page.locator(".bootstrap-table", has=rows.first)
    seen: dict[str, str] = {}
    for _ in range(20):
        before = len(seen)
        for row in rows.all():
            seen[row.get_attribute("data-href") or ""] = row.inner_text().strip()
        next_page = table.locator(".page-next a")
        if len(seen) == before or not next_page.count():
            return seen
        next_page.first.click()
    return seen


def test_data_docs_show_every_suite_and_the_offending_page_urls(
    failing_report: tuple[ContractReport, dict[str, tuple[str, str]]],
    browser: OfflineBrowser,
    tmp_path: Path,
) -> None:
    report, broken_urls = failing_report
    page = browser.page
    page.goto(report.docs_index.as_uri())

    page.get_by_role("tab", name="Expectation Suites").click()
    suites = _rows_on_every_page(page, "expectations/")
    assert set(suites.values()) == MARTS

    page_views = next(s for s in report.suites if s.mart == "product.fact_page_views")
    assert page_views.docs_page
    page.get_by_role("tab", name="Validation Results").click()
    results = page.locator(".bootstrap-table", has=page.locator("tr[data-href^='validations/']"))
    results.get_by_placeholder("Search").fill("product.fact_page_views")
    latest = results.locator("tr[data-href*='validations/product/fact_page_views/']").first
    latest.click()
    page.wait_for_url(page_views.docs_page)

    expect(page.get_by_text("Status: Failed")).to_be_visible()
    for description in (
        "Every page_url is a greenary.com product page",
        "Every page_url ends in the id of the product the row says was viewed",
    ):
        expect(page.get_by_text(description)).to_be_visible()
    for kind in ("wrong domain", "wrong path", "not a uuid"):
        event_id, url = broken_urls[kind]
        expect(page.get_by_role("cell", name=url, exact=True)).to_be_visible()
        expect(page.get_by_text(event_id).first).to_be_visible()
    event_id, url = broken_urls["another product"]
    expect(page.get_by_text(event_id).first).to_be_visible()
    expect(page.get_by_text(url.rsplit("/", 1)[1]).first).to_be_visible()

    screenshot = tmp_path / "fact_page_views.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 10_000
