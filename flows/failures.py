"""Failures a run expects and reports in words: bad input, a warehouse out of reach, a
usage error (a missing setting, a wrong argument). They stop the run; its summary says
why, last. A Python traceback would only bury those words, in the console and in the
Prefect UI alike, so Prefect logs them without one. Any other exception is a bug in the
pipeline and keeps its traceback.
"""

import logging

# The loggers Prefect logs a failed task or flow run's exception to.
_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


class RunStopped(Exception):
    """A failure the run reports in words, naming what stopped it and what to do."""


class UsageError(RunStopped):
    """The run was asked for something it cannot do (an argument, a folder, a setting, a
    warehouse holding another shop's data): the person running it is told what to change.
    Nothing is wrong with the data, so no stakeholder is alerted."""


class _WithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RunStopped):
            record.exc_info = None
            record.exc_text = None
        return True


def log_stops_without_traceback() -> None:
    """Install the filter on Prefect's run loggers (once per process)."""
    for name in _RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _WithoutTraceback) for existing in logger.filters):
            logger.addFilter(_WithoutTraceback())
