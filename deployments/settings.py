"""What `python -m deployments.setup` takes from the environment, typed like the flow's
settings (flows/settings.py): a bad value is a usage error naming the variable and what it
accepts. The webhook URLs are secrets: never shown, in an error or anywhere else."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.settings import read

SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")


def _slack_webhook(url: SecretStr) -> SecretStr:
    parts = urlsplit(url.get_secret_value())
    if parts.scheme != "https" or parts.hostname not in SLACK_HOSTS:
        raise ValueError("not a Slack incoming webhook URL")
    return url


def _http_url(url: SecretStr) -> SecretStr:
    parts = urlsplit(url.get_secret_value())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// URL")
    return url


class ChannelSettings(BaseSettings):
    """The notification channels' URLs: GREENERY_*, or for one business unit's own
    channels GREENERY_<UNIT>_* (unit_channel_settings)."""

    model_config = SettingsConfigDict(
        env_prefix="GREENERY_", env_ignore_empty=True, str_strip_whitespace=True, frozen=True
    )

    slack_webhook_url: Annotated[SecretStr, AfterValidator(_slack_webhook)] | None = Field(
        None, description="a Slack incoming webhook URL (https://hooks.slack.com/services/...)"
    )
    notify_webhook_url: Annotated[SecretStr, AfterValidator(_http_url)] | None = Field(
        None,
        description='an http:// or https:// URL that accepts a JSON POST ({"subject", "body",'
        ' "text"})',
    )


class SetupSettings(ChannelSettings):
    """The GREENERY_* variables setup reads. Unset or empty, a variable takes its default."""

    # See automations.daily_run_missing for how the window relates to the schedule.
    missing_run_hours: float = Field(
        26.0,
        ge=0.003,
        le=8760,
        allow_inf_nan=False,
        description="a number of hours from 0.003 (about 10 seconds, the shortest window"
        " Prefect allows) to 8760 (a year)",
    )


def setup_settings() -> SetupSettings:
    return read(SetupSettings)


def unit_channel_model(unit: str) -> type[ChannelSettings]:
    """The settings of a business unit's own channels: GREENERY_<UNIT>_SLACK_WEBHOOK_URL
    and GREENERY_<UNIT>_NOTIFY_WEBHOOK_URL."""
    config = ChannelSettings.model_config | {"env_prefix": f"GREENERY_{unit.upper()}_"}
    return type(f"{unit.title()}ChannelSettings", (ChannelSettings,), {"model_config": config})


def unit_channel_settings(unit: str) -> ChannelSettings:
    return read(unit_channel_model(unit))
