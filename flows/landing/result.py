"""What a landing call reports back to the flow."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LandingResult:
    source: str  # "generator" or "csv"
    days: list[date]  # days landed by this call (generator); [as_of] for csv
    rows_landed: dict[str, int]  # rows inserted or updated by this call, per table
    rows_in_raw: dict[str, int]  # row count of each raw table after the call
