"""Run every mart's checkpoint from the GX project in gx/ against the target warehouse,
then build the Data Docs pages of the run's results, once.

Each mart has a checkpoint per warehouse, named `<warehouse>.<mart>`. On DuckDB (the dev
target) the mart is read into a pandas DataFrame, because GX has no DuckDB SQL dialect;
Checkpoint.run takes one set of batch_parameters for all its validation definitions, hence
one checkpoint per mart. On a day's run, what readers already have is not validated again:
a mart identical to its published version passed its contract when it was published, and
an incremental mart is validated on the rows that differ from it (flows/changes.py). On
Snowflake (prod) GX runs the same suites as SQL in the warehouse: no mart leaves it.
"""

import os
from collections.abc import Callable, Collection
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
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from sqlalchemy.exc import SQLAlchemyError

from flows import snowflake
from flows.changes import Change, changed_rows, compare
from flows.contracts import expectations  # noqa: F401  (registers the custom expectation)
from flows.contracts.report import (
    CHANGED_ROWS,
    UNCHANGED,
    WHOLE_TABLE,
    Batch,
    ContractReport,
    SuiteResult,
    missing_table_result,
    suite_result,
    unchanged_result,
)
from flows.contracts.retention import make_room, runs_kept
from flows.contracts.site import link
from flows.publication import audit_relation, published_relation
from flows.settings import gx_project_dir

DOCS_SITE = "local_site"  # in gx/great_expectations.yml
SNOWFLAKE_DATASOURCE = "greenery_snowflake"

# Runs one mart's checkpoint (None when there was nothing to validate); raises when the
# mart cannot be read.
_Runner = Callable[[Checkpoint, str, RunIdentifier], tuple[CheckpointResult | None, Batch]]


def validate_marts(
    warehouse: Path, *, against_published: bool = False, incremental: Collection[str] = ()
) -> ContractReport:
    """Validate each mart's audit table (flows/publication.py) in the DuckDB file `warehouse`,
    and build their Data Docs pages.

    With `against_published` (a day's run), a mart identical to its published version is
    not validated again, and the `incremental` marts (published names, such as
    product.fact_page_views) are validated on their rows that differ from it; a full
    refresh validates every table whole."""
    # A plain connection: the calling process may already hold one with the default config.
    with duckdb.connect(str(warehouse)) as con:

        def run(
            checkpoint: Checkpoint, mart: str, run_id: RunIdentifier
        ) -> tuple[CheckpointResult | None, Batch]:
            audit = audit_relation(mart)
            change = (
                compare(con, audit, published_relation(audit))
                if against_published and published_relation(audit) != audit
                else None
            )
            data, batch = _batch(con, audit, change, incremental=mart in incremental)
            if data is None:
                return None, batch
            return checkpoint.run(batch_parameters={"dataframe": data}, run_id=run_id), batch

        return _validate("duckdb", run, errors=(duckdb.CatalogException,))


def _batch(
    con: duckdb.DuckDBPyConnection, audit: str, change: Change | None, incremental: bool
) -> tuple[pd.DataFrame | None, Batch]:
    """What to validate of the audit table, given how it differs from the published one."""
    if change and change.unchanged:
        return None, Batch(UNCHANGED, rows=0)
    if change and change.comparable and change.changed and incremental:
        data = read_arrow(con.sql(changed_rows(audit, published_relation(audit))))
        return data, Batch(CHANGED_ROWS, rows=len(data))
    data = read_table(con, audit)
    return data, Batch(WHOLE_TABLE, rows=len(data))


def read_table(con: duckdb.DuckDBPyConnection, relation: str) -> pd.DataFrame:
    """The whole table as a DataFrame (see read_arrow)."""
    return read_arrow(con.table(relation))


def read_arrow(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """The relation's rows as a DataFrame, through Arrow: at two million rows, DuckDB's own
    .df() takes six times as long and twice the memory. Decimals become floats and dates
    datetimes, as .df() makes them."""
    table = relation.fetch_arrow_table()
    floats = pa.schema(
        pa.field(field.name, pa.float64()) if pa.types.is_decimal(field.type) else field
        for field in table.schema
    )
    return table.cast(floats).to_pandas(date_as_object=False)


def validate_snowflake_marts() -> ContractReport:
    """Validate each mart's audit table inside Snowflake (the SNOWFLAKE_* settings); the
    datasource's assets in gx/great_expectations.yml name the audit schemas."""

    def run(
        checkpoint: Checkpoint, mart: str, run_id: RunIdentifier
    ) -> tuple[CheckpointResult | None, Batch]:
        return checkpoint.run(run_id=run_id), Batch(WHOLE_TABLE)

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
    make_room(context, runs_kept(), page_of=lambda result: _local_page(context, result))
    run_id = RunIdentifier(run_name="greenery-contracts", run_time=datetime.now(UTC))
    index = _local_page(context)
    prefix = f"{warehouse}."
    checkpoints = sorted(
        (c for c in context.checkpoints.all() if c.name.startswith(prefix)),
        key=lambda checkpoint: checkpoint.name,
    )
    suites: list[SuiteResult] = []
    # The run's validation results and their suites: their pages are (re)built.
    validated: list[ValidationResultIdentifier | ExpectationSuiteIdentifier] = []
    for checkpoint in checkpoints:
        mart = checkpoint.name.removeprefix(prefix)
        try:
            result, batch = run(checkpoint, mart, run_id)
        except errors as error:
            suites.append(missing_table_result(mart, _suite_name(checkpoint), error))
            continue
        if result is None:
            suites.append(unchanged_result(mart, _suite_name(checkpoint), batch))
            continue
        [(key, validation)] = result.run_results.items()
        validated += [key, key.expectation_suite_identifier]
        page = link(_local_page(context, key), index.parent)
        suites.append(suite_result(mart, validation, page, batch))
    # The run's pages and the index, once: rebuilding the whole site per checkpoint, as
    # GX's UpdateDataDocsAction does, would cost more than validating the marts.
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=validated)
    return ContractReport(suites=suites, docs_index=index, docs_url=link(index, index.parent))


def _suite_name(checkpoint: Checkpoint) -> str:
    return checkpoint.validation_definitions[0].suite.name


def open_context() -> AbstractDataContext:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    return gx.get_context(mode="file", context_root_dir=gx_project_dir())


def _local_page(context: AbstractDataContext, resource: object = None) -> Path:
    """The local site's page of a validation result, or its index page."""
    [site] = context.get_docs_sites_urls(
        resource_identifier=resource, site_names=[DOCS_SITE], only_if_exists=False
    )
    return Path(unquote(urlparse(site["site_url"]).path))
