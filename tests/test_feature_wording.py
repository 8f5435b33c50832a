"""The plain-English facts of the feature dictionary read as good English for every value.

Practitioners read these facts on the ranked list, capitalised and followed by "(raises the
score)" or "(lowers the score)", so they must say one thing for one ("1 suspension"), another for
more, and never carry column names, codes or parentheses of their own.
"""

from __future__ import annotations

import math
import re

import pytest

from ontrack_model.feature_spec import FeatureSpec
from ontrack_model.features import FEATURES, FeatureConfig, feature_specs

ALL_SPECS = list(feature_specs(FeatureConfig(include_protected=("sex", "ethnicity"))).values())
COUNT_LIKE = ("count", "months", "years")
# Proper nouns a fact may start with; any other fact starts with a lowercase letter or a digit.
PROPER_FIRST_WORDS = {"English"}
# Plural nouns the facts use: none may follow a value of one.
PLURALS = re.compile(
    r"\b(suspensions|sessions|times|terms|changes|moves|censuses|contacts|referrals|assessments|plans"
    r"|months|years|periods|episodes|notifications|crimes|brothers|sisters)\b"
)

WINDOW = re.compile(r"last \d+ (months|years)")


def _values(spec: FeatureSpec) -> list[float]:
    return [1.0, 0.85 if spec.kind == "rate" else 2.0, 0.0, math.nan]


def _texts(spec: FeatureSpec) -> list[str]:
    return [spec.describe_fact(value) for value in _values(spec)]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.name)
def test_every_fact_is_plain_text(spec: FeatureSpec) -> None:
    for value, text in zip(_values(spec), _texts(spec), strict=True):
        where = f"{spec.name} at {value}: {text!r}"
        assert "_" not in text, where
        assert not set("(){}[]=") & set(text), where
        assert text == text.strip() and "  " not in text and not text.endswith("."), where
        if text:
            first = text.split()[0]
            assert first[0].islower() or first[0].isdigit() or first in PROPER_FIRST_WORDS, where
    # A reason always states a non-zero value, so it always has a fact.
    assert _texts(spec)[0] and _texts(spec)[1], spec.name


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.name)
def test_a_value_of_one_is_singular(spec: FeatureSpec) -> None:
    one, more = _texts(spec)[:2]
    assert " have been " not in f" {one} ", f"{spec.name}: {one!r}"
    if spec.kind in COUNT_LIKE and "{value}" in spec.fact:
        counted = WINDOW.sub("", one)  # "in the last 12 months" is plural whatever the value
        assert not PLURALS.search(counted), f"{spec.name}: {one!r}"
        assert spec.fact_one, f"{spec.name} states a number but has no singular fact_one"
        # The plural bug is exactly the value-2 text with the number swapped.
        assert one != more.replace("2", "1", 1), f"{spec.name}: {one!r}"


def test_the_standard_features_are_all_checked() -> None:
    assert set(FEATURES) <= {s.name for s in ALL_SPECS}
    assert sum(s.kind in COUNT_LIKE for s in FEATURES.values()) >= 30


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("sibling_looked_after_ever", 1, "1 brother or sister has been in care"),
        ("sibling_looked_after_ever", 3, "3 brothers or sisters have been in care"),
        ("police_da_3y", 1, "1 police notification of domestic abuse in the household in the last 3 years"),
        ("suspensions_12m", 1, "1 suspension in the last 12 months"),
        ("suspensions_12m", 4, "4 suspensions in the last 12 months"),
        ("permanent_exclusions_ever", 1, "permanently excluded once"),
        ("months_since_last_referral", 1, "last referral 1 month ago"),
        ("months_since_last_referral", 0, "last referral less than a month ago"),
        ("cp_plan_months", 0.3, "less than 1 month on a child-protection plan"),
        ("cp_plan_months", 1.4, "1 month on a child-protection plan"),
        ("cp_plan_months", 7.6, "8 months on child-protection plans"),
        ("attendance_12m", 0.873, "attendance 87% in the last 12 months"),
        ("birth_month_in_school_year", 1, "born in September, among the oldest in the year group"),
        ("birth_month_in_school_year", 6, "born in February, in the middle of the year group by age"),
        ("birth_month_in_school_year", 12, "born in August, among the youngest in the year group"),
        ("birth_month_in_school_year", math.nan, "month of birth not recorded"),
    ],
)
def test_facts_read_as_expected(name: str, value: float, text: str) -> None:
    assert FEATURES[name].describe_fact(value) == text


def test_value_words_fall_back_to_the_number_outside_their_range() -> None:
    spec = FeatureSpec("x", "G", "d.", "ordinal", "ever", "value {value}", value_words=("one", "two"))
    assert [spec.describe_fact(v) for v in (1, 2, 3, 1.5)] == ["value one", "value two", "value 3", "value 2"]


def test_fact_one_is_optional() -> None:
    spec = FeatureSpec("x", "G", "d.", "count", "ever", "{value} visits")
    assert spec.describe_fact(1) == "1 visits"  # no fact_one: the plural fact is used as before
    singular = FeatureSpec("y", "G", "d.", "count", "ever", "{value} visits", fact_one="{value} visit")
    assert singular.describe_fact(1) == "1 visit"
