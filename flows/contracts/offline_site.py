"""A Data Docs site whose pages load their scripts, styles and logo from the site itself.

GX's page templates point at CDNs (and the logo at GX's own bucket). The site builder and
views named in gx/great_expectations.yml build the site as GX does, copy the vendored
files into it (flows/contracts/site_assets.py), and point the pages at them by a path
relative to the page: the site works wherever it is hosted, or opened from disk, with no
internet.
"""

import re
from typing import Any

from great_expectations.render.components import RenderedDocumentContent
from great_expectations.render.renderer.site_builder import SiteBuilder
from great_expectations.render.view import DefaultJinjaPageView

from flows.contracts.site_assets import CDN_FILES, VENDOR_DIR, fetched, site_path

# An address, with the integrity and crossorigin attributes that may follow it: the
# served copy passed its checksum when fetched, and a page opened from disk cannot make
# the CORS request that checking it again would take.
_ATTRIBUTE = re.compile(
    r'(?P<attribute>src|href)="(?P<url>[^"]+)"(?: integrity="[^"]*")?(?: crossorigin="[^"]*")?'
)
_GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"


class OfflineSiteBuilder(SiteBuilder):
    """GX's site builder, which also copies the vendored files into the site."""

    def build(self, *args: Any, **kwargs: Any) -> Any:
        built = super().build(*args, **kwargs)
        if fetched():
            self.target_store.copy_static_assets(str(VENDOR_DIR.parent))
        return built


class OfflinePageView(DefaultJinjaPageView):
    """Expectation suite and validation result pages."""

    def render(self, document: Any, template: str | None = None, **kwargs: Any) -> str:
        html = super().render(document, template, **kwargs)
        if not fetched():  # no copies to point at (make setup fetches them): GX's pages
            return html
        return localise(html, _to_root(document))


class OfflineIndexPageView(OfflinePageView):
    """The index page."""

    _template = "index_page.j2"


def localise(html: str, root: str) -> str:
    """`html` with each CDN address pointing at the site's copy, `root` being the relative
    path from the page to the site's root ("" for a page at the root)."""

    def local(match: re.Match[str]) -> str:
        url = match["url"]
        if url in CDN_FILES:
            return f'{match["attribute"]}="{root}{site_path(*CDN_FILES[url])}"'
        if url.startswith(_GX_IMAGES):  # GX's logo, which GX also copies into static/images
            image = url.removeprefix(_GX_IMAGES).split("?")[0]
            return f'{match["attribute"]}="{root}static/images/{image}"'
        return match[0]

    return _ATTRIBUTE.sub(local, html)


def _to_root(document: RenderedDocumentContent) -> str:
    """The relative path from the document's page to the site's root, as GX's own
    navigation bar computes it (top_navbar.j2): validation results are under
    validations/<suite name, one folder per dot-separated part>/<run>/<time>/, suites
    under expectations/<suite name parts>."""
    renderer = document.renderer_type or ""
    parts = (document.expectation_suite_name or "").count(".")
    if "ValidationResults" in renderer or "ProfilingResults" in renderer:
        return "../" * (parts + 4)
    if "ExpectationSuite" in renderer:
        return "../" * (parts + 1)
    return ""
