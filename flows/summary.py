"""The short report a run ends with: what landed, what dbt built, what failed."""

from dataclasses import dataclass, field
from datetime import date

from flows.contracts import ContractReport
from flows.dbt_results import CheckFailure, DbtOutcome
from flows.landing import LandingResult
from flows.publication import AUDIT_PREFIX, PUBLISHED_SCHEMAS


@dataclass
class RunSummary:
    as_of: date
    target: str = "dev"  # the dbt target: dev (DuckDB) or prod (Snowflake)
    landing: LandingResult | None = None
    dbt: list[DbtOutcome] = field(default_factory=list)
    contracts: ContractReport | None = None
    published: list[str] | None = None  # the marts published; None when nothing was

    @property
    def failures(self) -> list[CheckFailure]:
        return [failure for outcome in self.dbt for failure in outcome.failures]

    @property
    def problems(self) -> list[str]:
        """One line per failed dbt node and per failed contract."""
        suites = self.contracts.suites if self.contracts else []
        failed_suites = [suite.describe() for suite in suites if not suite.success]
        return [failure.describe() for failure in self.failures] + failed_suites

    def total(self, kind: str, *statuses: str) -> int:
        return sum(outcome.count(kind, *statuses) for outcome in self.dbt)

    def lines(self) -> list[str]:
        status = "FAILED" if self.problems else "succeeded"
        lines = [f"Greenery daily run for {self.as_of} on {self.target}: {status}"]
        if self.landing:
            landed = ", ".join(f"{t} {n}" for t, n in self.landing.rows_landed.items())
            in_raw = ", ".join(f"{t} {n}" for t, n in self.landing.rows_in_raw.items())
            lines.append(f"Rows landed ({self.landing.source}): {landed}")
            lines.append(f"Rows in raw: {in_raw}")
        lines.append(
            f"dbt: {self.total('model', 'success')} models built,"
            f" {self.total('snapshot', 'success')} snapshots taken,"
            f" tests passed {self.total('data test', 'pass')}"
            f" (+{self.total('unit test', 'pass')} unit),"
            f" warned {self.total('data test', 'warn') + self.total('source freshness', 'warn')},"
            f" failed {self.total('data test', 'fail', 'error')}"
            f" (+{self.total('unit test', 'fail', 'error')} unit)"
        )
        if self.contracts:
            suites = self.contracts.suites
            failed = sum(not suite.success for suite in suites)
            lines.append(
                f"Contracts: {len(suites) - failed} of {len(suites)} suites passed;"
                f" Data Docs: {self.contracts.docs_index}"
            )
        lines.append(self.publication_line())
        lines.extend(f"  FAILED {problem}" for problem in self.problems)
        return lines

    def publication_line(self) -> str:
        """Whether stakeholders got today's marts, in one sentence."""
        if self.published is not None:
            schemas = sorted({relation.split(".")[0] for relation in self.published})
            return f"Published: {len(self.published)} marts to {', '.join(schemas)}"
        failed = len(self.problems)
        return not_published_line(
            f"{failed} failed check{'' if failed == 1 else 's'}" if failed else "stopped"
        )


def not_published_line(reason: str) -> str:
    return (
        f"NOT published ({reason}): {', '.join(PUBLISHED_SCHEMAS)} keep their last good"
        f" version; today's marts, as far as built, are in"
        f" {', '.join(AUDIT_PREFIX + schema for schema in PUBLISHED_SCHEMAS)}"
    )


class PipelineFailed(Exception):
    """The run stopped on failed checks; carries the summary so far."""

    def __init__(self, summary: RunSummary) -> None:
        self.summary = summary
        super().__init__("; ".join(summary.problems) or "the run failed")
