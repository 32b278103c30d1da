"""python -m bench [--scales 1,10,100] [--days 30] [--repeats 3] [--output BENCHMARKS.md]

For each scale: a fresh warehouse gets a month of generated history in one daily run, kept
as it is then. Each repeat starts from that warehouse again and measures, back to back, one
more day (incremental), the same day rebuilt with --full-refresh, and the same day with
`dbt build` alone; the report takes their medians. Every run is a process of its own
against one local Prefect server, measured by the operating system (wall time, peak
memory) and by Prefect (each stage's task runs). Baselines on the same data: the flow's
dbt commands with dbt alone, the GX suites alone, the Data Docs site alone, the SQL floor.
"""

import argparse
import shutil
import statistics
from datetime import date, timedelta
from pathlib import Path

import duckdb
from prefect.settings import PREFECT_API_URL, temporary_settings

from bench.baselines import bare_dbt, validation
from bench.report import ScaleResult, write_report
from bench.runs import (
    dbt_build,
    help_seconds,
    median_run,
    run_flow,
    startup_seconds,
    warehouse_env,
)
from deployments import local_server
from flows.landing import land_generated
from flows.landing.raw_schema import RAW_TABLES
from flows.marts import Relation, checked_relations, parse_manifest
from flows.settings import REPO_ROOT, gx_project_dir
from flows.transform import BUILD, DOCS, FRESHNESS, RAW_CHECKS, SNAPSHOTS

FLOW_DBT_COMMANDS = [
    step.command for step in (FRESHNESS, RAW_CHECKS, SNAPSHOTS, BUILD["dev"], DOCS)
]
LAST_HISTORY_DAY = date(2024, 3, 30)
PORT = 4299  # the bench's own server, apart from `make run`'s


def bench_scale(scale: int, days: int, repeats: int, work: Path, api_url: str) -> ScaleResult:
    scratch = work / f"scale{scale}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copytree(gx_project_dir(), scratch / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    warehouse, history_file = scratch / "greenery.duckdb", scratch / "history.duckdb"
    env = warehouse_env(warehouse, api_url, scratch)
    day = LAST_HISTORY_DAY + timedelta(days=1)
    common = ["--scale", str(scale)]

    history = run_flow(
        "history", ["--as-of", str(LAST_HISTORY_DAY), "--history-days", str(days), *common], env
    )
    shutil.copy(warehouse, history_file)
    incremental, full, dbt_alone = [], [], []
    for _ in range(repeats):
        shutil.copy(history_file, warehouse)
        incremental.append(run_flow("one more day", ["--as-of", str(day), *common], env))
        full.append(
            run_flow(
                "the day, full refresh",
                ["--as-of", str(day), "--skip-landing", "--full-refresh", *common],
                env,
            )
        )
        _land(history_file, warehouse, day, scale)
        # dbt alone writes to a target folder of its own, fresh each time: its --vars are
        # new to it, so it parses the project whole, as a user's `dbt build` of a new day
        # does; in the flow's folder they would void the flow's partial parse for the next run.
        alone_target = scratch / "dbt-alone-target"
        shutil.rmtree(alone_target, ignore_errors=True)
        alone_env = env | {"DBT_TARGET_PATH": str(alone_target)}
        dbt_alone.append(dbt_build("dbt build alone", str(day), alone_env))
    _land(history_file, warehouse, day, scale)
    bare = bare_dbt(FLOW_DBT_COMMANDS, str(day), env)
    relations = checked_relations(parse_manifest(scratch / "manifest"))
    checks = validation(warehouse, env, relations)
    return ScaleResult(
        scale=scale,
        days=days,
        repeats=repeats,
        rows=_rows(warehouse, relations),
        history=history,
        incremental=median_run(incremental),
        full_refresh=median_run(full),
        dbt_alone=median_run(dbt_alone),
        bare_dbt=bare,
        incremental_models=_median([run.incremental_models for run in incremental]),
        full_refresh_models=_median([run.incremental_models for run in full]),
        validation=checks,
        startup=startup_seconds(repeats),
    )


def _land(history: Path, warehouse: Path, day: date, scale: int) -> None:
    """The warehouse as it was after the history, with the day landed (the flow's default
    seed), as the flow's dbt steps find it."""
    shutil.copy(history, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        land_generated(con, as_of=day, scale=scale)


def _median(measures: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(m[name] for m in measures) for name in measures[0]}


def _rows(warehouse: Path, relations: list[Relation]) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            relation: con.execute(f"select count(*) from {relation}").fetchall()[0][0]
            for relation in [f"raw.{name}" for name in RAW_TABLES]
            + [relation.audit for relation in relations]
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated generator scales")
    parser.add_argument("--days", type=int, default=30, help="days of history before the day")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per median")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / ".bench", help="scratch directory")
    args = parser.parse_args()

    home = args.work / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    env = local_server.server_env(home, local_server.HOST, PORT)
    with (args.work / "prefect-server.log").open("ab") as log:
        server = local_server.start(local_server.HOST, PORT, env, log=log, ui=False)
    try:
        local_server.wait_until_healthy(env["PREFECT_API_URL"], server)
        with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
            results = []
            for scale in (int(s) for s in args.scales.split(",")):
                print(f"bench: scale {scale}, {args.days} days of history + 1 day", flush=True)
                results.append(
                    bench_scale(scale, args.days, args.repeats, args.work, env["PREFECT_API_URL"])
                )
                write_report(results, help_seconds(args.repeats), args.output)
    finally:
        local_server.stop(server)
    print(f"bench: wrote {args.output}")


if __name__ == "__main__":
    main()
