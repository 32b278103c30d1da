"""BENCHMARKS.md from the measured scales."""

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.baselines import Validation
from bench.runs import STAGES, MeasuredRun

TARGET_SCALE = 100


@dataclass
class ScaleResult:
    scale: int
    days: int
    rows: dict[str, int]
    history: MeasuredRun
    incremental: MeasuredRun
    full_refresh: MeasuredRun
    bare_dbt: dict[str, float]
    incremental_models: dict[str, float]
    full_refresh_models: dict[str, float]
    validation: Validation
    startup: float  # seconds: interpreter and imports, measured alone

    @property
    def flow_dbt_seconds(self) -> float:
        run = self.incremental.stages
        return run["raw checks"] + run["snapshots"] + run["dbt build"]

    @property
    def prefect_overhead(self) -> float:
        """Time the run spends outside its stages other than starting Python and importing,
        plus what running dbt's nodes as Prefect tasks adds to dbt alone."""
        outside = self.incremental.outside_stages - self.startup
        return outside + self.flow_dbt_seconds - sum(self.bare_dbt.values())

    @property
    def incremental_model_seconds(self) -> float:
        return sum(self.incremental_models.values())

    @property
    def full_refresh_model_seconds(self) -> float:
        return sum(self.full_refresh_models.values())

    @property
    def gx_seconds(self) -> float:
        return sum(self.validation.gx_seconds.values())

    @property
    def floor_seconds(self) -> float:
        return sum(suite.seconds for suite in self.validation.floor)


def _s(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def _scales(results: list[ScaleResult]) -> str:
    return ",".join(str(r.scale) for r in results)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB memory"
    system = f"{platform.platform()}; Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores{memory}; {system}"


def write_report(results: list[ScaleResult], output: Path) -> None:
    scales = [f"scale {r.scale}" for r in results]
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "prefect",
            "prefect-dbt",
            "dbt-core",
            "dbt-duckdb",
            "duckdb",
            "great-expectations",
        )
    )
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m bench --scales {_scales(results)}`)"
        f" on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {_machine()}.",
        f"Packages: {packages}.",
        "",
        f"Each scale: a fresh DuckDB warehouse gets {results[0].days} days of generated history"
        " in one daily run, then one more day (incremental), then the same day again with"
        " `--full-refresh`."
        " Every run is `python -m flows.daily` in its own process against one local Prefect server;"
        " wall time and peak memory (max RSS) come from the operating system, stage times from the"
        " flow's task runs in Prefect. Baselines run on the same data right after.",
        "",
        "## Rows per table, after the day",
        "",
        *_table(
            ["table", *scales],
            [[name, *(f"{r.rows[name]:,}" for r in results)] for name in results[0].rows],
        ),
        "",
        "## The day: wall time per stage (incremental run)",
        "",
        *_table(
            ["stage", *scales],
            [
                *([stage, *(_s(r.incremental.stages[stage]) for r in results)] for stage in STAGES),
                [
                    "outside the stages: start-up (Python and imports, measured alone)",
                    *(_s(r.startup) for r in results),
                ],
                [
                    "outside the stages: the rest (the flow run, the warehouse slot, between"
                    " tasks)",
                    *(_s(r.incremental.outside_stages - r.startup) for r in results),
                ],
                [
                    "**whole run (wall)**",
                    *(f"**{_s(r.incremental.wall_seconds)}**" for r in results),
                ],
                ["peak memory", *(f"{r.incremental.peak_rss_mb:,.0f} MB" for r in results)],
            ],
        ),
        "",
        "## Every run",
        "",
        *_table(
            ["run", *scales],
            [
                [label, *(f"{_s(run.wall_seconds)}, {run.peak_rss_mb:,.0f} MB" for run in runs)]
                for label, runs in (
                    (
                        f"history ({results[0].days} days landed and built at once)",
                        [r.history for r in results],
                    ),
                    ("the day, incremental", [r.incremental for r in results]),
                    ("the day again, --full-refresh", [r.full_refresh for r in results]),
                )
            ],
        ),
        "",
        "## Against the baselines",
        "",
        *_table(
            ["measure", *scales],
            [
                [
                    "dbt's commands in the flow (raw checks + snapshots + build)",
                    *(_s(r.flow_dbt_seconds) for r in results),
                ],
                [
                    "the same commands with dbt alone (no Prefect)",
                    *(_s(sum(r.bare_dbt.values())) for r in results),
                ],
                ["ratio", *(_ratio(r.flow_dbt_seconds, sum(r.bare_dbt.values())) for r in results)],
                [
                    "**Prefect's overhead** (outside the stages but start-up, plus dbt in the"
                    " flow - dbt alone)",
                    *(f"**{_s(r.prefect_overhead)}**" for r in results),
                ],
                [
                    "GX suites alone (read each mart, validate, no Data Docs)",
                    *(_s(r.gx_seconds) for r in results),
                ],
                ["SQL floor (one DuckDB query per suite)", *(_s(r.floor_seconds) for r in results)],
                [
                    "**contracts / floor**",
                    *(f"**{_ratio(r.gx_seconds, r.floor_seconds)}**" for r in results),
                ],
                [
                    "contracts stage in the flow (with Data Docs actions) / floor",
                    *(
                        _ratio(r.incremental.stages["contracts + Data Docs"], r.floor_seconds)
                        for r in results
                    ),
                ],
                [
                    "Data Docs: whole site rebuilt",
                    *(_s(r.validation.docs_seconds) for r in results),
                ],
                [
                    "checks where the floor and GX disagree",
                    *(str(len(r.validation.disagreements)) for r in results),
                ],
                [
                    "dbt build stage: incremental day",
                    *(_s(r.incremental.stages["dbt build"]) for r in results),
                ],
                [
                    "dbt build stage: full refresh",
                    *(_s(r.full_refresh.stages["dbt build"]) for r in results),
                ],
                [
                    "ratio",
                    *(
                        _ratio(
                            r.incremental.stages["dbt build"], r.full_refresh.stages["dbt build"]
                        )
                        for r in results
                    ),
                ],
                [
                    "incremental models' own build time: incremental day",
                    *(_s(sum(r.incremental_models.values())) for r in results),
                ],
                [
                    "the same models: full refresh",
                    *(_s(sum(r.full_refresh_models.values())) for r in results),
                ],
                [
                    "**incremental / full refresh**",
                    *(
                        f"**{_ratio(r.incremental_model_seconds, r.full_refresh_model_seconds)}**"
                        for r in results
                    ),
                ],
            ],
        ),
        "",
        *_targets(results),
    ]
    output.write_text("\n".join(lines) + "\n")


def _targets(results: list[ScaleResult]) -> list[str]:
    target = next((r for r in results if r.scale == TARGET_SCALE), None)
    if target is None:
        return [f"Targets are judged at scale {TARGET_SCALE}, which this run did not measure."]
    incremental = sum(target.incremental_models.values())
    full = sum(target.full_refresh_models.values())
    rows = [
        (
            "contracts within 3x of the SQL floor",
            _ratio(target.gx_seconds, target.floor_seconds),
            target.gx_seconds <= 3 * target.floor_seconds,
        ),
        (
            "incremental models within 25% of a full refresh",
            _ratio(incremental, full),
            incremental <= 0.25 * full,
        ),
        (
            "Prefect's overhead under 10 s a run",
            _s(target.prefect_overhead),
            target.prefect_overhead < 10,
        ),
        (
            "peak memory under 4 GB (the day)",
            f"{target.incremental.peak_rss_mb:,.0f} MB",
            target.incremental.peak_rss_mb < 4096,
        ),
    ]
    return [
        f"## Targets at scale {TARGET_SCALE}",
        "",
        *_table(
            ["target", "measured", "met"], [[t, m, "yes" if ok else "**no**"] for t, m, ok in rows]
        ),
    ]
