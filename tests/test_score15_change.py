"""SCORE-15 change: respondent and family change, the window, and the Reliable Change Index by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ontrack_model.errors import Score15Error
from ontrack_model.score15 import (
    Score15Config,
    classify_rci,
    family_change,
    read_responses,
    reliable_change_index,
    respondent_change,
    standard_error_of_difference,
)
from ontrack_model.score15.config import DIMENSIONS


def _answers(
    rid: str,
    date: str,
    lowered: int = 0,
    raised: int = 0,
    family: str = "F1",
    role: str = "parent",
    level: int = 3,
) -> dict:
    """Paper answers: item scores `level`, `lowered` items per dimension one lower, `raised` one higher."""
    scores = {i: level for i in range(1, 16)}
    for items in DIMENSIONS.values():
        for i in items[:lowered]:
            scores[i] -= 1
        for i in items[lowered : lowered + raised]:
            scores[i] += 1
    # Item score -> paper value: strength items as they are, problem items reversed.
    paper = {f"item_{i}": (s if i in DIMENSIONS["dimension_1"] else 6 - s) for i, s in scores.items()}
    return {"family_id": family, "respondent_id": rid, "role": role, "age": 40, "date": date, **paper}


def test_rci_worked_example_by_hand() -> None:
    # Reference SD 0.5 and reliability 0.89:
    #   S_diff = sqrt(2) * 0.5 * sqrt(1 - 0.89) = 1.414214 * 0.5 * 0.331662 = 0.234521
    s_diff = standard_error_of_difference(0.5, 0.89)
    assert s_diff == pytest.approx(0.234521, abs=1e-6)
    #   change -0.6 -> RCI = -0.6 / 0.234521 = -2.5584  (<= -1.96: reliably improved)
    #   change -0.4 -> RCI = -0.4 / 0.234521 = -1.7056  (no reliable change)
    #   change +0.6 -> RCI = +2.5584                    (>= 1.96: reliably deteriorated)
    assert reliable_change_index(-0.6, 0.5, 0.89) == pytest.approx(-2.5584, abs=1e-4)
    assert reliable_change_index(-0.4, 0.5, 0.89) == pytest.approx(-1.7056, abs=1e-4)
    assert classify_rci(-2.5584) == "reliably improved"
    assert classify_rci(-1.7056) == "no reliable change"
    assert classify_rci(2.5584) == "reliably deteriorated"
    assert classify_rci(float("nan")) is None

    # The same arithmetic end to end: three respondents whose total falls by 0.6, falls by 0.4, rises by 0.6.
    rows = [
        _answers("A", "2023-01-01"),
        _answers("A", "2023-06-01", lowered=3),  # 3 of 5 items per dim: -0.6
        _answers("B", "2023-01-01"),
        _answers("B", "2023-06-01", lowered=2),  # -0.4
        _answers("C", "2023-01-01"),
        _answers("C", "2023-06-01", raised=3),  # +0.6
    ]
    config = Score15Config(reference_sd={"total": 0.5})
    people = respondent_change(read_responses(rows, "paper"), config).set_index("respondent_id")
    assert people["total_change"].tolist() == pytest.approx([-0.6, -0.4, 0.6])
    assert people["total_rci"].tolist() == pytest.approx([-0.6 / s_diff, -0.4 / s_diff, 0.6 / s_diff])
    assert people["total_reliable"].tolist() == [
        "reliably improved",
        "no reliable change",
        "reliably deteriorated",
    ]
    assert people.attrs["rci"]["total"]["reference_sd_source"] == "supplied by the user"
    assert people.attrs["rci"]["total"]["reliability"] == 0.89
    assert "Stratton" in people.attrs["rci"]["total"]["reliability_source"]


def test_reference_sd_defaults_to_the_data_and_says_so() -> None:
    rows = [
        _answers("A", "2023-01-01", level=2),
        _answers("A", "2023-06-01", level=2, lowered=1),
        _answers("B", "2023-01-01", level=4),
        _answers("B", "2023-06-01", level=4),
    ]
    fam = family_change(read_responses(rows, "paper"))
    param = fam.attrs["rci"]["total"]
    # First administrations: totals 2 and 4 -> SD (n-1) = sqrt(((2-3)^2 + (4-3)^2) / 1) = sqrt(2)
    assert param["reference_sd"] == pytest.approx(math.sqrt(2))
    assert "SD of the first administrations in these data (n=2 respondents)" in param["reference_sd_source"]
    no_r = family_change(read_responses(rows, "paper"), Score15Config(reliability={"total": None}))
    assert no_r["total_reliable"].isna().all()
    assert "RCI not computed" in no_r.attrs["rci"]["total"]["reliability_source"]


def test_first_versus_latest_and_family_mean_over_completers() -> None:
    rows = [
        _answers("P", "2023-01-01"),
        _answers("P", "2023-03-01", raised=5),
        _answers("P", "2023-06-01", lowered=5),
        _answers("Y", "2023-01-02", role="young_person"),
        _answers("Y", "2023-06-02", role="young_person", lowered=2),
        _answers("S", "2023-01-02", role="sibling"),  # one administration only: not in the family change
    ]
    data = read_responses(rows, "paper")
    people = respondent_change(data).set_index("respondent_id")
    assert people.loc["P", "total_change"] == pytest.approx(-1.0)  # middle administration ignored
    assert people.loc["P", "n_administrations"] == 3
    assert pd.isna(people.loc["S", "total_change"])
    fam = family_change(data).iloc[0]
    assert fam["total_respondents"] == 2
    assert fam["total_change"] == pytest.approx((-1.0 + -0.4) / 2)
    assert fam["respondents"] == 3 and fam["respondents_with_two_or_more"] == 2
    parents_only = family_change(data, Score15Config(family_roles=("parent",))).iloc[0]
    assert parents_only["total_change"] == pytest.approx(-1.0)
    needs_three = family_change(data, Score15Config(family_min_respondents=3)).iloc[0]
    assert pd.isna(needs_three["total_change"])
    assert "mean of the changes of respondents" in family_change(data).attrs["rules"]["family_change"]


def test_window_between_two_dates() -> None:
    rows = [
        _answers("P", "2023-01-01"),
        _answers("P", "2023-03-01", raised=5),
        _answers("P", "2023-06-01", lowered=5),
    ]
    data = read_responses(rows, "paper")
    people = respondent_change(data, from_date="2023-01-01", to_date="2023-03-31").iloc[0]
    assert people["total_change"] == pytest.approx(1.0)
    later = respondent_change(data, from_date="2023-02-01").iloc[0]
    assert later["total_change"] == pytest.approx(-2.0)  # 4 -> 2
    assert later.name == 0 and later["first_date"] == pd.Timestamp("2023-03-01")
    with pytest.raises(Score15Error, match="after to_date"):
        respondent_change(data, from_date="2023-06-01", to_date="2023-01-01")
    with pytest.raises(Score15Error, match="YYYY-MM-DD"):
        family_change(data, from_date="1/1/2023")


def test_config_rejects_impossible_values() -> None:
    with pytest.raises(Score15Error, match="reliability for total"):
        Score15Config(reliability={"total": 1.2})
    with pytest.raises(Score15Error, match="min_items_per_dimension"):
        Score15Config(min_items_per_dimension=6)
    with pytest.raises(Score15Error, match="unknown score"):
        Score15Config(reference_sd={"dimension_4": 1.0})
