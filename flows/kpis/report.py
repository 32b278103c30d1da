"""The morning report: each KPI today, yesterday and its median, breaches first, in
numbers formatted for people. One markdown text is the Prefect artifact and, as a page,
part of the Data Docs site."""

from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt

from flows.kpis.checks import KpiReport, KpiResult, percent_change
from flows.kpis.definitions import Format

ARTIFACT_KEY = "greenery-kpis"
PAGES = Path("kpis")  # the report's pages, from the site's root: kpis/<day>.html
NO_VALUE = "\N{EN DASH}"


def formatted(value: float | None, format: Format) -> str:
    """A value as people read it: 1,234 · 61.8% · $1,234.56 · 103.2 h."""
    if value is None:
        return NO_VALUE
    if format == "percent":
        return f"{value * 100:.1f}%"
    if format == "money":
        return f"${value:,.2f}"
    if format == "hours":
        return f"{value:,.1f} h"
    return f"{value:,.0f}"


def change(value: float | None, reference: float | None) -> str:
    """The change from `reference` in words and an arrow, in percent of the reference (as
    the checks measure it): a conversion rate from 60.7% to 32.1% is down 47.1%."""
    if value is None:
        return NO_VALUE
    percent = percent_change(value, reference)
    if percent is None:
        return NO_VALUE
    if round(percent, 1) == 0:
        return "= unchanged"
    return f"{'▲ up' if percent > 0 else '▼ down'} {abs(percent):.1f}%"


def _check(result: KpiResult) -> str:
    rules = [breach.rule for breach in result.breaches]
    if result.breached:
        return f"**breached**: {'; '.join(rules)}"
    if result.kpi.check is None:
        return "no check"
    if result.not_checked:
        return f"not checked: {result.not_checked}"
    return "passed"


def _status(result: KpiResult) -> str:
    if result.breached:
        return "⚠"
    if result.kpi.check is None or result.not_checked:
        return ""
    return "✓"


def breach_line(result: KpiResult, median_days: int) -> str:
    """One sentence: the KPI, its value, how it broke its check, and its owner, e.g.
    Conversion rate was 32.1%, 47.1% below its 7-day median of 60.7% (the check: not more
    than 20% below its 7-day median); owned by product."""
    fmt = result.kpi.format
    median = f" its {median_days}-day median of {formatted(result.median, fmt)}"
    details = "; ".join(
        f"{breach.detail}{median if breach.against_median else ''} (the check: {breach.rule})"
        for breach in result.breaches
    )
    return (
        f"{result.kpi.label} was {formatted(result.today, fmt)}, {details};"
        f" owned by {result.kpi.unit}"
    )


def markdown(report: KpiReport, publication: str, data_passed: bool) -> str:
    """The report; `publication`: the run's publication line, `data_passed`: whether the
    data passed its checks (else its KPIs may be wrong, and no KPI alert is sent)."""
    days = report.median_days
    breaches = report.breaches
    if breaches:
        said = "1 KPI is" if len(breaches) == 1 else f"{len(breaches)} KPIs are"
        headline = [f"**{said} out of its usual range:**", ""]
        headline += [f"- {breach_line(result, days)}" for result in breaches]
    else:
        headline = [f"**All {len(report.checked)} checked KPIs are within their usual range.**"]
    ordered = breaches + [result for result in report.results if not result.breached]
    lines = [
        f"# Greenery KPIs for {_day(report.day)}",
        "",
        *headline,
        "",
        f"The data behind these figures passed its checks. {publication}."
        if data_passed
        else "**The data behind these figures failed its checks: they may be wrong, and no"
        f" KPI alert was sent.** {publication}.",
        "",
        f"| | KPI | today | yesterday | {days}-day median | vs yesterday | vs median"
        " | owner | check |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    for result in ordered:
        fmt = result.kpi.format
        label = f"**{result.kpi.label}**" if result.breached else result.kpi.label
        lines.append(
            f"| {_status(result)} | {label} | {formatted(result.today, fmt)}"
            f" | {formatted(result.yesterday, fmt)} | {formatted(result.median, fmt)}"
            f" | {change(result.today, result.yesterday)}"
            f" | {change(result.today, result.median)}"
            f" | {result.kpi.unit} | {_check(result)} |"
        )
    lines += [
        "",
        f"Top products by conversion: {report.top_products or 'none viewed often enough'}",
        "",
        f"From {report.mart}, one row per day; the checks and owners are in kpis.yml.",
    ]
    return "\n".join(lines)


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d2b1f; }
h1 { color: #2d5a27; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d8e2d5; padding: .4rem .6rem; }
th { background: #eef4ec; text-align: left; }
td:nth-child(n+3):nth-child(-n+7) { white-space: nowrap; }
tr:has(strong) { background: #fdecea; }
"""


def write_page(report: KpiReport, publication: str, data_passed: bool, site_root: Path) -> Path:
    """The report as a page of the Data Docs site, kpis/<day>.html; its path."""
    page = site_root / PAGES / f"{report.day.isoformat()}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    body = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .render(markdown(report, publication, data_passed))
    )
    page.write_text(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Greenery KPIs {report.day}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n",
        encoding="utf-8",
    )
    return page
