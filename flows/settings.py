"""Where the pipeline's parts live, and which warehouse it writes to."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DUCKDB_PATH_ENV = "GREENERY_DUCKDB_PATH"
AS_OF_ENV = "GREENERY_AS_OF"  # the run's day, for dbt (macros/as_of.sql)
# The GX project: the suites, and the validation results and Data Docs it writes under
# uncommitted/. Another warehouse's runs (the tests, make bench) use a copy of it, so that
# their results stay out of this warehouse's Data Docs.
GX_DIR_ENV = "GREENERY_GX_DIR"
DEFAULT_GX_DIR = Path("gx")
DEFAULT_DUCKDB_PATH = Path("warehouse/greenery.duckdb")
SNOWFLAKE_LANDING_PATH_ENV = "GREENERY_SNOWFLAKE_LANDING_PATH"
DEFAULT_SNOWFLAKE_LANDING_PATH = Path("warehouse/snowflake_landing.duckdb")
# dbt's own log lines in the terminal (they are always in dbt_project/logs/dbt.log).
DBT_LOG_LEVEL_ENV = "GREENERY_DBT_LOG_LEVEL"


def duckdb_path() -> Path:
    """The DuckDB warehouse file; a relative path is taken from the repository root."""
    return _from_env(DUCKDB_PATH_ENV, DEFAULT_DUCKDB_PATH)


def snowflake_landing_path() -> Path:
    """The local DuckDB file the prod target lands into before copying raw data to Snowflake."""
    return _from_env(SNOWFLAKE_LANDING_PATH_ENV, DEFAULT_SNOWFLAKE_LANDING_PATH)


def gx_project_dir() -> Path:
    """The GX project directory; a relative path is taken from the repository root."""
    return _from_env(GX_DIR_ENV, DEFAULT_GX_DIR)


def dbt_console_level() -> str:
    """debug, info, warn or error (the default: only what failed, and why)."""
    return os.environ.get(DBT_LOG_LEVEL_ENV) or "error"


def _from_env(variable: str, default: Path) -> Path:
    path = Path(os.environ.get(variable) or default)
    return path if path.is_absolute() else REPO_ROOT / path
