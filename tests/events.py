"""Reading Prefect events back from the test session's API, once the server stored them."""

import time
from typing import Any

import httpx
from prefect.settings import PREFECT_API_URL

Event = dict[str, Any]


def wait_for_events(
    event_filter: dict[str, Any],
    *,
    at_least: int = 1,
    wait: float = 60,
    api_url: str | None = None,
) -> list[Event]:
    """Events matching `event_filter` (the API's EventFilter), once `at_least` of them are
    stored or `wait` seconds have passed: the server writes events in batches, a few
    seconds after they arrive. `api_url` defaults to the test session's API."""
    deadline = time.monotonic() + wait
    while True:
        response = httpx.post(
            f"{api_url or PREFECT_API_URL.value()}/events/filter",
            json={"filter": event_filter, "limit": 50},
        )
        response.raise_for_status()
        events = response.json()["events"]
        if len(events) >= at_least or time.monotonic() > deadline:
            return events
        time.sleep(2)
