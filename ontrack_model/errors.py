"""Exception types: one per kind of failure a user can cause, each with a message that says
which file, table, column, row or setting is wrong and which rule it breaks.

The CLI prints these without a traceback and exits 2; the API turns them into 4xx answers.
"""

from __future__ import annotations


class OnTrackError(Exception):
    """Base class for every error caused by input, configuration or state the user controls."""

    exit_code: int = 2


class DataContractError(OnTrackError):
    """An extract breaks the data contract (missing file or column, wrong type, bad code, ...)."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class ConfigError(OnTrackError):
    """A configuration file or option has an unknown key or an impossible value."""


class CohortError(OnTrackError):
    """A cohort cannot be built as asked (unknown year, as-of date after the extract date, ...)."""


class TrackingError(OnTrackError):
    """MLflow cannot be reached, or the registry lacks what was asked for."""


class Score15Error(OnTrackError):
    """SCORE-15 responses break the import rules (bad coding, values outside 1-5, ...)."""


class ModelInputError(OnTrackError):
    """A feature matrix does not match the model's signature (missing or extra columns, ...)."""
