"""Run every mart's checkpoint from the GX project in gx/ against the target warehouse.

Each mart has a checkpoint per warehouse, named `<warehouse>.<mart>`. On DuckDB (the dev
target) the mart is read into a pandas DataFrame, because GX has no DuckDB SQL dialect;
Checkpoint.run takes one set of batch_parameters for all its validation definitions, hence
one checkpoint per mart. On Snowflake (prod) GX runs the same suite as SQL in the
warehouse: no mart leaves it.
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import great_expectations as gx
import pandas as pd
import pyarrow as pa
from great_expectations.checkpoint import Checkpoint, CheckpointResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from sqlalchemy.exc import SQLAlchemyError

from flows import snowflake
from flows.contracts import expectations  # noqa: F401  (registers the custom expectation)
from flows.contracts.report import ContractReport, SuiteResult, missing_table_result, suite_result
from flows.contracts.retention import make_room, runs_kept
from flows.publication import audit_relation
from flows.settings import REPO_ROOT

GX_PROJECT_DIR = REPO_ROOT / "gx"
DOCS_SITE = "local_site"
SNOWFLAKE_DATASOURCE = "greenery_snowflake"

# Runs one mart's checkpoint; raises when the mart cannot be read.
_Runner = Callable[[Checkpoint, str, RunIdentifier], CheckpointResult]


def validate_marts(warehouse: Path) -> ContractReport:
    """Validate each mart's audit table (flows/publication.py) in the DuckDB file `warehouse`,
    updating Data Docs."""
    # A plain connection: the calling process may already hold one with the default config.
    with duckdb.connect(str(warehouse)) as con:

        def run(checkpoint: Checkpoint, mart: str, run_id: RunIdentifier) -> CheckpointResult:
            data = read_table(con, audit_relation(mart))
            return checkpoint.run(batch_parameters={"dataframe": data}, run_id=run_id)

        return _validate("duckdb", run, errors=(duckdb.CatalogException,))


def read_table(con: duckdb.DuckDBPyConnection, relation: str) -> pd.DataFrame:
    """The table as a DataFrame, through Arrow: at two million rows, DuckDB's own .df()
    takes six times as long and twice the memory. Decimals become floats and dates
    datetimes, as .df() makes them."""
    table = con.table(relation).fetch_arrow_table()
    floats = pa.schema(
        pa.field(field.name, pa.float64()) if pa.types.is_decimal(field.type) else field
        for field in table.schema
    )
    return table.cast(floats).to_pandas(date_as_object=False)


def validate_snowflake_marts() -> ContractReport:
    """Validate each mart's audit table inside Snowflake (the SNOWFLAKE_* settings); the
    datasource's assets in gx/great_expectations.yml name the audit schemas."""

    def run(checkpoint: Checkpoint, mart: str, run_id: RunIdentifier) -> CheckpointResult:
        return checkpoint.run(run_id=run_id)

    def connect(context: AbstractDataContext) -> None:
        # Kept in memory, never written to gx/: secrets and the endpoint.
        datasource = context.data_sources.get(SNOWFLAKE_DATASOURCE)
        datasource.kwargs = {"connect_args": snowflake.connection_parameters()}

    return _validate("snowflake", run, errors=(SQLAlchemyError,), prepare=connect)


def _validate(
    warehouse: str,
    run: _Runner,
    *,
    errors: tuple[type[Exception], ...],
    prepare: Callable[[AbstractDataContext], None] | None = None,
) -> ContractReport:
    context = open_context()
    if prepare:
        prepare(context)
    make_room(context, runs_kept(), page_of=lambda result: _path(_docs_url(context, result)))
    run_id = RunIdentifier(run_name="greenery-contracts", run_time=datetime.now(UTC))
    prefix = f"{warehouse}."
    checkpoints = sorted(
        (c for c in context.checkpoints.all() if c.name.startswith(prefix)),
        key=lambda checkpoint: checkpoint.name,
    )
    suites: list[SuiteResult] = []
    for checkpoint in checkpoints:
        mart = checkpoint.name.removeprefix(prefix)
        try:
            result = run(checkpoint, mart, run_id)
        except errors as error:
            suite = checkpoint.validation_definitions[0].suite.name
            suites.append(missing_table_result(mart, suite, error))
            continue
        [(key, validation)] = result.run_results.items()
        suites.append(suite_result(mart, validation, docs_page=_docs_url(context, key)))
    return ContractReport(suites=suites, docs_index=_path(_docs_url(context)))


def open_context() -> AbstractDataContext:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    return gx.get_context(mode="file", context_root_dir=GX_PROJECT_DIR)


def _docs_url(context: AbstractDataContext, resource: object = None) -> str:
    """The Data Docs page of a validation result, or the site's index page."""
    [site] = context.get_docs_sites_urls(
        resource_identifier=resource, site_names=[DOCS_SITE], only_if_exists=False
    )
    return site["site_url"]


def _path(file_url: str) -> Path:
    return Path(unquote(urlparse(file_url).path))
