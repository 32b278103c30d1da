"""The contract report: what failed, in words a stakeholder understands, from GX's results."""

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult

MAX_SAMPLE_VALUES = 5
MAX_UNEXPECTED_KEYS = 200
# Shown instead of the values of personal-data columns (marked in the models' YAML):
# they never leave the warehouse in a report.
MASKED = "(personal data, not shown)"


@dataclass(frozen=True)
class FailedExpectation:
    expectation: str  # e.g. "expect_column_values_to_match_regex"
    description: str  # the plain-language description from the suite
    column: str | None  # "page_url"; a pair or list joined: "product_id, page_url_product_id"
    unexpected_count: int | None  # failing rows; None for table-level checks and errors
    sample_values: list[str]  # up to 5 offending values (or what was observed), as strings
    unexpected_keys: list[str]  # key values of the failing rows, at most 200
    error: str | None = None  # set when the expectation could not be evaluated

    def describe(self) -> str:
        where = f"column {self.column}" if self.column else "table"
        if self.error:
            outcome = f"failed: {self.error}"
        elif self.unexpected_count is not None:
            rows = "row" if self.unexpected_count == 1 else "rows"
            outcome = f"failed on {self.unexpected_count} {rows}"
        else:
            outcome = "failed"
        line = f"{where}: check '{self.description}' {outcome} ({self.expectation})"
        if self.sample_values and not self.error:
            line += f", e.g. {'; '.join(self.sample_values)}"
        return line


WHOLE_TABLE = "whole table"
# Only the rows that differ from the published version (an incremental mart on a day's
# run): its other rows passed their contract on the day they were published.
CHANGED_ROWS = "changed rows"
# Not validated: identical to the published version, which passed its contract.
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Batch:
    """The rows a suite was validated on."""

    scope: str  # WHOLE_TABLE, CHANGED_ROWS or UNCHANGED
    rows: int | None = None  # None where not counted (inside Snowflake)

    def describe(self) -> str:
        if self.scope == UNCHANGED:
            return "none: unchanged since published"
        if self.scope == CHANGED_ROWS:
            return f"{self.rows:,} changed rows"
        return WHOLE_TABLE if self.rows is None else f"{WHOLE_TABLE}, {self.rows:,} rows"


@dataclass(frozen=True)
class SuiteResult:
    mart: str  # "product.fact_page_views"
    suite: str
    evaluated: int  # expectations evaluated
    failed: int
    success: bool
    docs_page: str | None  # where people open this validation's Data Docs page (site.link)
    failures: list[FailedExpectation]
    batch: Batch | None = None  # what was validated; None when the mart could not be read

    def describe(self) -> str:
        if self.batch and self.batch.scope == UNCHANGED:
            return f"{self.mart}: unchanged since its last publication, which passed"
        if self.success:
            return f"{self.mart}: all {self.evaluated} expectations passed"
        return f"{self.mart}: {self.failed} of {self.evaluated} expectations failed: " + "; ".join(
            failure.describe() for failure in self.failures
        )


@dataclass(frozen=True)
class ContractReport:
    suites: list[SuiteResult]
    docs_index: Path  # the local Data Docs site's index.html
    docs_url: str  # where people open the site's index (site.link)
    # Each suite the run validated with, by name: a fingerprint of its expectations.
    fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(suite.success for suite in self.suites)


def suite_result(
    mart: str,
    validation: ExpectationSuiteValidationResult,
    docs_page: str | None,
    batch: Batch,
    personal_columns: frozenset[str] = frozenset(),
) -> SuiteResult:
    statistics = validation.statistics
    return SuiteResult(
        mart=mart,
        suite=validation.suite_name,
        evaluated=statistics["evaluated_expectations"],
        failed=statistics["unsuccessful_expectations"],
        success=validation.success,
        docs_page=docs_page,
        failures=[
            _failed_expectation(result, personal_columns)
            for result in validation.results
            if not result.success
        ],
        batch=batch,
    )


def missing_table_result(mart: str, suite: str, error: Exception) -> SuiteResult:
    """A mart that cannot be read fails its suite without running it."""
    failure = FailedExpectation(
        expectation="table_exists",
        description="The table exists in the warehouse",
        column=None,
        unexpected_count=None,
        sample_values=[],
        unexpected_keys=[],
        error=str(error).splitlines()[0],
    )
    return SuiteResult(mart, suite, 1, 1, False, None, [failure])


def unchanged_result(mart: str, suite: str, batch: Batch) -> SuiteResult:
    """A mart identical to its published version, which passed: nothing to validate again."""
    return SuiteResult(mart, suite, 0, 0, True, None, [], batch)


def _failed_expectation(
    result: ExpectationValidationResult, personal_columns: frozenset[str]
) -> FailedExpectation:
    config = result.expectation_config
    if config is None:
        raise ValueError("GX returned a validation result without its expectation")
    details: dict[str, Any] = result.result or {}
    column = _columns(config.kwargs)
    personal = bool(personal_columns & set((column or "").split(", ")))
    samples = _samples(details)
    return FailedExpectation(
        expectation=config.type,
        description=config.description or config.type,
        column=column,
        unexpected_count=details.get("unexpected_count"),
        sample_values=[MASKED] * len(samples) if personal else samples,
        unexpected_keys=_keys(details),
        error=_error(result.exception_info or {}),
    )


def _error(exception_info: dict[str, Any]) -> str | None:
    """GX reports an expectation's own exception flat, and its metrics' exceptions per metric."""
    if "raised_exception" in exception_info:
        infos = [exception_info] if exception_info["raised_exception"] else []
    else:
        infos = [info for info in exception_info.values() if isinstance(info, dict)]
    messages = dict.fromkeys(
        info["exception_message"] for info in infos if info["exception_message"]
    )
    return "; ".join(messages) or None


def _columns(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return None


def _samples(details: dict[str, Any]) -> list[str]:
    if "partial_unexpected_list" in details:
        values = details["partial_unexpected_list"]
    elif mismatched := details.get("details", {}).get("mismatched"):
        # expect_table_columns_to_match_set: name the missing and the extra columns
        values = [f"{kind} {', '.join(cols)}" for kind, cols in mismatched.items() if cols]
    elif "observed_value" in details:
        values = [details["observed_value"]]
    else:
        values = []
    return [_as_text(value) for value in values[:MAX_SAMPLE_VALUES]]


def _keys(details: dict[str, Any]) -> list[str]:
    key_columns = details.get("unexpected_index_column_names") or []
    rows = details.get("unexpected_index_list") or []
    keys = [" / ".join(_as_text(row[column]) for column in key_columns) for row in rows]
    return list(dict.fromkeys(keys))[:MAX_UNEXPECTED_KEYS]


def _as_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name}={_as_text(item)}" for name, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(item) for item in value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    return str(value)
