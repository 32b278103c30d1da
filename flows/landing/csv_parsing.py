"""Read and check a CSV export of the shop database: one <table>.csv per raw table.

Every problem in every file is collected, so one error lists all that is wrong.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flows.failures import UsageError
from flows.landing.errors import LandingError
from flows.landing.raw_schema import RAW_TABLES, RawTable

EXAMPLES_SHOWN = 3
_INTEGER = re.compile(r"[+-]?\d+")
_REAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
_INTEGER_RANGE = range(-(2**31), 2**31)
_OTHER_DELIMITERS = (";", "\t", "|")


def _integer(text: str) -> int:
    if not _INTEGER.fullmatch(text) or int(text) not in _INTEGER_RANGE:
        raise ValueError
    return int(text)


def _real(text: str) -> float:
    if not _REAL.fullmatch(text):
        raise ValueError
    return float(text)


def _timestamp(text: str) -> datetime:
    if not _TIMESTAMP.fullmatch(text):
        raise ValueError
    return datetime.fromisoformat(text).replace(tzinfo=None)


_CONVERTERS: dict[str, tuple[Callable[[str], object], str]] = {
    "VARCHAR": (str, "text"),
    "INTEGER": (_integer, "whole numbers"),
    "REAL": (_real, "numbers (with a dot for decimals)"),
    "TIMESTAMP": (_timestamp, "UTC timestamps like 2021-02-10T16:02:09Z"),
}


def read_export(raw_dir: Path) -> dict[str, list[tuple]]:
    """Rows per raw table, typed and in the table's column order.

    Raises LandingError listing every problem found (UsageError if there is no such
    folder); the warehouse is not involved.
    """
    if not raw_dir.is_dir():
        raise UsageError(
            f"The CSV export folder {raw_dir} does not exist: check the path given to --raw-dir."
        )
    tables: dict[str, list[tuple]] = {}
    problems: list[str] = []
    for table in RAW_TABLES.values():
        rows, table_problems = _read_table(raw_dir / f"{table.name}.csv", table)
        tables[table.name] = rows
        problems += table_problems
    if problems:
        listed = "\n".join(f"- {problem}" for problem in problems)
        raise LandingError(
            f"The CSV export in {raw_dir} was not landed and the warehouse was not"
            f" changed, because of {len(problems)} problem(s):\n{listed}"
        )
    return tables


def _read_table(path: Path, table: RawTable) -> tuple[list[tuple], list[str]]:
    if not path.is_file():
        return [], [f"{path.name} is missing: expected one file per table ({_all_files()})."]
    data = path.read_bytes()
    try:
        # utf-8-sig: spreadsheet programs often start the file with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [
            f"{path.name}, line {line}: byte 0x{data[error.start]:02x} is not UTF-8 text;"
            f" save the file with UTF-8 encoding."
        ]
    return _parse(path.name, text, table)


def _all_files() -> str:
    return ", ".join(f"{table}.csv" for table in RAW_TABLES)


def _parse(name: str, text: str, table: RawTable) -> tuple[list[tuple], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [_explain_csv_error(name, 1, error)]
    if not header:
        return [], [f"{name} is empty: expected a header row ({', '.join(table.column_names)})."]
    header_problems = _check_header(name, header, table)
    if header_problems:
        return [], header_problems

    positions = [header.index(column.name) for column in table.columns]
    converters = [_CONVERTERS[column.sql_type][0] for column in table.columns]
    rows: list[tuple] = []
    bad_widths: list[tuple[int, int]] = []  # (line, number of fields)
    bad_values: dict[str, list[tuple[int, str]]] = {c: [] for c in table.column_names}
    while True:
        line = reader.line_num + 1  # where the next row starts
        try:
            fields = next(reader, None)
        except csv.Error as error:
            return [], [_explain_csv_error(name, line, error)]
        if fields is None:
            break
        if not fields:  # a blank line
            continue
        if len(fields) != len(header):
            bad_widths.append((line, len(fields)))
            continue
        row = []
        for column, position, convert in zip(table.columns, positions, converters, strict=True):
            text_value = fields[position]
            try:
                row.append(convert(text_value) if text_value else None)
            except ValueError:
                bad_values[column.name].append((line, text_value))
        rows.append(tuple(row))
    return rows, _describe_bad_rows(name, len(header), bad_widths, table, bad_values)


def _check_header(name: str, header: list[str], table: RawTable) -> list[str]:
    where = f"{name}, line 1 (header)"
    missing = [column for column in table.column_names if column not in header]
    delimiter = next((d for d in _OTHER_DELIMITERS if any(d in c for c in header)), None)
    if missing and delimiter:
        return [
            f"{where}: columns {', '.join(missing)} are missing because the header reads"
            f" as {', '.join(map(repr, header))}; the file seems to use {delimiter!r}"
            f" as delimiter instead of ','."
        ]
    problems = []
    if missing:
        problems.append(f"{where}: missing column(s) {', '.join(missing)}.")
    unknown = [column for column in header if column not in table.column_names]
    if unknown:
        problems.append(
            f"{where}: unknown column(s) {', '.join(unknown)};"
            f" expected exactly {', '.join(table.column_names)}."
        )
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        problems.append(f"{where}: column(s) {', '.join(duplicated)} appear more than once.")
    return problems


def _describe_bad_rows(
    name: str,
    width: int,
    bad_widths: list[tuple[int, int]],
    table: RawTable,
    bad_values: dict[str, list[tuple[int, str]]],
) -> list[str]:
    problems = []
    if bad_widths:
        lines = ", ".join(
            f"{line} ({fields} fields)" for line, fields in bad_widths[:EXAMPLES_SHOWN]
        )
        problems.append(
            f"{name}: {len(bad_widths)} row(s) do not have the header's {width} fields"
            f" (a stray comma or quote?), e.g. line(s) {lines}."
        )
    for column in table.columns:
        bad = bad_values[column.name]
        if bad:
            examples = ", ".join(f"{line} ({text!r})" for line, text in bad[:EXAMPLES_SHOWN])
            problems.append(
                f"{name}, column {column.name}: {len(bad)} value(s) are not"
                f" {_CONVERTERS[column.sql_type][1]}, e.g. line(s) {examples}."
            )
    return problems


def _explain_csv_error(name: str, line: int, error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        return (
            f"{name}, line {line}: a quoted value opened on this line is never closed"
            f" (unterminated quote), so the rest of the file cannot be read."
        )
    return f"{name}, line {line}: malformed row ({error}); check its quotes."
