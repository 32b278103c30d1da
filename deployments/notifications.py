"""Notification channels: Prefect notification blocks, configured from environment variables.

| variable | block (type) | sends |
| --- | --- | --- |
| GREENERY_SLACK_WEBHOOK_URL | greenery-slack (Slack Webhook) | a Slack message |
| GREENERY_NOTIFY_WEBHOOK_URL | greenery-webhook (Custom Webhook) | a JSON POST |

The URLs are secrets: they are stored in the blocks' secret fields (never shown by the
Prefect UI or API) and are never printed or logged here.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from prefect.blocks.abstract import NotificationBlock
from prefect.blocks.notifications import CustomWebhookNotificationBlock, SlackWebhook
from prefect.types import SecretDict
from pydantic import SecretStr

SLACK_URL_ENV = "GREENERY_SLACK_WEBHOOK_URL"
WEBHOOK_URL_ENV = "GREENERY_NOTIFY_WEBHOOK_URL"
SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")

# What the Custom Webhook POSTs. Prefect fills {{subject}} and {{body}} with the
# rendered notification; `text` makes Slack-compatible receivers (Mattermost,
# Rocket.Chat, Google Chat...) show it too.
WEBHOOK_JSON = {
    "subject": "{{subject}}",
    "body": "{{body}}",
    "text": "{{subject}}\n\n{{body}}",
}


class ChannelConfigError(Exception):
    """No channel configured, or a channel's URL is unusable. Never contains a URL."""


def _slack_block(url: str) -> NotificationBlock:
    return SlackWebhook(url=SecretStr(url))


def _webhook_block(url: str) -> NotificationBlock:
    # The block's `url` field is plain text; keep the real URL in its secrets instead.
    return CustomWebhookNotificationBlock(
        name="greenery",
        url="{{webhook_url}}",
        method="POST",
        json_data=WEBHOOK_JSON,
        secrets=SecretDict({"webhook_url": url}),
    )


def _check_slack_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in SLACK_HOSTS:
        return "is not a Slack incoming webhook URL (https://hooks.slack.com/services/...)"
    return None


def _check_http_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http:// or https:// URL"
    return None


@dataclass(frozen=True)
class Channel:
    label: str
    env_var: str
    block_name: str
    block_type: str
    make_block: Callable[[str], NotificationBlock]
    check_url: Callable[[str], str | None]


CHANNELS = (
    Channel(
        "Slack",
        SLACK_URL_ENV,
        "greenery-slack",
        "Slack Webhook",
        _slack_block,
        _check_slack_url,
    ),
    Channel(
        "webhook",
        WEBHOOK_URL_ENV,
        "greenery-webhook",
        "Custom Webhook",
        _webhook_block,
        _check_http_url,
    ),
)


def configured_channels(environ: Mapping[str, str]) -> dict[Channel, str]:
    """The channels whose URL variable is set, each with its URL.

    Raises ChannelConfigError, naming the variables (never their values), when none is
    set or a URL is malformed.
    """
    found: dict[Channel, str] = {}
    for channel in CHANNELS:
        url = environ.get(channel.env_var, "").strip()
        if not url:
            continue
        problem = channel.check_url(url)
        if problem:
            raise ChannelConfigError(f"{channel.env_var} {problem} (its value is not shown).")
        found[channel] = url
    if not found:
        names = " and/or ".join(channel.env_var for channel in CHANNELS)
        raise ChannelConfigError(
            f"No notification channel configured: set {names}.\n"
            f"  {SLACK_URL_ENV}: a Slack incoming webhook URL\n"
            f"  {WEBHOOK_URL_ENV}: any URL that accepts a JSON POST "
            '({"subject", "body", "text"})'
        )
    return found


def save_block(channel: Channel, url: str) -> UUID:
    """Create or update (in place, by name) the channel's block; its document id."""
    return channel.make_block(url).save(channel.block_name, overwrite=True)
