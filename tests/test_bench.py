"""The benchmark's floor for validation computes the same checks as the GX suites: on the
marts of a clean run, and on marts broken in several ways at once, the floor and GX
judge every expectation alike."""

import shutil
from pathlib import Path

import duckdb

from bench.baselines import validation
from tests.conftest import PipelineRun, project_relations

BREAKAGES = [
    "update audit_product.fact_page_views set page_url = 'http://greenary.com/p/x'"
    " where event_id in (select event_id from audit_product.fact_page_views limit 3)",
    "update audit_core.fact_orders set order_total = order_total + 5"
    " where order_id in (select order_id from audit_core.fact_orders limit 2)",
    "update audit_core.dim_products set price = -1"
    " where product_id in (select product_id from audit_core.dim_products limit 1)",
    "update audit_marketing.fact_user_orders set total_spent = -1"
    " where user_id in (select user_id from audit_marketing.fact_user_orders limit 1)",
]


def _failed(floor: list) -> set[str]:
    return {
        f"{suite.mart} {description}"
        for suite in floor
        for description, passed in suite.passed.items()
        if not passed
    }


def test_the_floor_agrees_with_gx_on_clean_marts(scale_1_run: PipelineRun) -> None:
    checks = validation(scale_1_run.warehouse, {}, project_relations())
    assert checks.disagreements == []
    assert sum(len(suite.passed) for suite in checks.floor) > 100
    assert _failed(checks.floor) == set()


def test_the_floor_agrees_with_gx_on_broken_marts(scale_1_run: PipelineRun, tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    with duckdb.connect(str(scale_1_run.warehouse)) as con:
        con.execute("checkpoint")  # all of it in the file, none left in the write-ahead log
    shutil.copy(scale_1_run.warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        for statement in BREAKAGES:
            con.execute(statement)
    checks = validation(broken, {}, project_relations())
    assert checks.disagreements == []
    failed = _failed(checks.floor)
    for mart in ("product.fact_page_views", "core.fact_orders", "core.dim_products"):
        assert any(name.startswith(mart) for name in failed), (mart, failed)
    assert any(name.startswith("marketing.fact_user_orders") for name in failed)
    assert len(failed) >= 4
