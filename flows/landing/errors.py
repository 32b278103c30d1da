"""The one exception a landing raises for bad input."""

from flows.failures import RunStopped


class LandingError(RunStopped):
    """Bad input for a landing, explained in plain words.

    The message names the file or table, the column, the line, the check that
    failed and how many rows failed it. The warehouse is left as it was.
    """
