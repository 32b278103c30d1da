"""The GX project a run validates with: the committed suites, and all else made at run time.

Only the suites are reviewed and committed: gx/expectations/<schema>/<table>.json, suite
name <schema>.<table>, is the contract of that table (a mart by its published name, such
as core.fact_orders, or a snapshot); a table without a suite has no contract. The
datasource, its assets, the batch and validation definitions and the checkpoints are
made in memory for the tables the dbt manifest lists (flows/marts.py) and the suites
present. gx/great_expectations.yml says only where results and the Data Docs site are
kept, and how the site is built.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import great_expectations as gx
import yaml
from great_expectations.checkpoint import Checkpoint
from great_expectations.core import ExpectationSuite
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import DataContextConfig
from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier
from great_expectations.datasource.fluent import BatchDefinition

from flows.contracts import expectations  # noqa: F401  (registers the custom expectation)
from flows.failures import UsageError
from flows.marts import Relation
from flows.settings import gx_project_dir

DOCS_SITE = "local_site"  # in gx/great_expectations.yml
SUITES_FOLDER = "expectations"
PANDAS_DATASOURCE = "greenery_marts"
SNOWFLAKE_DATASOURCE = "greenery_snowflake"
# How many failing values and which key columns a result keeps, for reports and Data Docs.
PARTIAL_UNEXPECTED = 5


@dataclass(frozen=True)
class Contract:
    """A table and the checkpoint that validates it against its suite."""

    relation: Relation
    checkpoint: Checkpoint

    @property
    def suite(self) -> str:
        return self._suite.name

    @property
    def fingerprint(self) -> str:
        """Changes whenever the suite's expectations do."""
        configured = [
            {key: value for key, value in e.configuration.to_json_dict().items() if key != "id"}
            for e in self._suite.expectations
        ]
        return hashlib.sha256(json.dumps(configured, sort_keys=True).encode()).hexdigest()

    @property
    def _suite(self) -> ExpectationSuite:
        return self.checkpoint.validation_definitions[0].suite


class SuiteFileError(UsageError):
    """A suite file that is not a suite, or not where its name says."""


def open_project() -> AbstractDataContext:
    """The GX project in GREENERY_GX_DIR, in memory: its committed suites loaded, results
    and the Data Docs site kept on disk under uncommitted/."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    root = gx_project_dir()
    config = yaml.safe_load((root / "great_expectations.yml").read_text(encoding="utf-8"))
    for backend in [store.get("store_backend", {}) for store in config["stores"].values()] + [
        site["store_backend"] for site in config["data_docs_sites"].values()
    ]:
        if "base_directory" in backend:
            backend["base_directory"] = str(root / backend["base_directory"])
    config["plugins_directory"] = str(root / config["plugins_directory"])
    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(**config))
    for path in sorted((root / SUITES_FOLDER).glob("*/*.json")):
        context.suites.add(_load_suite(path))
    return context


def _load_suite(path: Path) -> ExpectationSuite:
    """The suite in gx/expectations/<schema>/<table>.json, named <schema>.<table>. Its ids,
    if any, are not kept: GX gives each loaded suite and expectation new ones."""
    name = f"{path.parent.name}.{path.stem}"
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("name", name) != name:
            raise ValueError(f"its name is {suite['name']!r}; a suite in this file is named {name}")
        suite.pop("id", None)
        for expectation in suite.get("expectations", []):
            expectation.pop("id", None)
        return ExpectationSuite(**(suite | {"name": name}))
    except (ValueError, TypeError, KeyError) as error:
        raise SuiteFileError(f"The contract {path} cannot be read: {error}") from error


def suites_present(context: AbstractDataContext) -> list[str]:
    """The names of the committed suites."""
    return sorted(suite.name for suite in context.suites.all())


def pandas_contracts(context: AbstractDataContext, relations: list[Relation]) -> list[Contract]:
    """Contracts validated on DataFrames (the batch given at run time)."""
    datasource = context.data_sources.add_pandas(PANDAS_DATASOURCE)

    def batch(relation: Relation) -> BatchDefinition:
        asset = datasource.add_dataframe_asset(relation.published)
        return asset.add_batch_definition_whole_dataframe("whole_dataframe")

    return _contracts(context, relations, "duckdb", batch)


def snowflake_contracts(
    context: AbstractDataContext, relations: list[Relation], connection: dict[str, Any]
) -> list[Contract]:
    """Contracts validated as SQL inside Snowflake, on each table where dbt built it.
    `connection` (snowflake.connector's arguments) stays in memory: GX is given no
    secret in its connection string."""
    url = "snowflake://{user}@{account}/{database}?warehouse={warehouse}&role={role}"
    datasource = context.data_sources.add_sql(
        SNOWFLAKE_DATASOURCE,
        connection_string=url.format(**connection),
        kwargs={"connect_args": connection},
    )

    def batch(relation: Relation) -> BatchDefinition:
        asset = datasource.add_table_asset(
            relation.published, table_name=relation.name, schema_name=relation.built_in
        )
        return asset.add_batch_definition_whole_table("whole_table")

    return _contracts(context, relations, "snowflake", batch)


def _contracts(
    context: AbstractDataContext, relations: list[Relation], warehouse: str, batch: Any
) -> list[Contract]:
    suites = set(suites_present(context))
    contracts = []
    for relation in relations:
        if relation.published not in suites:
            continue
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=f"{warehouse}.{relation.published}",
                data=batch(relation),
                suite=context.suites.get(relation.published),
            )
        )
        checkpoint = context.checkpoints.add(
            Checkpoint(
                name=f"{warehouse}.{relation.published}",
                validation_definitions=[definition],
                result_format={
                    "result_format": "COMPLETE",
                    "partial_unexpected_count": PARTIAL_UNEXPECTED,
                    "unexpected_index_column_names": list(relation.key),
                    "return_unexpected_index_query": False,
                },
            )
        )
        contracts.append(Contract(relation, checkpoint))
    return contracts


def orphan_suites(context: AbstractDataContext, relations: list[Relation]) -> list[str]:
    """Suites that name no table of the dbt project: a mart renamed or removed."""
    names = {relation.published for relation in relations}
    return [suite for suite in suites_present(context) if suite not in names]


def local_page(
    context: AbstractDataContext, resource: ValidationResultIdentifier | None = None
) -> Path:
    """The local site's page of a validation result, or its index page."""
    [site] = context.get_docs_sites_urls(
        resource_identifier=resource, site_names=[DOCS_SITE], only_if_exists=False
    )
    return Path(unquote(urlparse(site["site_url"]).path))
