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
from flows.contracts.validate import DOCS_SITE, open_context, read_table
from flows.publication import audit_relation
from flows.settings import AS_OF_ENV, REPO_ROOT


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


def validation(warehouse: Path, env: dict[str, str]) -> Validation:
    """On the GX project in `env`."""
    with _environment(env):
        return _validation(warehouse)


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    before = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


def _validation(warehouse: Path) -> Validation:
    context = open_context()
    gx_seconds, gx_passed = {}, {}
    # A plain connection, as in validate_marts: the process may hold one already.
    with duckdb.connect(str(warehouse)) as con:
        floor = run_floor(con)
        run_id = RunIdentifier(run_name="greenery-bench")
        for checkpoint in context.checkpoints.all():
            if not checkpoint.name.startswith("duckdb."):
                continue
            mart = checkpoint.name.removeprefix("duckdb.")
            [definition] = checkpoint.validation_definitions
            started = time.perf_counter()
            data = read_table(con, audit_relation(mart))
            result = definition.run(
                batch_parameters={"dataframe": data},
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
            gx_seconds[mart] = time.perf_counter() - started
            gx_passed[mart] = {r.expectation_config.id: r.success for r in result.results}
    started = time.perf_counter()
    context.build_data_docs(site_names=[DOCS_SITE])
    docs_seconds = time.perf_counter() - started
    disagreements = [
        f"{suite.mart} expectation {expectation_id}"
        for suite in floor
        for expectation_id, passed in suite.passed.items()
        if gx_passed[suite.mart].get(expectation_id) != passed
    ]
    return Validation(gx_seconds, docs_seconds, floor, disagreements)
