"""What the generator must know about the shop before simulating the next day."""

from dataclasses import dataclass, field
from datetime import date

import duckdb

from flows.landing.generator.customers import Customer, loyalty
from flows.landing.generator.orders import PlacedOrder
from flows.landing.landing_log import scenario_days


@dataclass
class ShopState:
    customers: list[Customer] = field(default_factory=list)  # by (created_at, user_id)
    buyers: set[str] = field(default_factory=set)  # users who have ordered
    open_orders: list[PlacedOrder] = field(default_factory=list)  # not yet delivered
    slow_delivery_days: frozenset[date] = frozenset()  # days of the slow-deliveries scenario


def load_state(con: duckdb.DuckDBPyConnection, seed: int) -> ShopState:
    """The state as the generator left it in the warehouse's raw tables."""
    customers = [
        Customer(user_id, created_at, address_id, loyalty(seed, user_id))
        for user_id, created_at, address_id in con.execute(
            "SELECT user_id, created_at, address_id FROM raw.users ORDER BY created_at, user_id"
        ).fetchall()
    ]
    buyers = {
        user_id for (user_id,) in con.execute("SELECT DISTINCT user_id FROM raw.orders").fetchall()
    }
    open_orders = [
        PlacedOrder(*row)
        for row in con.execute(
            """
            SELECT o.order_id, o.user_id, o.promo_id, o.address_id, o.created_at,
                   o.order_cost, o.shipping_cost, o.order_total, e.session_id,
                   o.status <> 'preparing' AS shipment_landed
            FROM raw.orders AS o
            JOIN raw.events AS e ON e.order_id = o.order_id AND e.event_type = 'checkout'
            WHERE o.status <> 'delivered'
            ORDER BY o.created_at, o.order_id
            """
        ).fetchall()
    ]
    return ShopState(customers, buyers, open_orders, scenario_days(con, "slow-deliveries"))
