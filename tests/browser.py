"""A real headless browser with no internet: Debian's chromium (/usr/bin/chromium, installed
with apt; CI installs it) driven by Playwright. Pages may load files and what servers on
127.0.0.1 serve; every other request is refused and recorded, so a test can assert that
a page needed nothing from outside."""

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Route, sync_playwright

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


@dataclass
class OfflineBrowser:
    page: Page
    refused: list[str] = field(default_factory=list)  # requests that tried to leave the machine

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith("file://") or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


@contextlib.contextmanager
def offline_browser() -> Iterator[OfflineBrowser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        offline = OfflineBrowser(browser.new_page(viewport={"width": 1400, "height": 1000}))
        offline.page.route("**/*", offline._route)
        try:
            yield offline
        finally:
            browser.close()
