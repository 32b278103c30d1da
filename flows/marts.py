"""What the run publishes and checks, read from the dbt project's manifest.

A mart is a dbt model under dbt_project/models/marts/<unit>/: dbt builds it into the audit
schema of its business unit (macros/generate_schema_name.sql), and the flow publishes it
to the schema named after the unit. Snapshots are checked where dbt writes them. Nothing
here lists marts or units: a new model, or a new unit's folder, is picked up as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.settings import DBT_PROJECT_DIR

MARTS_FOLDER = "marts"
# The column property (meta) that marks personal data, in the models' YAML.
PERSONAL_DATA = "personal_data"


@dataclass(frozen=True)
class Relation:
    """A table with a data contract: a mart, or a snapshot."""

    schema: str  # where readers find it: a mart's business unit, or "snapshots"
    name: str
    built_in: str  # where dbt builds it and the checks run: audit_<unit>, or `schema`
    # The columns that name a row: an incremental model's unique_key, or else the
    # column(s) of the model's unique test.
    key: tuple[str, ...]
    personal_columns: frozenset[str]
    incremental: bool = False

    @property
    def published(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def audit(self) -> str:
        return f"{self.built_in}.{self.name}"

    @property
    def is_mart(self) -> bool:
        return self.built_in != self.schema


def checked_relations(manifest: Any) -> list[Relation]:
    """The marts and the snapshots, by published name."""
    keys = _keys(manifest)
    relations = []
    for node in manifest.nodes.values():
        if node.resource_type == "model" and node.fqn[1] == MARTS_FOLDER:
            schema = node.fqn[2]
        elif node.resource_type == "snapshot":
            schema = node.schema
        else:
            continue
        unique_key = node.config.get("unique_key") if node.resource_type == "model" else None
        key = (unique_key,) if isinstance(unique_key, str) else tuple(unique_key or ())
        relations.append(
            Relation(
                schema=schema,
                name=node.alias,
                built_in=node.schema,
                key=key or keys.get(node.unique_id, ()),
                personal_columns=frozenset(
                    name for name, column in node.columns.items() if column.meta.get(PERSONAL_DATA)
                ),
                incremental=node.config.materialized == "incremental",
            )
        )
    return sorted(relations, key=lambda relation: relation.published)


def mart_columns(manifest: Any, published: str) -> set[str] | None:
    """The documented columns of the mart published as `published`; None without one."""
    for node in manifest.nodes.values():
        if (
            node.resource_type == "model"
            and node.fqn[1] == MARTS_FOLDER
            and f"{node.fqn[2]}.{node.alias}" == published
        ):
            return set(node.columns)
    return None


def _keys(manifest: Any) -> dict[str, tuple[str, ...]]:
    """Each model's key: the column of its `unique` test, or the columns of its
    `unique_combination_of_columns` test."""
    keys: dict[str, tuple[str, ...]] = {}
    for node in manifest.nodes.values():
        metadata = getattr(node, "test_metadata", None)
        attached = getattr(node, "attached_node", None)
        if metadata is None or attached is None:
            continue
        if metadata.name == "unique" and node.column_name:
            keys.setdefault(attached, (node.column_name,))
        elif metadata.name == "unique_combination_of_columns":
            arguments = metadata.kwargs.get("arguments", metadata.kwargs)
            keys.setdefault(attached, tuple(arguments["combination_of_columns"]))
    return keys


def parse_manifest(target_path: Path) -> Any:
    """The project's manifest, parsed into `target_path`, for tools that work outside a run
    (the tests, the benchmarks); a run parses it once as a task (flows/transform.py)."""
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    result = dbtRunner().invoke(["parse", *project, "--target-path", str(target_path), "--quiet"])
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return result.result
