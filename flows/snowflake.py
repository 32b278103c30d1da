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
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.settings import SettingsError, env_var, read

# The connector and prefect-snowflake take seconds to import, and a run on DuckDB never
# needs them: they are imported where Snowflake is used.
if TYPE_CHECKING:
    from snowflake.connector import SnowflakeConnection
    from snowflake.connector.cursor import SnowflakeCursor

# Seconds before a statement or login gives up, instead of the connector's endless retries.
NETWORK_TIMEOUT = 120


class SnowflakeSettings(BaseSettings):
    """The SNOWFLAKE_* variables. None is required to start a run: only the prod target
    needs them, after a credentials block may have filled them in (connection_parameters
    names those missing)."""

    model_config = SettingsConfigDict(env_prefix="SNOWFLAKE_", env_ignore_empty=True, frozen=True)

    account: str | None = Field(None, description="the account identifier, org-account")
    user: str | None = Field(None, description="the user the pipeline logs in as")
    role: str | None = Field(None, description="the role the pipeline works as")
    warehouse: str | None = Field(None, description="the virtual warehouse queries run on")
    database: str | None = Field(None, description="the database holding the schemas")
    password: SecretStr | None = Field(None, description="the user's password")
    private_key_path: str | None = Field(
        None, description="a private key file for key-pair authentication (wins over password)"
    )
    private_key_passphrase: SecretStr | None = Field(
        None, description="the private key file's passphrase"
    )
    # A non-default endpoint: a private link, or the emulator the tests start.
    host: str | None = Field(None, description="a host name")
    port: int | None = Field(None, ge=1, le=65535, description="a port number, 1 to 65535")
    protocol: Literal["http", "https"] | None = Field(None, description="http or https")


REQUIRED = ("account", "user", "role", "warehouse", "database")


def snowflake_settings() -> SnowflakeSettings:
    return read(SnowflakeSettings)


def connection_parameters() -> dict[str, Any]:
    """Keyword arguments for snowflake.connector.connect, from SNOWFLAKE_* variables."""
    env = snowflake_settings()
    missing = [env_var(SnowflakeSettings, name) for name in REQUIRED if not getattr(env, name)]
    if not (env.password or env.private_key_path):
        missing.append("SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH")
    if missing:
        raise SettingsError(
            "The prod target (Snowflake) needs these environment variables, or a "
            f"SnowflakeCredentials block: {', '.join(missing)} not set."
        )
    parameters: dict[str, Any] = {
        "account": env.account,
        "user": env.user,
        "role": env.role,
        "warehouse": env.warehouse,
        "database": env.database,
        "network_timeout": NETWORK_TIMEOUT,
        "login_timeout": NETWORK_TIMEOUT,
    }
    if env.private_key_path:
        parameters["private_key_file"] = env.private_key_path
        if env.private_key_passphrase:
            parameters["private_key_file_pwd"] = env.private_key_passphrase.get_secret_value()
    elif env.password:
        parameters["password"] = env.password.get_secret_value()
    optional = {"host": env.host, "port": env.port, "protocol": env.protocol}
    return parameters | {name: value for name, value in optional.items() if value is not None}


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
