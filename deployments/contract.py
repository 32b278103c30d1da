"""The names the daily flow and the automations agree on.

The flow emits one `greenery.contract.failed` event per failed Great Expectations
suite and per failed dbt test (and `greenery.contract.passed` per passing suite):

    event:    greenery.contract.failed | greenery.contract.passed
    resource: {"prefect.resource.id": "greenery.table.<schema>.<table>",
               "prefect.resource.name": "<schema>.<table>"}
    payload:  {"checker": "great_expectations" | "dbt",
               "table": "<schema>.<table>",
               "summary": "<one plain-language line: table, column, check, row count>",
               "failed_checks": [{"check": str, "column": str | None,
                                  "failing_rows": int, "sample_values": [...]}],
               "data_docs_url": str | None,
               "flow_run_url": str | None}

Emitted from inside a flow run, Prefect adds the flow run (and its flow and
deployment) as related resources by itself.
"""

CONTRACT_FAILED_EVENT = "greenery.contract.failed"
CONTRACT_PASSED_EVENT = "greenery.contract.passed"
TABLE_RESOURCE_PREFIX = "greenery.table."

# The deployment in prefect.yaml: flow name / deployment name.
FLOW_NAME = "greenery_daily"
DEPLOYMENT_NAME = "greenery-daily"
DEPLOYMENT_FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
WORK_POOL_NAME = "greenery-process"
