"""The product catalog as of any day: a pure function of (seed, origin, day).

The catalog starts from seeded values on the origin day; every later day
applies that day's own seeded changes (sales, restocks, occasional repricing),
so any day can be recomputed by replaying from the origin.
"""

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flows.landing.generator.reference import PLANT_NAMES
from flows.landing.generator.seeding import new_id, seeded_rng

LOWEST_PRICE = 5.0
HIGHEST_PRICE = 100.0
MAX_INVENTORY = 200
REPRICE_CHANCE = 0.05
RESTOCK_BELOW = 25


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    price: float
    inventory: int


def products_as_of(seed: int, origin: date, day: date) -> list[Product]:
    products = _opening_catalog(seed)
    for offset in range(1, (day - origin).days + 1):
        products = next_day_products(seed, origin + timedelta(days=offset), products)
    return products


def next_day_products(seed: int, day: date, products: list[Product]) -> list[Product]:
    """The catalog on `day`, given the catalog of the day before."""
    rng = seeded_rng(seed, "products", day.isoformat())
    return [_change_overnight(rng, product) for product in products]


def _opening_catalog(seed: int) -> list[Product]:
    rng = seeded_rng(seed, "products")
    return [
        Product(
            product_id=new_id(rng),
            name=name,
            price=round(rng.uniform(LOWEST_PRICE, HIGHEST_PRICE), 2),
            inventory=rng.randint(0, MAX_INVENTORY),
        )
        for name in PLANT_NAMES
    ]


def _change_overnight(rng: random.Random, product: Product) -> Product:
    inventory = max(0, product.inventory - rng.randint(0, 12))
    if inventory < RESTOCK_BELOW and rng.random() < 0.5:
        inventory = min(MAX_INVENTORY, inventory + rng.randint(50, 150))
    price = product.price
    if rng.random() < REPRICE_CHANCE:
        new_price = price * rng.uniform(0.8, 1.2)
        price = round(min(HIGHEST_PRICE, max(LOWEST_PRICE, new_price)), 2)
    return replace(product, price=price, inventory=inventory)
