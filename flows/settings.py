"""Where the pipeline's parts live, and which warehouse it writes to."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DUCKDB_PATH_ENV = "GREENERY_DUCKDB_PATH"
DEFAULT_DUCKDB_PATH = Path("warehouse/greenery.duckdb")


def duckdb_path() -> Path:
    """The DuckDB warehouse file; a relative path is taken from the repository root."""
    path = Path(os.environ.get(DUCKDB_PATH_ENV) or DEFAULT_DUCKDB_PATH)
    return path if path.is_absolute() else REPO_ROOT / path
