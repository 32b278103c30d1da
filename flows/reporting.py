"""Record a run's check results in Prefect: artifacts for people, events for automations.

The events, their resource and payload are declared in deployments/contract.py, which the
automations and their notifications read too.
"""

from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run
from prefect.utilities.urls import url_for

from deployments.contract import (
    CONTRACT_FAILED_EVENT,
    CONTRACT_PASSED_EVENT,
    KPI_BREACHED_EVENT,
    ContractPayload,
    FailedCheck,
    KpiBreachPayload,
    kpi_resource,
    table_resource,
)
from flows.contracts import ContractReport, SuiteResult
from flows.contracts.report import UNCHANGED
from flows.dbt_results import CheckFailure
from flows.kpis import KpiReport
from flows.kpis.report import ARTIFACT_KEY, breach_line, formatted, markdown
from flows.landing import LandingError


def _flow_run_related() -> list[dict[str, str]]:
    if flow_run.id is None:
        return []
    return [
        {
            "prefect.resource.id": f"prefect.flow-run.{flow_run.id}",
            "prefect.resource.role": "flow-run",
            "prefect.resource.name": str(flow_run.name),
        }
    ]


def run_page_url() -> str | None:
    """The run's page in the Prefect UI; None when no UI address is configured."""
    return url_for("flow-run", obj_id=flow_run.id) if flow_run.id else None


def _emit(
    event: str, resource: dict[str, str], payload: ContractPayload | KpiBreachPayload
) -> None:
    emit_event(
        event=event,
        resource=resource,
        related=_flow_run_related(),
        payload=payload.model_dump(mode="json"),
    )


def emit_suite_event(suite: SuiteResult, docs_index: str, target: str, publication: str) -> None:
    payload = ContractPayload(
        checker="great_expectations",
        table=suite.mart,
        summary=suite.describe(),
        suite=suite.suite,
        expectations_evaluated=suite.evaluated,
        failed_checks=[
            FailedCheck(
                check=failure.expectation,
                description=failure.description,
                column=failure.column,
                failing_rows=failure.unexpected_count,
                sample_values=failure.sample_values,
                failing_keys=failure.unexpected_keys,
            )
            for failure in suite.failures
        ],
        data_docs_url=suite.docs_page or docs_index,
        publication=publication,
        flow_run_url=run_page_url(),
    )
    event = CONTRACT_PASSED_EVENT if suite.success else CONTRACT_FAILED_EVENT
    _emit(event, table_resource(payload.table, target), payload)


def emit_dbt_failure_event(failure: CheckFailure, target: str, publication: str) -> None:
    payload = ContractPayload(
        checker="dbt",
        table=failure.relation,
        summary=failure.describe(),
        failed_checks=[
            FailedCheck(
                check=failure.check,
                description=f"dbt {failure.kind} {failure.node}",
                column=failure.column,
                failing_rows=failure.failing_rows,
                sample_values=[],
            )
        ],
        data_docs_url=None,
        publication=publication,
        flow_run_url=run_page_url(),
    )
    _emit(CONTRACT_FAILED_EVENT, table_resource(payload.table, target), payload)


def emit_landing_failure_event(error: LandingError, target: str, publication: str) -> None:
    """Bad input stopped the landing: nothing reached the warehouse."""
    problems = [line.removeprefix("- ") for line in str(error).splitlines()[1:]]
    payload = ContractPayload(
        checker="landing",
        table="raw",
        summary=str(error),
        failed_checks=[
            FailedCheck(
                check="landing",
                description=problem,
                column=None,
                failing_rows=None,
                sample_values=[],
            )
            for problem in problems or [str(error)]
        ],
        data_docs_url=None,
        publication=publication,
        flow_run_url=run_page_url(),
    )
    _emit(CONTRACT_FAILED_EVENT, table_resource(payload.table, target), payload)


def contracts_markdown(report: ContractReport, publication: str, dbt_docs: str | None) -> str:
    docs = [f"[Data Docs]({report.docs_url})"]
    if dbt_docs:
        docs.append(f"[dbt docs]({dbt_docs}) (the models, their tests and lineage)")
    lines = [
        "# Greenery data contracts",
        "",
        f"**{publication}**",
        "",
        " · ".join(docs),
        "",
        "| mart | rows validated | expectations evaluated | failed | status | Data Docs |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for suite in report.suites:
        status = "passed" if suite.success else "**FAILED**"
        if suite.batch and suite.batch.scope == UNCHANGED:
            status = "passed when published"
        rows = suite.batch.describe() if suite.batch else "could not be read"
        link = f"[open]({suite.docs_page})" if suite.docs_page else ""
        lines.append(
            f"| {suite.mart} | {rows} | {suite.evaluated} | {suite.failed} | {status} | {link} |"
        )
    return "\n".join(lines)


def failed_expectations_table(report: ContractReport) -> list[dict[str, Any]]:
    return [
        {
            "mart": suite.mart,
            "check": failure.description,
            "column": failure.column or "",
            "failing rows": failure.unexpected_count,
            "sample values": "; ".join(failure.sample_values),
            "expectation": failure.expectation,
        }
        for suite in report.suites
        for failure in suite.failures
    ]


def publish_contract_artifacts(
    report: ContractReport, publication: str, dbt_docs: str | None
) -> None:
    create_markdown_artifact(
        key="greenery-contracts",
        markdown=contracts_markdown(report, publication, dbt_docs),
        description="Data contract results per published mart",
    )
    create_table_artifact(
        key="greenery-failed-expectations",
        table=failed_expectations_table(report),
        description="Failed checks: what each checks, its failing rows and sample values",
    )


def emit_kpi_breach_events(
    report: KpiReport, target: str, publication: str, report_url: str | None
) -> None:
    """One event per KPI out of its usual range, for its unit's automation."""
    for result in report.breaches:
        kpi, fmt = result.kpi, result.kpi.format
        payload = KpiBreachPayload(
            metric=kpi.column,
            label=kpi.label,
            unit=kpi.unit,
            day=report.day.isoformat(),
            value=result.today,
            value_text=formatted(result.today, fmt),
            median=result.median,
            median_text=formatted(result.median, fmt),
            rules=[breach.rule for breach in result.breaches],
            summary=breach_line(result, report.median_days),
            publication=publication,
            report_url=report_url,
            flow_run_url=run_page_url(),
        )
        _emit(KPI_BREACHED_EVENT, kpi_resource(kpi.column, kpi.label, kpi.unit, target), payload)


def publish_kpi_artifact(
    report: KpiReport, publication: str, data_passed: bool, report_url: str | None
) -> None:
    text = markdown(report, publication, data_passed)
    if report_url:
        text += f"\n\n[The report in the Data Docs site]({report_url})"
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=text,
        description=f"The shop's KPIs for {report.day}, breaches first",
    )
