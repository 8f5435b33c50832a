"""SCORE-15 constants (items, dimensions, codings) and the configurable rules of scoring and change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ontrack_model.errors import Score15Error
from ontrack_model.schema import SCORE15_ITEMS

CODINGS = ("paper", "reversed")
"""paper: 1 = describes us very well ... 5 = not at all; reversed: 1 = not at all ... 5 = very well."""

DIMENSIONS: dict[str, tuple[int, ...]] = {
    "dimension_1": (1, 3, 6, 10, 15),
    "dimension_2": (5, 7, 9, 11, 14),
    "dimension_3": (2, 4, 8, 12, 13),
}
DIMENSION_NAMES = {
    "dimension_1": "Strengths and adaptability",
    "dimension_2": "Overwhelmed by difficulties",
    "dimension_3": "Disrupted communication",
    "total": "Total",
}
SCORES = ("dimension_1", "dimension_2", "dimension_3", "total")
STRENGTH_ITEMS = tuple(f"item_{i}" for i in DIMENSIONS["dimension_1"])
# Items of dimensions 2 and 3 are worded as problems: reversed so that higher = more difficulties.
PROBLEM_ITEMS = tuple(f"item_{i}" for d in ("dimension_2", "dimension_3") for i in DIMENSIONS[d])
ITEMS = SCORE15_ITEMS

# Published reliabilities (see /work/shared/reference/score15.md). The dimension figures come from the
# Korean validation (a translated form): the only per-dimension alphas the reference gives.
DEFAULT_RELIABILITY: dict[str, float] = {
    "total": 0.89,
    "dimension_1": 0.89,
    "dimension_2": 0.87,
    "dimension_3": 0.73,
}
RELIABILITY_SOURCES: dict[str, str] = {
    "total": "Stratton et al. 2014 (Cronbach's alpha, n=584)",
    "dimension_1": "Korean validation 2020, strengths (Cronbach's alpha, translated form)",
    "dimension_2": "Korean validation 2020, difficulties (Cronbach's alpha, translated form)",
    "dimension_3": "Korean validation 2020, communication (Cronbach's alpha, translated form)",
}

FamilyAggregate = Literal["mean", "median"]


@dataclass(frozen=True)
class Score15Config:
    """Rules for scoring, change and reliable change; every output states the ones it used."""

    min_items_per_dimension: int = 4  # project rule: no published missing-item rule was found
    total_min_dimensions: int = 3  # the total needs this many dimension scores
    family_aggregate: FamilyAggregate = "mean"  # over respondents who completed both administrations
    family_min_respondents: int = 1  # respondents with both administrations a family change needs
    family_roles: tuple[str, ...] | None = None  # roles counted in the family change; None = all
    reference_sd: Mapping[str, float] = field(default_factory=dict)  # by score; missing = data's SD
    reliability: Mapping[str, float | None] = field(default_factory=lambda: dict(DEFAULT_RELIABILITY))
    rci_critical: float = 1.96  # |RCI| at or beyond this is reliable change (Jacobson & Truax 1991)

    def __post_init__(self) -> None:
        if not 1 <= self.min_items_per_dimension <= 5:
            raise Score15Error(
                f"min_items_per_dimension must be 1 to 5 (items per dimension), "
                f"got {self.min_items_per_dimension}"
            )
        if not 1 <= self.total_min_dimensions <= 3:
            raise Score15Error(f"total_min_dimensions must be 1 to 3, got {self.total_min_dimensions}")
        if self.family_aggregate not in ("mean", "median"):
            raise Score15Error(f"family_aggregate must be 'mean' or 'median', got {self.family_aggregate!r}")
        if self.family_min_respondents < 1:
            raise Score15Error(
                f"family_min_respondents must be at least 1, got {self.family_min_respondents}"
            )
        if self.rci_critical <= 0:
            raise Score15Error(f"rci_critical must be positive, got {self.rci_critical}")
        for name, mapping in (("reference_sd", self.reference_sd), ("reliability", self.reliability)):
            unknown = sorted(set(mapping) - set(SCORES))
            if unknown:
                raise Score15Error(f"{name} has unknown score(s) {unknown}; use {list(SCORES)}")
        for score, sd in self.reference_sd.items():
            if not sd > 0:
                raise Score15Error(f"reference_sd for {score} must be positive, got {sd}")
        for score, r in self.reliability.items():
            if r is not None and not 0 <= r < 1:
                raise Score15Error(f"reliability for {score} must be in [0, 1), got {r}")

    def rules(self) -> dict[str, str]:
        """The scoring and change rules in words, for every output."""
        roles = "all roles" if self.family_roles is None else "roles " + ", ".join(self.family_roles)
        return {
            "direction": "higher = more difficulties; scores on the 1-5 item-mean scale; a fall is "
            "positive change",
            "item_scoring": "responses converted to paper coding (1 = describes us very well ... "
            "5 = not at all); dimension 1 (strength) items keep the paper value, dimension 2 and 3 "
            "(problem) items are reversed (6 - value)",
            "missing_items": f"a dimension score needs at least {self.min_items_per_dimension} of its 5 "
            f"items (mean of those answered); the total needs {self.total_min_dimensions} of 3 "
            "dimension scores and is their mean (equal to the mean of the 15 items when complete) "
            "[project rule: no published rule was found]",
            "change": "per respondent: latest minus first administration (or first on/after --from "
            "and latest on/before --to); a score's change needs that score at both",
            "family_change": f"{self.family_aggregate} of the changes of respondents ({roles}) who have "
            f"the score at both administrations; needs at least {self.family_min_respondents} such "
            "respondent(s)",
            "reliable_change": f"Jacobson & Truax RCI = change / (sqrt(2) * SD * sqrt(1 - r)); RCI <= "
            f"-{self.rci_critical} reliably improved, RCI >= {self.rci_critical} reliably deteriorated; "
            "a family's RCI uses the individual-level S_diff (conservative for several respondents)",
        }
