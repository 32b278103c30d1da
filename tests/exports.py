"""CSV exports of a generated shop, with deliberate breakages applied to their tables."""

import csv
import time
from pathlib import Path
from typing import Any

import duckdb

from flows.landing import land_generated, write_csv_export
from tests.conftest import AS_OF


def export_with(tmp: Path, table: str, change: Any, seed: int = 5) -> tuple[Path, list[str]]:
    """A CSV export of a generated shop with `change(rows) -> changed keys` applied to a table."""
    export = tmp / f"export-{table}-{time.monotonic_ns()}"
    with duckdb.connect(str(tmp / f"source-{export.name}.duckdb")) as con:
        land_generated(con, as_of=AS_OF, seed=seed)
        write_csv_export(con, export)
    return export, edit_csv(export / f"{table}.csv", change)


def edit_csv(path: Path, change: Any) -> Any:
    """Apply `change(rows)` to the rows of an export's file; what it returns."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    changed = change(rows)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed


def break_page_urls(rows: list[dict[str, str]]) -> list[str]:
    page_views = [row for row in rows if row["event_type"] == "page_view"]
    other_product = next(
        r["product_id"] for r in page_views if r["product_id"] != page_views[0]["product_id"]
    )
    breakages = [
        lambda row: row["page_url"].replace("https://greenary.com", "https://greenery.example"),
        lambda row: row["page_url"].replace("/product/", "/checkout/"),
        lambda row: f"https://greenary.com/product/{other_product}",
        lambda row: "https://greenary.com/product/not-a-uuid",
    ]
    for row, breakage in zip(page_views, breakages, strict=False):
        row["page_url"] = breakage(row)
    return [row["event_id"] for row in page_views[: len(breakages)]]
