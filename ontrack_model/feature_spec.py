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
    # The singular statement, used instead of `fact` when the value reads as one ("1", or "less
    # than 1" for months and years), e.g. "{value} suspension in the last 12 months" ("" = use fact).
    # Every count, months or years feature whose fact states the number needs one.
    fact_one: str = ""
    # Words for the whole values 1, 2, ... said instead of the number, e.g. month names for the
    # month of birth; a value outside them is said as a number.
    value_words: tuple[str, ...] = ()

    def format_value(self, value: float) -> str:
        """The value as a person reads it (percent for rates, whole numbers for counts).

        Months and years that are not zero but round to 0 read "less than 1", never "0".
        """
        if self.value_words and float(value).is_integer() and 1 <= value <= len(self.value_words):
            return self.value_words[int(value) - 1]
        if self.kind == "rate":
            return f"{value:.0%}"
        if self.kind in ("count", "months", "years", "flag", "ordinal"):
            text = f"{value:.0f}"
            if self.kind in ("months", "years") and text in ("0", "-0") and value != 0:
                return "less than 1"
            return text
        return f"{value:.2g}"

    def describe_fact(self, value: float | None) -> str:
        """The underlying fact for one child's value, e.g. '3 suspensions in the last 12 months'.

        Missing values say `fact_missing`, 0 says `fact_zero`, a value that reads as one says
        `fact_one` (when set) and any other value says `fact`.
        """
        if value is None or value != value:  # NaN: information not recorded
            return self.fact_missing
        if value == 0:
            return self.fact_zero
        text = self.format_value(value)
        template = self.fact_one if self.fact_one and text in ("1", "less than 1") else self.fact
        return template.format(value=text)
