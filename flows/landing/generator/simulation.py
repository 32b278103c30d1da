"""Simulate consecutive days of the shop into rows for the seven raw tables."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flows.landing.generator.catalog import next_day_products, products_as_of
from flows.landing.generator.orders import PlacedOrder, order_as_of
from flows.landing.generator.reference import PROMOS
from flows.landing.generator.shop_day import simulate_day
from flows.landing.generator.state import ShopState
from flows.scenarios import Scenario


def simulate(
    state: ShopState,
    *,
    seed: int,
    scale: int,
    origin: date,
    days: list[date],
    scenario: Scenario | None = None,
) -> Iterator[dict[str, list[tuple]]]:
    """Rows to upsert for `days` (consecutive, after what `state` holds), per table.

    Yields one batch per day, so that a long catch-up never holds every day in
    memory, then a last batch: every open order, old and new, as of the end of
    the last day with the package_shipped events due by then, and the catalog.
    The `scenario`, if any, applies to the last of `days`.
    """
    placed: list[PlacedOrder] = list(state.open_orders)
    products = products_as_of(seed, origin, days[0])
    for day in days:
        if day != days[0]:
            products = next_day_products(seed, day, products)
        rows = simulate_day(
            state,
            seed=seed,
            scale=scale,
            day=day,
            products=products,
            scenario=scenario if day == days[-1] else None,
        )
        placed += rows.orders
        yield {
            "addresses": rows.addresses,
            "users": rows.users,
            "events": rows.events,
            "order_items": rows.order_items,
        }

    end_of_last_day = datetime.combine(days[-1] + timedelta(days=1), time())
    orders, shipments = [], []
    for order in placed:
        row, shipment = order_as_of(seed, order, end_of_last_day, state.slow_delivery_days)
        orders.append(row)
        if shipment:
            shipments.append(shipment)
    yield {
        "orders": orders,
        "events": shipments,
        "products": [(p.product_id, p.name, p.price, p.inventory) for p in products],
        "promos": [tuple(promo) for promo in PROMOS],
    }
