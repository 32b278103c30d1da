"""Customers: sign-ups with their addresses, and each one's hidden loyalty."""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.landing.generator.reference import (
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    STATES,
    STREET_KINDS,
    STREET_NAMES,
)
from flows.landing.generator.seeding import new_id, unit_interval

COUNTRY = "United States"
SHARED_ADDRESS_CHANCE = 0.15
# Sign-ups stop an hour before midnight so that a sign-up's first session,
# which lasts under an hour, ends within its day.
SIGN_UP_WINDOW = timedelta(hours=22)

_STATE_WEIGHTS = [state.weight for state in STATES]


def loyalty(seed: int, user_id: str) -> float:
    """The user's hidden loyalty in [0, 1): fixed by (seed, user_id), never stored."""
    return unit_interval(seed, "loyalty", user_id)


@dataclass(frozen=True)
class Customer:
    user_id: str
    created_at: datetime
    address_id: str
    loyalty: float

    @property
    def visit_weight(self) -> float:
        """How strongly the customer is drawn back: about 20x from least to most loyal."""
        return math.exp(3 * (self.loyalty - 0.5))


@dataclass(frozen=True)
class SignUps:
    customers: list[Customer]  # ordered by (created_at, user_id)
    users: list[tuple]  # raw.users rows
    addresses: list[tuple]  # raw.addresses rows


def sign_up(
    rng: random.Random,
    seed: int,
    day_start: datetime,
    count: int,
    existing: list[Customer],
) -> SignUps:
    """`count` new users on the day starting at `day_start`.

    Some move in with an existing customer and share that customer's address.
    """
    customers, users, addresses = [], [], []
    for _ in range(count):
        user_id = new_id(rng)
        created_at = day_start + timedelta(
            seconds=rng.randrange(int(SIGN_UP_WINDOW.total_seconds()))
        )
        if existing and rng.random() < SHARED_ADDRESS_CHANCE:
            address_id = rng.choice(existing).address_id
        else:
            address = new_address(rng)
            addresses.append(address)
            address_id = address[0]
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            (
                user_id,
                first_name,
                last_name,
                _email(rng, first_name, last_name),
                _phone_number(rng),
                created_at,
                _updated_at(rng, created_at),
                address_id,
            )
        )
        customers.append(Customer(user_id, created_at, address_id, loyalty(seed, user_id)))
    customers.sort(key=lambda customer: (customer.created_at, customer.user_id))
    return SignUps(customers, users, addresses)


def new_address(rng: random.Random) -> tuple:
    """A raw.addresses row somewhere in the United States."""
    state = rng.choices(STATES, weights=_STATE_WEIGHTS)[0]
    street = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}"
    return (
        new_id(rng),
        f"{rng.randint(1, 9999)} {street}",
        rng.randint(state.lowest_zip, state.highest_zip),
        state.name,
        COUNTRY,
    )


def _email(rng: random.Random, first_name: str, last_name: str) -> str:
    number = rng.randint(1, 999)
    domain = rng.choice(EMAIL_DOMAINS)
    return f"{first_name}.{last_name}{number}@{domain}".lower()


def _phone_number(rng: random.Random) -> str:
    return f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def _updated_at(rng: random.Random, created_at: datetime) -> datetime:
    # Half the profiles are edited later, often after the day being landed:
    # the shop's export really holds such future timestamps.
    if rng.random() < 0.5:
        return created_at
    return created_at + timedelta(seconds=rng.randint(3600, 20 * 86400))
