"""The marts' data contracts (Great Expectations suites in gx/) on clean and broken warehouses.

Each module-scoped report validates its own copy of the scale-1 warehouse against its own
copy of the GX project, so Data Docs written here never mix with the repository's.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pytest

from flows.contracts import ContractReport, SuiteResult, open_project
from flows.contracts.report import (
    CHANGED_ROWS,
    MASKED,
    UNCHANGED,
    WHOLE_TABLE,
    Batch,
    suite_result,
)
from flows.contracts.retention import runs_kept
from flows.settings import GX_DIR_ENV, gx_project_dir
from tests.conftest import (
    PipelineRun,
    copy_gx_project,
    copy_warehouse,
    project_manifest,
    project_relations,
    validate_marts,
)

MARTS = {
    "core.dim_users",
    "core.dim_products",
    "core.fact_orders",
    "core.daily_kpis",
    "marketing.fact_user_orders",
    "marketing.repeat_rate",
    "marketing.fact_first_orders",
    "marketing.repeat_purchase_drivers",
    "product.fact_page_views",
    "product.fact_user_sessions",
    "product.fact_product_conversion",
    "product.fact_inventory_changes",
    "snapshots.products_snapshot",
    "snapshots.orders_snapshot",
}
URL_EXPECTATIONS = {"expect_column_values_to_match_regex", "expect_column_pair_values_to_be_equal"}
INCREMENTAL = {
    "core.fact_orders",
    "core.daily_kpis",
    "product.fact_page_views",
    "product.fact_user_sessions",
}


@pytest.fixture(scope="module")
def gx_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the committed GX project of this module's own, which validate_marts uses."""
    project = copy_gx_project(tmp_path_factory.mktemp("gx"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(GX_DIR_ENV, str(project))
        yield project


def break_page_urls(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Give four page views a broken page_url, and page_url_product_id to match (the id the
    URL ends in, as fact_page_views computes it). Returns {kind: (event_id, url)}."""
    views = con.sql(
        "select event_id, product_id from product.fact_page_views order by event_id limit 4"
    ).fetchall()
    [(another_product,)] = con.execute(
        "select min(product_id) from core.dim_products where product_id <> ?", [views[2][1]]
    ).fetchall()
    urls = {
        "wrong domain": f"https://greenery.example/product/{views[0][1]}",
        "wrong path": f"https://greenary.com/checkout/{views[1][1]}",
        "another product": f"https://greenary.com/product/{another_product}",
        "not a uuid": "https://greenary.com/product/monstera-deliciosa",
    }
    broken = {
        kind: (event_id, url)
        for (kind, url), (event_id, _) in zip(urls.items(), views, strict=True)
    }
    for event_id, url in broken.values():
        con.execute(
            "update audit_product.fact_page_views set page_url = ?, page_url_product_id = ?"
            " where event_id = ?",
            [url, url.rsplit("/", 1)[1], event_id],
        )
    return broken


def file_path(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def suite(report: ContractReport, mart: str) -> SuiteResult:
    [result] = [s for s in report.suites if s.mart == mart]
    return result


@pytest.fixture(scope="module")
def clean_report(
    gx_project: Path, scale_1_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> ContractReport:
    return validate_marts(copy_warehouse(scale_1_run, tmp_path_factory.mktemp("clean")))


@pytest.fixture(scope="module")
def broken(
    gx_project: Path, scale_1_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ContractReport, dict[str, tuple[str, str]]]:
    """One warehouse with four kinds of breach, validated once: broken page URLs, a negative
    price, an order total off by 5 dollars, and a missing mart."""
    warehouse = copy_warehouse(scale_1_run, tmp_path_factory.mktemp("broken"))
    with duckdb.connect(str(warehouse)) as con:
        broken_urls = break_page_urls(con)
        con.execute(
            "update audit_core.dim_products set price = -1"
            " where product_id = (select min(product_id) from core.dim_products)"
        )
        con.execute(
            "update audit_core.fact_orders set order_total = order_total + 5"
            " where order_id = (select min(order_id) from core.fact_orders)"
        )
        con.execute("drop table audit_marketing.repeat_rate")
    return validate_marts(warehouse), broken_urls


def test_every_suite_passes_on_a_clean_run(clean_report: ContractReport) -> None:
    assert {s.mart for s in clean_report.suites} == MARTS
    assert clean_report.success, "\n".join(s.describe() for s in clean_report.suites)
    for result in clean_report.suites:
        assert result.suite == result.mart
        assert result.evaluated >= 5 and result.failed == 0 and not result.failures
        assert result.describe() == f"{result.mart}: all {result.evaluated} expectations passed"
        assert result.docs_page and file_path(result.docs_page).is_file()
    assert clean_report.docs_index.is_file()
    assert clean_report.docs_index.is_relative_to(gx_project_dir())


def test_every_suite_checks_the_exact_column_set_of_its_mart(
    gx_project: Path, scale_1_run: PipelineRun
) -> None:
    context = open_project()
    suites = {s.name: s for s in context.suites.all()}
    assert set(suites) == MARTS
    for name, expectation_suite in suites.items():
        [columns] = [
            e
            for e in expectation_suite.expectations
            if e.expectation_type == "expect_table_columns_to_match_set"
        ]
        assert columns.exact_match, name
        assert set(columns.column_set) == set(scale_1_run.table(name).columns), name


def test_suites_are_described_portable_and_keep_personal_data_out_of_data_docs(
    gx_project: Path,
) -> None:
    context = open_project()
    personal = {r.published: r.personal_columns for r in project_relations()}
    assert personal["core.dim_users"] == {
        "first_name",
        "last_name",
        "email",
        "phone_number",
        "address",
    }
    for expectation_suite in context.suites.all():
        for expectation in expectation_suite.expectations:
            config = expectation.configuration
            # Stakeholders read the description; "$" would be taken for a template parameter.
            assert config.description and "$" not in config.description, config
            if "regex" in config.kwargs:  # anchored: every backend matches the whole value
                assert re.fullmatch(r"\^.*\$", config.kwargs["regex"]), config
            kwargs = config.kwargs
            columns = {kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")}
            columns |= set(kwargs.get("column_list", []))
            if columns & personal[expectation_suite.name]:
                # the only value a failing not-null check can show is null
                assert expectation.expectation_type == "expect_column_values_to_not_be_null"


def test_the_tables_with_a_contract_are_read_from_the_dbt_project() -> None:
    relations = {relation.published: relation for relation in project_relations()}
    assert set(relations) == MARTS
    assert {name for name, relation in relations.items() if relation.incremental} == INCREMENTAL
    for name, relation in relations.items():
        schema = name.split(".")[0]
        assert relation.built_in == (schema if schema == "snapshots" else f"audit_{schema}")
    assert relations["marketing.repeat_purchase_drivers"].key == ("factor", "factor_value")
    assert relations["product.fact_page_views"].key == ("event_id",)


# GX expectations that check what a dbt test checks, by the dbt test's name.
SAME_AS_DBT = {
    "expect_column_values_to_not_be_null": "not_null",
    "expect_column_values_to_be_unique": "unique",
    "expect_compound_columns_to_be_unique": "unique_combination_of_columns",
    "expect_column_values_to_be_in_set": "accepted_values",
}


def test_no_gx_expectation_repeats_a_dbt_test(gx_project: Path) -> None:
    """dbt owns keys, relationships and accepted values; a contract does not check them
    again (docs/contracts.md)."""
    manifest = project_manifest()
    tables = {relation.audit: relation.published for relation in project_relations()}
    dbt_tests = set()
    for node in manifest.nodes.values():
        metadata = getattr(node, "test_metadata", None)
        attached = manifest.nodes.get(getattr(node, "attached_node", None) or "")
        if metadata and attached and f"{attached.schema}.{attached.alias}" in tables:
            arguments = metadata.kwargs.get("arguments", metadata.kwargs)
            columns = arguments.get("combination_of_columns") or [node.column_name]
            table = tables[f"{attached.schema}.{attached.alias}"]
            dbt_tests.add((table, metadata.name, frozenset(columns)))
    assert {name for name, _, _ in dbt_tests} == MARTS  # every table has dbt tests
    repeated = [
        (expectation_suite.name, expectation.expectation_type)
        for expectation_suite in open_project().suites.all()
        for expectation in expectation_suite.expectations
        if expectation.expectation_type in SAME_AS_DBT
        and not expectation.configuration.kwargs.get("row_condition")
        and (
            expectation_suite.name,
            SAME_AS_DBT[expectation.expectation_type],
            frozenset(
                expectation.configuration.kwargs.get("column_list")
                or [expectation.configuration.kwargs["column"]]
            ),
        )
        in dbt_tests
    ]
    assert repeated == []


def test_personal_data_is_masked_in_reports_where_the_model_marks_it() -> None:
    """A failing check on a column the model's YAML marks as personal data reports how many
    rows failed, never their values."""
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    def failing(column: str) -> ExpectationValidationResult:
        return ExpectationValidationResult(
            success=False,
            expectation_config=ExpectationConfiguration(
                type="expect_column_values_to_match_regex",
                kwargs={"column": column, "regex": "^[a-z]+@[a-z.]+$"},
            ),
            result={"unexpected_count": 1, "partial_unexpected_list": ["Ann@Example.com"]},
        )

    validation = ExpectationSuiteValidationResult(
        success=False,
        results=[failing("email"), failing("state")],
        suite_name="core.dim_users",
        statistics={"evaluated_expectations": 2, "unsuccessful_expectations": 2},
    )
    [users] = [r for r in project_relations() if r.published == "core.dim_users"]
    result = suite_result(
        "core.dim_users", validation, None, Batch(WHOLE_TABLE), users.personal_columns
    )
    email, state = result.failures
    assert email.sample_values == [MASKED] and email.unexpected_count == 1
    assert state.sample_values == ["Ann@Example.com"]


def test_broken_page_urls_fail_fact_page_views_naming_the_rows(
    broken: tuple[ContractReport, dict[str, tuple[str, str]]],
) -> None:
    report, broken_urls = broken
    page_views = suite(report, "product.fact_page_views")
    assert not page_views.success and not report.success
    url_failures = {
        f.expectation: f for f in page_views.failures if f.expectation in URL_EXPECTATIONS
    }
    assert set(url_failures) == URL_EXPECTATIONS
    assert {f.expectation for f in page_views.failures} == URL_EXPECTATIONS

    pattern = url_failures["expect_column_values_to_match_regex"]
    assert pattern.column == "page_url"
    assert pattern.description == (
        "Every page_url is a greenary.com product page:"
        " https://greenary.com/product/ followed by a product id"
    )
    off_pattern = [broken_urls[kind] for kind in ("wrong domain", "wrong path", "not a uuid")]
    assert pattern.unexpected_count == 3
    assert set(pattern.unexpected_keys) == {event_id for event_id, _ in off_pattern}
    assert set(pattern.sample_values) == {url for _, url in off_pattern}

    own_product = url_failures["expect_column_pair_values_to_be_equal"]
    assert own_product.column == "product_id, page_url_product_id"
    off_product = [broken_urls[kind] for kind in ("another product", "not a uuid")]
    assert own_product.unexpected_count == 2
    assert set(own_product.unexpected_keys) == {event_id for event_id, _ in off_product}
    url_ids = {sample.split(", ")[1] for sample in own_product.sample_values}
    assert url_ids == {url.rsplit("/", 1)[1] for _, url in off_product}

    keys = set(pattern.unexpected_keys) | set(own_product.unexpected_keys)
    assert keys == {event_id for event_id, _ in broken_urls.values()}
    description = page_views.describe()
    assert description.startswith("product.fact_page_views: 2 of ")
    assert "column page_url: check 'Every page_url is a greenary.com product page" in description
    assert "failed on 3 rows (expect_column_values_to_match_regex)" in description
    assert "https://greenery.example/product/" in description


def test_a_days_run_validates_only_what_differs_from_the_published_marts(
    gx_project: Path, scale_1_run: PipelineRun, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(scale_1_run, tmp_path)  # published: as audited
    as_published = validate_marts(warehouse, against_published=True)
    assert as_published.success
    assert {s.mart: s.batch.scope for s in as_published.suites if s.batch} == {
        mart: WHOLE_TABLE if mart.startswith("snapshots.") else UNCHANGED for mart in MARTS
    }
    assert all(s.evaluated == 0 for s in as_published.suites if s.batch.scope == UNCHANGED)

    with duckdb.connect(str(warehouse)) as con:
        broken_urls = break_page_urls(con)
        con.execute(
            "update audit_core.dim_products set price = -1"
            " where product_id = (select min(product_id) from core.dim_products)"
        )
    report = validate_marts(warehouse, against_published=True)

    page_views = suite(report, "product.fact_page_views")
    assert page_views.batch == Batch(CHANGED_ROWS, rows=len(broken_urls))
    assert not page_views.success
    failing_keys = {key for failure in page_views.failures for key in failure.unexpected_keys}
    assert failing_keys == {event_id for event_id, _ in broken_urls.values()}
    products = suite(report, "core.dim_products")
    assert products.batch == Batch(WHOLE_TABLE, rows=30) and not products.success
    untouched = MARTS - {"product.fact_page_views", "core.dim_products"}
    assert {s.mart for s in report.suites if s.success} == untouched

    full_refresh = validate_marts(warehouse)
    assert {s.batch.scope for s in full_refresh.suites if s.batch} == {WHOLE_TABLE}
    assert suite(full_refresh, "product.fact_page_views").batch.rows > len(broken_urls)


def test_other_breaches_fail_their_suites_with_the_right_counts(
    broken: tuple[ContractReport, dict[str, tuple[str, str]]],
) -> None:
    report, _ = broken
    [price] = suite(report, "core.dim_products").failures
    assert (price.expectation, price.column) == ("expect_column_values_to_be_between", "price")
    assert (price.unexpected_count, price.sample_values) == (1, ["-1.0"])
    assert len(price.unexpected_keys) == 1

    [total] = suite(report, "core.fact_orders").failures
    assert total.expectation == "expect_multicolumn_values_to_add_up"
    assert total.column == "order_total, order_cost, shipping_cost, promo_discount"
    assert total.unexpected_count == 1
    assert "check 'Every order total equals items' cost plus shipping minus the promo discount" in (
        suite(report, "core.fact_orders").describe()
    )

    missing = suite(report, "marketing.repeat_rate")
    assert not missing.success and missing.docs_page is None
    assert "repeat_rate does not exist" in missing.describe()

    broken_marts = {
        "product.fact_page_views",
        "core.dim_products",
        "core.fact_orders",
        "marketing.repeat_rate",
    }
    assert {s.mart for s in report.suites if not s.success} == broken_marts


def test_data_docs_list_every_suite_and_show_the_offending_values(
    broken: tuple[ContractReport, dict[str, tuple[str, str]]],
) -> None:
    report, broken_urls = broken
    index = report.docs_index.read_text()
    for mart in MARTS:
        assert f"'_expectation_suite_name_sort': '{mart}'" in index, mart
    page_views = suite(report, "product.fact_page_views")
    assert page_views.docs_page
    page = file_path(page_views.docs_page)
    assert page.relative_to(report.docs_index.parent).as_posix() in index
    html = page.read_text()
    for event_id, url in broken_urls.values():
        assert event_id in html and url.rsplit("/", 1)[1] in html
    assert broken_urls["wrong domain"][1] in html and broken_urls["wrong path"][1] in html


def test_data_docs_keep_the_latest_runs_and_remove_older_results_and_pages(
    scale_1_run: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_gx_project(tmp_path)
    monkeypatch.setenv(GX_DIR_ENV, str(project))
    monkeypatch.setenv("GREENERY_CONTRACT_RUNS_KEPT", "2")
    warehouse = copy_warehouse(scale_1_run, tmp_path)

    reports = [validate_marts(warehouse) for _ in range(3)]

    pages = [{file_path(s.docs_page) for s in report.suites if s.docs_page} for report in reports]
    assert [len(run_pages) for run_pages in pages] == [len(MARTS)] * 3
    assert not any(page.exists() for page in pages[0])
    assert all(page.exists() for page in pages[1] | pages[2])
    stored = list((project / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 2 * len(MARTS)
    site = reports[-1].docs_index.parent
    assert not any(folder.is_dir() and not any(folder.iterdir()) for folder in site.rglob("*"))
    index = reports[-1].docs_index.read_text()
    for page in pages[0]:
        assert page.relative_to(site).as_posix() not in index
    for page in pages[1] | pages[2]:
        assert page.relative_to(site).as_posix() in index


@pytest.mark.parametrize("value", ["0", "-3", "two weeks"])
def test_a_bad_number_of_runs_to_keep_is_refused_by_name(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENERY_CONTRACT_RUNS_KEPT", value)
    with pytest.raises(ValueError, match=f"GREENERY_CONTRACT_RUNS_KEPT='{value}' is not valid"):
        runs_kept()
