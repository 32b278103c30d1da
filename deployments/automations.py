"""The Greenery automations, as Prefect `Automation` objects: three about the data and
the daily run, and one per business unit about the KPIs it owns (kpis.yml).

Each sends one notification per channel it is given (see notifications.py); the
wording lives in messages.py.

The two about the daily run match its flow runs on their related flow and deployment
*names* (`greenery_daily` / `greenery-daily`), not on the deployment's id, so they can
be set up before the deployment exists and keep working when it is deleted and
deployed again (which gives it a new id).
"""

from collections.abc import Mapping, Sequence
from datetime import timedelta
from uuid import UUID

from prefect.automations import Automation, EventTrigger, Posture, SendNotification
from prefect.events.actions import ActionTypes
from prefect.events.schemas.events import ResourceSpecification

from deployments import messages
from deployments.contract import (
    CONTRACT_FAILED_EVENT,
    DEPLOYMENT_FULL_NAME,
    DEPLOYMENT_NAME,
    FLOW_NAME,
    KPI_BREACHED_EVENT,
    KPI_RESOURCE_PREFIX,
    TABLE_RESOURCE_PREFIX,
    UNIT_LABEL,
)

CONTRACT_FAILED = "greenery: contract or dbt test failed"
DAILY_RUN_FAILED = "greenery: daily run failed"
DAILY_RUN_MISSING = "greenery: daily run missing"
NAMES = (CONTRACT_FAILED, DAILY_RUN_FAILED, DAILY_RUN_MISSING)
TAGS = ["greenery"]

# Flow runs (the events' resource) of the daily deployment (both related resources
# must match: a deployment name is only unique within its flow).
_FLOW_RUNS = ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"})
_OF_DAILY_DEPLOYMENT = [
    ResourceSpecification({"prefect.resource.role": "flow", "prefect.resource.name": FLOW_NAME}),
    ResourceSpecification(
        {"prefect.resource.role": "deployment", "prefect.resource.name": DEPLOYMENT_NAME}
    ),
]


def _notify(block_ids: Sequence[UUID], subject: str, body: str) -> list[ActionTypes]:
    return [
        SendNotification(block_document_id=block_id, subject=subject, body=body)
        for block_id in block_ids
    ]


def contract_failed(block_ids: Sequence[UUID]) -> Automation:
    """Stakeholders: a mart failed a Great Expectations suite or a dbt test.

    Reactive on every `greenery.contract.failed` event about a `greenery.table.*`
    resource; `greenery.contract.passed` events do not match.
    """
    return Automation(
        name=CONTRACT_FAILED,
        description=(
            "A mart failed a data contract (Great Expectations suite or dbt test): tells "
            "stakeholders which table, which checks, how many rows, with the Data Docs "
            "and flow run links."
        ),
        tags=TAGS,
        trigger=EventTrigger(
            expect={CONTRACT_FAILED_EVENT},
            match=ResourceSpecification({"prefect.resource.id": f"{TABLE_RESOURCE_PREFIX}*"}),
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=_notify(block_ids, messages.CONTRACT_FAILED_SUBJECT, messages.CONTRACT_FAILED_BODY),
    )


def daily_run_failed(block_ids: Sequence[UUID]) -> Automation:
    """Data team: a flow run of greenery_daily/greenery-daily ended Failed or Crashed."""
    return Automation(
        name=DAILY_RUN_FAILED,
        description=f"A flow run of {DEPLOYMENT_FULL_NAME} ended Failed or Crashed.",
        tags=TAGS,
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
            match=_FLOW_RUNS,
            match_related=_OF_DAILY_DEPLOYMENT,
        ),
        actions=_notify(
            block_ids, messages.DAILY_RUN_FAILED_SUBJECT, messages.DAILY_RUN_FAILED_BODY
        ),
    )


def daily_run_missing(block_ids: Sequence[UUID], hours: float) -> Automation:
    """Data team: no flow run of greenery_daily/greenery-daily completed within `hours`.

    A Proactive trigger: Prefect counts `prefect.flow-run.Completed` events of the
    deployment in consecutive windows of `hours` (the first starts when the automation
    is created or updated, e.g. by running setup again) and fires at the end of a window
    that saw none, then starts the next window, so it reminds once per window for as
    long as no run completes.

    How the window relates to the daily schedule (prefect.yaml: 06:00 Europe/Amsterdam):
    the window must be longer than the longest gap between two scheduled starts plus a
    run's duration, or a healthy day can fall between two windows and raise a false
    alarm. Starts are 24 hours apart (25 hours across the autumn clock change), so the
    default of 26 hours leaves a run 1 to 2 hours to complete. Because windows are
    consecutive rather than sliding, a missing run is reported between `hours` and
    2 x `hours` after the last completed one (26 to 52 hours with the default); a run
    that fails is reported at once by the "daily run failed" automation anyway. Change
    the window with GREENERY_MISSING_RUN_HOURS if the schedule or run time changes.
    """
    return Automation(
        name=DAILY_RUN_MISSING,
        description=(
            f"No flow run of {DEPLOYMENT_FULL_NAME} completed within "
            f"{messages.fmt_hours(hours)} hours."
        ),
        tags=TAGS,
        trigger=EventTrigger(
            expect={"prefect.flow-run.Completed"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(hours=hours),
            match=_FLOW_RUNS,
            match_related=_OF_DAILY_DEPLOYMENT,
        ),
        actions=_notify(
            block_ids,
            messages.daily_run_missing_subject(hours),
            messages.daily_run_missing_body(hours),
        ),
    )


def kpi_breached_name(unit: str) -> str:
    return f"greenery: {unit} KPI out of its usual range"


def kpi_breached(unit: str, block_ids: Sequence[UUID]) -> Automation:
    """The unit's stakeholders: a KPI it owns broke its check in kpis.yml.

    Reactive on every `greenery.kpi.breached` event whose KPI is labelled with the unit.
    """
    return Automation(
        name=kpi_breached_name(unit),
        description=(
            f"A KPI owned by {unit} is out of its usual range (kpis.yml): tells {unit}'s"
            " channel the KPI, its value, its median and the rule, with the morning report."
        ),
        tags=TAGS,
        trigger=EventTrigger(
            expect={KPI_BREACHED_EVENT},
            match=ResourceSpecification(
                {"prefect.resource.id": f"{KPI_RESOURCE_PREFIX}*", UNIT_LABEL: unit}
            ),
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=_notify(block_ids, messages.KPI_BREACHED_SUBJECT, messages.KPI_BREACHED_BODY),
    )


def all_automations(
    block_ids: Sequence[UUID], missing_hours: float, unit_block_ids: Mapping[str, Sequence[UUID]]
) -> list[Automation]:
    """`unit_block_ids`: each unit's own channels, or the shared ones (`block_ids`)."""
    return [
        contract_failed(block_ids),
        daily_run_failed(block_ids),
        daily_run_missing(block_ids, missing_hours),
        *(kpi_breached(unit, ids) for unit, ids in sorted(unit_block_ids.items())),
    ]
