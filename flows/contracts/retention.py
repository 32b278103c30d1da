"""Keep GX's stored validation results, and their Data Docs pages, to the latest runs.

Every Data Docs action lists the whole results store (parsing each result's run time), so
a store that keeps every day's 13 results makes each run's contracts slower than the last.
Each run's outcome stays in Prefect (its artifacts and events); Data Docs keep the last
`GREENERY_CONTRACT_RUNS_KEPT` runs, today's included.
"""

from collections.abc import Callable
from pathlib import Path

from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

from flows.settings import settings


def runs_kept() -> int:
    return settings().contract_runs_kept


def make_room(
    context: AbstractDataContext, runs: int, page_of: Callable[[ValidationResultIdentifier], Path]
) -> None:
    """Remove the stored results of all but the latest `runs - 1` runs, and their Data Docs
    pages (`page_of` a result's page), so that with the coming run `runs` are kept. A run
    is a run time: every mart's checkpoint in one run shares it."""
    store = context.validation_results_store
    keys = [key for key in store.list_keys() if isinstance(key, ValidationResultIdentifier)]
    latest = sorted({key.run_id.run_time for key in keys}, reverse=True)[: runs - 1]
    old = [key for key in keys if key.run_id.run_time not in latest]
    for key in old:
        _remove_page(page_of(key))
        store.remove_key(key.to_tuple())


def _remove_page(page: Path) -> None:
    """Remove the page and the folders it leaves empty (its run's, its suite's)."""
    page.unlink(missing_ok=True)
    for folder in page.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty: the rest of the site is above it
            return
