"""Options of feature building, and the protected characteristics carried for audits."""

from __future__ import annotations

from dataclasses import dataclass

from ontrack_model.errors import ConfigError

PROTECTED_ATTRIBUTES = ("ethnicity", "sex", "sen_status", "fsm", "borough")
"""Characteristics the fairness audit groups by; carried in `CohortMatrix.attributes`."""

OPTIONAL_PROTECTED_FEATURES = ("sex", "ethnicity")
"""Protected characteristics that become features only when asked for (FSM and SEN always are)."""


@dataclass(frozen=True)
class FeatureConfig:
    """What goes into the feature matrix beyond the standard features."""

    include_protected: tuple[str, ...] = ()  # e.g. ("sex",) to test fairness through unawareness

    def __post_init__(self) -> None:
        if isinstance(self.include_protected, str):
            raise ConfigError("include_protected must be a list of names, e.g. ['sex'], not a string")
        unknown = [a for a in self.include_protected if a not in OPTIONAL_PROTECTED_FEATURES]
        if unknown:
            raise ConfigError(
                f"include_protected has {unknown}: only {list(OPTIONAL_PROTECTED_FEATURES)} can be added as "
                "features (FSM and SEN are always features; borough is an audit grouping, not a feature)"
            )
        if len(set(self.include_protected)) != len(self.include_protected):
            raise ConfigError(f"include_protected lists a name twice: {list(self.include_protected)}")
