"""The short report a run ends with: what landed, what dbt built, what failed."""

from dataclasses import dataclass, field
from datetime import date

from flows.dbt_results import CheckFailure, DbtOutcome
from flows.landing import LandingResult


@dataclass
class RunSummary:
    as_of: date
    landing: LandingResult | None = None
    dbt: list[DbtOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckFailure]:
        return [failure for outcome in self.dbt for failure in outcome.failures]

    def total(self, kind: str, *statuses: str) -> int:
        return sum(outcome.count(kind, *statuses) for outcome in self.dbt)

    def lines(self) -> list[str]:
        status = "FAILED" if self.failures else "succeeded"
        lines = [f"Greenery daily run for {self.as_of}: {status}"]
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
        lines.extend(f"  FAILED {failure.describe()}" for failure in self.failures)
        return lines


class PipelineFailed(Exception):
    """The run stopped on failed checks; carries the summary so far."""

    def __init__(self, summary: RunSummary) -> None:
        self.summary = summary
        super().__init__(
            "; ".join(failure.describe() for failure in summary.failures) or "the run failed"
        )
