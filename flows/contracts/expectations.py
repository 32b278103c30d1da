"""The one rule the built-in expectations cannot express: a total that adds up from its parts.

GX 1.24 has `expect_multicolumn_sum_to_equal` (every row's columns add up to one fixed
number, exactly) and SQL-only `UnexpectedRowsExpectation`, but nothing that checks
`total = a + b - c` per row within a tolerance on pandas and SQL alike. Importing this
module registers `expect_multicolumn_values_to_add_up`, so the suites in gx/expectations/
can use it. It runs on pandas (the marts read from DuckDB today) and on SQLAlchemy (SQLite in
the tests, the Snowflake warehouse later).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.execution_engine import PandasExecutionEngine, SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    MulticolumnMapMetricProvider,
    multicolumn_condition_partial,
)


def _shortfall(columns: dict[str, Any], total_column: str, subtracted_columns: list[str]) -> Any:
    """total - (added parts - subtracted parts), for pandas Series and SQL columns alike."""
    difference = columns[total_column]
    for name, column in columns.items():
        if name != total_column:
            difference = difference + column if name in subtracted_columns else difference - column
    return difference


class MulticolumnValuesAddUp(MulticolumnMapMetricProvider):
    """Per row: |total - (sum of added parts - sum of subtracted parts)| <= tolerance."""

    condition_metric_name = "multicolumn_values.add_up"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_list",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ("total_column", "subtracted_columns", "tolerance")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column_list: pd.DataFrame,
        total_column: str,
        subtracted_columns: list[str],
        tolerance: float,
        **kwargs: Any,
    ) -> pd.Series:
        columns = {name: column_list[name] for name in column_list.columns}
        shortfall = _shortfall(columns, total_column, subtracted_columns)
        # A missing part or total is a row that does not add up (NaN compares False).
        return shortfall.abs() <= tolerance

    @multicolumn_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        column_list: list[Any],
        total_column: str,
        subtracted_columns: list[str],
        tolerance: float,
        **kwargs: Any,
    ) -> Any:
        columns = {column.name: column for column in column_list}
        shortfall = _shortfall(columns, total_column, subtracted_columns)
        # Spelled out for SQL, where a comparison with NULL is neither true nor false.
        return sa.and_(
            *(column.is_not(None) for column in column_list),
            sa.func.abs(shortfall) <= tolerance,
        )


class ExpectMulticolumnValuesToAddUp(MulticolumnMapExpectation):
    """Expect each row's `total_column` to equal the sum of the other columns in
    `column_list`, those in `subtracted_columns` counted negatively, within `tolerance`.

    Example: column_list=[order_total, order_cost, shipping_cost, promo_discount],
    total_column=order_total, subtracted_columns=[promo_discount], tolerance=0.01 checks
    order_total = order_cost + shipping_cost - promo_discount to the cent. A row with a
    missing value is unexpected unless every value is missing.
    """

    total_column: str
    subtracted_columns: list[str] = pydantic.Field(default_factory=list)
    tolerance: float = 0.0

    map_metric: ClassVar[str] = "multicolumn_values.add_up"
    success_keys: ClassVar[tuple[str, ...]] = (
        "mostly",
        "total_column",
        "subtracted_columns",
        "tolerance",
    )
    args_keys: ClassVar[tuple[str, ...]] = ("column_list", "total_column")

    @pydantic.root_validator(skip_on_failure=True)
    def _columns_are_listed(cls, values: dict[str, Any]) -> dict[str, Any]:
        listed = set(values["column_list"])
        named = {values["total_column"], *values["subtracted_columns"]}
        if not named <= listed:
            raise ValueError(f"{sorted(named - listed)} must be in column_list")
        return values
