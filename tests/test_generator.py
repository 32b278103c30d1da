"""The generator's data follows every rule of the Greenery shop (checked on landed data)."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from flows.failures import UsageError
from flows.landing import SCENARIOS, Scenario, land_generated
from flows.landing.generator.catalog import products_as_of
from flows.landing.generator.lifecycle import SLOW_DELIVERY_DELAY, lifecycle
from flows.landing.raw_schema import RAW_TABLES

AS_OF = date(2021, 2, 12)
ORIGIN = date(2021, 2, 10)
END_OF_AS_OF = datetime(2021, 2, 13)
UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
US_STATES = {
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
    "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
    "Wisconsin", "Wyoming",
}  # fmt: skip


def generated(path: str, *, seed: int = 42, scale: int = 1) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    land_generated(con, as_of=AS_OF, seed=seed, scale=scale)
    return con


@pytest.fixture
def shop(tmp_path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse holding the default landing: scale 1, 3 days ending at AS_OF."""
    con = generated(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def value(con: duckdb.DuckDBPyConnection, sql: str):
    ((result,),) = rows(con, sql)
    return result


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {name: value(con, f"SELECT count(*) FROM raw.{name}") for name in RAW_TABLES}
    counts["sessions"] = value(con, "SELECT count(DISTINCT session_id) FROM raw.events")
    return counts


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {name: rows(con, f"SELECT * FROM raw.{name} ORDER BY ALL") for name in RAW_TABLES}


# Sizes and scale


def test_sizes_at_scale_1_match_the_shop(shop):
    expected = {
        "users": 130,
        "addresses": 150,
        "orders": 360,
        "order_items": 860,
        "events": 3500,
        "sessions": 580,
    }
    measured = sizes(shop)
    for name, size in expected.items():
        assert 0.8 * size <= measured[name] <= 1.2 * size, (name, measured[name])
    assert measured["products"] == 30
    assert measured["promos"] == 6


def test_scale_multiplies_people_and_activity_but_not_the_catalog(shop, tmp_path):
    small = sizes(shop)
    large = sizes(generated(str(tmp_path / "scale3.duckdb"), scale=3))
    for name in ("users", "addresses", "orders", "order_items", "events", "sessions"):
        assert 2.5 <= large[name] / small[name] <= 3.5, (name, small[name], large[name])
    assert (large["products"], large["promos"]) == (30, 6)


# Determinism


def test_same_seed_lands_identical_tables(shop, tmp_path):
    again = generated(str(tmp_path / "again.duckdb"))
    assert snapshot(again) == snapshot(shop)


def test_different_seeds_land_different_shops(shop, tmp_path):
    other = snapshot(generated(str(tmp_path / "other.duckdb"), seed=7))
    mine = snapshot(shop)
    for name in ("users", "products", "orders", "events"):
        assert other[name] != mine[name], name


# Ids, keys and references


def test_ids_are_lowercase_uuids_except_promo_names(shop):
    id_columns = {
        "addresses": ["address_id"],
        "users": ["user_id", "address_id"],
        "products": ["product_id"],
        "orders": ["order_id", "user_id", "address_id", "tracking_id"],
        "order_items": ["order_id", "product_id"],
        "events": ["event_id", "session_id", "user_id", "order_id", "product_id"],
    }
    for table, columns in id_columns.items():
        for column in columns:
            bad = value(
                shop,
                f"SELECT count(*) FROM raw.{table}"
                f" WHERE {column} IS NOT NULL AND NOT regexp_matches({column}, '{UUID}')",
            )
            assert bad == 0, (table, column)
    assert (
        value(shop, f"SELECT count(*) FROM raw.promos WHERE regexp_matches(promo_id, '{UUID}')")
        == 0
    )


def test_primary_keys_are_unique(shop):
    for table in RAW_TABLES.values():
        key = ", ".join(table.primary_key)
        duplicates = value(
            shop,
            f"SELECT count(*) FROM (SELECT {key} FROM raw.{table.name}"
            f" GROUP BY {key} HAVING count(*) > 1)",
        )
        assert duplicates == 0, table.name


@pytest.mark.parametrize(
    ("child", "column", "parent", "key"),
    [
        ("users", "address_id", "addresses", "address_id"),
        ("orders", "user_id", "users", "user_id"),
        ("orders", "address_id", "addresses", "address_id"),
        ("orders", "promo_id", "promos", "promo_id"),
        ("order_items", "order_id", "orders", "order_id"),
        ("order_items", "product_id", "products", "product_id"),
        ("events", "user_id", "users", "user_id"),
        ("events", "order_id", "orders", "order_id"),
        ("events", "product_id", "products", "product_id"),
    ],
)
def test_references_resolve(shop, child, column, parent, key):
    dangling = value(
        shop,
        f"SELECT count(*) FROM raw.{child} WHERE {column} IS NOT NULL"
        f" AND {column} NOT IN (SELECT {key} FROM raw.{parent})",
    )
    assert dangling == 0


# Catalog and addresses


def test_promos_are_the_shops_six(shop):
    assert set(rows(shop, "SELECT promo_id, discount, status FROM raw.promos")) == {
        ("task-force", 10, "inactive"),
        ("instruction set", 20, "inactive"),
        ("leverage", 5, "inactive"),
        ("Optional", 25, "active"),
        ("Mandatory", 17, "active"),
        ("Digitized", 15, "inactive"),
    }


def test_products_are_thirty_house_plants_with_sane_prices_and_stock(shop):
    products = frame(shop, "SELECT * FROM raw.products")
    assert len(products) == 30
    assert products["name"].is_unique
    assert {"Monstera", "Pothos", "Snake Plant"} <= set(products["name"])
    assert products["price"].between(5, 100).all()
    assert products["inventory"].between(0, 200).all()


def test_columns_have_the_shops_types(shop):
    for table in RAW_TABLES.values():
        described = rows(shop, f"DESCRIBE raw.{table.name}")
        types = {name: sql_type for name, sql_type, *_ in described}
        expected = {c.name: "FLOAT" if c.sql_type == "REAL" else c.sql_type for c in table.columns}
        assert types == expected, table.name


def test_addresses_are_american_and_lose_leading_zeros_of_zip_codes(shop):
    addresses = frame(shop, "SELECT * FROM raw.addresses")
    assert set(addresses["country"]) == {"United States"}
    assert set(addresses["state"]) <= US_STATES
    leading_zero = addresses[addresses["zipcode"] < 10000]
    assert len(leading_zero) > 0
    assert set(leading_zero["state"]) <= {"Massachusetts", "New Jersey", "Connecticut"}
    assert addresses["zipcode"].between(1000, 99999).all()


# Events, sessions and orders


def test_events_have_the_right_shape_for_their_type(shop):
    shapes = rows(
        shop,
        """
        SELECT event_type,
               bool_and(product_id IS NOT NULL AND order_id IS NULL
                        AND page_url = 'https://greenary.com/product/' || product_id),
               bool_and(order_id IS NOT NULL AND product_id IS NULL
                        AND page_url = 'https://greenary.com/checkout/' || order_id),
               bool_and(order_id IS NOT NULL AND product_id IS NULL
                        AND page_url = 'https://greenary.com/shipping/' || order_id)
        FROM raw.events GROUP BY event_type ORDER BY event_type
        """,
    )
    assert shapes == [
        ("add_to_cart", True, False, False),
        ("checkout", False, True, False),
        ("package_shipped", False, False, True),
        ("page_view", True, False, False),
    ]


def test_every_order_has_one_checkout_in_a_session_of_its_user(shop):
    mismatches = value(
        shop,
        """
        SELECT count(*) FROM raw.orders AS o
        LEFT JOIN (
            SELECT order_id, count(*) AS checkouts, any_value(user_id) AS user_id,
                   any_value(created_at) AS created_at, any_value(session_id) AS session_id
            FROM raw.events WHERE event_type = 'checkout' GROUP BY order_id
        ) AS c USING (order_id)
        WHERE c.checkouts IS DISTINCT FROM 1 OR c.user_id <> o.user_id
           OR c.created_at <> o.created_at
           OR EXISTS (SELECT 1 FROM raw.events AS e
                      WHERE e.session_id = c.session_id AND e.user_id <> o.user_id)
        """,
    )
    assert mismatches == 0
    checkouts = value(shop, "SELECT count(*) FROM raw.events WHERE event_type = 'checkout'")
    assert checkouts == value(shop, "SELECT count(*) FROM raw.orders")


def test_shipped_orders_have_one_package_shipped_event_in_the_checkout_session(shop):
    shipments = frame(
        shop,
        """
        SELECT o.status, o.user_id AS order_user, c.session_id AS checkout_session,
               c.created_at AS checked_out_at, s.user_id AS shipment_user,
               s.session_id AS shipment_session, s.created_at AS shipped_at,
               count(s.event_id) OVER (PARTITION BY o.order_id) AS shipment_events
        FROM raw.orders AS o
        JOIN raw.events AS c ON c.order_id = o.order_id AND c.event_type = 'checkout'
        LEFT JOIN raw.events AS s
            ON s.order_id = o.order_id AND s.event_type = 'package_shipped'
        """,
    )
    preparing = shipments[shipments["status"] == "preparing"]
    assert (preparing["shipment_events"] == 0).all()
    shipped = shipments[shipments["status"] != "preparing"]
    assert len(shipped) > 0
    assert (shipped["shipment_events"] == 1).all()
    assert (shipped["shipment_session"] == shipped["checkout_session"]).all()
    assert (shipped["shipment_user"] == shipped["order_user"]).all()
    delay = shipped["shipped_at"] - shipped["checked_out_at"]
    assert delay.between(pd.Timedelta(hours=1), pd.Timedelta(days=2)).all()
    # Shipping hours after checkout often crosses midnight, into a later day.
    assert (shipped["shipped_at"].dt.date > shipped["checked_out_at"].dt.date).any()


def test_order_items_are_exactly_the_products_added_to_cart_in_the_session(shop):
    differences = value(
        shop,
        """
        WITH carts AS (
            SELECT c.order_id, a.product_id
            FROM raw.events AS c
            JOIN raw.events AS a
                ON a.session_id = c.session_id AND a.event_type = 'add_to_cart'
            WHERE c.event_type = 'checkout'
        ),
        items AS (SELECT order_id, product_id FROM raw.order_items)
        SELECT count(*) FROM (
            (FROM carts EXCEPT FROM items) UNION ALL (FROM items EXCEPT FROM carts))
        """,
    )
    assert differences == 0
    assert value(shop, "SELECT min(quantity) FROM raw.order_items") >= 1


def test_products_are_viewed_before_being_added_to_cart(shop):
    unviewed = value(
        shop,
        """
        SELECT count(*) FROM raw.events AS a
        WHERE a.event_type = 'add_to_cart' AND NOT EXISTS (
            SELECT 1 FROM raw.events AS v
            WHERE v.session_id = a.session_id AND v.product_id = a.product_id
              AND v.event_type = 'page_view' AND v.created_at <= a.created_at)
        """,
    )
    assert unviewed == 0


def test_sessions_have_about_six_events_and_sixty_percent_convert(shop):
    sessions, events, converting = rows(
        shop,
        """
        SELECT count(DISTINCT session_id), count(*),
               count(DISTINCT session_id) FILTER (WHERE event_type = 'checkout')
        FROM raw.events
        """,
    )[0]
    assert 5 <= events / sessions <= 7
    assert 0.5 <= converting / sessions <= 0.7
    non_converting_carts = value(
        shop,
        """
        SELECT count(DISTINCT session_id) FROM raw.events WHERE event_type = 'add_to_cart'
        AND session_id NOT IN (SELECT session_id FROM raw.events WHERE event_type = 'checkout')
        """,
    )
    assert non_converting_carts > 0


def test_browsing_stays_within_the_day_the_session_started(shop):
    spread = value(
        shop,
        """
        SELECT count(*) FROM (
            SELECT session_id FROM raw.events WHERE event_type <> 'package_shipped'
            GROUP BY session_id HAVING count(DISTINCT created_at::DATE) > 1)
        """,
    )
    assert spread == 0


def test_order_totals_add_up_and_are_never_negative(shop):
    orders = frame(
        shop,
        """
        SELECT o.order_cost, o.shipping_cost, o.order_total, p.discount
        FROM raw.orders AS o LEFT JOIN raw.promos AS p USING (promo_id)
        """,
    )
    discount = orders["discount"].fillna(0)
    expected = (orders["order_cost"] + orders["shipping_cost"] - discount).round(2)
    assert (orders["order_total"] - expected).abs().max() < 0.011
    assert (orders["order_total"] >= 0).all()
    with_promo = orders[orders["discount"].notna()]
    assert len(with_promo) > 0
    assert (with_promo["order_cost"] + with_promo["shipping_cost"] > with_promo["discount"]).all()
    assert orders["discount"].isna().sum() > len(orders) / 2


def test_order_cost_uses_the_prices_of_the_order_day(shop):
    prices = {
        (day, product.product_id): product.price
        for day in (ORIGIN + timedelta(days=n) for n in range(3))
        for product in products_as_of(42, ORIGIN, day)
    }
    costs: dict[str, float] = {}
    for order_id, day, product_id, quantity in rows(
        shop,
        "SELECT order_id, o.created_at::DATE, product_id, quantity"
        " FROM raw.orders AS o JOIN raw.order_items USING (order_id)",
    ):
        costs[order_id] = costs.get(order_id, 0) + prices[(day, product_id)] * quantity
    for order_id, order_cost in rows(shop, "SELECT order_id, order_cost FROM raw.orders"):
        assert abs(round(costs[order_id], 2) - order_cost) < 0.011, order_id
    # The as-of day's orders also match the prices now in raw.products.
    mismatched = value(
        shop,
        f"""
        SELECT count(*) FROM (
            SELECT o.order_id, any_value(o.order_cost) AS order_cost,
                   round(sum(p.price::DOUBLE * i.quantity), 2) AS cost
            FROM raw.orders AS o
            JOIN raw.order_items AS i USING (order_id)
            JOIN raw.products AS p USING (product_id)
            WHERE o.created_at >= '{AS_OF}' GROUP BY o.order_id)
        WHERE abs(cost - order_cost) > 0.011
        """,
    )
    assert mismatched == 0


def test_order_status_decides_which_shipping_fields_are_set(shop):
    orders = frame(shop, "SELECT * FROM raw.orders")
    assert set(orders["status"]) == {"preparing", "shipped", "delivered"}
    shipping_fields = ["tracking_id", "shipping_service", "estimated_delivery_at", "delivered_at"]
    preparing = orders[orders["status"] == "preparing"]
    assert preparing[shipping_fields].isna().all().all()

    sent = orders[orders["status"] != "preparing"]
    assert sent["tracking_id"].notna().all()
    assert set(sent["shipping_service"]) == {"ups", "fedex", "usps", "dhl"}
    assert 0.03 <= sent["estimated_delivery_at"].isna().mean() <= 0.2
    assert (sent["delivered_at"].notna() == (sent["status"] == "delivered")).all()

    delivered = orders[orders["status"] == "delivered"].dropna(subset=["estimated_delivery_at"])
    early = delivered["delivered_at"] < delivered["estimated_delivery_at"]
    assert early.any()
    assert (~early).any()


def test_nothing_is_created_after_the_as_of_day(shop):
    for table, column in [
        ("users", "created_at"),
        ("orders", "created_at"),
        ("orders", "delivered_at"),
        ("events", "created_at"),
    ]:
        latest = value(shop, f"SELECT max({column}) FROM raw.{table}")
        assert latest < END_OF_AS_OF, (table, column)
        earliest = value(shop, f"SELECT min({column}) FROM raw.{table}")
        assert earliest >= datetime(2021, 2, 10), (table, column)
    # Estimates and profile updates may lie after the export: the shop's do.
    assert value(shop, "SELECT max(estimated_delivery_at) FROM raw.orders") >= END_OF_AS_OF
    assert value(shop, "SELECT max(updated_at) FROM raw.users") >= END_OF_AS_OF
    assert value(shop, "SELECT count(*) FROM raw.users WHERE updated_at < created_at") == 0


def test_customers_share_addresses_send_gifts_and_come_back(shop):
    assert (
        value(
            shop,
            "SELECT count(*) FROM raw.orders AS o JOIN raw.users AS u USING (user_id)"
            " WHERE o.address_id <> u.address_id",
        )
        > 0
    )
    assert (
        value(
            shop,
            "SELECT count(*) FROM (SELECT address_id FROM raw.users"
            " GROUP BY address_id HAVING count(*) > 1)",
        )
        > 0
    )
    assert (
        value(
            shop,
            "SELECT count(*) FROM raw.addresses"
            " WHERE address_id NOT IN (SELECT address_id FROM raw.users)",
        )
        > 0
    )
    assert (
        value(
            shop,
            "SELECT count(*) FROM raw.users WHERE user_id NOT IN (SELECT user_id FROM raw.orders)",
        )
        > 0
    )
    repeat_share = value(
        shop,
        "SELECT avg((orders > 1)::INTEGER) FROM"
        " (SELECT user_id, count(*) AS orders FROM raw.orders GROUP BY user_id)",
    )
    assert repeat_share > 0.5


def test_first_order_promo_and_fast_shipping_go_with_more_orders(tmp_path):
    con = generated(str(tmp_path / "scale3.duckdb"), scale=3)
    buyers = frame(
        con,
        """
        SELECT user_id, count(*) AS orders,
               arg_min(promo_id IS NOT NULL, created_at) AS promo_first,
               arg_min(shipping_service, created_at) AS first_service
        FROM raw.orders GROUP BY user_id
        """,
    )
    by_promo = buyers.groupby("promo_first")["orders"].mean()
    assert by_promo[True] > by_promo[False] * 1.1
    shipped_first = buyers.dropna(subset=["first_service"])
    fast = shipped_first["first_service"].isin(["ups", "fedex"])
    by_speed = shipped_first.groupby(fast)["orders"].mean()
    assert by_speed[True] > by_speed[False] * 1.1


# Scenarios: bad business days made on purpose

SLOW_DAY = AS_OF
LATER_DAYS = [AS_OF + timedelta(days=n) for n in (1, 2, 3)]
# The rows of the days before {day} (addresses by the users and orders that use them).
BEFORE_DAY = {
    "users": "created_at < '{day}'",
    "orders": "created_at < '{day}'",
    "events": "created_at < '{day}'",
    "order_items": "order_id IN (SELECT order_id FROM raw.orders WHERE created_at < '{day}')",
    "addresses": "address_id IN (SELECT address_id FROM raw.users WHERE created_at < '{day}'"
    " UNION SELECT address_id FROM raw.orders WHERE created_at < '{day}')",
    "products": "true",
    "promos": "true",
}


def landed(
    first: date, *later: date, scenario: Scenario | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse: 3 days ending at `first`, with `scenario` on `first`, then
    each of the `later` days landed one landing at a time."""
    con = duckdb.connect()
    land_generated(con, as_of=first, scenario=scenario)
    for day in later:
        land_generated(con, as_of=day)
    return con


@pytest.fixture(scope="module")
def plain() -> Iterator[duckdb.DuckDBPyConnection]:
    con = landed(AS_OF)
    yield con
    con.close()


@pytest.fixture(scope="module")
def slow_week() -> Iterator[duckdb.DuckDBPyConnection]:
    """Slow deliveries on SLOW_DAY, then the next three days landed one by one."""
    con = landed(SLOW_DAY, *LATER_DAYS, scenario="slow-deliveries")
    yield con
    con.close()


def before_day(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, list[tuple]]:
    return {
        name: rows(
            con, f"SELECT * FROM raw.{name} WHERE {BEFORE_DAY[name].format(day=day)} ORDER BY ALL"
        )
        for name in RAW_TABLES
    }


def converting_share_by_day(con: duckdb.DuckDBPyConnection) -> dict[date, float]:
    return dict(
        rows(
            con,
            """
            SELECT day, avg(converts::INTEGER) FROM (
                SELECT min(created_at)::DATE AS day, bool_or(event_type = 'checkout') AS converts
                FROM raw.events WHERE event_type <> 'package_shipped' GROUP BY session_id)
            GROUP BY day
            """,
        )
    )


def deliveries_on(con: duckdb.DuckDBPyConnection, day: date) -> int:
    return value(con, f"SELECT count(*) FROM raw.orders WHERE delivered_at::DATE = '{day}'")


def test_conversion_drop_lowers_only_the_as_of_days_conversion():
    shares = converting_share_by_day(landed(AS_OF, scenario="conversion-drop"))
    assert shares.pop(AS_OF) < 0.48
    assert sorted(shares) == [ORIGIN, ORIGIN + timedelta(days=1)]
    assert all(0.50 <= share <= 0.75 for share in shares.values()), shares


def test_conversion_drop_keeps_sign_ups_sessions_and_the_other_days(plain):
    dropped = landed(AS_OF, scenario="conversion-drop")
    assert before_day(dropped, AS_OF) == before_day(plain, AS_OF)
    day_sql = {
        "sign_ups": f"SELECT * FROM raw.users WHERE created_at >= '{AS_OF}' ORDER BY ALL",
        "sessions": f"SELECT count(DISTINCT session_id) FROM raw.events"
        f" WHERE event_type <> 'package_shipped' AND created_at >= '{AS_OF}'",
    }
    for sql in day_sql.values():
        assert rows(dropped, sql) == rows(plain, sql)
    orders_sql = f"SELECT count(*) FROM raw.orders WHERE created_at >= '{AS_OF}'"
    assert value(dropped, orders_sql) < 0.6 * value(plain, orders_sql)


def test_slow_deliveries_day_delivers_nothing(plain, slow_week):
    assert deliveries_on(plain, SLOW_DAY) > 0
    assert deliveries_on(slow_week, SLOW_DAY) == 0


def test_slow_deliveries_backlog_arrives_two_days_later(slow_week):
    plain_week = landed(AS_OF, LATER_DAYS[-1])
    order_sql = "SELECT * EXCLUDE (delivered_at), delivered_at FROM raw.orders ORDER BY ALL"
    expected = [
        (*row, delivered_at + SLOW_DELIVERY_DELAY)
        if delivered_at is not None and delivered_at.date() == SLOW_DAY
        else (*row, delivered_at)
        for *row, delivered_at in rows(plain_week, order_sql)
    ]
    assert rows(slow_week, order_sql) == expected
    two_days_later = SLOW_DAY + SLOW_DELIVERY_DELAY
    backlog = deliveries_on(plain_week, SLOW_DAY)
    assert backlog > 0
    assert deliveries_on(slow_week, two_days_later) == backlog + deliveries_on(
        plain_week, two_days_later
    )
    slow_tables, plain_tables = snapshot(slow_week), snapshot(plain_week)
    del slow_tables["orders"], plain_tables["orders"]
    assert slow_tables == plain_tables


def test_slow_deliveries_stay_put_across_later_landings(slow_week):
    at_once = landed(SLOW_DAY, LATER_DAYS[-1], scenario="slow-deliveries")
    assert snapshot(slow_week) == snapshot(at_once)


def test_lifecycle_pushes_a_delivery_past_every_slow_day():
    created_at = datetime(2021, 2, 10, 9, 30)
    plain_life = lifecycle(42, "an-order", "a-user", created_at)
    due = plain_life.delivered_at.date()

    def delivered_at(*slow_days: date) -> datetime:
        return lifecycle(42, "an-order", "a-user", created_at, frozenset(slow_days)).delivered_at

    on_time, late = plain_life.delivered_at, plain_life.delivered_at + SLOW_DELIVERY_DELAY
    assert delivered_at(due + timedelta(days=1)) == on_time
    assert delivered_at(due) == late
    assert delivered_at(due, late.date()) == late + SLOW_DELIVERY_DELAY


def test_the_scenario_is_recorded_in_the_landing_log(slow_week):
    assert rows(slow_week, "SELECT as_of, scenario FROM raw.landing_log ORDER BY landing_id") == [
        (SLOW_DAY, "slow-deliveries"),
        *((day, None) for day in LATER_DAYS),
    ]


def test_a_landing_log_from_before_scenarios_gets_the_column():
    con = landed(AS_OF)
    con.execute("ALTER TABLE raw.landing_log DROP COLUMN scenario")

    land_generated(con, as_of=LATER_DAYS[0], scenario="slow-deliveries")
    land_generated(con, as_of=LATER_DAYS[1])

    assert rows(con, "SELECT as_of, scenario FROM raw.landing_log ORDER BY landing_id") == [
        (AS_OF, None),
        (LATER_DAYS[0], "slow-deliveries"),
        (LATER_DAYS[1], None),
    ]
    assert deliveries_on(con, LATER_DAYS[0]) == 0


@pytest.mark.parametrize("as_of", [AS_OF, AS_OF - timedelta(days=1)])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_scenario_on_a_day_already_landed_is_refused(plain, as_of, scenario):
    landed_before = snapshot(plain)
    with pytest.raises(UsageError, match=f"{as_of} is already in the warehouse") as error:
        land_generated(plain, as_of=as_of, scenario=scenario)
    assert scenario in str(error.value)
    assert "Land a later day" in str(error.value)
    assert snapshot(plain) == landed_before


def test_an_unknown_scenario_is_refused_naming_the_valid_ones():
    con = duckdb.connect()
    with pytest.raises(UsageError, match="conversion-drop, slow-deliveries"):
        land_generated(con, as_of=AS_OF, scenario="power-cut")
    assert (
        value(con, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'raw'")
        == 0
    )
