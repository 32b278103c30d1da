"""Snowflake, the production warehouse: its connection settings, from the environment.

dbt's `prod` profile (dbt_project/profiles.yml), the landing copy and the GX datasource all
read the same SNOWFLAKE_* variables. A deployed run can keep them in a prefect-snowflake
SnowflakeCredentials block instead; `use_credentials_block` puts its values where the
others look, for this process only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flows.failures import UsageError

# The connector and prefect-snowflake take seconds to import, and a run on DuckDB never
# needs them: they are imported where Snowflake is used.
if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection
    from snowflake.connector.cursor import SnowflakeCursor

REQUIRED = (
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_WAREHOUSE",
    "SNOWFLAKE_DATABASE",
)
# Seconds before a statement or login gives up, instead of the connector's endless retries.
NETWORK_TIMEOUT = 120


class SnowflakeSettingsError(UsageError):
    """The environment does not say how to reach Snowflake."""


def connection_parameters() -> dict[str, Any]:
    """Keyword arguments for snowflake.connector.connect, from SNOWFLAKE_* variables."""
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if not (os.environ.get("SNOWFLAKE_PASSWORD") or os.environ.get("SNOWFLAKE_PRIVATE_KEY_PATH")):
        missing.append("SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH")
    if missing:
        raise SnowflakeSettingsError(
            "The prod target (Snowflake) needs these environment variables, or a "
            f"SnowflakeCredentials block: {', '.join(missing)} not set."
        )
    parameters: dict[str, Any] = {
        "account": os.environ["SNOWFLAKE_ACCOUNT"],
        "user": os.environ["SNOWFLAKE_USER"],
        "role": os.environ["SNOWFLAKE_ROLE"],
        "warehouse": os.environ["SNOWFLAKE_WAREHOUSE"],
        "database": os.environ["SNOWFLAKE_DATABASE"],
        "network_timeout": NETWORK_TIMEOUT,
        "login_timeout": NETWORK_TIMEOUT,
    }
    if key_path := os.environ.get("SNOWFLAKE_PRIVATE_KEY_PATH"):
        parameters["private_key_file"] = key_path
        if passphrase := os.environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
            parameters["private_key_file_pwd"] = passphrase
    else:
        parameters["password"] = os.environ["SNOWFLAKE_PASSWORD"]
    # A non-default endpoint: a private link, or the emulator the tests start.
    if host := os.environ.get("SNOWFLAKE_HOST"):
        parameters["host"] = host
    if port := os.environ.get("SNOWFLAKE_PORT"):
        parameters["port"] = int(port)
    if protocol := os.environ.get("SNOWFLAKE_PROTOCOL"):
        parameters["protocol"] = protocol
    return parameters


def connect() -> SnowflakeConnection:
    import snowflake.connector

    return snowflake.connector.connect(**connection_parameters())


@contextmanager
def transaction(cursor: SnowflakeCursor) -> Iterator[None]:
    """Commit the statements run inside, or none of them. Only DML belongs inside:
    Snowflake commits DDL on its own, and the open transaction with it."""
    cursor.execute("BEGIN")
    try:
        yield
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


def use_credentials_block(name: str) -> None:
    """Take account, user, password or private key, and role from a SnowflakeCredentials
    block, over whatever the environment says; warehouse and database stay in the
    environment (the deployment's job variables)."""
    from prefect_snowflake import SnowflakeCredentials

    credentials = SnowflakeCredentials.load(name)
    values = {
        "SNOWFLAKE_ACCOUNT": credentials.account,
        "SNOWFLAKE_USER": credentials.user,
        "SNOWFLAKE_ROLE": credentials.role,
        "SNOWFLAKE_PASSWORD": credentials.password.get_secret_value()
        if credentials.password
        else None,
        "SNOWFLAKE_PRIVATE_KEY_PATH": str(credentials.private_key_path)
        if credentials.private_key_path
        else None,
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": credentials.private_key_passphrase.get_secret_value()
        if credentials.private_key_passphrase
        else None,
    }
    for variable, value in values.items():
        if value:
            os.environ[variable] = value
