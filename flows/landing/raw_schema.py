"""The shop database's seven tables as they land in the warehouse's `raw` schema.

Names and types are the shop's own (Postgres types mapped to the warehouse).
Raw tables carry no constraints on purpose: bad rows must land so that the
checks downstream can find, count and report them.
"""

from dataclasses import dataclass

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # VARCHAR, INTEGER, REAL or TIMESTAMP (naive, UTC by convention)


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _table(name: str, primary_key: tuple[str, ...], /, **columns: str) -> RawTable:
    return RawTable(
        name=name,
        columns=tuple(Column(col, sql_type) for col, sql_type in columns.items()),
        primary_key=primary_key,
    )


RAW_TABLES: dict[str, RawTable] = {
    table.name: table
    for table in (
        _table(
            "addresses",
            ("address_id",),
            address_id="VARCHAR",
            address="VARCHAR",
            zipcode="INTEGER",
            state="VARCHAR",
            country="VARCHAR",
        ),
        _table(
            "users",
            ("user_id",),
            user_id="VARCHAR",
            first_name="VARCHAR",
            last_name="VARCHAR",
            email="VARCHAR",
            phone_number="VARCHAR",
            created_at="TIMESTAMP",
            updated_at="TIMESTAMP",
            address_id="VARCHAR",
        ),
        _table(
            "promos",
            ("promo_id",),
            promo_id="VARCHAR",
            discount="INTEGER",
            status="VARCHAR",
        ),
        _table(
            "products",
            ("product_id",),
            product_id="VARCHAR",
            name="VARCHAR",
            price="REAL",
            inventory="INTEGER",
        ),
        _table(
            "orders",
            ("order_id",),
            order_id="VARCHAR",
            user_id="VARCHAR",
            promo_id="VARCHAR",
            address_id="VARCHAR",
            created_at="TIMESTAMP",
            order_cost="REAL",
            shipping_cost="REAL",
            order_total="REAL",
            tracking_id="VARCHAR",
            shipping_service="VARCHAR",
            estimated_delivery_at="TIMESTAMP",
            delivered_at="TIMESTAMP",
            status="VARCHAR",
        ),
        _table(
            "order_items",
            ("order_id", "product_id"),
            order_id="VARCHAR",
            product_id="VARCHAR",
            quantity="INTEGER",
        ),
        _table(
            "events",
            ("event_id",),
            event_id="VARCHAR",
            session_id="VARCHAR",
            user_id="VARCHAR",
            page_url="VARCHAR",
            created_at="TIMESTAMP",
            event_type="VARCHAR",
            order_id="VARCHAR",
            product_id="VARCHAR",
        ),
    )
}
