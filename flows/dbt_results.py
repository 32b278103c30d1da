"""Turn a dbt invocation's results into counts and plain-language failures."""

from dataclasses import dataclass, field
from typing import Any

FAILED_STATUSES = {"fail", "error", "runtime error"}


@dataclass(frozen=True)
class CheckFailure:
    """One dbt node that failed: a data test, a unit test, a model or a source."""

    node: str  # the dbt node's name, e.g. unique_fact_orders_order_id
    kind: str  # "data test", "unit test", "model", "snapshot", "source freshness"
    check: str  # what was checked, e.g. unique, url_matches_pattern
    relation: str  # the table it concerns, e.g. product.fact_page_views
    column: str | None
    failing_rows: int | None
    message: str

    def describe(self) -> str:
        where = self.relation + (f", column {self.column}" if self.column else "")
        if self.kind == "data test" and self.failing_rows is not None:
            rows = "row" if self.failing_rows == 1 else "rows"
            return (
                f"{where}: check '{self.check}' failed on {self.failing_rows} {rows}"
                f" (dbt test {self.node})"
            )
        return f"{where}: {self.kind} {self.node} failed: {self.message}"


@dataclass(frozen=True)
class DbtOutcome:
    command: str
    counts: dict[str, int] = field(default_factory=dict)  # "<kind> <status>" -> n
    failures: list[CheckFailure] = field(default_factory=list)
    # Tables and views built, schema-qualified, with the roles granted SELECT on each.
    built: dict[str, list[str]] = field(default_factory=dict)
    incremental: set[str] = field(default_factory=set)  # those of `built` built incrementally

    @property
    def succeeded(self) -> bool:
        return not self.failures

    def count(self, kind: str, *statuses: str) -> int:
        return sum(self.counts.get(f"{kind} {status}", 0) for status in statuses)


_KINDS = {
    "test": "data test",
    "unit_test": "unit test",
    "model": "model",
    "snapshot": "snapshot",
    "source": "source freshness",
    "seed": "seed",
}


def _relation_of(unique_id: str, manifest: Any) -> str:
    node = manifest.nodes.get(unique_id) or manifest.sources.get(unique_id)
    if node is None:
        return unique_id
    return f"{node.schema}.{node.alias if hasattr(node, 'alias') else node.name}"


def _concerned_relation(node: Any, manifest: Any) -> str:
    """The table a test or node is about (its model or source), schema-qualified."""
    if node.resource_type in ("test", "unit_test"):
        attached = getattr(node, "attached_node", None)
        parents = [attached] if attached else list(node.depends_on.nodes)
        if parents:
            return _relation_of(parents[0], manifest)
    return _relation_of(node.unique_id, manifest)


def _operation_failure(result: Any) -> CheckFailure:
    name = result.unique_id.rsplit(".", 1)[-1]
    return CheckFailure(
        node=name,
        kind="operation",
        check=name,
        relation=result.unique_id,
        column=None,
        failing_rows=None,
        message=(result.message or str(result.status)).strip(),
    )


def _check_of(kind: str, node: Any) -> str:
    return kind if kind == "source freshness" else node.name


def _failure_message(result: Any, status: str) -> str:
    age = getattr(result, "age", None)
    if age is not None:  # a source freshness result
        if result.max_loaded_at.year == 1:  # what dbt reports for a table without rows
            return "the table has no rows"
        return (
            f"its newest row ({result.max_loaded_at:%Y-%m-%d %H:%M} UTC) is"
            f" {age / 86400:.1f} days older than the end of the run's day"
        )
    return (result.message or status).strip()


def node_rows(results: Any) -> list[dict[str, Any]]:
    """One row per dbt node a command ran: what it is, how it ended, how long it took, and
    the rows it wrote (models, snapshots) or found failing (tests)."""
    rows = []
    for result in results or []:
        node = getattr(result, "node", None)
        kind = _KINDS.get(str(node.resource_type), str(node.resource_type)) if node else "operation"
        adapter_response = getattr(result, "adapter_response", None) or {}
        written = adapter_response.get("rows_affected")
        rows.append(
            {
                "node": node.name if node else result.unique_id.rsplit(".", 1)[-1],
                "kind": kind,
                "status": str(result.status),
                "seconds": round(result.execution_time or 0.0, 2),
                "rows": result.failures if kind == "data test" else written,
                "message": (result.message or "").strip(),
            }
        )
    return rows


def summarise(command: str, results: Any, manifest: Any) -> DbtOutcome:
    """Count results per kind and status, and describe every failure."""
    counts: dict[str, int] = {}
    failures: list[CheckFailure] = []
    built: dict[str, list[str]] = {}
    incremental: set[str] = set()
    for result in results or []:
        node = getattr(result, "node", None)
        if node is None:  # a run-operation: a macro, no node
            if str(result.status) in FAILED_STATUSES:
                failures.append(_operation_failure(result))
            continue
        kind = _KINDS.get(str(node.resource_type), str(node.resource_type))
        status = str(result.status)
        counts[f"{kind} {status}"] = counts.get(f"{kind} {status}", 0) + 1
        if kind == "model" and status == "success":
            relation = _relation_of(node.unique_id, manifest)
            built[relation] = list((node.config.grants or {}).get("select", []))
            if node.config.materialized == "incremental":
                incremental.add(relation)
        if status not in FAILED_STATUSES:
            continue
        test_metadata = getattr(node, "test_metadata", None)
        failures.append(
            CheckFailure(
                node=node.name,
                kind=kind,
                check=test_metadata.name if test_metadata else _check_of(kind, node),
                relation=_concerned_relation(node, manifest),
                column=getattr(node, "column_name", None) or getattr(node, "loaded_at_field", None),
                failing_rows=result.failures if kind == "data test" else None,
                message=_failure_message(result, status),
            )
        )
    return DbtOutcome(
        command=command, counts=counts, failures=failures, built=built, incremental=incremental
    )
