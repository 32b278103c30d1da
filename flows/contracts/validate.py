"""Run the run's contracts (flows/contracts/context.py) and build the Data Docs pages of
their results, once.

How each table is read is the warehouse's part (flows/warehouse/): on DuckDB the changed
part of a mart, as a DataFrame; on Snowflake the whole table, as SQL inside the warehouse.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from great_expectations.checkpoint import CheckpointResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext

from flows.contracts.context import DOCS_SITE, Contract, local_page
from flows.contracts.report import (
    Batch,
    ContractReport,
    SuiteResult,
    missing_table_result,
    suite_result,
    unchanged_result,
)
from flows.contracts.retention import make_room, runs_kept
from flows.contracts.site import link

# Runs one contract's checkpoint (None when there was nothing to validate); raises when
# the table cannot be read.
Runner = Callable[[Contract, RunIdentifier], tuple[CheckpointResult | None, Batch]]


def run_contracts(
    context: AbstractDataContext,
    contracts: list[Contract],
    run: Runner,
    *,
    errors: tuple[type[Exception], ...],
    orphans: list[str],
) -> ContractReport:
    """Validate every contract with `run`; a table that raises one of `errors` fails its
    contract, as does each of the `orphans`, suites naming a table dbt does not build."""
    make_room(context, runs_kept(), page_of=lambda result: local_page(context, result))
    run_id = RunIdentifier(run_name="greenery-contracts", run_time=datetime.now(UTC))
    index = local_page(context)
    suites: list[SuiteResult] = []
    # The run's validation results and their suites: their pages are (re)built. (GX takes
    # both kinds in one list, though its annotation says one kind.)
    validated: list[Any] = []
    for contract in contracts:
        table = contract.relation.published
        try:
            result, batch = run(contract, run_id)
        except errors as error:
            suites.append(missing_table_result(table, contract.suite, error))
            continue
        if result is None:
            suites.append(unchanged_result(table, contract.suite, batch))
            continue
        [(key, validation)] = result.run_results.items()
        validated += [key, key.expectation_suite_identifier]
        page = link(local_page(context, key), index.parent)
        personal = contract.relation.personal_columns
        suites.append(suite_result(table, validation, page, batch, personal))
    for suite in orphans:
        schema, _, table = suite.partition(".")
        unknown = LookupError(
            f"the suite gx/expectations/{schema}/{table}.json names a table the dbt project"
            f" does not build (no model {table} in dbt_project/models/marts/{schema}/)"
        )
        suites.append(missing_table_result(suite, suite, unknown))
    # The run's pages and the index, once: rebuilding the whole site per checkpoint, as
    # GX's UpdateDataDocsAction does, would cost more than validating the marts.
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=validated)
    return ContractReport(
        suites=suites,
        docs_index=index,
        docs_url=link(index, index.parent),
        fingerprints={contract.suite: contract.fingerprint for contract in contracts},
    )
