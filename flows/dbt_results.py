"""Turn a dbt invocation's results into counts and plain-language failures."""

from dataclasses import dataclass, field
from typing import Any

FAILED_STATUSES = {"fail", "error", "runtime error"}
_PASSED = {"success", "pass"}


@dataclass(frozen=True)
class CheckFailure:
    """One dbt node that failed (or, with `warned`, only warned): a data test, a unit
    test, a model or a source."""

    node: str  # the dbt node's name, e.g. unique_fact_orders_order_id
    kind: str  # "data test", "unit test", "model", "snapshot", "source freshness"
    check: str  # what was checked, e.g. unique, url_matches_pattern
    relation: str  # the table it concerns, e.g. product.fact_page_views
    column: str | None
    failing_rows: int | None
    message: str
    warned: bool = False  # a check of severity warn, or a source only stale enough to warn

    def describe(self) -> str:
        where = self.relation + (f", column {self.column}" if self.column else "")
        verb = "warned" if self.warned else "failed"
        if self.kind == "data test" and self.failing_rows is not None:
            rows = "row" if self.failing_rows == 1 else "rows"
            return (
                f"{where}: check '{self.check}' {verb} on {self.failing_rows} {rows}"
                f" (dbt test {self.node})"
            )
        return f"{where}: {self.kind} {self.node} {verb}: {self.message}"


@dataclass(frozen=True)
class DbtOutcome:
    command: str
    counts: dict[str, int] = field(default_factory=dict)  # "<kind> <status>" -> n
    failures: list[CheckFailure] = field(default_factory=list)
    warnings: list[CheckFailure] = field(default_factory=list)

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
    """One row per dbt node a command ran: how it ended, how long it took, the rows it
    wrote (models, snapshots, where the warehouse says) or found failing (tests), what it
    is. What did not pass comes first, then the slowest."""
    rows = []
    for result in results or []:
        kind = _KINDS.get(str(result.node.resource_type), str(result.node.resource_type))
        if getattr(result.node.config, "materialized", None) == "incremental":
            kind = "incremental model"
        written = (result.adapter_response or {}).get("rows_affected")
        rows.append(
            {
                "status": str(result.status),
                "seconds": round(result.execution_time or 0.0, 2),
                "rows": result.failures if kind == "data test" else written,
                "kind": kind,
                "node": result.node.name,
                "message": (result.message or "").strip(),
            }
        )
    return sorted(rows, key=lambda row: (row["status"] in _PASSED, -row["seconds"]))


def summarise(command: str, results: Any, manifest: Any) -> DbtOutcome:
    """Count results per kind and status, and describe every failure."""
    counts: dict[str, int] = {}
    failures: list[CheckFailure] = []
    warnings: list[CheckFailure] = []
    for result in results or []:
        node = result.node
        kind = _KINDS.get(str(node.resource_type), str(node.resource_type))
        status = str(result.status)
        counts[f"{kind} {status}"] = counts.get(f"{kind} {status}", 0) + 1
        warned = status == "warn"
        if status not in FAILED_STATUSES and not warned:
            continue
        test_metadata = getattr(node, "test_metadata", None)
        (warnings if warned else failures).append(
            CheckFailure(
                node=node.name,
                kind=kind,
                check=test_metadata.name if test_metadata else _check_of(kind, node),
                relation=_concerned_relation(node, manifest),
                column=getattr(node, "column_name", None) or getattr(node, "loaded_at_field", None),
                failing_rows=result.failures if kind == "data test" else None,
                message=_failure_message(result, status),
                warned=warned,
            )
        )
    return DbtOutcome(
        command=command,
        counts=counts,
        failures=failures,
        warnings=warnings,
    )
