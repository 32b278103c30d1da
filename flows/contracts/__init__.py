"""Data contracts of the published marts: Great Expectations suites in gx/, one per mart.

report = validate_marts(warehouse)
report.success, report.docs_index, [suite.describe() for suite in report.suites]
"""

from flows.contracts.report import ContractReport, FailedExpectation, SuiteResult
from flows.contracts.validate import validate_marts

__all__ = ["ContractReport", "FailedExpectation", "SuiteResult", "validate_marts"]
