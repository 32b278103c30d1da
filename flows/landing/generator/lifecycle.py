"""An order's whole life after checkout, as a pure function of its row.

Shipping time, service, tracking id, estimate and delivery time all derive from
(seed, order_id, user_id, created_at) and the slow-delivery days (scenarios.py),
so the state of any order as of any moment can be recomputed from the order row
and the slow-delivery days the landing log records.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flows.landing.generator.customers import loyalty
from flows.landing.generator.seeding import new_id, seeded_rng

FAST_SERVICES = ("ups", "fedex")
SLOW_SERVICES = ("usps", "dhl")
MISSING_ESTIMATE_CHANCE = 0.1
SLOW_DELIVERY_DELAY = timedelta(days=2)


@dataclass(frozen=True)
class Lifecycle:
    shipped_at: datetime
    shipping_service: str
    tracking_id: str
    estimated_delivery_at: datetime | None  # the carrier sometimes gives none
    delivered_at: datetime
    shipment_event_id: str  # the package_shipped event's id

    def status_at(self, moment: datetime) -> str:
        if moment < self.shipped_at:
            return "preparing"
        if moment < self.delivered_at:
            return "shipped"
        return "delivered"


def lifecycle(
    seed: int,
    order_id: str,
    user_id: str,
    created_at: datetime,
    slow_delivery_days: frozenset[date] = frozenset(),
) -> Lifecycle:
    rng = seeded_rng(seed, "order", order_id)
    shipped_at = created_at + timedelta(seconds=rng.randint(2 * 3600, 40 * 3600))
    # Loyal customers more often pick a fast carrier: part of the repeat signal.
    fast = rng.random() < 0.2 + 0.6 * loyalty(seed, user_id)
    if fast:
        service, transit_days = rng.choice(FAST_SERVICES), rng.randint(1, 3)
    else:
        service, transit_days = rng.choice(SLOW_SERVICES), rng.randint(3, 7)
    estimate = shipped_at + timedelta(days=transit_days)
    delivered_at = max(
        shipped_at + timedelta(hours=6),
        estimate + timedelta(seconds=rng.randint(-20 * 3600, 36 * 3600)),
    )
    has_estimate = rng.random() >= MISSING_ESTIMATE_CHANCE
    return Lifecycle(
        shipped_at=shipped_at,
        shipping_service=service,
        tracking_id=new_id(rng),
        estimated_delivery_at=estimate if has_estimate else None,
        delivered_at=_delay(delivered_at, slow_delivery_days),
        shipment_event_id=new_id(rng),
    )


def _delay(delivered_at: datetime, slow_delivery_days: frozenset[date]) -> datetime:
    """A parcel due on a slow-delivery day comes later, again if that day is slow too."""
    while delivered_at.date() in slow_delivery_days:
        delivered_at += SLOW_DELIVERY_DELAY
    return delivered_at
