"""The floor for validation: each GX suite's checks as one hand-written-style DuckDB query.

Every expectation of a suite becomes one aggregate counting the rows that break it
(the table-level ones: the column set and the row count), all in a single scan of the
mart. This is what the checks cost when the warehouse does them and nothing else.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

import duckdb

from flows.settings import gx_project_dir


@dataclass(frozen=True)
class SuiteFloor:
    mart: str
    seconds: float
    passed: dict[str, bool]  # expectation description -> whether it passed


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _condition(row_condition: dict[str, Any] | None) -> str:
    if not row_condition:
        return "true"
    column = row_condition["column"]["name"]
    if row_condition["type"] == "nullity":
        return f"{column} is {'' if row_condition['is_null'] else 'not '}null"
    operator, parameter = row_condition["operator"], row_condition["parameter"]
    if operator == "IN":
        return f"{column} in ({', '.join(map(_literal, parameter))})"
    return f"{column} {'=' if operator == '==' else operator} {_literal(parameter)}"


def _count_if(condition: str) -> str:
    """Rows meeting the condition; 0 rather than NULL on an empty table."""
    return f"coalesce(count_if({condition}), 0)"


def _broken_rows(kind: str, kw: dict[str, Any]) -> str:
    """SQL counting the rows (or, for table checks, 0/1) that break one expectation."""
    where = _condition(kw.get("row_condition"))
    column = kw.get("column")
    match kind:
        case "expect_column_values_to_not_be_null":
            return _count_if(f"{where} and {column} is null")
        case "expect_column_values_to_be_null":
            return _count_if(f"{where} and {column} is not null")
        case "expect_column_values_to_be_unique":
            return f"count({column}) - count(distinct {column})"
        case "expect_compound_columns_to_be_unique":
            columns = ", ".join(kw["column_list"])
            return f"count(*) - count(distinct ({columns}))"
        case "expect_column_values_to_be_in_set":
            values = ", ".join(map(_literal, kw["value_set"]))
            return _count_if(f"{where} and {column} not in ({values})")
        case "expect_column_values_to_be_between":
            low = "<=" if kw.get("strict_min") else "<"
            tests = [
                f"{column} {low} {_literal(kw['min_value'])}" if "min_value" in kw else None,
                f"{column} > {_literal(kw['max_value'])}"
                if kw.get("max_value") is not None
                else None,
            ]
            return _count_if(f"{where} and ({' or '.join(t for t in tests if t)})")
        case "expect_column_values_to_match_regex":
            regex = _literal(kw["regex"])
            return _count_if(f"not regexp_matches(cast({column} as varchar), {regex})")
        case "expect_column_pair_values_a_to_be_greater_than_b":
            below = "<" if kw.get("or_equal") else "<="
            return _count_if(f"{kw['column_A']} {below} {kw['column_B']}")
        case "expect_column_pair_values_to_be_equal":
            return _count_if(f"{kw['column_A']} <> {kw['column_B']}")
        case "expect_multicolumn_values_to_add_up":
            parts = " ".join(
                f"{'+' if name in kw['subtracted_columns'] else '-'} {name}"
                for name in kw["column_list"]
                if name != kw["total_column"]
            )
            shortfall = f"abs({kw['total_column']} {parts})"
            tolerance = kw.get("tolerance", 0)
            return _count_if(f"{where} and not coalesce({shortfall} <= {tolerance}, false)")
        case "expect_table_row_count_to_be_between":
            tests = [
                f"count(*) < {kw['min_value']}" if kw.get("min_value") is not None else None,
                f"count(*) > {kw['max_value']}" if kw.get("max_value") is not None else None,
            ]
            return f"cast({' or '.join(t for t in tests if t)} as int)"
        case "expect_table_row_count_to_equal":
            return f"cast(count(*) <> {kw['value']} as int)"
    raise ValueError(f"no SQL for {kind}")


def suite_query(suite: dict[str, Any], relation: str) -> tuple[str, list[list[str] | None]]:
    """The suite's query, and for each expectation the column set it expects (checked
    against the catalogue rather than by the scan) or None."""
    aggregates, column_sets = [], []
    for expectation in suite["expectations"]:
        kind, kw = expectation["type"], expectation["kwargs"]
        if kind == "expect_table_columns_to_match_set":
            column_sets.append(kw["column_set"])
            aggregates.append("0")
        else:
            column_sets.append(None)
            aggregates.append(_broken_rows(kind, kw))
    return f"select {', '.join(aggregates)} from {relation}", column_sets


def run_floor(con: duckdb.DuckDBPyConnection, audit: dict[str, str]) -> list[SuiteFloor]:
    """Time every suite's query on the audit tables (`audit`: each table's, by its
    published name); which expectations pass."""
    floors = []
    for path in sorted((gx_project_dir() / "expectations").glob("*/*.json")):
        suite = json.loads(path.read_text())
        mart = f"{path.parent.name}.{path.stem}"
        relation = audit[mart]
        query, column_sets = suite_query(suite, relation)
        started = time.perf_counter()
        broken = con.execute(query).fetchone()
        schema, table = relation.split(".")
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        seconds = time.perf_counter() - started
        passed = {
            expectation["description"]: set(expected) == columns
            if expected is not None
            else count == 0
            for expectation, count, expected in zip(
                suite["expectations"], broken, column_sets, strict=True
            )
        }
        floors.append(SuiteFloor(mart, seconds, passed))
    return floors
