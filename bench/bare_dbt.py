"""python -m bench.bare_dbt COMMANDS_JSON: run dbt commands with dbt's own runner as the flow
runs them (the project parsed once, each command given that manifest and writing no JSON)
and print each one's seconds as JSON, the parse's included: the baseline for the flow's dbt
stages. The day comes as the flow gives it to dbt, in GREENERY_AS_OF."""

import json
import sys
import time

from dbt.cli.main import dbtRunner

from flows.settings import DBT_PROJECT_DIR

PROJECT = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def main() -> None:
    commands = json.loads(sys.argv[1])
    seconds = {}
    started = time.perf_counter()
    parsed = dbtRunner().invoke(["parse", *PROJECT, "--quiet"])
    if not parsed.success:
        raise SystemExit(f"dbt parse failed: {parsed.exception}")
    seconds["parse"] = time.perf_counter() - started
    runner = dbtRunner(manifest=parsed.result)
    for command in commands:
        started = time.perf_counter()
        result = runner.invoke([*command, *PROJECT, "--quiet", "--no-write-json"])
        if not result.success:
            raise SystemExit(f"dbt {' '.join(command)} failed: {result.exception}")
        seconds[" ".join(command)] = time.perf_counter() - started
    print(json.dumps(seconds))


if __name__ == "__main__":
    main()
