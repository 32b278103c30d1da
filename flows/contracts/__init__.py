"""Data contracts of the published marts: Great Expectations suites in gx/expectations/.

context = open_project(); contracts = pandas_contracts(context, relations)
report = run_contracts(context, contracts, run, errors=..., orphans=...)
report.success, report.docs_index, [suite.describe() for suite in report.suites]
"""

from flows.contracts.context import (
    Contract,
    open_project,
    orphan_suites,
    pandas_contracts,
    snowflake_contracts,
)
from flows.contracts.report import ContractReport, FailedExpectation, SuiteResult
from flows.contracts.validate import run_contracts

__all__ = [
    "Contract",
    "ContractReport",
    "FailedExpectation",
    "SuiteResult",
    "open_project",
    "orphan_suites",
    "pandas_contracts",
    "run_contracts",
    "snowflake_contracts",
]
