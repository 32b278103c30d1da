"""What the daily flow and the automations agree on: the deployment's names, and the
contract events the flow emits (flows/reporting.py) for the automations and their
notifications (automations.py, messages.py) to act on.

Each Great Expectations suite emits `greenery.contract.passed` or `greenery.contract.failed`;
each failed dbt check, and a landing stopped by bad input, emits `greenery.contract.failed`
too, with the same payload, so that one automation tells stakeholders about any of them:

    event:    greenery.contract.failed | greenery.contract.passed
    resource: {"prefect.resource.id": "greenery.table.<schema>.<table>",  (or .raw: a landing)
               "prefect.resource.name": "<schema>.<table>",
               "greenery.target": "dev" | "prod"}
    related:  the flow run (Prefect adds the task run, the flow, the deployment if any)
    payload:  ContractPayload below, as JSON

A KPI of the day out of its usual range (kpis.yml) emits `greenery.kpi.breached`, for the
automation of the unit that owns it:

    event:    greenery.kpi.breached
    resource: {"prefect.resource.id": "greenery.kpi.<column>",
               "prefect.resource.name": "<the KPI's label>",
               "greenery.unit": "core" | "marketing" | "product" | ...,
               "greenery.target": "dev" | "prod"}
    related:  the flow run
    payload:  KpiBreachPayload below, as JSON

The notification templates in messages.py read the payload's fields by name: only those
declared here (tests/test_contract.py checks).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

CONTRACT_FAILED_EVENT = "greenery.contract.failed"
CONTRACT_PASSED_EVENT = "greenery.contract.passed"
KPI_BREACHED_EVENT = "greenery.kpi.breached"
TABLE_RESOURCE_PREFIX = "greenery.table."
KPI_RESOURCE_PREFIX = "greenery.kpi."
TARGET_LABEL = "greenery.target"
UNIT_LABEL = "greenery.unit"

# The deployment in prefect.yaml: flow name / deployment name.
FLOW_NAME = "greenery_daily"
DEPLOYMENT_NAME = "greenery-daily"
DEPLOYMENT_FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
WORK_POOL_NAME = "greenery-process"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FailedCheck(_Payload):
    check: str  # the expectation or dbt test, e.g. expect_column_values_to_match_regex
    description: str  # what it checks, in words
    column: str | None  # a pair or list of columns joined: "product_id, page_url_product_id"
    failing_rows: int | None  # None for table-level checks, errors and landing problems
    sample_values: list[str]  # a few offending values (personal data masked)
    failing_keys: list[str] | None = None  # the failing rows' keys, where GX reports them


class ContractPayload(_Payload):
    checker: Literal["great_expectations", "dbt", "landing"]
    table: str  # "<schema>.<table>", or "raw" for a landing
    summary: str  # one plain-language line: table, column, check, row count
    suite: str | None = None  # the GX suite; None from dbt and the landing
    expectations_evaluated: int | None = None  # likewise
    failed_checks: list[FailedCheck]  # empty when passed
    data_docs_url: str | None  # the suite's Data Docs page, or the site's index
    publication: str  # what was published, or why nothing was
    flow_run_url: str | None  # the run in the Prefect UI; None without a UI address


def table_resource(table: str, target: str) -> dict[str, str]:
    """The resource of a contract event about `table`, on the dev or prod target."""
    return {
        "prefect.resource.id": f"{TABLE_RESOURCE_PREFIX}{table}",
        "prefect.resource.name": table,
        TARGET_LABEL: target,
    }


class KpiBreachPayload(_Payload):
    metric: str  # the mart's column, e.g. conversion_rate
    label: str  # what the report calls it, e.g. Conversion rate
    unit: str  # the business unit that owns it
    day: str  # the day the KPI describes, YYYY-MM-DD
    value: float | None  # the day's value, as stored (a share as 0.302)
    value_text: str  # as people read it: 30.2%
    median: float | None  # the median of the previous days, when there were enough
    median_text: str  # as people read it; a dash without one
    rules: list[str]  # the rules broken, in words: "not more than 20% below its 7-day median"
    summary: str  # one sentence: the KPI, its value, how it broke its check, its owner
    publication: str  # what was published, or why nothing was
    report_url: str | None  # the morning report's page in the Data Docs site
    flow_run_url: str | None  # the run in the Prefect UI; None without a UI address


def kpi_resource(metric: str, label: str, unit: str, target: str) -> dict[str, str]:
    """The resource of a KPI event: the KPI, labelled with its owning unit."""
    return {
        "prefect.resource.id": f"{KPI_RESOURCE_PREFIX}{metric}",
        "prefect.resource.name": label,
        UNIT_LABEL: unit,
        TARGET_LABEL: target,
    }
