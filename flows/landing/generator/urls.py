"""The shop's page addresses (its domain really is spelled greenary)."""

from functools import cache

SITE = "https://greenary.com"


@cache  # one string per product instead of one per event
def product_url(product_id: str) -> str:
    return f"{SITE}/product/{product_id}"


def checkout_url(order_id: str) -> str:
    return f"{SITE}/checkout/{order_id}"


def shipping_url(order_id: str) -> str:
    return f"{SITE}/shipping/{order_id}"
