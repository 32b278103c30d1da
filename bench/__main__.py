"""python -m bench [--scales 1,10,100] [--days 30] [--output BENCHMARKS.md]

For each scale: a fresh warehouse gets a month of generated history in one daily run,
then one more day, incrementally; the same day is then rebuilt with --full-refresh. Every
run is `python -m flows.daily` against one Prefect server, measured by the operating
system (wall time, peak memory) and by Prefect (each stage's task runs). Baselines on the
same data: dbt alone, the GX suites alone, the Data Docs site alone, and the SQL floor.
"""

import argparse
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL, temporary_settings

from bench.baselines import bare_dbt, validation
from bench.report import ScaleResult, write_report
from bench.runs import run_flow, startup_seconds, warehouse_env
from flows.landing.raw_schema import RAW_TABLES
from flows.publication import audit_relation
from flows.settings import DBT_PROJECT_DIR, REPO_ROOT
from flows.transform import BUILD, FRESHNESS, RAW_CHECKS, REWIND_SNAPSHOTS, SNAPSHOTS

INCREMENTAL_MODELS = ("fact_orders", "fact_page_views", "fact_user_sessions")
FLOW_DBT_COMMANDS = [
    step.command for step in (FRESHNESS, RAW_CHECKS, REWIND_SNAPSHOTS, SNAPSHOTS, BUILD["dev"])
]
LAST_HISTORY_DAY = date(2024, 3, 30)


def bench_scale(scale: int, days: int, work: Path, api_url: str) -> ScaleResult:
    warehouse = work / f"scale{scale}" / "greenery.duckdb"
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    warehouse.parent.mkdir(parents=True)
    env = warehouse_env(warehouse, api_url)
    history_day, day = LAST_HISTORY_DAY, LAST_HISTORY_DAY + timedelta(days=1)
    common = ["--scale", str(scale)]

    history = run_flow(
        "history", ["--as-of", str(history_day), "--history-days", str(days), *common], env
    )
    incremental = run_flow("one more day", ["--as-of", str(day), *common], env)
    incremental_models = _model_seconds()
    bare = bare_dbt(FLOW_DBT_COMMANDS, str(day), env)
    full = run_flow(
        "the day, full refresh",
        ["--as-of", str(day), "--skip-landing", "--full-refresh", *common],
        env,
    )
    full_models = _model_seconds()
    checks = validation(warehouse)
    return ScaleResult(
        scale=scale,
        days=days,
        rows=_rows(warehouse),
        history=history,
        incremental=incremental,
        full_refresh=full,
        bare_dbt=bare,
        incremental_models=incremental_models,
        full_refresh_models=full_models,
        validation=checks,
        startup=startup_seconds(),
    )


def _model_seconds() -> dict[str, float]:
    """The incremental models' own build times in the last dbt build (run_results.json)."""
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
    return {
        result["unique_id"].split(".")[-1]: result["execution_time"]
        for result in results["results"]
        if result["unique_id"].split(".")[-1] in INCREMENTAL_MODELS
    }


def _rows(warehouse: Path) -> dict[str, int]:
    marts = sorted(
        p.parent.name + "." + p.stem for p in (REPO_ROOT / "gx/expectations").glob("*/*.json")
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            relation: con.execute(f"select count(*) from {relation}").fetchall()[0][0]
            for relation in [f"raw.{name}" for name in RAW_TABLES]
            + [audit_relation(m) for m in marts]
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated generator scales")
    parser.add_argument("--days", type=int, default=30, help="days of history before the day")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / ".bench", help="scratch directory")
    args = parser.parse_args()

    server = SubprocessASGIServer()
    server.start(timeout=120)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            results = []
            for scale in (int(s) for s in args.scales.split(",")):
                print(f"bench: scale {scale}, {args.days} days of history + 1 day", flush=True)
                results.append(bench_scale(scale, args.days, args.work, server.api_url))
                write_report(results, args.output)
    finally:
        server.stop()
    print(f"bench: wrote {args.output}")


if __name__ == "__main__":
    main()
