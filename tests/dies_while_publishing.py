"""`python -m tests.dies_while_publishing ARGS`: `python -m flows.daily ARGS` whose process
kills itself with SIGKILL halfway through publishing the marts, inside the publication's
transaction: a power cut at the worst moment, without relying on timing."""

import os
import signal
import sys
from typing import Any

import duckdb

from flows import daily
from flows.contracts import ContractReport
from flows.marts import Relation
from flows.warehouse.duckdb import DuckDBWarehouse


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

    def __enter__(self) -> "_DiesHalfway":
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


_publish = DuckDBWarehouse.publish


def _publish_and_die(
    warehouse: DuckDBWarehouse, marts: list[Relation], contracts: ContractReport
) -> list[str]:
    connection = duckdb.connect(str(warehouse.path))
    DuckDBWarehouse.connect = lambda self: _DiesHalfway(connection, after=len(marts) // 2)  # type: ignore[assignment,method-assign,return-value]
    return _publish(warehouse, marts, contracts)


if __name__ == "__main__":
    DuckDBWarehouse.publish = _publish_and_die  # type: ignore[method-assign]
    sys.exit(daily.main())
