"""Where the pipeline's parts live, and the settings a run takes from the environment.

The settings are typed: `settings()` reads them afresh on every call, and a value of the
wrong kind is a usage error naming the variable, the value (unless it is a secret) and
what the variable accepts. `python -m flows.daily` checks them before it does anything.
"""

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.failures import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DUCKDB_PATH_ENV = "GREENERY_DUCKDB_PATH"
AS_OF_ENV = "GREENERY_AS_OF"  # the run's day, for dbt (macros/as_of.sql)
GX_DIR_ENV = "GREENERY_GX_DIR"
SNOWFLAKE_LANDING_PATH_ENV = "GREENERY_SNOWFLAKE_LANDING_PATH"

Model = TypeVar("Model", bound=BaseSettings)


class SettingsError(UsageError, ValueError):
    """An environment variable's value is not one its setting accepts."""


def _from_repo_root(path: Path) -> Path:
    return path if path.is_absolute() else REPO_ROOT / path


def _http_address(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// address")
    return url


RepoPath = Annotated[Path, AfterValidator(_from_repo_root)]


class Settings(BaseSettings):
    """The GREENERY_* variables a run reads. Unset or empty, a variable takes its default."""

    model_config = SettingsConfigDict(
        env_prefix="GREENERY_",
        env_ignore_empty=True,
        validate_default=True,  # relative default paths too are taken from the repository root
        frozen=True,
    )

    duckdb_path: RepoPath = Field(
        Path("warehouse/greenery.duckdb"),
        description="the DuckDB warehouse file; a relative path is taken from the repository root",
    )
    # The GX project: the suites, and the validation results and Data Docs it writes under
    # uncommitted/. Another warehouse's runs (the tests, make bench) use a copy of it, so
    # that their results stay out of this warehouse's Data Docs.
    gx_dir: RepoPath = Field(
        Path("gx"),
        description="the GX project directory; a relative path is taken from the repository root",
    )
    snowflake_landing_path: RepoPath = Field(
        Path("warehouse/snowflake_landing.duckdb"),
        description="the DuckDB file the prod target lands into before copying raw data to"
        " Snowflake; a relative path is taken from the repository root",
    )
    # dbt's own log lines in the terminal (they are always in dbt_project/logs/dbt.log).
    dbt_log_level: Literal["debug", "info", "warn", "error"] = Field(
        "error", description="one of debug, info, warn, error"
    )
    warehouse_retries: int = Field(3, ge=0, description="a whole number, 0 or more")
    warehouse_retry_seconds: float = Field(
        10.0, gt=0, allow_inf_nan=False, description="a number of seconds, more than 0"
    )
    warehouse_wait_minutes: float = Field(
        60.0, gt=0, allow_inf_nan=False, description="a number of minutes, more than 0"
    )
    data_docs_bucket: str | None = Field(
        None, description="the S3 bucket each run syncs the Data Docs site to"
    )
    data_docs_prefix: str = Field("", description="the folder in the bucket")
    data_docs_url: Annotated[str, AfterValidator(_http_address)] | None = Field(
        None, description="an http:// or https:// address: where people open the site's root"
    )
    # Two weeks of daily runs: last week's and this week's.
    contract_runs_kept: int = Field(14, ge=1, description="a whole number, 1 or more")


def read(model: type[Model]) -> Model:
    """The model's settings from the environment; SettingsError names every bad value."""
    try:
        return model()
    except ValidationError as error:
        # `from None`: the validation error repeats the values, secrets included.
        raise SettingsError(_problems(model, error)) from None


def env_var(model: type[BaseSettings], field: str) -> str:
    """The environment variable a model's field is read from."""
    return f"{model.model_config.get('env_prefix', '')}{field}".upper()


def _problems(model: type[BaseSettings], error: ValidationError) -> str:
    problems = {}  # one per variable: a union's members each add an error
    for detail in error.errors():
        field = str(detail["loc"][0])
        info = model.model_fields[field]
        name = env_var(model, field)
        if _is_secret(info.annotation):
            problem = f"{name} is not valid (its value is not shown)"
        else:
            problem = f"{name}={detail['input']!r} is not valid"
        problems[field] = f"{problem}: expected {info.description}"
    return "; ".join(problems.values())


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or any(_is_secret(arg) for arg in get_args(annotation))


def settings() -> Settings:
    return read(Settings)


def duckdb_path() -> Path:
    """The DuckDB warehouse file; a relative path is taken from the repository root."""
    return settings().duckdb_path


def snowflake_landing_path() -> Path:
    """The local DuckDB file the prod target lands into before copying raw data to Snowflake."""
    return settings().snowflake_landing_path


def gx_project_dir() -> Path:
    """The GX project directory; a relative path is taken from the repository root."""
    return settings().gx_dir


def dbt_console_level() -> str:
    """debug, info, warn or error (the default: only what failed, and why)."""
    return settings().dbt_log_level
