"""What each notification says: Jinja templates rendered by Prefect when an automation fires.

Prefect renders `subject` and `body` of a SendNotification action with the triggering
`event` (its `resource`, `related` and `payload`), the `automation`, the `firing`
(`firing.triggered` is when it fired) and, when the template names them, Prefect
objects looked up from the event's resources: `flow_run`, `flow`, `deployment`,
`work_pool`... (None when the event has no such resource). The `ui_url` filter turns
one of those objects into a link to it in the Prefect UI. A contract event's payload is
declared in contract.py.
"""

from deployments.contract import DEPLOYMENT_FULL_NAME, WORK_POOL_NAME

CONTRACT_FAILED_SUBJECT = "Greenery data check failed: {{ event.payload.table }}"

CONTRACT_FAILED_BODY = """\
{{ event.payload.summary }}

Table: {{ event.payload.table }} (checked by {{ event.payload.checker }})
Failed checks:
{% for check in event.payload.failed_checks -%}
- {{ check.check }}{% if check.column %} on column {{ check.column }}{% endif %}: \
{% if check.failing_rows is none %}{{ check.description }}{% else %}\
{{ check.failing_rows }} failing row{{ "" if check.failing_rows == 1 else "s" }}{% endif %}\
{% if check.sample_values %} (for example: {{ check.sample_values[:3]|join(", ") }}){% endif %}
{% else -%}
- (the event named no checks)
{% endfor %}
{% if event.payload.publication %}{{ event.payload.publication }}
{% endif %}{% if event.payload.data_docs_url %}Data Docs: {{ event.payload.data_docs_url }}
{% endif %}{% set run_url = event.payload.flow_run_url or (flow_run|ui_url) %}\
{% if run_url %}Flow run: {{ run_url }}
{% endif %}"""

DAILY_RUN_FAILED_SUBJECT = (
    "Greenery daily run {{ event.resource['prefect.state-name'] }}: {{ event.resource.name }}"
)

DAILY_RUN_FAILED_BODY = (
    "The daily Greenery run {{ event.resource.name }} of deployment "
    + DEPLOYMENT_FULL_NAME
    + """ ended {{ event.resource['prefect.state-name'] }} \
at {{ event.occurred.strftime('%Y-%m-%d %H:%M:%S %Z') }}.
{% if event.resource['prefect.state-message'] %}\
Message: {{ event.resource['prefect.state-message'] }}
{% endif %}{% if flow_run %}\
Parameters: {{ flow_run.parameters }}
{% endif %}
Today's marts may be stale or incomplete until a run succeeds.
{% set run_url = flow_run|ui_url %}{% if run_url %}Flow run: {{ run_url }}
{% else %}Its flow run is under Runs in the Prefect UI.
{% endif %}"""
)


def fmt_hours(hours: float) -> str:
    """26.0 -> '26', 0.005 -> '0.005'."""
    return f"{hours:g}"


def daily_run_missing_subject(hours: float) -> str:
    return f"Greenery daily run missing: none completed in {fmt_hours(hours)} hours"


def daily_run_missing_body(hours: float) -> str:
    # Only the f-strings are formatted; the plain literal keeps its Jinja braces.
    return (
        f"No run of deployment {DEPLOYMENT_FULL_NAME} has completed in the last "
        f"{fmt_hours(hours)} hours "
        "(checked at {{ firing.triggered.strftime('%Y-%m-%d %H:%M %Z') }}).\n"
        "The marts stakeholders read every morning may be stale.\n"
        f"Check that a worker for the work pool {WORK_POOL_NAME} is running, that the "
        "deployment and its schedule are not paused, and its latest runs in the Prefect UI.\n"
    )


KPI_BREACHED_SUBJECT = (
    "Greenery KPI out of its usual range: {{ event.payload.label }} "
    "{{ event.payload.value_text }} on {{ event.payload.day }} ({{ event.payload.unit }})"
)

KPI_BREACHED_BODY = """\
{{ event.payload.summary }}

KPI: {{ event.payload.label }} ({{ event.payload.metric }}), owned by {{ event.payload.unit }}
Value on {{ event.payload.day }}: {{ event.payload.value_text }}
Median of the previous days: {{ event.payload.median_text }}
Rule broken:
{% for rule in event.payload.rules -%}
- {{ rule }}
{% endfor %}
The data itself passed its checks; this is the business moving. \
{{ event.payload.publication }}
{% if event.payload.report_url %}Morning report: {{ event.payload.report_url }}
{% endif %}{% set run_url = event.payload.flow_run_url or (flow_run|ui_url) %}\
{% if run_url %}Flow run: {{ run_url }}
{% endif %}"""
