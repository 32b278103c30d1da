"""Placed orders and their rows as of a moment: status, shipping and shipment event."""

from dataclasses import dataclass
from datetime import date, datetime

from flows.landing.generator.lifecycle import lifecycle
from flows.landing.generator.urls import shipping_url


@dataclass(frozen=True)
class PlacedOrder:
    """What is fixed at checkout, plus what a later landing needs to know."""

    order_id: str
    user_id: str
    promo_id: str | None
    address_id: str
    created_at: datetime
    order_cost: float
    shipping_cost: float
    order_total: float
    session_id: str  # the checkout's session, where package_shipped also goes
    shipment_landed: bool  # a package_shipped event is already in the warehouse


def order_as_of(
    seed: int,
    order: PlacedOrder,
    moment: datetime,
    slow_delivery_days: frozenset[date] = frozenset(),
) -> tuple[tuple, tuple | None]:
    """The raw.orders row as of `moment`, and its package_shipped event if it
    shipped by then and that event has not landed yet."""
    life = lifecycle(seed, order.order_id, order.user_id, order.created_at, slow_delivery_days)
    status = life.status_at(moment)
    shipped = status != "preparing"
    row = (
        order.order_id,
        order.user_id,
        order.promo_id,
        order.address_id,
        order.created_at,
        order.order_cost,
        order.shipping_cost,
        order.order_total,
        life.tracking_id if shipped else None,
        life.shipping_service if shipped else None,
        life.estimated_delivery_at if shipped else None,
        life.delivered_at if status == "delivered" else None,
        status,
    )
    if not shipped or order.shipment_landed:
        return row, None
    shipment = (
        life.shipment_event_id,
        order.session_id,
        order.user_id,
        shipping_url(order.order_id),
        life.shipped_at,
        "package_shipped",
        order.order_id,
        None,
    )
    return row, shipment
