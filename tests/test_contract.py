"""The contract between the flow's events (flows/reporting.py) and the notifications
(deployments/messages.py): both keep to the payload deployments/contract.py declares.
Against a real Prefect server: test_automations.py."""

from datetime import date, timedelta
from typing import Any

import pytest
from jinja2 import ChainableUndefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from deployments import messages
from deployments.contract import (
    CONTRACT_FAILED_EVENT,
    KPI_BREACHED_EVENT,
    TABLE_RESOURCE_PREFIX,
    TARGET_LABEL,
    UNIT_LABEL,
    ContractPayload,
    FailedCheck,
    KpiBreachPayload,
)
from flows import reporting
from flows.dbt_results import CheckFailure
from flows.kpis import check_kpis, load_kpis
from flows.landing import LandingError

# As Prefect renders a notification (prefect.server.utilities.user_templates), without a
# Prefect object to link to.
TEMPLATES = ImmutableSandboxedEnvironment(undefined=ChainableUndefined)
TEMPLATES.filters["ui_url"] = lambda obj: None


def _path(node: nodes.Node) -> tuple[str, ...]:
    if isinstance(node, nodes.Name):
        return (node.name,)
    if isinstance(node, nodes.Getattr):
        return (*_path(node.node), node.attr)
    return ()


def _read(template: str, *path: str) -> set[str]:
    """The attributes `template` reads of `path` (event.payload, or a check)."""
    return {
        node.attr
        for node in TEMPLATES.parse(template).find_all(nodes.Getattr)
        if _path(node.node) == path
    }


def test_the_templates_read_only_declared_payload_fields() -> None:
    templates = messages.CONTRACT_FAILED_SUBJECT + messages.CONTRACT_FAILED_BODY
    payload = _read(templates, "event", "payload")
    assert {"table", "summary", "failed_checks"} <= payload
    assert payload <= set(ContractPayload.model_fields)
    checks = _read(templates, "check")
    assert {"check", "failing_rows"} <= checks
    assert checks <= set(FailedCheck.model_fields)


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The events flows/reporting.py emits, as keyword arguments of emit_event."""
    events: list[dict[str, Any]] = []
    monkeypatch.setattr(reporting, "emit_event", lambda **event: events.append(event))
    return events


def _body(event: dict[str, Any]) -> str:
    context = {"event": event, "flow_run": None}
    return TEMPLATES.from_string(messages.CONTRACT_FAILED_BODY).render(context)


def test_a_failed_dbt_check_is_emitted_as_declared_and_notified(
    emitted: list[dict[str, Any]],
) -> None:
    failure = CheckFailure(
        node="unique_fact_orders_order_id",
        kind="data test",
        check="unique",
        relation="core.fact_orders",
        column="order_id",
        failing_rows=2,
        message="Got 2 results, configured to fail if != 0",
    )
    reporting.emit_dbt_failure_event(failure, "dev", "Published: nothing")

    [event] = emitted
    assert event["event"] == CONTRACT_FAILED_EVENT
    assert event["resource"] == {
        "prefect.resource.id": f"{TABLE_RESOURCE_PREFIX}core.fact_orders",
        "prefect.resource.name": "core.fact_orders",
        TARGET_LABEL: "dev",
    }
    payload = ContractPayload.model_validate(event["payload"])
    assert payload.checker == "dbt" and payload.table == "core.fact_orders"
    assert "- unique on column order_id: 2 failing rows" in _body(event)


def test_a_stopped_landing_is_notified_without_a_row_count(
    emitted: list[dict[str, Any]],
) -> None:
    error = LandingError("users.csv is not a users export:\n- column email is missing")
    reporting.emit_landing_failure_event(error, "prod", "Published: nothing")

    [event] = emitted
    assert event["resource"]["prefect.resource.id"] == f"{TABLE_RESOURCE_PREFIX}raw"
    [check] = ContractPayload.model_validate(event["payload"]).failed_checks
    assert check.failing_rows is None
    body = _body(event)
    assert "- landing: column email is missing" in body
    assert "None" not in body, body


def test_the_kpi_templates_read_only_declared_payload_fields() -> None:
    payload = _read(messages.KPI_BREACHED_SUBJECT + messages.KPI_BREACHED_BODY, "event", "payload")
    assert {"label", "unit", "value_text", "median_text", "rules", "report_url"} <= payload
    assert payload <= set(KpiBreachPayload.model_fields)


def test_a_kpi_breach_is_emitted_for_its_unit_and_notified(
    emitted: list[dict[str, Any]],
) -> None:
    day = date(2024, 3, 15)
    rows = [
        {"kpi_date": day - timedelta(days=n), "conversion_rate": 0.3 if n == 0 else 0.6}
        for n in range(8)
    ]
    report = check_kpis(load_kpis(), rows, day)
    assert report is not None
    page = "https://docs.example.com/data/kpis/2024-03-15.html"
    reporting.emit_kpi_breach_events(report, "prod", "Published: 12 marts", page)

    [event] = emitted
    assert event["event"] == KPI_BREACHED_EVENT
    assert event["resource"] == {
        "prefect.resource.id": "greenery.kpi.conversion_rate",
        "prefect.resource.name": "Conversion rate",
        UNIT_LABEL: "product",
        TARGET_LABEL: "prod",
    }
    payload = KpiBreachPayload.model_validate(event["payload"])
    assert (payload.value, payload.median) == (0.3, 0.6)
    context = {"event": event, "flow_run": None}
    subject = TEMPLATES.from_string(messages.KPI_BREACHED_SUBJECT).render(context)
    body = TEMPLATES.from_string(messages.KPI_BREACHED_BODY).render(context)
    assert subject == (
        "Greenery KPI out of its usual range: Conversion rate 30.0% on 2024-03-15 (product)"
    )
    for line in [
        "Value on 2024-03-15: 30.0%",
        "Median of the previous days: 60.0%",
        "- not more than 20% below its 7-day median",
        f"Morning report: {page}",
    ]:
        assert line in body.splitlines(), body
    assert "None" not in body and "Flow run" not in body, body
