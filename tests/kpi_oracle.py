"""The shop's daily KPIs computed straight from the raw tables with pandas, not from the dbt
models: what core.daily_kpis and the morning report must say (tests/test_kpis.py,
tests/test_marts.py, tests/test_end_to_end.py).

Every order here is counted as the raw tables hold it now; the mart counts a day's orders
as the snapshot of that day recorded them. The two agree for generated days, which land
each order on the day it is placed, and for a CSV export landed once."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

MIN_VIEWING_SESSIONS = 5  # dbt_project.yml: top_products_min_viewing_sessions


def _percent(part: int, whole: int) -> str:
    """As SQL's round(part * 100.0 / whole, 1) writes it: halves away from zero."""
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def expected_daily_kpis(
    events: pd.DataFrame,
    orders: pd.DataFrame,
    order_items: pd.DataFrame,
    products: pd.DataFrame,
    through: date,
) -> pd.DataFrame:
    """One row per day from the first session's day through `through`, by kpi_date."""
    browsing = events[events.event_type != "package_shipped"]
    started = browsing.groupby("session_id").created_at.min().dt.date
    checkouts = events[events.event_type == "checkout"]
    converted = set(checkouts.session_id)
    carted = set(events[events.event_type == "add_to_cart"].session_id)
    views = events[events.event_type == "page_view"][["session_id", "product_id"]]
    views = views.drop_duplicates()
    bought = checkouts[["session_id", "order_id"]].merge(order_items, on="order_id")
    bought_pairs = set(zip(bought.session_id, bought.product_id, strict=True))
    names = dict(zip(products.product_id, products.name, strict=True))
    placed = orders.created_at.dt.date
    delivered = orders.delivered_at.dt.date

    rows = []
    day = min(started)
    while day <= through:
        sessions = set(started[started == day].index)
        day_orders = orders[placed == day]
        so_far = orders[placed <= day].groupby("user_id").size()
        arrived = orders[delivered == day]
        hours = (arrived.delivered_at - arrived.created_at).dt.total_seconds() / 3600
        rows.append(
            {
                "kpi_date": day,
                "sessions": len(sessions),
                "converting_sessions": len(sessions & converted),
                "conversion_rate": len(sessions & converted) / len(sessions) if sessions else None,
                "add_to_cart_rate": len(sessions & carted) / len(sessions) if sessions else None,
                "orders": len(day_orders),
                "revenue": round(float(day_orders.order_total.astype(float).sum()), 2),
                "average_order_value": (
                    float(day_orders.order_total.astype(float).mean()) if len(day_orders) else None
                ),
                "purchasers": int((so_far >= 1).sum()),
                "repeat_purchasers": int((so_far >= 2).sum()),
                "repeat_rate": float((so_far >= 2).sum() / len(so_far)) if len(so_far) else None,
                "orders_delivered": len(arrived),
                "mean_delivery_hours": float(hours.mean()) if len(arrived) else None,
                "top_products_by_conversion": _top_products(
                    views[views.session_id.isin(sessions)], bought_pairs, names
                ),
            }
        )
        day += timedelta(days=1)
    return pd.DataFrame(rows).set_index("kpi_date")


def _top_products(
    views: pd.DataFrame, bought: set[tuple[str, str]], names: dict[str, str]
) -> str | None:
    ranked = []
    for product_id, sessions in views.groupby("product_id").session_id:
        viewing = len(sessions)
        if viewing < MIN_VIEWING_SESSIONS:
            continue
        buying = sum((session, product_id) in bought for session in sessions)
        ranked.append((-buying / viewing, -viewing, names[product_id], buying, viewing))
    top = sorted(ranked)[:3]
    return ", ".join(f"{name} ({_percent(b, v)}%)" for _, _, name, b, v in top) or None


def as_stored(column: str, value: float | None) -> float | None:
    """A KPI as the mart stores it: shares to 4 decimals, money and hours to 2, halves away
    from zero as SQL's round() does."""
    if value is None or pd.isna(value):
        return None
    places = "0.0001" if column.endswith("_rate") else "0.01"
    return float(Decimal(repr(float(value))).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def assert_kpis_match(mart: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every KPI of every day, to the mart's rounding (4 decimals for shares, cents, 0.01 h)."""
    mart = mart.assign(kpi_date=pd.to_datetime(mart.kpi_date).dt.date).set_index("kpi_date")
    assert list(mart.index.sort_values()) == list(expected.index)
    for column in expected.columns:
        for day, want in expected[column].items():
            got = mart.at[day, column]
            where = f"{column} on {day}"
            if want is None or (isinstance(want, float) and pd.isna(want)):
                assert got is None or pd.isna(got), f"{where}: {got!r}, expected none"
            elif isinstance(want, str):
                assert got == want, where
            else:
                tolerance = 6e-5 if column.endswith("_rate") else 6e-3
                assert float(got) == pytest.approx(want, abs=tolerance), where
