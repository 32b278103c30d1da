"""The short report a run ends with: what landed, what dbt built, what failed."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flows.contracts import ContractReport, SuiteResult
from flows.contracts.report import CHANGED_ROWS, UNCHANGED
from flows.dbt_results import CheckFailure, DbtOutcome
from flows.failures import RunStopped, UsageError
from flows.faults import WarehouseUnavailable, gave_up_line
from flows.kpis import KpiReport
from flows.kpis.report import breach_line
from flows.landing import LandingError, LandingResult
from flows.marts import Relation
from flows.transform import DbtCouldNotRun


@dataclass
class RunSummary:
    as_of: date
    target: str = "dev"  # the dbt target: dev (DuckDB) or prod (Snowflake)
    landing: LandingResult | None = None
    dbt: list[DbtOutcome] = field(default_factory=list)
    contracts: ContractReport | None = None
    marts: list[Relation] = field(default_factory=list)  # what the dbt project publishes
    published: list[str] | None = None  # the marts published; None when nothing was
    stopped: RunStopped | None = None  # what stopped the run before its checks were done
    run_url: str | None = None  # the run's page in the Prefect UI, when a UI is configured
    dbt_docs: str | None = None  # where people open dbt's docs of the run's project
    rebuilt: bool = False  # the incremental marts were rebuilt from all of history
    kpis: KpiReport | None = None  # the day's KPIs against their checks
    kpi_page: str | None = None  # where people open the morning report

    @property
    def failures(self) -> list[CheckFailure]:
        return [failure for outcome in self.dbt for failure in outcome.failures]

    @property
    def warnings(self) -> list[CheckFailure]:
        return [warning for outcome in self.dbt for warning in outcome.warnings]

    @property
    def problems(self) -> list[str]:
        """One line per failed dbt node and per failed contract."""
        suites = self.contracts.suites if self.contracts else []
        failed_suites = [suite.describe() for suite in suites if not suite.success]
        return [failure.describe() for failure in self.failures] + failed_suites

    @property
    def succeeded(self) -> bool:
        return self.stopped is None and not self.problems

    @property
    def failure_message(self) -> str:
        """Why the run failed, in one line: the run's state message in Prefect."""
        if self.stopped is not None:
            return str(self.stopped).strip().splitlines()[0]
        return "; ".join(self.problems)

    def total(self, kind: str, *statuses: str) -> int:
        return sum(outcome.count(kind, *statuses) for outcome in self.dbt)

    def lines(self) -> list[str]:
        if self.stopped is not None:
            return self._stopped_lines(self.stopped)
        status = "FAILED" if self.problems else "succeeded"
        lines = [f"{self._title()}: {status}"]
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
        lines.extend(f"  WARNED {warning.describe()}" for warning in self.warnings)
        if self.contracts:
            suites = self.contracts.suites
            failed = sum(not suite.success for suite in suites)
            lines.append(
                f"Contracts: {len(suites) - failed} of {len(suites)} suites passed{_scopes(suites)}"
            )
        lines.append(self.publication_line())
        lines.extend(f"  FAILED {problem}" for problem in self.problems)
        if self.contracts:
            lines.extend(self._kpi_lines())
        return lines + self._look_next()

    def _kpi_lines(self) -> list[str]:
        if self.kpis is None:
            why = (
                "dbt failed"
                if self.failures
                else "the KPI mart has no row for the last complete day"
            )
            return [f"KPIs: not checked ({why})"]
        report = self.kpis
        checked, breaches = len(report.checked), report.breaches
        if breaches:
            line = (
                f"KPIs for {report.day}: {len(breaches)} of {checked} checked KPIs out of"
                " their usual range"
            )
            if self.published is None:
                line += " (not notified: the data failed its checks)"
        else:
            line = (
                f"KPIs for {report.day}: {checked} of {checked} checked KPIs within their"
                " usual range"
            )
        if report.unchecked:
            line += f"; {len(report.unchecked)} could not be checked (the KPI report says why)"
        lines = [line]
        lines.extend(f"  OUT OF RANGE {breach_line(r, report.median_days)}" for r in breaches)
        if self.rebuilt and report.recorded_later:
            first, last = report.recorded_later[0], report.recorded_later[-1]
            lines.append(
                f"KPI history rebuilt: {len(report.recorded_later)} days between {first} and"
                f" {last} had no snapshot of their own, so their orders are counted as the"
                " next snapshot recorded them"
            )
        return lines

    def _look_next(self) -> list[str]:
        """Where a person goes from here: the Data Docs page of the first failed suite (or
        the site's index), and the run in the Prefect UI (its artifacts and logs)."""
        places = []
        if self.contracts:
            failed = next((s for s in self.contracts.suites if not s.success), None)
            if failed and failed.docs_page:
                places.append(f"Data Docs of {failed.mart} {failed.docs_page}")
            else:
                places.append(f"Data Docs {self.contracts.docs_url}")
        if self.kpi_page:
            places.append(f"the KPI report {self.kpi_page}")
        if self.run_url:
            places.append(f"this run in Prefect {self.run_url}")
        return [f"Look next: {'; '.join(places)}"] if places else []

    def _title(self) -> str:
        return f"Greenery daily run for {self.as_of} on {self.target}"

    def _stopped_lines(self, error: RunStopped) -> list[str]:
        if isinstance(error, UsageError):
            return [
                f"{self._title()}: FAILED, a usage error (nothing is wrong with the data)",
                f"  {error}",
                "Nothing was changed and no stakeholder was alerted: correct the above and"
                " run again.",
            ]
        if isinstance(error, LandingError):
            lines = [
                f"{self._title()}: FAILED while landing raw data",
                f"  {error}",
                not_published_line("bad raw data"),
            ]
        elif isinstance(error, DbtCouldNotRun):
            lines = [
                f"{self._title()}: FAILED, dbt could not run",
                f"  {error}",
                not_published_line("dbt could not run", self.marts),
            ]
        elif isinstance(error, WarehouseUnavailable):
            lines = [
                f"{self._title()}: FAILED, the warehouse could not be reached",
                gave_up_line(error),
                not_published_line("warehouse unavailable", self.marts),
            ]
        else:
            lines = [f"{self._title()}: FAILED before starting", f"  {error}"]
        return lines + self._look_next()

    def publication_line(self) -> str:
        """Whether stakeholders got today's marts, in one sentence."""
        if self.published is not None:
            schemas = sorted({relation.split(".")[0] for relation in self.published})
            return f"Published: {len(self.published)} marts to {', '.join(schemas)}"
        failed = len(self.problems)
        return not_published_line(
            f"{failed} failed check{'' if failed == 1 else 's'}" if failed else "stopped",
            self.marts,
        )


def _scopes(suites: list[SuiteResult]) -> str:
    """How many suites were validated on less than the whole table, and why."""
    scopes = Counter(suite.batch.scope for suite in suites if suite.batch)
    parts = [
        f"{scopes[CHANGED_ROWS]} on their rows changed" if scopes[CHANGED_ROWS] else "",
        f"{scopes[UNCHANGED]} unchanged" if scopes[UNCHANGED] else "",
    ]
    said = "; ".join(part for part in parts if part)
    return f" ({said}, since the last publication)" if said else ""


def not_published_line(reason: str, marts: list[Relation] | None = None) -> str:
    """Nothing was published, and where readers and today's marts are; before the dbt
    project is read, which marts there are is not known yet."""
    if not marts:
        return f"NOT published ({reason}): every mart keeps its last good version"
    published = sorted({mart.schema for mart in marts})
    audit = sorted({mart.built_in for mart in marts})
    return (
        f"NOT published ({reason}): {', '.join(published)} keep their last good"
        f" version; today's marts, as far as built, are in {', '.join(audit)}"
    )
