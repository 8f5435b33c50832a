"""How one feature is described to people: the feature dictionary's entry.

`features.py` defines one `FeatureSpec` per column of the feature matrix; `explain.py` uses the
`group` to sum related columns into one reason and the `fact*` templates to say the underlying
fact in plain English; `ontrack features --describe` prints the dictionary for evaluators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FeatureKind = Literal["count", "rate", "flag", "months", "years", "number", "ordinal"]


@dataclass(frozen=True)
class FeatureSpec:
    """One column of the feature matrix, in words an evaluator understands."""

    name: str  # column name in the matrix (never shown to practitioners)
    group: str  # the reason it contributes to, e.g. "School attendance"
    description: str  # one sentence: what the number is, over which period, from which table
    kind: FeatureKind  # how the value is formatted: rate -> percent, count -> whole number, ...
    window: str  # "last term", "last 12 months", "last 3 years", "ever", "on the as-of date"
    fact: str  # plain-language statement for a non-zero value, with {value}
    fact_zero: str = ""  # statement when the value is 0 / the flag is false ("" = say nothing)
    fact_missing: str = ""  # statement when the value is missing ("" = say nothing)
    level: Literal["child", "family"] = "child"  # family: from siblings or the household
    source: str = ""  # contract table(s) it is built from

    def format_value(self, value: float) -> str:
        """The value as a person reads it (percent for rates, whole numbers for counts)."""
        if self.kind == "rate":
            return f"{value:.0%}"
        if self.kind in ("count", "months", "years", "flag", "ordinal"):
            return f"{value:.0f}"
        return f"{value:.2g}"

    def describe_fact(self, value: float | None) -> str:
        """The underlying fact for one child's value, e.g. '3 suspensions in the last 12 months'."""
        if value is None or value != value:  # NaN: information not recorded
            return self.fact_missing
        if value == 0:
            return self.fact_zero
        return self.fact.format(value=self.format_value(value))
