"""A dropped Snowflake connection, mid-run: the run retries and succeeds. The run is a
`python -m flows.daily` process against a real Prefect server and a Snowflake emulator
behind a proxy that cuts its connections."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AS_OF
from tests.lab import CHECKING_THE_RAW_DATA, Lab, lab_in
from tests.servers import dropping_proxy, snowflake_emulator


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_in(tmp_path_factory.mktemp("faults-on-snowflake")) as lab:
        yield lab


def test_a_dropped_snowflake_connection_does_not_fail_the_run(lab: Lab, tmp_path: Path) -> None:
    with (
        snowflake_emulator(tmp_path) as snowflake_env,
        dropping_proxy(int(snowflake_env["SNOWFLAKE_PORT"])) as proxy,
    ):
        run = lab.start(
            tmp_path / "landing.duckdb",
            "--as-of",
            AS_OF.isoformat(),
            "--target",
            "prod",
            **snowflake_env
            | {
                "SNOWFLAKE_PORT": str(proxy.port),
                "GREENERY_SNOWFLAKE_LANDING_PATH": str(tmp_path / "landing.duckdb"),
            },
        )
        # Cut while dbt checks the raw data: the step is retried whole. (Not while it builds
        # the marts: a retry then adds to the incremental marts the first attempt built,
        # through a temporary table, which the emulator cannot create in its schema.)
        run.wait_for(CHECKING_THE_RAW_DATA)
        proxy.drop(refuse_for=3)
        code = run.finish()
    assert proxy.dropped > 0 and proxy.refused > 0  # connections cut, and retried while refused
    assert code == 0, run.output
    assert "Published: 12 marts" in run.output
