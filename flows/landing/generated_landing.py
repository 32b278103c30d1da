"""Land simulated shop days into the raw tables."""

from datetime import date, datetime, timedelta

import duckdb

from flows.failures import UsageError
from flows.landing.generator.simulation import simulate
from flows.landing.generator.state import ShopState, load_state
from flows.landing.landing_log import LandingRecord, last_landing, record_landing
from flows.landing.raw_schema import RAW_TABLES
from flows.landing.raw_tables import count_rows, ensure_raw_tables, upsert
from flows.landing.result import LandingResult
from flows.scenarios import SCENARIOS, Scenario
from flows.warehouse.duckdb import transaction

SOURCE = "generator"
FRESH_WAREHOUSE_HINT = (
    "Point GREENERY_DUCKDB_PATH at a fresh warehouse file to generate data there."
)


def land_generated(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    seed: int = 42,
    scale: int = 1,
    history_days: int = 3,
    scenario: Scenario | None = None,
) -> LandingResult:
    """Land generated shop days up to `as_of` in one transaction.

    An empty warehouse gets `history_days` days ending at `as_of`; a warehouse
    holding generated data gets every day after its last landed day. Landing a
    day that is already there lands nothing and returns an empty `days`.
    A `scenario` (see scenarios.py) makes the `as_of` day a bad business day;
    the landing log records it.
    """
    _check_arguments(as_of, scale, history_days, scenario)
    with transaction(con):
        previous = last_landing(con)
        if previous is None:
            _check_nothing_landed(con)
            origin = first_day = as_of - timedelta(days=history_days - 1)
        else:
            origin = _same_generator_origin(previous, seed, scale)
            first_day = previous.days[-1] + timedelta(days=1)
        days = [
            first_day + timedelta(days=offset) for offset in range((as_of - first_day).days + 1)
        ]
        if not days:
            _check_no_scenario(as_of, scenario)
            return LandingResult(SOURCE, [], dict.fromkeys(RAW_TABLES, 0), count_rows(con))

        state = load_state(con, seed) if previous else ShopState()
        ensure_raw_tables(con)
        rows_landed = dict.fromkeys(RAW_TABLES, 0)
        for batch in simulate(
            state, seed=seed, scale=scale, origin=origin, days=days, scenario=scenario
        ):
            for name, rows in batch.items():
                rows_landed[name] += upsert(con, RAW_TABLES[name], rows)
        record_landing(
            con,
            LandingRecord(
                source=SOURCE,
                as_of=as_of,
                days=days,
                seed=seed,
                scale=scale,
                origin=origin,
                scenario=scenario,
            ),
        )
        return LandingResult(SOURCE, days, rows_landed, count_rows(con))


def _check_arguments(as_of: date, scale: int, history_days: int, scenario: Scenario | None) -> None:
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise UsageError(f"as_of must be a date such as 2021-02-10, not {as_of!r}.")
    if scale < 1:
        raise UsageError(f"scale must be a whole number of at least 1, not {scale}.")
    if history_days < 1:
        raise UsageError(f"history_days must be a whole number of at least 1, not {history_days}.")
    if scenario is not None and scenario not in SCENARIOS:
        raise UsageError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}.")


def _check_no_scenario(as_of: date, scenario: Scenario | None) -> None:
    if scenario is not None:
        raise UsageError(
            f"The {scenario} scenario applies only to a day being landed, and {as_of} is"
            f" already in the warehouse. Land a later day with the scenario, or:"
            f" {FRESH_WAREHOUSE_HINT}"
        )


def _check_nothing_landed(con: duckdb.DuckDBPyConnection) -> None:
    held = {name: n for name, n in count_rows(con).items() if n}
    if held:
        tables = ", ".join(f"raw.{name} ({n} rows)" for name, n in held.items())
        raise UsageError(
            f"The warehouse already holds rows that no landing recorded: {tables}."
            f" Generated days are only added to a warehouse they started."
            f" {FRESH_WAREHOUSE_HINT}"
        )


def _same_generator_origin(previous: LandingRecord, seed: int, scale: int) -> date:
    """The first day the generator made, if the last landing is the same generator's."""
    if previous.source != SOURCE or previous.origin is None:
        raise UsageError(
            f"The warehouse last landed a CSV export (as of {previous.as_of}, from"
            f" {previous.raw_dir}); generated days cannot be added on top of it."
            f" {FRESH_WAREHOUSE_HINT}"
        )
    if (previous.seed, previous.scale) != (seed, scale):
        raise UsageError(
            f"The warehouse was generated with seed {previous.seed} and scale"
            f" {previous.scale}, but this run asks for seed {seed} and scale {scale};"
            f" mixing them would make an inconsistent shop. Rerun with seed"
            f" {previous.seed} and scale {previous.scale}, or: {FRESH_WAREHOUSE_HINT}"
        )
    return previous.origin
