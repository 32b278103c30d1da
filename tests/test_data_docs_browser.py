"""The Data Docs site in a real headless browser, after a failing validation.

Debian's chromium (/usr/bin/chromium, installed with apt; CI installs it) driven by
Playwright. Nothing leaves the machine. GX's pages load jQuery, bootstrap-table and
Bootstrap from CDNs; the test answers those requests with the same releases installed
from the npm registry into tests/browser/node_modules (`npm ci --prefix tests/browser`,
which .ci/run does), so GX's own scripts draw the index. Every other request outside the
site (fonts, logos, icons) is aborted.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from flows.contracts import ContractReport, validate_marts
from tests.conftest import PipelineRun, copy_warehouse
from tests.test_contracts import MARTS, break_page_urls, gx_project  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
NODE_MODULES = Path(__file__).parent / "browser" / "node_modules"
# The CDN addresses GX 1.24's Data Docs templates use, and the npm files with that content.
CDN_ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
}


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


def _require(path: Path, how: str) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: {how}")
        pytest.skip(f"{path} is missing ({how})")


@pytest.fixture
def page() -> Iterator[Page]:
    _require(CHROMIUM, "apt-get install chromium")
    _require(NODE_MODULES, "npm ci --prefix tests/browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", _offline)
        yield page
        browser.close()


def _offline(route: Route) -> None:
    url = route.request.url
    if url.startswith("file://"):
        route.continue_()
    elif url in CDN_ASSETS:
        route.fulfill(path=NODE_MODULES / CDN_ASSETS[url])
    else:
        route.abort()


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
    page: Page,
    tmp_path: Path,
) -> None:
    report, broken_urls = failing_report
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
