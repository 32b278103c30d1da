"""Where the Data Docs site is hosted, and the address people open it at.

GX builds the site on disk (its `local_site`, gx/uncommitted/data_docs/local_site), with
dbt's docs beside it at dbt/index.html. With GREENERY_DATA_DOCS_BUCKET set, each run then
syncs that folder to the S3 bucket, under GREENERY_DATA_DOCS_PREFIX: new and changed files
are uploaded, and pages the site no longer has (older runs', see retention.py) are
removed. GX 1.13 removed its S3 site store backend and recommends this sync instead.
S3-compatible stores (MinIO, Ceph, R2...) work through AWS_ENDPOINT_URL; credentials come
from the AWS_* variables or boto3's usual chain.

Every Data Docs link a run sends (notifications, artifacts, the summary) is
GREENERY_DATA_DOCS_URL, the address the site's root is opened at (the bucket's website
endpoint, a CDN in front of it, or wherever the team serves the local folder), followed by
the page's path; without it, links are the local files.
"""

import hashlib
import mimetypes
from pathlib import Path
from urllib.parse import quote

from flows.failures import RunStopped
from flows.settings import settings

DBT_DOCS = Path("dbt", "index.html")  # dbt's docs, from the site's root


def link(page: Path, site_root: Path) -> str:
    """The address people open a page of the local site at (see the module's docstring)."""
    base = settings().data_docs_url
    if not base:
        return page.as_uri()
    return f"{base.rstrip('/')}/{quote(page.relative_to(site_root).as_posix())}"


def add_dbt_docs(site_root: Path, html: str) -> str:
    """Put dbt's docs (one page) at dbt/index.html of the site; returns where people open
    them."""
    page = site_root / DBT_DOCS
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(html, encoding="utf-8")
    return link(page, site_root)


class SiteNotPublished(RunStopped):
    """The site could not be synced to its bucket."""


def hosted() -> bool:
    return settings().data_docs_bucket is not None


def sync_to_bucket(site_root: Path) -> int:
    """Make the bucket's copy of the site match `site_root`; returns the files uploaded."""
    from botocore.exceptions import BotoCoreError, ClientError  # only a hosted site needs them

    env = settings()
    bucket = env.data_docs_bucket
    if not bucket:
        raise SiteNotPublished(
            "no bucket to publish the Data Docs site to: GREENERY_DATA_DOCS_BUCKET"
        )
    prefix = env.data_docs_prefix.strip("/")
    prefix = f"{prefix}/" if prefix else ""
    try:
        return _sync(site_root, bucket, prefix)
    except (BotoCoreError, ClientError) as error:
        raise SiteNotPublished(
            f"the Data Docs site could not be uploaded to s3://{bucket}/{prefix}: {error}"
            " (check GREENERY_DATA_DOCS_BUCKET, AWS_ENDPOINT_URL and the AWS_* credentials)"
        ) from error


def _sync(site_root: Path, bucket: str, prefix: str) -> int:
    import boto3

    s3 = boto3.client("s3")
    stored: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        stored |= {item["Key"]: item["ETag"].strip('"') for item in page.get("Contents", [])}
    uploaded = 0
    for path in sorted(p for p in site_root.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(site_root).as_posix()
        body = path.read_bytes()
        # A single-part upload's ETag is the MD5 of its content.
        if stored.pop(key, None) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=body, **_headers(path))
        uploaded += 1
    for key in stored:  # what the site no longer has
        s3.delete_object(Bucket=bucket, Key=key)
    return uploaded


def _headers(path: Path) -> dict[str, str]:
    content_type, encoding = mimetypes.guess_type(path.name)
    headers = {"ContentType": content_type or "application/octet-stream"}
    if content_type == "text/html":
        headers["ContentType"] = "text/html; charset=utf-8"
        headers["CacheControl"] = "no-cache"  # the index and suite pages change every run
    if encoding:
        headers["ContentEncoding"] = encoding
    return headers
