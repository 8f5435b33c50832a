"""Audit settings and the catalogue of group metrics the audit publishes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ontrack_model.errors import ConfigError

DEFAULT_ATTRIBUTES = ("ethnicity", "sex", "sen_status", "fsm", "borough")
INTERSECTION_SEPARATOR = " × "
MISSING_GROUP = "missing"


@dataclass(frozen=True)
class MetricInfo:
    """One published group metric: its label, what it means and how the audit treats it."""

    name: str
    label: str
    meaning: str
    needs_labels: bool  # only defined on a labelled (validation) cohort
    is_rate: bool  # shown as a percentage
    flaggable: bool  # a disparity ratio outside the band is a fairness flag
    has_ratio: bool = True


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("group_size", "Children", "children in the group", False, False, False, has_ratio=False),
    MetricInfo("base_rate", "Base rate", "share of the group with the outcome (need)", True, True, False),
    MetricInfo("selection_rate", "Selection rate", "share of the group on the list", False, True, True),
    MetricInfo("list_share", "Share of list", "the group's share of all children on the list", False, True,
               False),
    MetricInfo("selection_to_need", "Selection ÷ need", "selection rate over base rate", True, False, True),
    MetricInfo("precision", "Precision (PPV)", "share of the group's listed children with the outcome",
               True, True, True),
    MetricInfo("recall", "Recall (TPR)", "share of the group's children with the outcome who are listed",
               True, True, True),
    MetricInfo("fpr", "False positive rate", "share of children without the outcome who are listed", True,
               True, True),
    MetricInfo("fnr", "False negative rate", "share of children with the outcome who are not listed", True,
               True, True),
    MetricInfo("fdr", "False discovery rate", "share of listed children without the outcome", True, True,
               True),
    MetricInfo("for", "False omission rate", "share of children not listed who have the outcome", True,
               True, True),
    MetricInfo("mean_predicted", "Mean predicted", "mean calibrated probability in the group", False, True,
               False),
    MetricInfo("predicted_to_observed", "Predicted ÷ observed", "mean predicted over base rate "
               "(calibration within the group; 1 = well calibrated)", True, False, True),
)
METRIC_INFO: dict[str, MetricInfo] = {m.name: m for m in METRICS}


def metric_names(labelled: bool) -> list[str]:
    """The metrics published for a labelled (validation) or unlabelled (current) cohort."""
    return [m.name for m in METRICS if labelled or not m.needs_labels]


@dataclass(frozen=True)
class AuditConfig:
    """How to audit a cohort: which groups, the reference groups, the band, intervals, suppression."""

    attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    intersections: tuple[tuple[str, ...], ...] = (("ethnicity", "sex"),)
    # attribute (or "a × b" for an intersection) -> reference group; default: the largest group
    reference_groups: Mapping[str, str] = field(default_factory=dict)
    band: tuple[float, float] = (0.8, 1.25)
    suppress_below: int = 10
    min_reference_size: int = 50  # smaller reference groups make every ratio noise; see reference_minimum
    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95

    def __post_init__(self) -> None:
        low, high = self.band
        if not 0 < low < 1 < high:
            raise ConfigError(f"band must satisfy 0 < low < 1 < high, got {self.band}")
        if self.suppress_below < 0:
            raise ConfigError(f"suppress_below must be >= 0, got {self.suppress_below}")
        if self.min_reference_size < 1:
            raise ConfigError(f"min_reference_size must be >= 1, got {self.min_reference_size}")
        if self.resamples < 0:
            raise ConfigError(f"resamples must be >= 0, got {self.resamples}")
        if not 0.5 <= self.confidence < 1:
            raise ConfigError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if len(set(self.attributes)) != len(self.attributes):
            raise ConfigError(f"attributes must not repeat: {list(self.attributes)}")
        for combo in self.intersections:
            if len(combo) < 2 or len(set(combo)) != len(combo):
                raise ConfigError(f"an intersection needs two or more distinct attributes, got {combo}")
        unknown = set(self.reference_groups) - set(self.audited_attributes)
        if unknown:
            raise ConfigError(
                f"reference_groups names attributes that are not audited: {sorted(unknown)}; "
                f"audited: {self.audited_attributes}"
            )

    @property
    def reference_minimum(self) -> int:
        """Fewest children a reference group may have: never fewer than the suppression threshold."""
        return max(self.min_reference_size, self.suppress_below)

    @property
    def columns(self) -> list[str]:
        """Every input column the audit groups by."""
        cols = list(self.attributes)
        for combo in self.intersections:
            cols += [c for c in combo if c not in cols]
        return cols

    @property
    def audited_attributes(self) -> list[str]:
        """Attribute names as published: single attributes, then intersections joined by ' × '."""
        return list(self.attributes) + [intersection_name(c) for c in self.intersections]

    def settings(self, k: int) -> dict:
        """The settings recorded with every audit (JSON-ready)."""
        return {
            "k": int(k),
            "band": [float(self.band[0]), float(self.band[1])],
            "threshold": int(self.suppress_below),
            "resamples": int(self.resamples),
            "seed": int(self.seed),
            "confidence": float(self.confidence),
            "min_reference_size": int(self.reference_minimum),
            "attributes": self.audited_attributes,
            "reference_groups": dict(self.reference_groups),
            "resampling": "families, with the top-k selection recomputed in each resample",
        }


def intersection_name(combo: tuple[str, ...]) -> str:
    """Published name of an intersection, e.g. 'ethnicity × sex'."""
    return INTERSECTION_SEPARATOR.join(combo)
