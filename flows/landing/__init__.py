"""Landing: bring the shop's seven raw tables into the warehouse's raw schema.

From the built-in generator (`land_generated`) or from a CSV export of the shop
database (`land_csv_export`); a generated day can be a bad business day made on
purpose (`Scenario`). Each call is one transaction; bad input raises
LandingError and leaves the warehouse as it was.
"""

from flows.landing.csv_landing import land_csv_export
from flows.landing.csv_writing import write_csv_export
from flows.landing.errors import LandingError
from flows.landing.generated_landing import land_generated
from flows.landing.result import LandingResult
from flows.scenarios import SCENARIOS, Scenario

__all__ = [
    "SCENARIOS",
    "LandingError",
    "LandingResult",
    "Scenario",
    "land_csv_export",
    "land_generated",
    "write_csv_export",
]
