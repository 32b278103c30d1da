"""Shared fixtures: an isolated Prefect API and pipeline runs into scratch warehouses, on
DuckDB (dev) and on the Snowflake emulator (prod)."""

import contextlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows import daily, snowflake
from flows.publication import PUBLISHED_SCHEMAS
from flows.settings import DUCKDB_PATH_ENV, SNOWFLAKE_LANDING_PATH_ENV
from tests.servers import snowflake_emulator

AS_OF = date(2024, 3, 3)


@pytest.fixture(scope="session", autouse=True)
def prefect_api() -> Iterator[None]:
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
def scale_1_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """One clean daily run at the shop's size, shared by the tests that read its marts."""
    warehouse = tmp_path_factory.mktemp("scale1") / "greenery.duckdb"
    run = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), "--seed", "7")
    assert run.exit_code == 0, run.output
    return run


@pytest.fixture(scope="session")
def snowflake_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """The same day as scale_1_run, on the prod target against a Snowflake emulator."""
    tmp = tmp_path_factory.mktemp("snowflake")
    with snowflake_emulator(tmp) as env:
        run = run_pipeline(
            tmp / "landing.duckdb", "--as-of", AS_OF.isoformat(), "--seed", "7", snowflake_env=env
        )
        assert run.exit_code == 0, run.output
        yield run
