"""Greenery's Prefect deployment extras: notification blocks, automations, local serving.

- `python -m deployments.setup` creates or updates the notification blocks and the
  three automations on the current Prefect API (`make automations`).
- `python -m deployments.serve` runs the whole thing locally (`make serve`).
"""
