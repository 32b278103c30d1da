"""The published marts, checked against numbers computed independently from raw.

Each expectation here is computed with pandas straight from the raw tables, not
from the dbt models, so a modelling mistake shows up as a mismatch. Every test runs
twice: on the dev target (DuckDB) and on the prod target (the Snowflake emulator).
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest

from tests.conftest import AS_OF, PipelineRun
from tests.kpi_oracle import assert_kpis_match, expected_daily_kpis

PUBLISHED_COLUMNS = {
    "core.dim_users": [
        "user_id",
        "first_name",
        "last_name",
        "email",
        "phone_number",
        "created_at",
        "updated_at",
        "address_id",
        "zipcode",
        "state",
        "country",
    ],
    "core.dim_products": ["product_id", "name", "price", "inventory"],
    "core.fact_orders": [
        "order_id",
        "user_id",
        "promo_id",
        "promo_discount",
        "address_id",
        "created_at",
        "order_cost",
        "shipping_cost",
        "order_total",
        "status",
        "shipping_service",
        "tracking_id",
        "estimated_delivery_at",
        "delivered_at",
        "delivery_hours",
        "item_quantity",
        "distinct_products",
    ],
    "marketing.fact_user_orders": [
        "user_id",
        "order_count",
        "first_order_at",
        "last_order_at",
        "total_spent",
        "is_repeat_buyer",
    ],
    "marketing.repeat_rate": ["purchasers", "repeat_purchasers", "repeat_rate"],
    "product.fact_page_views": [
        "event_id",
        "session_id",
        "user_id",
        "product_id",
        "product_name",
        "product_price",
        "page_url",
        "viewed_at",
        "state",
    ],
    "product.fact_user_sessions": [
        "session_id",
        "user_id",
        "session_started_at",
        "session_ended_at",
        "session_length_minutes",
        "page_views",
        "add_to_carts",
        "checkouts",
        "packages_shipped",
        "order_id",
        "is_converted",
    ],
    "product.fact_product_conversion": [
        "product_id",
        "product_name",
        "viewing_sessions",
        "purchasing_sessions",
        "conversion_rate",
    ],
    "product.fact_inventory_changes": [
        "product_id",
        "product_name",
        "changed_at",
        "inventory_before",
        "inventory_after",
        "price_before",
        "price_after",
    ],
    "snapshots.products_snapshot": ["product_id", "dbt_valid_from", "dbt_valid_to"],
    "snapshots.orders_snapshot": ["order_id", "status", "dbt_valid_from", "dbt_valid_to"],
    "core.daily_kpis": [
        "kpi_date",
        "sessions",
        "converting_sessions",
        "conversion_rate",
        "add_to_cart_rate",
        "orders",
        "revenue",
        "average_order_value",
        "purchasers",
        "repeat_purchasers",
        "repeat_rate",
        "orders_delivered",
        "mean_delivery_hours",
        "top_products_by_conversion",
        "orders_recorded_at",
        "is_recorded_on_the_day",
    ],
}


@pytest.fixture(params=["prod", "dev"])
def published(request: pytest.FixtureRequest) -> PipelineRun:
    """The scale-1 run on each target; prod first, while another worker makes the shared dev
    run (tests/conftest.py)."""
    return request.getfixturevalue("scale_1_run" if request.param == "dev" else "snowflake_run")


def test_the_run_reports_success_and_what_it_did(published: PipelineRun) -> None:
    last_lines = published.output.strip().splitlines()[-8:]
    target = "prod" if published.snowflake_env else "dev"
    assert last_lines[0].endswith(f" on {target}: succeeded")
    assert last_lines[1].startswith("Rows landed (generator): addresses ")
    assert "failed 0 (+0 unit)" in last_lines[3]
    assert last_lines[4] == "Contracts: 14 of 14 suites passed"
    assert last_lines[5] == "Published: 12 marts to core, marketing, product"
    # The third day: the checks against a median need three earlier days.
    assert last_lines[6] == (
        f"KPIs for {AS_OF}: 2 of 2 checked KPIs within their usual range; 6 could not be checked"
        " (the KPI report says why)"
    )
    # Where to look next: the Data Docs index, the KPI report, and the run in the Prefect
    # UI (opened in tests/test_command_line.py).
    look = re.fullmatch(
        r"Look next: Data Docs (file://\S+); the KPI report (file://\S+);"
        r" this run in Prefect http://\S+/runs/flow-run/\S+",
        last_lines[7],
    )
    assert look, last_lines[7]
    index = Path(unquote(urlparse(look[1]).path))
    assert index.name == "index.html" and index.is_file(), index
    report = Path(unquote(urlparse(look[2]).path))
    assert report == index.parent / "kpis" / f"{AS_OF}.html" and report.is_file(), report


@pytest.mark.parametrize("relation", sorted(PUBLISHED_COLUMNS))
def test_published_marts_have_their_columns(published: PipelineRun, relation: str) -> None:
    columns = published.columns(relation)
    missing = [c for c in PUBLISHED_COLUMNS[relation] if c not in columns]
    assert not missing, f"{relation} lacks {missing}"


def test_repeat_rate_matches_raw_orders(published: PipelineRun) -> None:
    orders_per_user = published.table("raw.orders").groupby("user_id").size()
    purchasers = int((orders_per_user >= 1).sum())
    repeaters = int((orders_per_user >= 2).sum())

    mart = published.table("marketing.repeat_rate").iloc[0]
    assert (mart.purchasers, mart.repeat_purchasers) == (purchasers, repeaters)
    assert float(mart.repeat_rate) == pytest.approx(repeaters / purchasers, abs=1e-4)
    assert 0 < repeaters < purchasers  # a real signal, not a degenerate day


def test_order_counts_and_spend_per_user_match_raw(published: PipelineRun) -> None:
    users = published.table("raw.users")[["user_id"]]
    orders = published.table("raw.orders")
    per_user = orders.groupby("user_id").agg(
        order_count=("order_id", "count"),
        total_spent=("order_total", lambda s: s.astype(float).round(2).sum()),
        first_order_at=("created_at", "min"),
    )
    expected = users.merge(per_user, on="user_id", how="left").fillna(
        {"order_count": 0, "total_spent": 0.0}
    )

    mart = published.table("marketing.fact_user_orders")
    merged = expected.merge(mart, on="user_id", suffixes=("_raw", "_mart"), validate="1:1")
    assert len(merged) == len(users) == len(mart)
    assert (merged.order_count_raw == merged.order_count_mart).all()
    assert merged.total_spent_mart.astype(float).values == pytest.approx(
        merged.total_spent_raw.values, abs=0.01
    )
    assert (merged.is_repeat_buyer == (merged.order_count_raw >= 2)).all()
    buyers = merged[merged.order_count_raw > 0]
    assert (buyers.first_order_at_raw == buyers.first_order_at_mart).all()
    assert (merged.order_count_raw == 0).any(), "some users never order"


def test_sessions_and_conversion_match_raw_events(published: PipelineRun) -> None:
    events = published.table("raw.events")
    counts = pd.crosstab(events.session_id, events.event_type)
    browsing = events[events.event_type != "package_shipped"]
    span = browsing.groupby("session_id").created_at.agg(["min", "max"])

    sessions = published.table("product.fact_user_sessions").set_index("session_id")
    assert set(sessions.index) == set(events.session_id)
    for event_type, column in [
        ("page_view", "page_views"),
        ("add_to_cart", "add_to_carts"),
        ("checkout", "checkouts"),
        ("package_shipped", "packages_shipped"),
    ]:
        expected = counts.get(event_type, 0).reindex(sessions.index, fill_value=0)
        assert (sessions[column] == expected).all(), column
    assert (sessions.is_converted == (counts["checkout"].reindex(sessions.index) > 0)).all()
    minutes = (span["max"] - span["min"]).dt.total_seconds() / 60
    assert sessions.session_length_minutes.astype(float).values == pytest.approx(
        minutes.reindex(sessions.index).values, abs=0.01
    )

    conversion = sessions.is_converted.mean()
    expected_rate = events[events.event_type == "checkout"].session_id.nunique() / len(counts)
    assert conversion == pytest.approx(expected_rate)


def test_product_conversion_matches_raw(published: PipelineRun) -> None:
    events = published.table("raw.events")
    items = published.table("raw.order_items")
    views = events[events.event_type == "page_view"][["session_id", "product_id"]]
    views = views.drop_duplicates()
    checkouts = events[events.event_type == "checkout"][["session_id", "order_id"]]
    bought = checkouts.merge(items, on="order_id")[["session_id", "product_id"]]
    purchased = views.merge(bought.drop_duplicates(), on=["session_id", "product_id"])

    viewing = views.groupby("product_id").size()
    purchasing = purchased.groupby("product_id").size()

    mart = published.table("product.fact_product_conversion").set_index("product_id")
    assert len(mart) == len(published.table("raw.products"))
    assert (mart.viewing_sessions == viewing.reindex(mart.index, fill_value=0)).all()
    assert (mart.purchasing_sessions == purchasing.reindex(mart.index, fill_value=0)).all()
    viewed = mart[mart.viewing_sessions > 0]
    expected_rate = (purchasing / viewing).reindex(viewed.index, fill_value=0)
    assert viewed.conversion_rate.astype(float).values == pytest.approx(
        expected_rate.values, abs=1e-4
    )
    assert (viewed.purchasing_sessions > 0).any()


def test_delivery_hours_and_items_match_raw_orders(published: PipelineRun) -> None:
    orders = published.table("raw.orders").set_index("order_id")
    items = published.table("raw.order_items").groupby("order_id").quantity.sum()
    mart = published.table("core.fact_orders").set_index("order_id")
    assert set(mart.index) == set(orders.index)

    hours = (orders.delivered_at - orders.created_at).dt.total_seconds() / 3600
    delivered = orders.delivered_at.notna()
    assert delivered.any() and (~delivered).any()
    assert mart.delivery_hours[~delivered.reindex(mart.index)].isna().all()
    assert mart.delivery_hours[delivered.reindex(mart.index)].astype(float).values == (
        pytest.approx(
            hours[delivered].reindex(mart.index[delivered.reindex(mart.index)]).values, abs=0.01
        )
    )
    assert (mart.item_quantity == items.reindex(mart.index)).all()


def test_zipcodes_keep_five_characters_with_leading_zeros(published: PipelineRun) -> None:
    addresses = published.table("raw.addresses").set_index("address_id")
    users = published.table("core.dim_users")
    expected = users.address_id.map(addresses.zipcode).map(lambda z: f"{int(z):05d}")
    assert (users.zipcode == expected).all()
    assert users.zipcode.str.startswith("0").any(), "the data should hold a leading-zero zip"


def test_page_views_are_the_raw_page_view_events(published: PipelineRun) -> None:
    events = published.table("raw.events")
    page_views = events[events.event_type == "page_view"]
    mart = published.table("product.fact_page_views")
    assert sorted(mart.event_id) == sorted(page_views.event_id)
    assert mart.product_name.notna().all() and mart.state.notna().all()


def test_daily_kpis_match_raw(published: PipelineRun) -> None:
    """Every KPI of each generated day; the first run snapshots only its last day."""
    raw = {name: published.table(f"raw.{name}") for name in ("events", "orders", "order_items")}
    expected = expected_daily_kpis(
        raw["events"], raw["orders"], raw["order_items"], published.table("raw.products"), AS_OF
    )
    mart = published.table("core.daily_kpis")
    assert_kpis_match(mart, expected)
    assert len(mart) == 3
    assert mart.sort_values("kpi_date").is_recorded_on_the_day.tolist() == [False, False, True]
    assert expected.top_products_by_conversion.notna().all()
