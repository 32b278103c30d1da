"""Run every mart's checkpoint from the GX project in gx/ against a DuckDB warehouse.

Each mart has its own checkpoint, named after it, because Checkpoint.run takes one set of
batch_parameters for all its validation definitions and a pandas dataframe asset gets its
data only from them.
"""

import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import great_expectations as gx
from great_expectations.checkpoint import Checkpoint
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext

from flows.contracts import expectations  # noqa: F401  (registers the custom expectation)
from flows.contracts.report import ContractReport, SuiteResult, missing_table_result, suite_result
from flows.settings import REPO_ROOT

GX_PROJECT_DIR = REPO_ROOT / "gx"
DOCS_SITE = "local_site"


def validate_marts(warehouse: Path) -> ContractReport:
    """Validate each published mart in `warehouse` against its suite, updating Data Docs."""
    context = _open_context()
    run_id = RunIdentifier(run_name="greenery-contracts", run_time=datetime.now(UTC))
    checkpoints = sorted(context.checkpoints.all(), key=lambda checkpoint: checkpoint.name)
    # A plain connection: the calling process may already hold one with the default config.
    with duckdb.connect(str(warehouse)) as con:
        suites = [_validate_mart(context, con, checkpoint, run_id) for checkpoint in checkpoints]
    return ContractReport(suites=suites, docs_index=_path(_docs_url(context)))


def _open_context() -> AbstractDataContext:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    return gx.get_context(mode="file", context_root_dir=GX_PROJECT_DIR)


def _validate_mart(
    context: AbstractDataContext,
    con: duckdb.DuckDBPyConnection,
    checkpoint: Checkpoint,
    run_id: RunIdentifier,
) -> SuiteResult:
    mart = checkpoint.name
    try:
        data = con.table(mart).df()
    except duckdb.CatalogException as error:
        return missing_table_result(mart, checkpoint.validation_definitions[0].suite.name, error)
    result = checkpoint.run(batch_parameters={"dataframe": data}, run_id=run_id)
    [(key, validation)] = result.run_results.items()
    return suite_result(mart, validation, docs_page=_docs_url(context, key))


def _docs_url(context: AbstractDataContext, resource: object = None) -> str:
    """The Data Docs page of a validation result, or the site's index page."""
    [site] = context.get_docs_sites_urls(
        resource_identifier=resource, site_names=[DOCS_SITE], only_if_exists=False
    )
    return site["site_url"]


def _path(file_url: str) -> Path:
    return Path(unquote(urlparse(file_url).path))
