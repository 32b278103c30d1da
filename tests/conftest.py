"""Shared fixtures: an isolated Prefect API and pipeline runs into scratch warehouses."""

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows import daily
from flows.settings import DUCKDB_PATH_ENV

AS_OF = date(2024, 3, 3)


@pytest.fixture(scope="session", autouse=True)
def prefect_api() -> Iterator[None]:
    """A throwaway Prefect server and database for the whole test session."""
    with prefect_test_harness(server_startup_timeout=60):
        yield


@dataclass
class PipelineRun:
    warehouse: Path
    exit_code: int
    output: str

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.warehouse)) as con:
            return con.sql(sql).df()

    def table(self, name: str) -> pd.DataFrame:
        return self.query(f"select * from {name}")


def run_pipeline(warehouse: Path, *args: str) -> PipelineRun:
    """Run `python -m flows.daily ARGS` in-process against the given warehouse file."""
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(output):
        patch.setenv(DUCKDB_PATH_ENV, str(warehouse))
        exit_code = daily.main(list(args))
    return PipelineRun(warehouse, exit_code, output.getvalue())


@pytest.fixture(scope="session")
def scale_1_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """One clean daily run at the shop's size, shared by the tests that read its marts."""
    warehouse = tmp_path_factory.mktemp("scale1") / "greenery.duckdb"
    run = run_pipeline(warehouse, "--as-of", AS_OF.isoformat(), "--seed", "7")
    assert run.exit_code == 0, run.output
    return run
