"""The training configuration: one validated object, loaded from YAML, with the defaults an
analyst retrains with each school year. Unknown keys and impossible values are errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ontrack_model.errors import ConfigError

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CohortSettings(_Strict):
    """When each cohort is described (as-of date) and how long its outcome is followed."""

    as_of_month: int = Field(6, ge=1, le=12, description="month of the as-of date in Year 6")
    as_of_day: int = Field(1, ge=1, le=28, description="day of the as-of date")
    horizon_years: int = Field(5, ge=1, le=8, description="years after the as-of date the label covers")


class ValidationSettings(_Strict):
    """Rolling-origin temporal validation and the selection rule."""

    n_splits: int = Field(5, ge=1, le=10, description="latest labelled cohorts each used once for validation")
    min_train_years: int = Field(3, ge=1, description="fewest labelled cohorts a split trains on")
    min_gap_years: int = Field(
        1, ge=1, le=10, description="training cohorts end this many years before the validation cohort"
    )
    variance_penalty: float = Field(
        0.5, ge=0, description="selection score = mean precision@k - penalty x its standard deviation"
    )


class CandidateSettings(_Strict):
    """The candidate grid (the two non-ML baselines are always added)."""

    logistic_C: list[float] = Field(default_factory=lambda: [0.05, 1.0])
    hgb: list[dict[str, Any]] = Field(
        default_factory=lambda: [
            {"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 300, "min_samples_leaf": 40},
            {"learning_rate": 0.05, "max_leaf_nodes": 7, "max_iter": 400, "min_samples_leaf": 80},
        ]
    )

    @model_validator(mode="after")
    def _check(self) -> CandidateSettings:
        if any(c <= 0 for c in self.logistic_C):
            raise ValueError("logistic_C values must be positive")
        allowed = {
            "learning_rate",
            "max_leaf_nodes",
            "max_iter",
            "min_samples_leaf",
            "l2_regularization",
            "max_depth",
            "max_features",
        }
        for params in self.hgb:
            unknown = set(params) - allowed
            if unknown:
                raise ValueError(
                    f"unknown gradient-boosting settings {sorted(unknown)}; allowed: {sorted(allowed)}"
                )
        return self


class TrainingConfig(_Strict):
    """Everything that decides the trained model (with the data, it fixes the result)."""

    experiment: str = "ontrack-risk"
    model_name: str = "ontrack-risk"
    seed: int = 42
    capacity: int = Field(100, description="families the team can work with a year, across the boroughs")
    cohort: CohortSettings = Field(default_factory=CohortSettings)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    candidates: CandidateSettings = Field(default_factory=CandidateSettings)
    calibration: Literal["platt", "isotonic"] = "platt"
    champion_tolerance: float = Field(
        0.02, ge=0, le=1, description="a challenger may be this much below the champion's precision@k"
    )
    exclude_open_cases: bool = Field(
        False, description="leave families already open to social care off the list"
    )
    reasons_per_family: int = Field(3, ge=1, le=10)
    audit_resamples: int = Field(1000, ge=0, le=20000)
    suppress_below: int = Field(10, ge=0, description="small-cell suppression threshold for published counts")

    @model_validator(mode="after")
    def _check(self) -> TrainingConfig:
        if self.capacity <= 0:
            raise ValueError(f"capacity must be a positive number of families, got {self.capacity}")
        return self

    def with_overrides(self, **overrides: Any) -> TrainingConfig:
        """A copy with top-level settings replaced (None values ignored)."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return _validate(data, "command-line options")


def _validate(data: dict, source: str) -> TrainingConfig:
    try:
        return TrainingConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None


def load_config(path: str | Path | None = None) -> TrainingConfig:
    """The configuration from a YAML file (default: training/default.yaml), validated."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return _validate(data, str(path))
