"""A mart is one dbt model and its YAML, nothing else: in a copy of the project, a mart added
in a business unit of its own is built, audited and published by the daily run; a suite
added for it is its contract, which holds back publication while it fails."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from prefect.settings import PREFECT_API_URL

from flows.settings import REPO_ROOT
from tests.conftest import AS_OF, SEED
from tests.servers import client_env

UNIT = "garden"
MART = f"{UNIT}.product_page_views"
MODEL = """\
with

page_views as (

    select * from {{ ref('fact_page_views') }}

),

final as (

    select
        product_id,
        count(*) as page_views
    from page_views
    group by product_id

)

select * from final
"""
MODEL_YAML = """\
version: 2

models:
  - name: product_page_views
    description: Page views of each product, all days.
    columns:
      - name: product_id
        description: Primary key.
        data_tests: [unique, not_null]
      - name: page_views
        description: Views of the product's page.
"""
# What a run makes, and what is not the project; the vendored Data Docs assets that
# make setup fetched are copied.
NOT_COPIED = {
    REPO_ROOT: {".git", ".venv", ".bench", ".prefect", "warehouse"},
    REPO_ROOT / "dbt_project": {"target", "logs"},
    REPO_ROOT / "gx" / "uncommitted": {"data_docs", "validations"},
}


def _not_copied(folder: str, names: list[str]) -> set[str]:
    return NOT_COPIED.get(Path(folder), set()) | {"__pycache__"}


def _suite(max_views: int) -> dict:
    return {
        "name": MART,
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "page_views", "min_value": 1, "max_value": max_views},
                "description": f"A product's page is viewed 1 to {max_views} times",
            }
        ],
        "meta": {},
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the new mart: one SQL file and its YAML."""
    copy = tmp_path_factory.mktemp("project") / "greenery"
    shutil.copytree(REPO_ROOT, copy, ignore=_not_copied)
    unit = copy / "dbt_project" / "models" / "marts" / UNIT
    unit.mkdir()
    (unit / "product_page_views.sql").write_text(MODEL)
    (unit / f"_{UNIT}__models.yml").write_text(MODEL_YAML)
    return copy


def _run(project: Path, *args: str) -> tuple[int, str]:
    env = client_env(
        PREFECT_API_URL.value(),
        project / ".prefect",
        GREENERY_DUCKDB_PATH=str(project / "warehouse" / "greenery.duckdb"),
        GREENERY_GX_DIR=str(project / "gx"),
        DBT_TARGET_PATH=str(project / "dbt_project" / "target"),
        DBT_LOG_PATH=str(project / "dbt_project" / "logs"),
    )
    process = subprocess.run(
        [sys.executable, "-m", "flows.daily", "--as-of", AS_OF.isoformat(), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return process.returncode, process.stdout + process.stderr


def _query(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "warehouse" / "greenery.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _published(project: Path) -> list[tuple]:
    return _query(project, f"select * from {MART} order by product_id")


def test_a_mart_in_a_new_unit_is_built_audited_published_and_held_to_its_suite(
    project: Path,
) -> None:
    code, output = _run(project, "--seed", SEED)
    assert code == 0, output
    assert "Published: 13 marts to core, garden, marketing, product" in output
    expected = _query(
        project,
        "select product_id, count(*) from raw.events"
        " where event_type = 'page_view' group by product_id order by product_id",
    )
    assert expected and _published(project) == expected
    assert _query(project, f"select * from audit_{MART} order by product_id") == expected
    assert "Contracts: 14 of 14 suites passed" in output  # the mart has no suite yet

    suite_file = project / "gx" / "expectations" / UNIT / "product_page_views.json"
    suite_file.parent.mkdir()
    suite_file.write_text(json.dumps(_suite(max_views=1)))
    # The same day again: the mart is unchanged since published, but its contract is new.
    code, output = _run(project, "--skip-landing")
    assert code == 1, output
    assert f"FAILED {MART}: 1 of 1 expectations failed" in output
    assert "A product's page is viewed 1 to 1 times" in output
    assert "NOT published (1 failed check): core, garden, marketing, product keep" in output
    assert "audit_garden" in output
    assert _published(project) == expected

    suite_file.write_text(json.dumps(_suite(max_views=10_000)))
    code, output = _run(project, "--skip-landing")
    assert code == 0, output
    assert "Contracts: 15 of 15 suites passed" in output
    assert "Published: 13 marts to core, garden, marketing, product" in output
    assert _published(project) == expected
