"""Data contracts of the published marts: Great Expectations suites in gx/, one per mart.

report = validate_marts(duckdb_file)  # or validate_snowflake_marts() on the prod target
report.success, report.docs_index, [suite.describe() for suite in report.suites]
"""

from flows.contracts.report import ContractReport, FailedExpectation, SuiteResult
from flows.contracts.validate import validate_marts, validate_snowflake_marts

__all__ = [
    "ContractReport",
    "FailedExpectation",
    "SuiteResult",
    "validate_marts",
    "validate_snowflake_marts",
]
