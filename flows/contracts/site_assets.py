"""The scripts, styles and fonts Data Docs pages need, served with the site.

GX's page templates load them from CDNs, so a page opened offline, or where the browser
may reach only the site, draws blank. `make setup` fetches each package's tarball from the
npm registry once (`python -m flows.contracts.site_assets`), checks it against the
checksum pinned here, and keeps the files the pages use, with the package's licence, in
VENDOR_DIR. Every Data Docs build copies them into the site, and the pages point at them
(flows/contracts/offline_site.py).

To update a package: change its version and integrity (`npm view <name>@<version>
dist.integrity`) here, and the CDN address GX's templates use, if GX changed it.
"""

import base64
import fnmatch
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flows.settings import REPO_ROOT

# Under a folder named static/, as GX's HtmlSiteStore.copy_static_assets keys files.
VENDOR_DIR = REPO_ROOT / "gx" / "uncommitted" / "site_assets" / "static" / "vendor"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org/"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity of the tarball
    files: tuple[str, ...]  # patterns of the files pages use, inside the tarball's package/

    @property
    def folder(self) -> Path:
        return VENDOR_DIR / f"{self.name}@{self.version}"

    @property
    def tarball_url(self) -> str:
        return f"{REGISTRY.rstrip('/')}/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"


# Each package's licence file, and its package.json, which names the licence when no file does.
LICENCES = ("LICENSE*", "LICENCE*", "package.json")
JQUERY = Package(
    "jquery",
    "3.7.1",
    "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
    ("dist/jquery.min.js",),
)
POPPER = Package(
    "popper.js",
    "1.12.9",
    "sha512-s0EEi9xiSCdqz9lV4IiVH5yIZnDX/U1t0tCjB+0jXx9jW8lrR7kOpVupiUg175ogqVoudpDXHF1p6dKATCHMeg==",
    ("dist/umd/popper.min.js",),
)
BOOTSTRAP = Package(
    "bootstrap",
    "4.3.1",
    "sha512-rXqOmH1VilAt2DyPzluTi2blhk17bO7ef+zLLPlWvG494pDxcM234pJ8wTc/6R40UWizAIIMgxjvxZg5kmsbag==",
    ("dist/js/bootstrap.min.js", "dist/css/bootstrap.min.css"),
)
BOOTSTRAP_TABLE = Package(
    "bootstrap-table",
    "1.19.1",
    "sha512-WvV+l1AI/C+zThaKmfHmi/IuayVNB0qdFyEhFx1jyZhO0oLtNJNANkCR3rvJf6Dkh72dsLElxpE/bzK9seEQLA==",
    (
        "dist/bootstrap-table.min.js",
        "dist/bootstrap-table.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.*",
    ),
)
DATEPICKER = Package(
    "bootstrap-datepicker",
    "1.9.0",
    "sha512-9rYYbaVOheGYxjOr/+bJCmRPihfy+LkLSg4fIFMT9Od8WwWB/MB50w0JO1eBgKUMbb7PFHQD5uAfI3ArAxZRXA==",
    ("dist/js/bootstrap-datepicker.min.js", "dist/css/bootstrap-datepicker.min.css"),
)
BOOTSTRAP_DARK = Package(
    "@forevolve/bootstrap-dark",
    "1.1.0",
    "sha512-A3ucpEpxPoTVO490lZZCfjPXxv832l7mm1IxX3bXyxvgwnPGXDLyh7dWrphXKO8YBAu3EswbBEu3VSW8NRMW3A==",
    ("dist/css/bootstrap-prefers-dark.css",),
)
FONT_AWESOME = Package(
    "@fortawesome/fontawesome-free",
    "6.6.0",
    "sha512-60G28ke/sXdtS9KZCpZSHHkCbdsOGEhIUGlwq6yhY74UpTiToIh8np7A8yphhM4BWsvNFtIvLpi4co+h9Mr9Ow==",
    ("css/all.min.css", "webfonts/*"),
)
# GX's templates ask jsDelivr for the latest vega@5, vega-lite@5 and vega-embed@6; these
# are those releases when pinned.
VEGA = Package(
    "vega",
    "5.33.1",
    "sha512-1fArfVDUqVbb5z8n+/nVQb+VNBzx8svY6CrsyTK4Ujm4yrd9I1auoKxBAPXLCavY1LcrbHUskQbGUP8gXOzyQw==",
    ("build/vega.min.js",),
)
VEGA_LITE = Package(
    "vega-lite",
    "5.23.0",
    "sha512-l4J6+AWE3DIjvovEoHl2LdtCUkfm4zs8Xxx7INwZEAv+XVb6kR6vIN1gt3t2gN2gs/y4DYTs/RPoTeYAuEg6mA==",
    ("build/vega-lite.min.js",),
)
VEGA_EMBED = Package(
    "vega-embed",
    "6.29.0",
    "sha512-PmlshTLtLFLgWtF/b23T1OwX53AugJ9RZ3qPE2c01VFAbgt3/GSNI/etzA/GzdrkceXFma+FDHNXUppKuM0U6Q==",
    ("build/vega-embed.min.js",),
)
PACKAGES = (
    JQUERY,
    POPPER,
    BOOTSTRAP,
    BOOTSTRAP_TABLE,
    DATEPICKER,
    BOOTSTRAP_DARK,
    FONT_AWESOME,
    VEGA,
    VEGA_LITE,
    VEGA_EMBED,
)

# Each CDN address in GX 1.x's page templates, and the vendored file that replaces it.
CDN_FILES: dict[str, tuple[Package, str]] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": (JQUERY, "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        POPPER,
        "dist/umd/popper.min.js",
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        BOOTSTRAP,
        "dist/js/bootstrap.min.js",
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        BOOTSTRAP,
        "dist/css/bootstrap.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        BOOTSTRAP_TABLE,
        "dist/bootstrap-table.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        BOOTSTRAP_TABLE,
        "dist/bootstrap-table.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        BOOTSTRAP_TABLE,
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    # The templates take the filter control's styles from 1.19.0, minified on the index
    # and not on the other pages; 1.19.1's minified file is the same rules.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        BOOTSTRAP_TABLE,
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        BOOTSTRAP_TABLE,
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": (DATEPICKER, "dist/js/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": (DATEPICKER, "dist/css/bootstrap-datepicker.min.css"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": (BOOTSTRAP_DARK, "dist/css/bootstrap-prefers-dark.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        FONT_AWESOME,
        "css/all.min.css",
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": (VEGA, "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": (VEGA_LITE, "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": (VEGA_EMBED, "build/vega-embed.min.js"),
}


def site_path(package: Package, path: str) -> str:
    """Where a vendored file is in the site, from its root."""
    return f"static/vendor/{package.name}@{package.version}/{path}"


def fetched() -> bool:
    return all(package.folder.is_dir() for package in PACKAGES)


def fetch() -> None:
    """Fetch every package not fetched yet (each lands whole or not at all)."""
    for package in PACKAGES:
        if package.folder.is_dir():
            continue
        with urllib.request.urlopen(package.tarball_url, timeout=120) as response:
            tarball = response.read()
        _check(package, tarball)
        staging = package.folder.with_name(package.folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        _extract(package, tarball, staging)
        staging.rename(package.folder)


def _check(package: Package, tarball: bytes) -> None:
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(
            f"{package.tarball_url} does not match its pinned checksum "
            f"({package.integrity}); nothing was installed from it."
        )


def _extract(package: Package, tarball: bytes, into: Path) -> None:
    patterns = (*package.files, *LICENCES)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            # npm tarballs hold one top folder, usually package/.
            path = member.name.split("/", 1)[-1]
            if member.isfile() and any(fnmatch.fnmatch(path, p) for p in patterns):
                # A licence without a suffix gets .txt: the site serves it as text.
                target = into / (path if Path(path).suffix else f"{path}.txt")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
    missing = [f for f in package.files if not list(into.glob(f))]
    if missing:
        raise SystemExit(f"{package.name}@{package.version} has no {', '.join(missing)}")


if __name__ == "__main__":
    fetch()
    count = sum(1 for path in VENDOR_DIR.rglob("*") if path.is_file())
    print(f"Data Docs assets: {count} files of {len(PACKAGES)} npm packages in {VENDOR_DIR}")
