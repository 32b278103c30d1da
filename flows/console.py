"""What a person running the flow sees in the terminal: a line as each step starts and the
summary last. Prefect's own lines (each task's state, the engine's messages) go to the
Prefect UI and its log only; `--verbose` shows them in the terminal too.

    say("Building the marts")  # in the flow or a task: the run's log, and the terminal
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from prefect import get_run_logger
from prefect.logging.handlers import PrefectConsoleHandler

# A log record with this attribute set is a line for the terminal too.
_FOR_THE_TERMINAL = "greenery_terminal"


def say(message: str) -> None:
    """Log `message` to the Prefect run's log, and show it in the terminal."""
    get_run_logger().info(message, extra={_FOR_THE_TERMINAL: True})


class _OnlyMarked(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return bool(getattr(record, _FOR_THE_TERMINAL, False))


class _Nothing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def terminal(verbose: bool) -> Iterator[None]:
    """For the duration: without `verbose`, Prefect's console handler stays silent and the
    lines `say` marks are printed plainly to standard output; with it, Prefect's console
    handler shows everything, as Prefect does by default."""
    if verbose:
        yield
        return
    root = logging.getLogger()
    prefect_consoles = [h for h in root.handlers if isinstance(h, PrefectConsoleHandler)]
    silent, ours = _Nothing(), logging.StreamHandler(sys.stdout)
    ours.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    ours.addFilter(_OnlyMarked())
    for handler in prefect_consoles:
        handler.addFilter(silent)
    root.addHandler(ours)
    try:
        yield
    finally:
        root.removeHandler(ours)
        for handler in prefect_consoles:
            handler.removeFilter(silent)
