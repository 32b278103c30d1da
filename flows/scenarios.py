"""Bad business days the shop generator (flows/landing/generator/) makes on purpose, to see
a KPI alert fire end to end (`python -m flows.daily --scenario ...`).

A scenario changes only the last day landed (the as-of day): the days before it
are the same as without it, and the days after go on from the day it made.

- conversion-drop: fewer visits end in a purchase. As many people sign up and
  browse as usual, but about 4 visits in 10 end in an order instead of 6 in 10.
- slow-deliveries: a carrier disruption. Every parcel due that day arrives two
  days late: nothing is delivered that day, and two days later the backlog
  arrives on top of that day's parcels, with long delivery times.
"""

from typing import Literal, get_args

Scenario = Literal["conversion-drop", "slow-deliveries"]
SCENARIOS: tuple[Scenario, ...] = get_args(Scenario)
NOT_GENERATED = "--scenario changes generated data: it cannot go with --raw-dir or --skip-landing"
