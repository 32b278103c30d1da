"""`python -m tests.dies_while_publishing ARGS`: `python -m flows.daily ARGS` whose process
kills itself with SIGKILL halfway through publishing the marts, inside the publication's
transaction: a power cut at the worst moment, without relying on timing."""

import os
import signal
import sys
from typing import Any

import duckdb

from flows import daily, pipeline


class _DiesHalfway:
    """A DuckDB connection that SIGKILLs its process before its `after`+1-th write to a
    published table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, after: int) -> None:
        self._con = con
        self._left = after

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith(("CREATE OR REPLACE TABLE", "DELETE FROM", "INSERT INTO")):
            if self._left == 0:
                os.kill(os.getpid(), signal.SIGKILL)
            self._left -= 1
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


_publish = pipeline.publish_duckdb


def _publish_and_die(
    con: duckdb.DuckDBPyConnection, marts: dict[str, list[str]], keys: dict[str, list[str]]
) -> list[str]:
    return _publish(_DiesHalfway(con, after=len(marts) // 2), marts, keys)  # type: ignore[arg-type]


if __name__ == "__main__":
    pipeline.publish_duckdb = _publish_and_die
    sys.exit(daily.main())
