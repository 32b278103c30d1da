"""The Data Docs site's vendored scripts and styles (flows/contracts/site_assets.py): every
address GX's templates load is served from the site, and a tarball that does not match
its pinned checksum installs nothing. The pages drawing with no internet is checked in a
real browser (test_data_docs_browser.py, test_end_to_end.py)."""

import io
import re
import tarfile
from pathlib import Path

import great_expectations
import pytest

from flows.contracts import site_assets
from flows.contracts.offline_site import localise
from flows.contracts.site_assets import CDN_FILES, JQUERY, PACKAGES, Package

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
# What a page loads: scripts, stylesheets and images, not the links a reader may follow.
LOADED = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="(https?://[^"{]+)')


def test_every_address_gx_templates_load_is_vendored() -> None:
    loaded = {
        url for template in TEMPLATES.glob("*.j2") for url in LOADED.findall(template.read_text())
    }
    assert loaded, "GX's templates load nothing from outside: has their layout changed?"
    assert loaded - set(CDN_FILES) == set()
    for package, path in CDN_FILES.values():
        assert package in PACKAGES and any(Path(path).match(p) for p in package.files), path


def test_a_page_points_at_the_sites_copies_relative_to_itself() -> None:
    html = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js"'
        ' integrity="sha384-x" crossorigin="anonymous"></script>'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1">'
        '<a href="https://greatexpectations.io">Great Expectations</a>'
    )
    assert localise(html, "../../") == (
        '<script src="../../static/vendor/jquery@3.7.1/dist/jquery.min.js"></script>'
        '<script src="../../static/vendor/bootstrap@4.3.1/dist/js/bootstrap.min.js"></script>'
        '<img src="../../static/images/logo-long.png">'
        '<a href="https://greatexpectations.io">Great Expectations</a>'
    )


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_a_tarball_that_does_not_match_its_checksum_installs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_assets, "VENDOR_DIR", tmp_path)
    monkeypatch.setattr(site_assets, "PACKAGES", (JQUERY,))
    tampered = _tarball({"dist/jquery.min.js": b"alert('not jquery')"})
    monkeypatch.setattr(
        site_assets.urllib.request, "urlopen", lambda *_, **__: io.BytesIO(tampered)
    )
    with pytest.raises(SystemExit, match=r"jquery-3\.7\.1\.tgz does not match its pinned checksum"):
        site_assets.fetch()
    assert list(tmp_path.iterdir()) == []


def test_only_the_files_pages_use_and_the_licence_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_assets, "VENDOR_DIR", tmp_path)
    package = Package("demo", "1.0.0", "sha512-unused", ("dist/*.min.js",))
    tarball = _tarball(
        {
            "dist/demo.min.js": b"min",
            "dist/demo.js": b"full",
            "src/index.js": b"source",
            "LICENSE": b"MIT",
            "package.json": b"{}",
        }
    )
    site_assets._extract(package, tarball, tmp_path / "demo")
    kept = sorted(p.relative_to(tmp_path / "demo").as_posix() for p in tmp_path.rglob("*.*"))
    assert kept == ["LICENSE.txt", "dist/demo.min.js", "package.json"]
