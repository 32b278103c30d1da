"""Run dbt commands through prefect-dbt, so that every dbt node is a Prefect task."""

import json
from datetime import date

from prefect import get_run_logger
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.dbt_results import DbtOutcome, summarise
from flows.settings import DBT_PROJECT_DIR


def run_dbt(command: list[str], *, as_of: date, target: str) -> DbtOutcome:
    """Invoke one dbt command for the run's day on `target` (a profiles.yml output) and
    summarise what it did.

    Test and model failures come back in the outcome rather than as an
    exception, so the flow can report all of them at once.
    """
    runner = PrefectDbtRunner(
        settings=PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
        raise_on_failure=False,
    )
    result = runner.invoke(
        [*command, "--target", target, "--vars", json.dumps({"as_of": as_of.isoformat()})]
    )
    outcome = summarise(" ".join(command), getattr(result.result, "results", None), runner.manifest)
    logger = get_run_logger()
    for failure in outcome.failures:
        logger.error(failure.describe())
    return outcome
