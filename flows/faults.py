"""Faults a daily run rides out, and how it says when it cannot.

A warehouse that is briefly out of reach (the DuckDB file locked by another process, a
dropped Snowflake connection) is retried with exponential backoff by Prefect's task retries;
if it stays out of reach the run stops with WarehouseUnavailable, naming what it could not
do. Two runs never write one warehouse at once: each holds the warehouse's Prefect global
concurrency limit (one slot) from landing to publication; a second run waits for it, and
is refused with WarehouseBusy after GREENERY_WAREHOUSE_WAIT_MINUTES.
"""

import logging
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from typing import Any

from prefect import Task, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.objects import State, TaskRun
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.tasks import exponential_backoff

from flows.console import say
from flows.failures import RunStopped
from flows.settings import settings

# Read at import: tasks take their options when they are defined. A bad value stops the
# import with a SettingsError, which python -m flows.daily reports before importing this.
RETRIES = settings().warehouse_retries
FIRST_RETRY_SECONDS = settings().warehouse_retry_seconds
# How long a run waits for the warehouse before it says that another run holds it.
FIRST_LOOK_SECONDS = 2
# The shortest lease Prefect grants: a run killed while holding the warehouse blocks the
# next one for at most about a minute.
LEASE_SECONDS = 60

# Phrases in an error (or in the errors it was raised from) that mean "try again later".
TRANSIENT = {
    "Could not set lock on file": "the DuckDB file is locked by another process",
    "(08001)": "could not connect to Snowflake",
    "Failed to connect to DB": "could not connect to Snowflake",
    # The connector's login timed out (250001), as when Snowflake is slow to answer.
    "Could not connect to Snowflake backend": "could not connect to Snowflake",
    "Connection reset by peer": "the connection to the warehouse was dropped",
    "Connection aborted": "the connection to the warehouse was dropped",
    "RemoteDisconnected": "the connection to the warehouse was dropped",
}


class _NotTheFirstLooksTimeout(logging.Filter):
    """Prefect's slot service logs an ERROR when a wait for a slot times out, which the
    first look at the warehouse does whenever another run holds it: an expected outcome,
    which the run says in words."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        timed_out = [
            item
            for arg in args
            if isinstance(arg, tuple)
            for item in arg
            if isinstance(item, Future)
            and item.done()
            and not item.cancelled()
            and isinstance(item.exception(), TimeoutError)
        ]
        return not (args and args[0] == "ConcurrencySlotAcquisitionWithLeaseService" and timed_out)


logging.getLogger("prefect._internal.concurrency").addFilter(_NotTheFirstLooksTimeout())


class WarehouseUnavailable(RunStopped):
    """The warehouse could not be reached or locked; worth retrying."""


class WarehouseBusy(RunStopped):
    """Another run held the warehouse for longer than this run would wait."""


def transient_reason(error: BaseException | str) -> str | None:
    """Why an error (or an error message) is worth retrying, or None if it is not."""
    seen: BaseException | str | None = error
    while seen is not None:
        for phrase, reason in TRANSIENT.items():
            if phrase in str(seen):
                return reason
        seen = seen.__cause__ or seen.__context__ if isinstance(seen, BaseException) else None
    return None


@contextmanager
def reaching_the_warehouse(step: str) -> Iterator[None]:
    """Turn a transient warehouse error inside into WarehouseUnavailable naming `step`."""
    try:
        yield
    except WarehouseUnavailable:
        raise
    except Exception as error:
        reason = transient_reason(error)
        if reason is None:
            raise
        raise WarehouseUnavailable(f"{step}: {reason} ({_first_line(error)})") from error


def _retry_when_unavailable(task: Task, task_run: TaskRun, state: State) -> bool:
    """Prefect asks this while the task has retries left."""
    try:
        state.result()
    except WarehouseUnavailable as error:
        attempt = (task_run.run_count or 1) + 1
        say(f"{error}; trying again shortly (attempt {attempt} of {RETRIES + 1})")
        return True
    except Exception:
        return False
    return False


# Options for every task that touches the warehouse.
WAREHOUSE_RETRIES: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": exponential_backoff(backoff_factor=FIRST_RETRY_SECONDS),
    "retry_condition_fn": _retry_when_unavailable,
}


def gave_up_line(error: WarehouseUnavailable) -> str:
    return f"  {error}; gave up after {RETRIES + 1} attempts."


@contextmanager
def exclusive_warehouse(name: str) -> Iterator[None]:
    """Hold the one slot of the warehouse's concurrency limit `name` (Warehouse.lock_name)
    for the duration, waiting for another run to finish."""
    wait_minutes = settings().warehouse_wait_minutes
    _ensure_limit(name)
    get_run_logger().info("Waiting for the warehouse (concurrency limit %r)", name)
    slot = ExitStack()
    try:
        slot.enter_context(_one_slot(name, timeout_seconds=FIRST_LOOK_SECONDS))
    except TimeoutError:
        say(f"Another run holds the warehouse; waiting for it (at most {wait_minutes:g} minutes)")
        try:
            slot.enter_context(_one_slot(name, timeout_seconds=wait_minutes * 60))
        except TimeoutError as error:
            raise WarehouseBusy(
                f"Another run held the warehouse (concurrency limit {name!r}) for more than"
                f" {wait_minutes:g} minutes; this run did nothing."
            ) from error
    get_run_logger().info("Holding the warehouse")
    with slot:
        yield


def _one_slot(name: str, timeout_seconds: float) -> AbstractContextManager[None]:
    return concurrency(
        name,
        occupy=1,
        timeout_seconds=timeout_seconds,
        lease_duration=LEASE_SECONDS,
        strict=True,
    )


def _ensure_limit(name: str) -> None:
    """Create the limit on first use. Looked up first: creating one that exists makes the
    server log an error with a traceback, every run."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it just now
                limit = GlobalConcurrencyLimitCreate(name=name, limit=1)
                client.create_global_concurrency_limit(limit)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
