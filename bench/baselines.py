"""Baselines measured on the same data as the runs: the flow's dbt commands without
Prefect, the GX suites without Data Docs, the Data Docs site alone, and the SQL floor."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from great_expectations.core.run_identifier import RunIdentifier

from bench.sql_floor import SuiteFloor, run_floor
from flows.contracts import open_project, pandas_contracts
from flows.contracts.context import DOCS_SITE
from flows.marts import Relation
from flows.settings import AS_OF_ENV, REPO_ROOT
from flows.warehouse.duckdb import read_arrow


def bare_dbt(commands: list[list[str]], as_of: str, env: dict[str, str]) -> dict[str, float]:
    """Each command's seconds when dbt runs alone (dbt's own runner, one process, no
    Prefect), on the warehouse in `env`, given the day as the flow gives it."""
    process = subprocess.run(
        [sys.executable, "-m", "bench.bare_dbt", json.dumps(commands)],
        cwd=REPO_ROOT,
        env={**os.environ, **env, AS_OF_ENV: as_of},
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise RuntimeError(f"bare dbt failed:\n{process.stdout}\n{process.stderr}")
    return json.loads(process.stdout.splitlines()[-1])


@dataclass
class Validation:
    gx_seconds: dict[str, float]  # per mart: read the audit table, run its suite, no actions
    docs_seconds: float  # rebuild the whole Data Docs site
    floor: list[SuiteFloor]
    disagreements: list[str]  # expectations the floor and GX judge differently


def validation(warehouse: Path, env: dict[str, str], relations: list[Relation]) -> Validation:
    """On the GX project in `env`."""
    with _environment(env):
        return _validation(warehouse, relations)


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    before = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


def _validation(warehouse: Path, relations: list[Relation]) -> Validation:
    context = open_project()
    gx_seconds, gx_passed = {}, {}
    # A plain connection, as the run's: the process may hold one already.
    with duckdb.connect(str(warehouse)) as con:
        floor = run_floor(con, {relation.published: relation.audit for relation in relations})
        run_id = RunIdentifier(run_name="greenery-bench")
        for contract in pandas_contracts(context, relations):
            checkpoint = contract.checkpoint
            mart = contract.relation.published
            [definition] = checkpoint.validation_definitions
            started = time.perf_counter()
            data = read_arrow(con.table(contract.relation.audit))
            result = definition.run(
                batch_parameters={"dataframe": data},
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
            gx_seconds[mart] = time.perf_counter() - started
            gx_passed[mart] = {r.expectation_config.description: r.success for r in result.results}
    started = time.perf_counter()
    context.build_data_docs(site_names=[DOCS_SITE])
    docs_seconds = time.perf_counter() - started
    disagreements = [
        f"{suite.mart}: {description}"
        for suite in floor
        for description, passed in suite.passed.items()
        if gx_passed[suite.mart].get(description) != passed
    ]
    return Validation(gx_seconds, docs_seconds, floor, disagreements)
