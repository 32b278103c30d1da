"""One day of the shop: sign-ups, visits, and the orders placed during visits."""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flows.landing.generator.catalog import Product
from flows.landing.generator.customers import Customer, new_address, sign_up
from flows.landing.generator.orders import PlacedOrder
from flows.landing.generator.reference import PROMOS, Promo
from flows.landing.generator.seeding import new_id, seeded_rng
from flows.landing.generator.state import ShopState
from flows.landing.generator.urls import checkout_url, product_url
from flows.scenarios import Scenario

SIGN_UPS_PER_DAY = 44
SESSIONS_PER_DAY = 193
CONVERSION_RATE = 0.62
CONVERSION_DROP_RATE = 0.40  # on a conversion-drop day (flows/scenarios.py)
# A session lasts under an hour, so starting by 23:00 keeps it within its day.
LAST_SESSION_START = timedelta(hours=23)
FIRST_VISIT_DELAY_SECONDS = 600
SECONDS_BETWEEN_EVENTS = (10, 180)
OWN_ADDRESS_CHANCE = 0.7
NEW_DESTINATION_CHANCE = 0.3
FREE_SHIPPING_FROM = 100.0
REPEAT_ORDER_PROMO_CHANCE = 0.1
ACTIVE_PROMOS = [promo for promo in PROMOS if promo.status == "active"]


@dataclass
class DayRows:
    users: list[tuple]
    addresses: list[tuple]
    events: list[tuple] = field(default_factory=list)
    order_items: list[tuple] = field(default_factory=list)
    orders: list[PlacedOrder] = field(default_factory=list)


def simulate_day(
    state: ShopState,
    *,
    seed: int,
    scale: int,
    day: date,
    products: list[Product],
    scenario: Scenario | None = None,
) -> DayRows:
    """The day's new rows, under the day's `scenario` if any; adds the day's
    sign-ups and buyers to `state`, and the day itself if its deliveries are slow."""
    rng = seeded_rng(seed, scale, "day", day.isoformat())
    day_start = datetime.combine(day, time())
    sign_ups = sign_up(
        rng, seed, day_start, _around(rng, SIGN_UPS_PER_DAY * scale), state.customers
    )
    state.customers.extend(sign_ups.customers)
    rows = DayRows(users=sign_ups.users, addresses=sign_ups.addresses)
    conversion_rate = CONVERSION_DROP_RATE if scenario == "conversion-drop" else CONVERSION_RATE
    for start, customer in _visits(rng, scale, day_start, sign_ups.customers, state):
        _session(rng, state, rows, start, customer, products, conversion_rate)
    if scenario == "slow-deliveries":
        state.slow_delivery_days |= {day}
    return rows


def _around(rng: random.Random, mean: int) -> int:
    return max(1, round(mean * rng.uniform(0.9, 1.1)))


def _visits(
    rng: random.Random,
    scale: int,
    day_start: datetime,
    sign_ups: list[Customer],
    state: ShopState,
) -> list[tuple[datetime, Customer]]:
    """Each sign-up browses right away; loyal customers come back more often."""
    visits = [
        (
            customer.created_at + timedelta(seconds=rng.randrange(FIRST_VISIT_DELAY_SECONDS)),
            customer,
        )
        for customer in sign_ups
    ]
    returns = max(0, _around(rng, SESSIONS_PER_DAY * scale) - len(sign_ups))
    weights = list(itertools.accumulate(c.visit_weight for c in state.customers))
    last_start = day_start + LAST_SESSION_START
    for customer in rng.choices(state.customers, cum_weights=weights, k=returns):
        earliest = max(day_start, customer.created_at)
        window = int((last_start - earliest).total_seconds())
        visits.append((earliest + timedelta(seconds=rng.randrange(window)), customer))
    # Sessions run in time order so that "first order" means the earliest one.
    visits.sort(key=lambda visit: visit[0])
    return visits


def _session(
    rng: random.Random,
    state: ShopState,
    rows: DayRows,
    start: datetime,
    customer: Customer,
    products: list[Product],
    conversion_rate: float,
) -> None:
    session_id = new_id(rng)
    converts = rng.random() < conversion_rate
    if converts:
        cart_size = rng.choices(range(1, 6), weights=(27, 31, 24, 11, 7))[0]
        views = cart_size + rng.choices(range(4), weights=(30, 35, 25, 10))[0]
    else:
        views = rng.choices(range(1, 7), weights=(20, 25, 22, 15, 10, 8))[0]
        cart_size = min(views, rng.choices(range(3), weights=(55, 35, 10))[0])
    viewed = rng.sample(products, views)
    added = set(rng.sample(range(views), cart_size))

    moment = start
    cart = []
    for position, product in enumerate(viewed):
        if position:
            moment += _pause(rng)
        rows.events.append(_browse_event(rng, session_id, customer, moment, "page_view", product))
        if position in added:
            moment += _pause(rng)
            rows.events.append(
                _browse_event(rng, session_id, customer, moment, "add_to_cart", product)
            )
            cart.append(product)
    if converts:
        _check_out(rng, state, rows, session_id, customer, moment + _pause(rng), cart)


def _pause(rng: random.Random) -> timedelta:
    return timedelta(seconds=rng.randint(*SECONDS_BETWEEN_EVENTS))


def _browse_event(
    rng: random.Random,
    session_id: str,
    customer: Customer,
    moment: datetime,
    event_type: str,
    product: Product,
) -> tuple:
    return (
        new_id(rng),
        session_id,
        customer.user_id,
        product_url(product.product_id),
        moment,
        event_type,
        None,
        product.product_id,
    )


def _check_out(
    rng: random.Random,
    state: ShopState,
    rows: DayRows,
    session_id: str,
    customer: Customer,
    moment: datetime,
    cart: list[Product],
) -> None:
    order_id = new_id(rng)
    quantities = rng.choices((1, 2, 3), weights=(70, 20, 10), k=len(cart))
    order_cost = round(sum(p.price * q for p, q in zip(cart, quantities, strict=True)), 2)
    shipping_cost = 0.0 if order_cost >= FREE_SHIPPING_FROM else round(rng.uniform(4, 12), 2)
    first_order = customer.user_id not in state.buyers
    promo = _promo(rng, customer, first_order, order_cost + shipping_cost)
    discount = promo.discount if promo else 0
    rows.orders.append(
        PlacedOrder(
            order_id=order_id,
            user_id=customer.user_id,
            promo_id=promo.promo_id if promo else None,
            address_id=_destination(rng, customer, state.customers, rows.addresses),
            created_at=moment,
            order_cost=order_cost,
            shipping_cost=shipping_cost,
            order_total=round(order_cost + shipping_cost - discount, 2),
            session_id=session_id,
            shipment_landed=False,
        )
    )
    rows.order_items.extend(
        (order_id, product.product_id, quantity)
        for product, quantity in zip(cart, quantities, strict=True)
    )
    rows.events.append(
        (
            new_id(rng),
            session_id,
            customer.user_id,
            checkout_url(order_id),
            moment,
            "checkout",
            order_id,
            None,
        )
    )
    state.buyers.add(customer.user_id)


def _promo(
    rng: random.Random, customer: Customer, first_order: bool, amount: float
) -> Promo | None:
    # Loyal customers more often start with a promo: part of the repeat signal.
    chance = 0.1 + 0.5 * customer.loyalty if first_order else REPEAT_ORDER_PROMO_CHANCE
    if rng.random() >= chance:
        return None
    # A promo never takes the total below zero.
    eligible = [promo for promo in ACTIVE_PROMOS if promo.discount < amount]
    return rng.choice(eligible) if eligible else None


def _destination(
    rng: random.Random,
    customer: Customer,
    customers: list[Customer],
    new_addresses: list[tuple],
) -> str:
    if rng.random() < OWN_ADDRESS_CHANCE:
        return customer.address_id
    if rng.random() < NEW_DESTINATION_CHANCE:
        address = new_address(rng)
        new_addresses.append(address)
        return address[0]
    return rng.choice(customers).address_id  # a gift to another customer
