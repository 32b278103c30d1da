"""Incremental models (the marts and the sessions under them) equal a full rebuild after
several days of the shop's life.

Each day runs the flow's own dbt steps on a scratch warehouse: land the day, check
raw, snapshot, build (with the data tests on the last day only). The days include
what incremental models get wrong most often: sessions that get events days after
they began (package_shipped), orders that move from preparing to shipped to
delivered, repriced products, and a page view that lands a day late. The runs allow
rows to land one day late (the pipeline allows three), so a session's late events
must be found on their own rather than by re-reading a wide window.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.landing import land_generated
from flows.settings import AS_OF_ENV, DBT_PROJECT_DIR, DUCKDB_PATH_ENV
from flows.transform import BUILD, RAW_CHECKS, SNAPSHOTS
from tests.conftest import AS_OF, published_marts

BUILT_SCHEMAS = ("intermediate", "audit_core", "audit_marketing", "audit_product")
INCREMENTAL_MODELS = (
    "int_sessions",
    "int_session_product_views",
    "fact_orders",
    "fact_page_views",
    "fact_user_sessions",
)
DAYS = [AS_OF + timedelta(days=offset) for offset in range(5)]
LATE_ARRIVAL_DAYS = 1
LATE_EVENT_ID = "late-page-view-0001"
LATE_ORDER_ID = "1a7e0000-0000-4000-8000-000000000001"  # order ids appear in URLs


class Warehouse:
    def __init__(self, path: Path, target_path: Path) -> None:
        self.path = path
        self.settings = PrefectDbtSettings(
            project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=target_path
        )

    def dbt(self, command: list[str], day: date) -> list:
        """The day as the flow gives it (GREENERY_AS_OF), which parses less than --vars."""
        runner = PrefectDbtRunner(settings=self.settings, raise_on_failure=False)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(AS_OF_ENV, day.isoformat())
            result = runner.invoke(
                [*command, "--vars", json.dumps({"late_arrival_days": LATE_ARRIVAL_DAYS})]
            )
        failed = [r for r in result.result.results if r.status not in ("success", "pass")]
        assert result.success and not failed, [(r.node.name, r.message) for r in failed]
        return result.result.results

    def run_day(self, day: date, tested: bool = False) -> list:
        """The flow's dbt steps for the day; its data tests only when `tested` (they are
        the subject of other tests, and would only slow the days before the last)."""
        with duckdb.connect(str(self.path)) as con:
            land_generated(con, as_of=day, seed=11, scale=1, history_days=3)
        untested = [] if tested else ["--exclude-resource-type", "test", "unit_test"]
        for step in (RAW_CHECKS, SNAPSHOTS):
            self.dbt([*step.command, *untested], day)
        return self.dbt([*BUILD["dev"].command, *untested], day)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def days_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, list]:
    """Five daily runs, the last after a page view and an order landed late; returns the
    last build."""
    scratch = tmp_path_factory.mktemp("incremental")
    warehouse = Warehouse(scratch / "greenery.duckdb", scratch / "target")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DUCKDB_PATH_ENV, str(warehouse.path))
        for day in DAYS[:-1]:
            warehouse.run_day(day)
        _land_a_late_page_view(warehouse.path, day_before=DAYS[-2])
        _land_a_late_order(warehouse.path, day_before=DAYS[-2])
        last_build = warehouse.run_day(DAYS[-1], tested=True)
        yield warehouse, last_build


def _land_a_late_order(path: Path, day_before: date) -> None:
    """A copy of an order placed the day before, with its items and checkout, under a new
    id, that the export only now contains."""
    with duckdb.connect(str(path)) as con:
        [(order_id,)] = con.execute(
            "select min(order_id) from raw.orders where cast(created_at as date) = ?",
            [day_before],
        ).fetchall()
        con.execute(
            "insert into raw.orders select * replace (? as order_id) from raw.orders"
            " where order_id = ?",
            [LATE_ORDER_ID, order_id],
        )
        con.execute(
            "insert into raw.order_items select * replace (? as order_id) from raw.order_items"
            " where order_id = ?",
            [LATE_ORDER_ID, order_id],
        )
        con.execute(
            "insert into raw.events select * replace"
            " (? as event_id, ? as order_id, replace(page_url, order_id, ?) as page_url)"
            " from raw.events where order_id = ? and event_type = 'checkout'",
            ["late-checkout-0001", LATE_ORDER_ID, LATE_ORDER_ID, order_id],
        )


def _land_a_late_page_view(path: Path, day_before: date) -> None:
    """A copy of a page view from the day before, with a new id, that the export only
    now contains."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into raw.events"
            " select ?, session_id, user_id, page_url, created_at + interval 1 second,"
            " event_type, order_id, product_id from raw.events"
            " where event_type = 'page_view' and cast(created_at as date) = ?"
            " order by created_at limit 1",
            [LATE_EVENT_ID, day_before],
        )


def test_the_last_day_was_built_incrementally(days_built: tuple[Warehouse, list]) -> None:
    _, last_build = days_built
    compiled = {r.node.name: r.node.compiled_code for r in last_build}
    assert "changed_products" in compiled["fact_page_views"]
    assert "customers_with_changed_orders" in compiled["fact_orders"]
    for session_model in ("fact_user_sessions", "int_sessions", "int_session_product_views"):
        # Only the sessions with new events, found from the model's own newest rows.
        code = compiled[session_model]
        assert "where session_id in (" in code and f'."{session_model}"' in code, code


def test_the_days_hold_what_incremental_models_get_wrong(
    days_built: tuple[Warehouse, list],
) -> None:
    warehouse, _ = days_built
    last_day, window_start = DAYS[-1].isoformat(), DAYS[-1 - LATE_ARRIVAL_DAYS].isoformat()
    [(sessions_shipped_days_later,)] = warehouse.query(
        "select count(*) from (select session_id from raw.events group by session_id"
        " having max(case when event_type <> 'package_shipped' then created_at end)"
        f" < '{window_start}' and max(created_at) >= '{last_day}')"
    )
    [(orders_changed,)] = warehouse.query(
        "select count(*) from (select order_id from snapshots.orders_snapshot"
        " group by order_id having count(distinct status) > 1)"
    )
    [(products_repriced,)] = warehouse.query(
        "select count(*) from (select product_id from snapshots.products_snapshot"
        " group by product_id having count(distinct price) > 1)"
    )
    assert sessions_shipped_days_later > 0
    assert orders_changed > 0
    assert products_repriced > 0
    assert warehouse.query(
        f"select count(*) from audit_product.fact_page_views where event_id = '{LATE_EVENT_ID}'"
    ) == [(1,)]


def test_incremental_models_equal_a_full_refresh(days_built: tuple[Warehouse, list]) -> None:
    warehouse, _ = days_built
    incremental = published_marts(warehouse.path, BUILT_SCHEMAS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DUCKDB_PATH_ENV, str(warehouse.path))
        rebuilt = warehouse.dbt([*BUILD["dev"].command, "--full-refresh"], DAYS[-1])
    assert {r.node.name for r in rebuilt} >= set(INCREMENTAL_MODELS)
    full_refresh = published_marts(warehouse.path, BUILT_SCHEMAS)
    assert incremental.keys() == full_refresh.keys()
    assert {
        "intermediate.int_sessions",
        "intermediate.int_session_product_views",
        "audit_core.fact_orders",
        "audit_product.fact_page_views",
        "audit_product.fact_user_sessions",
    } <= incremental.keys()
    for name, frame in full_refresh.items():
        pd.testing.assert_frame_equal(incremental[name], frame, obj=name)


def test_a_kpi_day_keeps_the_orders_its_own_run_saw(days_built: tuple[Warehouse, list]) -> None:
    """The order that landed a day late is in fact_orders, but not in the KPIs of the day it
    was placed: that day's row counts the orders as its snapshot recorded them, on the day's
    run and in a rebuild alike (test_incremental_models_equal_a_full_refresh)."""
    warehouse, _ = days_built
    late_day = DAYS[-2]
    assert warehouse.query(
        f"select count(*) from audit_core.fact_orders where order_id = '{LATE_ORDER_ID}'"
    ) == [(1,)]
    [(placed,)] = warehouse.query(
        f"select count(*) from raw.orders where cast(created_at as date) = '{late_day}'"
    )
    kpis = dict(
        warehouse.query("select kpi_date, orders from audit_core.daily_kpis order by kpi_date")
    )
    assert kpis[late_day] == placed - 1
    assert warehouse.query(
        "select count(*) from audit_core.daily_kpis where not is_recorded_on_the_day"
    ) == [(2,)], "the first run's two days of history have no snapshot of their own"
