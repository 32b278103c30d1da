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

The notification templates in messages.py read the payload's fields by name: only those
declared here (tests/test_contract.py checks).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

CONTRACT_FAILED_EVENT = "greenery.contract.failed"
CONTRACT_PASSED_EVENT = "greenery.contract.passed"
TABLE_RESOURCE_PREFIX = "greenery.table."
TARGET_LABEL = "greenery.target"

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
