"""A day's KPIs against their checks: today, yesterday, the median of the days before."""

import statistics
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flows.kpis.definitions import Check, Kpi, KpiFile


@dataclass(frozen=True)
class Breach:
    rule: str  # the rule in words: "not more than 20% below its 7-day median"
    detail: str  # how the day broke it: "51.1% below", "above the maximum of 168"
    against_median: bool = False


@dataclass(frozen=True)
class KpiResult:
    kpi: Kpi
    today: float | None
    yesterday: float | None
    median: float | None  # of the previous days' values; None without enough of them
    history_days: int  # how many previous days had a value
    breaches: list[Breach] = field(default_factory=list)
    not_checked: str | None = None  # why a check could not be applied today

    @property
    def breached(self) -> bool:
        return bool(self.breaches)


@dataclass(frozen=True)
class KpiReport:
    day: date
    mart: str
    median_days: int
    results: list[KpiResult]  # in kpis.yml's order
    top_products: str | None  # the day's top products by conversion
    recorded_later: list[date]  # days whose orders come from a later snapshot than their own

    @property
    def breaches(self) -> list[KpiResult]:
        return [result for result in self.results if result.breached]

    @property
    def checked(self) -> list[KpiResult]:
        return [r for r in self.results if r.kpi.check is not None and r.not_checked is None]

    @property
    def unchecked(self) -> list[KpiResult]:
        """KPIs with a check that could not be applied today (no value, too little history)."""
        return [r for r in self.results if r.kpi.check is not None and r.not_checked is not None]


def last_complete_day(as_of: date, started: date) -> date:
    """The day the morning report describes, as the mart is built to it
    (macros/as_of.sql): the --as-of day once it has ended; during it (the scheduled morning
    run for today), the day before, whose data is whole."""
    return as_of if started > as_of else as_of - timedelta(days=1)


def check_kpis(kpis: KpiFile, rows: list[dict[str, Any]], day: date) -> KpiReport | None:
    """The KPIs of `day` from the mart's rows (any order); None when it has no row for it."""
    by_day = {_as_date(row[kpis.day_column]): row for row in rows}
    today = by_day.get(day)
    if today is None:
        return None
    yesterday = by_day.get(day - timedelta(days=1), {})
    previous = [by_day.get(day - timedelta(days=n), {}) for n in range(1, kpis.median_days + 1)]
    results = []
    for kpi in kpis.kpis:
        history = [_number(row.get(kpi.column)) for row in previous]
        results.append(
            _result(
                kpi,
                _number(today.get(kpi.column)),
                _number(yesterday.get(kpi.column)),
                [value for value in history if value is not None],
                kpis,
            )
        )
    return KpiReport(
        day=day,
        mart=kpis.mart,
        median_days=kpis.median_days,
        results=results,
        top_products=today.get("top_products_by_conversion"),
        recorded_later=sorted(
            earlier
            for earlier, row in by_day.items()
            if earlier <= day and row.get("is_recorded_on_the_day") is False
        ),
    )


def _result(
    kpi: Kpi, today: float | None, yesterday: float | None, history: list[float], kpis: KpiFile
) -> KpiResult:
    median = statistics.median(history) if len(history) >= kpis.min_history_days else None
    result = KpiResult(kpi, today, yesterday, median, len(history))
    check = kpi.check
    if check is None:
        return result
    if today is None:
        return replace(result, not_checked="no value today")
    breaches = _bound_breaches(check, today)
    uses_median = check.max_percent_below_median or check.max_percent_above_median
    if uses_median and median is None:
        return replace(
            result,
            breaches=breaches,
            not_checked=f"its median needs {kpis.min_history_days} earlier days with a value,"
            f" {len(history)} of the last {kpis.median_days} have one",
        )
    if median == 0 and uses_median:
        return replace(result, breaches=breaches, not_checked="its median is 0")
    if median is not None:
        breaches += _median_breaches(check, today, median, kpis.median_days)
    return replace(result, breaches=breaches)


def _bound_breaches(check: Check, value: float) -> list[Breach]:
    breaches = []
    if check.min is not None and value < check.min:
        breaches.append(
            Breach(f"not less than {check.min:g}", f"below the minimum of {check.min:g}")
        )
    if check.max is not None and value > check.max:
        breaches.append(
            Breach(f"not more than {check.max:g}", f"above the maximum of {check.max:g}")
        )
    return breaches


def _median_breaches(check: Check, value: float, median: float, days: int) -> list[Breach]:
    breaches: list[Breach] = []
    change = percent_change(value, median)
    if change is None:
        return breaches
    below, above = check.max_percent_below_median, check.max_percent_above_median
    if below is not None and -change > below:
        breaches.append(
            Breach(
                f"not more than {below:g}% below its {days}-day median",
                f"{-change:.1f}% below",
                against_median=True,
            )
        )
    if above is not None and change > above:
        breaches.append(
            Breach(
                f"not more than {above:g}% above its {days}-day median",
                f"{change:.1f}% above",
                against_median=True,
            )
        )
    return breaches


def percent_change(value: float, reference: float | None) -> float | None:
    """How far `value` lies from `reference`, in percent of it; None when undefined."""
    if reference is None or reference == 0:
        return None
    return (value - reference) / abs(reference) * 100


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number  # NaN: pandas' missing value


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value
