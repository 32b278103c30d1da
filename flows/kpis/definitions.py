"""kpis.yml: the KPIs the morning report shows, their owning units and their checks."""

from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flows.failures import UsageError
from flows.settings import REPO_ROOT

KPIS_FILE = REPO_ROOT / "kpis.yml"

Format = Literal["count", "percent", "money", "hours"]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Entry):
    """Bounds, and how far a day may lie from its median of the previous days."""

    min: float | None = None
    max: float | None = None
    max_percent_below_median: float | None = Field(None, gt=0, le=100)
    max_percent_above_median: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _has_a_rule(self) -> Self:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("a check needs at least one rule")
        return self


class Kpi(_Entry):
    column: str
    label: str
    unit: str  # the business unit that owns it: a folder of dbt_project/models/marts/
    format: Format
    check: Check | None = None


class KpiFile(_Entry):
    mart: str  # <unit>.<table>, as published
    day_column: str
    median_days: int = Field(gt=0)
    min_history_days: int = Field(gt=0)
    kpis: list[Kpi] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns_once(self) -> Self:
        columns = [kpi.column for kpi in self.kpis]
        twice = sorted({column for column in columns if columns.count(column) > 1})
        if twice:
            raise ValueError(f"each column may be listed once; listed more often: {twice}")
        if self.min_history_days > self.median_days:
            raise ValueError("min_history_days cannot be more than median_days")
        return self

    @property
    def units(self) -> list[str]:
        return sorted({kpi.unit for kpi in self.kpis})


class KpiFileError(UsageError):
    """kpis.yml cannot be read, or names what the dbt project does not have."""


def load_kpis(path: Path = KPIS_FILE) -> KpiFile:
    """The KPI definitions; KpiFileError names the file and each problem in it."""
    try:
        return KpiFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise KpiFileError(f"the KPI definitions {path} cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise KpiFileError(f"{path} is not valid YAML: {error}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or 'the file'}: {detail['msg']}"
            for detail in error.errors()
        )
        raise KpiFileError(f"{path} has problems: {problems}") from None


def check_against_project(kpis: KpiFile, units: set[str], columns: set[str] | None) -> None:
    """KpiFileError unless each KPI's unit and the mart's columns are the dbt project's
    (`columns`: the mart's documented columns; None when the project has no such mart)."""
    if columns is None:
        raise KpiFileError(
            f"{KPIS_FILE.name} reads the mart {kpis.mart}, which the dbt project does not build"
        )
    problems = [
        f"{kpi.column}: owned by unit {kpi.unit!r}, which has no marts"
        for kpi in kpis.kpis
        if kpi.unit not in units
    ]
    problems += [
        f"{column}: {kpis.mart} has no such column"
        for column in [kpis.day_column, *(kpi.column for kpi in kpis.kpis)]
        if column not in columns
    ]
    if problems:
        raise KpiFileError(
            f"{KPIS_FILE.name} does not match the dbt project: {'; '.join(problems)}"
            f" (units: {', '.join(sorted(units))})"
        )
