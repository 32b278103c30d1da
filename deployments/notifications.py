"""Notification channels: Prefect notification blocks, configured from environment variables.

| variable | block (type) | sends |
| --- | --- | --- |
| GREENERY_SLACK_WEBHOOK_URL | greenery-slack (Slack Webhook) | a Slack message |
| GREENERY_NOTIFY_WEBHOOK_URL | greenery-webhook (Custom Webhook) | a JSON POST |

Those are the shared channels. A business unit (kpis.yml) may have its own for the KPIs it
owns: GREENERY_<UNIT>_SLACK_WEBHOOK_URL and GREENERY_<UNIT>_NOTIFY_WEBHOOK_URL, saved as
greenery-<unit>-slack and greenery-<unit>-webhook; a unit with neither uses the shared ones.

settings.py reads and checks the URLs. They are secrets: they are stored in the blocks'
secret fields (never shown by the Prefect UI or API) and are never printed or logged here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from prefect.blocks.abstract import NotificationBlock
from prefect.blocks.notifications import CustomWebhookNotificationBlock, SlackWebhook
from prefect.types import SecretDict
from pydantic import SecretStr

from deployments.settings import ChannelSettings, SetupSettings, unit_channel_model
from flows.settings import SettingsError, env_var

# What the Custom Webhook POSTs. Prefect fills {{subject}} and {{body}} with the
# rendered notification; `text` makes Slack-compatible receivers (Mattermost,
# Rocket.Chat, Google Chat...) show it too.
WEBHOOK_JSON = {
    "subject": "{{subject}}",
    "body": "{{body}}",
    "text": "{{subject}}\n\n{{body}}",
}


def _slack_block(url: SecretStr) -> NotificationBlock:
    return SlackWebhook(url=url)


def _webhook_block(url: SecretStr) -> NotificationBlock:
    # The block's `url` field is plain text; keep the real URL in its secrets instead.
    return CustomWebhookNotificationBlock(
        name="greenery",
        url="{{webhook_url}}",
        method="POST",
        json_data=WEBHOOK_JSON,
        secrets=SecretDict({"webhook_url": url.get_secret_value()}),
    )


@dataclass(frozen=True)
class Channel:
    label: str
    setting: str  # its URL's field of ChannelSettings
    kind: str  # the end of its block's name
    block_type: str
    make_block: Callable[[SecretStr], NotificationBlock]

    @property
    def block_name(self) -> str:
        return f"greenery-{self.kind}"

    @property
    def env_var(self) -> str:
        return env_var(SetupSettings, self.setting)

    def unit_block_name(self, unit: str) -> str:
        return f"greenery-{unit}-{self.kind}"

    def unit_env_var(self, unit: str) -> str:
        return env_var(unit_channel_model(unit), self.setting)


CHANNELS = (
    Channel("Slack", "slack_webhook_url", "slack", "Slack Webhook", _slack_block),
    Channel("webhook", "notify_webhook_url", "webhook", "Custom Webhook", _webhook_block),
)


def channel_urls(settings: ChannelSettings) -> dict[Channel, SecretStr]:
    """The channels whose URL variable is set, each with its URL."""
    return {channel: url for channel in CHANNELS if (url := getattr(settings, channel.setting))}


def configured_channels(settings: SetupSettings) -> dict[Channel, SecretStr]:
    """The shared channels whose URL variable is set, each with its URL; SettingsError,
    naming the variables, when none is."""
    found = channel_urls(settings)
    if not found:
        choices = " and/or ".join(
            f"{channel.env_var} to {SetupSettings.model_fields[channel.setting].description}"
            for channel in CHANNELS
        )
        raise SettingsError(f"no notification channel configured: set {choices}")
    return found


def save_block(channel: Channel, url: SecretStr, name: str) -> UUID:
    """Create or update (in place, by name) the channel's block; its document id."""
    # save() is sync_compatible: called outside an event loop, it returns the id itself.
    return cast(UUID, channel.make_block(url).save(name, overwrite=True))
