"""Shared fixtures: an isolated Prefect API and pipeline runs into scratch warehouses, on
DuckDB (dev) and on the Snowflake emulator (prod)."""

import contextlib
import fcntl
import functools
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dbt.contracts.graph.manifest import Manifest
from prefect.testing.utilities import prefect_test_harness

from flows import daily, snowflake
from flows.contracts import ContractReport
from flows.marts import Relation, checked_relations, parse_manifest
from flows.settings import (
    DUCKDB_PATH_ENV,
    GX_DIR_ENV,
    REPO_ROOT,
    SNOWFLAKE_LANDING_PATH_ENV,
)
from flows.warehouse.duckdb import DuckDBWarehouse
from tests.servers import snowflake_emulator

AS_OF = date(2024, 3, 3)
# Modules whose tests read the prod run on the Snowflake emulator: one worker builds it.
ON_SNOWFLAKE_RUN = {"tests/test_marts.py", "tests/test_snowflake.py"}
SEED = "7"  # the generator's seed of the shared runs below; tests that go on from them use it
# The business units of dbt_project/models/marts/, where their marts are published.
PUBLISHED_SCHEMAS = ("core", "marketing", "product")


# The longest modules, started first so that the workers finish about together.
LONGEST_FIRST = [
    "tests/test_faults.py",
    "tests/test_faults_on_snowflake.py",
    "tests/test_marts.py",
    "tests/test_snowflake.py",
    "tests/test_bad_inputs.py",
    "tests/test_end_to_end.py",
    "tests/test_new_mart.py",
    "tests/test_command_line.py",
    "tests/test_automations.py",
    "tests/test_daily_flow.py",
    "tests/test_publication.py",
    "tests/test_incremental.py",
    "tests/test_contracts.py",
    "tests/test_generator.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module's tests keep their order


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With pytest-xdist (make test), each test module runs whole on one worker, so its
    module-scoped runs are made once; the modules that read the Snowflake run share one.
    Modules are handed out in LONGEST_FIRST's order, not xdist's (most tests first, which
    would start a one-test module of minutes last)."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "the Snowflake run" if module in ON_SNOWFLAKE_RUN else module

    return ByModule(config, log)


def copy_gx_project(directory: Path) -> Path:
    """A copy of the committed GX project (suites, checkpoints) without its generated output."""
    project = directory / "gx"
    shutil.copytree(REPO_ROOT / "gx", project, ignore=shutil.ignore_patterns("uncommitted"))
    return project


@pytest.fixture(scope="session", autouse=True)
def scratch_outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's runs write dbt's target and logs, and GX's results and Data Docs, to a
    scratch directory of their own: not into the working tree, and not where another
    session runs at the same time (pytest-xdist workers) writes. Subprocesses inherit it."""
    scratch = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(GX_DIR_ENV, str(copy_gx_project(scratch)))
        patch.setenv("DBT_TARGET_PATH", str(scratch / "dbt-target"))
        patch.setenv("DBT_LOG_PATH", str(scratch / "dbt-logs"))
        yield


@pytest.fixture(scope="session", autouse=True)
def prefect_api(scratch_outputs: None) -> Iterator[None]:
    """A throwaway Prefect server and database for the whole test session."""
    with prefect_test_harness(server_startup_timeout=60):
        yield


@dataclass
class PipelineRun:
    warehouse: Path  # the DuckDB file: the warehouse on dev, the landing file on prod
    exit_code: int
    output: str
    snowflake_env: dict[str, str] | None = None  # set for a run on the prod target

    def query(self, sql: str) -> pd.DataFrame:
        """A query on the DuckDB file."""
        with duckdb.connect(str(self.warehouse)) as con:
            return con.sql(sql).df()

    def table(self, name: str) -> pd.DataFrame:
        """A whole table; on prod, marts come from Snowflake and raw tables from the landing
        file they were copied from (the emulator reads NULL timestamps back as 1970)."""
        if self.snowflake_env and not name.startswith("raw."):
            return self.snowflake_query(f"select * from {name}")
        return self.query(f"select * from {name}")

    def columns(self, relation: str) -> list[str]:
        return self.table(relation).columns.tolist()

    def snowflake_query(self, sql: str) -> pd.DataFrame:
        assert self.snowflake_env, "not a prod run"
        with pytest.MonkeyPatch.context() as patch:
            for variable, value in self.snowflake_env.items():
                patch.setenv(variable, value)
            with snowflake.connect() as con:
                frame = con.cursor().execute(sql).fetch_pandas_all()
        return frame.rename(columns=str.lower)


def copy_warehouse(run: PipelineRun, directory: Path) -> Path:
    """A copy of the run's warehouse file, checkpointed first: this process may still hold
    the file open, with the latest writes only in its write-ahead log."""
    with duckdb.connect(str(run.warehouse)) as con:
        con.execute("checkpoint")
    warehouse = directory / "greenery.duckdb"
    shutil.copy(run.warehouse, warehouse)
    return warehouse


def raw_counts(warehouse: Path) -> dict[str, int]:
    """Rows per table of the DuckDB file's raw schema (the landing log's included)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        return {
            name: con.execute(f"select count(*) from raw.{name}").fetchall()[0][0]
            for (name,) in tables
        }


@functools.cache
def project_manifest() -> Manifest:
    """The dbt project's manifest, parsed once a worker."""
    return parse_manifest(Path(tempfile.mkdtemp(prefix="greenery-manifest-")))


def project_relations() -> list[Relation]:
    """The tables with a contract, as a run reads them from the manifest."""
    return checked_relations(project_manifest())


def validate_marts(warehouse: Path, *, against_published: bool = False) -> ContractReport:
    """The contracts of the DuckDB file's audit tables, as a run validates them."""
    return DuckDBWarehouse(warehouse).validate(
        project_relations(), against_published=against_published
    )


def published_marts(
    warehouse: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> dict[str, pd.DataFrame]:
    """Every table of the DuckDB file's published schemas (or of `schemas`), rows in a
    stable order."""
    with duckdb.connect(str(warehouse)) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            f" where table_schema in {schemas}"
        ).fetchall()
        frames = {name: con.table(name).df() for (name,) in tables}
    return {
        name: frame.sort_values(list(frame.columns)).reset_index(drop=True)
        for name, frame in sorted(frames.items())
    }


def run_pipeline(
    warehouse: Path, *args: str, snowflake_env: dict[str, str] | None = None
) -> PipelineRun:
    """Run `python -m flows.daily ARGS` in-process against the given warehouse file, or, with
    `snowflake_env`, on the prod target with `warehouse` as its landing file."""
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(output):
        patch.setenv(DUCKDB_PATH_ENV, str(warehouse))
        if snowflake_env:
            patch.setenv(SNOWFLAKE_LANDING_PATH_ENV, str(warehouse))
            for variable, value in snowflake_env.items():
                patch.setenv(variable, value)
            args = ("--target", "prod", *args)
        exit_code = daily.main(list(args))
    return PipelineRun(warehouse, exit_code, output.getvalue(), snowflake_env)


@pytest.fixture(scope="session")
def scale_1_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> PipelineRun:
    """One clean daily run at the shop's size, shared by the tests that read its marts: made
    once a session, by the first pytest-xdist worker that needs it; each worker reads a copy
    of its own (a DuckDB file has one writer at a time)."""
    own = tmp_path_factory.mktemp("scale1")
    if worker_id == "master":  # no workers: nothing to share
        return _clean_run(own)
    shared = tmp_path_factory.getbasetemp().parent / "scale1"  # the session's, not a worker's
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the first
        if not (shared / "output.txt").exists():
            run = _clean_run(tmp_path_factory.mktemp("scale1-build"))
            copy_warehouse(run, shared)
            (shared / "output.txt").write_text(run.output)
    warehouse = own / "greenery.duckdb"
    shutil.copy(shared / "greenery.duckdb", warehouse)
    return PipelineRun(warehouse, 0, (shared / "output.txt").read_text())


def _clean_run(directory: Path) -> PipelineRun:
    run = run_pipeline(directory / "greenery.duckdb", "--as-of", AS_OF.isoformat(), "--seed", SEED)
    assert run.exit_code == 0, run.output
    return run


@pytest.fixture(scope="session")
def snowflake_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """The same day as scale_1_run, on the prod target against a Snowflake emulator."""
    tmp = tmp_path_factory.mktemp("snowflake")
    with snowflake_emulator(tmp) as env:
        run = run_pipeline(
            tmp / "landing.duckdb", "--as-of", AS_OF.isoformat(), "--seed", SEED, snowflake_env=env
        )
        assert run.exit_code == 0, run.output
        yield run
