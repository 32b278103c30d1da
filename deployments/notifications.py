"""Notification channels: Prefect notification blocks, configured from environment variables.

| variable | block (type) | sends |
| --- | --- | --- |
| GREENERY_SLACK_WEBHOOK_URL | greenery-slack (Slack Webhook) | a Slack message |
| GREENERY_NOTIFY_WEBHOOK_URL | greenery-webhook (Custom Webhook) | a JSON POST |

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

from deployments.settings import SetupSettings
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
    setting: str  # its URL's field of SetupSettings
    block_name: str
    block_type: str
    make_block: Callable[[SecretStr], NotificationBlock]

    @property
    def env_var(self) -> str:
        return env_var(SetupSettings, self.setting)


CHANNELS = (
    Channel("Slack", "slack_webhook_url", "greenery-slack", "Slack Webhook", _slack_block),
    Channel("webhook", "notify_webhook_url", "greenery-webhook", "Custom Webhook", _webhook_block),
)


def configured_channels(settings: SetupSettings) -> dict[Channel, SecretStr]:
    """The channels whose URL variable is set, each with its URL; SettingsError, naming
    the variables, when none is."""
    found = {channel: url for channel in CHANNELS if (url := getattr(settings, channel.setting))}
    if not found:
        choices = " and/or ".join(
            f"{channel.env_var} to {SetupSettings.model_fields[channel.setting].description}"
            for channel in CHANNELS
        )
        raise SettingsError(f"no notification channel configured: set {choices}")
    return found


def save_block(channel: Channel, url: SecretStr) -> UUID:
    """Create or update (in place, by name) the channel's block; its document id."""
    # save() is sync_compatible: called outside an event loop, it returns the id itself.
    return cast(UUID, channel.make_block(url).save(channel.block_name, overwrite=True))
