"""python -m bench.bare_dbt AS_OF COMMANDS_JSON: run dbt commands with dbt's own runner
and print each one's seconds as JSON (the baseline for the flow's dbt stages)."""

import json
import sys
import time

from dbt.cli.main import dbtRunner

from flows.settings import DBT_PROJECT_DIR


def main() -> None:
    as_of, commands = sys.argv[1], json.loads(sys.argv[2])
    runner, seconds = dbtRunner(), {}
    for command in commands:
        started = time.perf_counter()
        result = runner.invoke(
            [
                *command,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--vars",
                json.dumps({"as_of": as_of}),
                "--quiet",
            ]
        )
        if not result.success:
            raise SystemExit(f"dbt {' '.join(command)} failed: {result.exception}")
        seconds[" ".join(command)] = time.perf_counter() - started
    print(json.dumps(seconds))


if __name__ == "__main__":
    main()
