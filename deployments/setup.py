"""Create or update Greenery's notification blocks and automations on the current Prefect API.

    python -m deployments.setup        (or: make automations)

Reads:
  PREFECT_API_URL               the Prefect server or Prefect Cloud workspace (required;
                                for Cloud also PREFECT_API_KEY)
  GREENERY_SLACK_WEBHOOK_URL    Slack incoming webhook        } at least one of
  GREENERY_NOTIFY_WEBHOOK_URL   any URL taking a JSON POST    } these two
  GREENERY_MISSING_RUN_HOURS    window of "daily run missing" (default 26)
  GREENERY_<UNIT>_SLACK_WEBHOOK_URL, GREENERY_<UNIT>_NOTIFY_WEBHOOK_URL
                                a business unit's own channels for the KPIs it owns
                                (kpis.yml); a unit without them uses the shared ones

A missing or bad setting is a usage error: it is named (a URL never shown), nothing is
set up, and setup exits 1, as it does when the Prefect API fails.

Idempotent: blocks and automations are found by name and updated in place, so running
it again changes them to the current definitions and never duplicates them. An
automation someone paused stays paused. The URLs are never printed.
"""

import argparse
import sys
from collections.abc import Iterable

from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

from deployments import automations
from deployments.contract import DEPLOYMENT_FULL_NAME
from deployments.notifications import (
    CHANNELS,
    Channel,
    channel_urls,
    configured_channels,
    save_block,
)
from deployments.settings import setup_settings, unit_channel_settings
from flows.failures import UsageError
from flows.kpis import load_kpis


def apply_automation(automation: Automation) -> str:
    """Create the automation, or update the one with its name in place; what was done."""
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(automation.name)
        if not existing:
            automation.create()
            return "created"
        keep, *duplicates = existing
        for duplicate in duplicates:
            client.delete_automation(duplicate.id)
    automation.id = keep.id
    automation.enabled = keep.enabled  # don't undo a deliberate pause
    automation.update()
    done = "updated" if keep.enabled else "updated (left paused)"
    if duplicates:
        done += f", removed {len(duplicates)} duplicate(s)"
    return done


def deployment_status() -> str:
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(DEPLOYMENT_FULL_NAME)
        except ObjectNotFound:
            return (
                f"Deployment {DEPLOYMENT_FULL_NAME}: not deployed yet. The run automations "
                "match it by name and apply once it is (prefect deploy --all)."
            )
    return f"Deployment {DEPLOYMENT_FULL_NAME}: found (id {deployment.id})."


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _usage_error(problem: str) -> int:
    print(f"Usage error: {problem}. Nothing was set up.", file=sys.stderr)
    return 1


def _saved(channel: Channel, name: str, variable: str, prefix: str = "") -> None:
    print(
        f"  {prefix}{channel.label}: block '{name}' ({channel.block_type}) saved,"
        f" URL from {variable}"
    )


def run() -> int:
    try:
        settings = setup_settings()
        urls = configured_channels(settings)
        unit_urls = {unit: channel_urls(unit_channel_settings(unit)) for unit in load_kpis().units}
    except UsageError as error:
        return _usage_error(str(error))
    api_url = PREFECT_API_URL.value()
    if not api_url:
        return _usage_error(
            "PREFECT_API_URL is not set: point it at the Prefect server (e.g."
            " http://127.0.0.1:4200/api) or Prefect Cloud workspace to configure (for Cloud"
            " also set PREFECT_API_KEY, or run `prefect cloud login`)"
        )

    secrets = [
        url.get_secret_value() for found in (urls, *unit_urls.values()) for url in found.values()
    ]
    try:
        print(f"Prefect API: {api_url}")
        print("Notification channels:")
        block_ids = []
        for channel in CHANNELS:
            if channel not in urls:
                print(f"  {channel.label}: not configured ({channel.env_var} is not set)")
                continue
            block_ids.append(save_block(channel, urls[channel], channel.block_name))
            _saved(channel, channel.block_name, channel.env_var)

        print("KPI channels of the business units (kpis.yml):")
        unit_block_ids = {}
        for unit, own in sorted(unit_urls.items()):
            if not own:
                names = " or ".join(channel.unit_env_var(unit) for channel in CHANNELS)
                print(f"  {unit}: the shared channels ({names} not set)")
                unit_block_ids[unit] = block_ids
                continue
            unit_block_ids[unit] = []
            for channel, url in own.items():
                name = channel.unit_block_name(unit)
                unit_block_ids[unit].append(save_block(channel, url, name))
                _saved(channel, name, channel.unit_env_var(unit), prefix=f"{unit}: ")

        print("Automations:")
        for automation in automations.all_automations(
            block_ids, settings.missing_run_hours, unit_block_ids
        ):
            print(f"  {apply_automation(automation)}: {automation.name}")
        print(deployment_status())
    except Exception as error:  # any API failure: report it without the URLs
        message = _redact(f"{type(error).__name__}: {error}", secrets)
        print(f"Greenery automation setup failed against {api_url}: {message}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.setup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    return run()


if __name__ == "__main__":
    sys.exit(main())
