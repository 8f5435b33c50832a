"""SCORE-15 scoring: hand-computed dimension scores and totals under both codings; the missing-item rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ontrack_model.score15 import Score15Config, read_responses, score_administrations
from ontrack_model.score15.config import DIMENSIONS, PROBLEM_ITEMS, STRENGTH_ITEMS

FIXTURES = Path(__file__).parent / "fixtures" / "score15"


def _row(rid: str = "R1", date: str = "2022-05-01", **items: int | None) -> dict:
    values = {f"item_{i}": 3 for i in range(1, 16)}
    values.update(items)
    return {"family_id": "F1", "respondent_id": rid, "role": "parent", "age": 40, "date": date, **values}


def _scores(rows: list[dict], coding: str = "paper", config: Score15Config = Score15Config()) -> pd.DataFrame:
    return score_administrations(read_responses(rows, coding), config).set_index("respondent_id")


@pytest.mark.parametrize(
    ("path", "coding"),
    [("two_respondents_paper.csv", "paper"), ("two_respondents_reversed.json", "reversed")],
)
def test_hand_computed_scores_under_both_codings(path: str, coding: str) -> None:
    scores = score_administrations(read_responses(FIXTURES / path, coding)).set_index("respondent_id")
    # RA, paper values item 1..15 = 1,2,3,4,5,1,2,3,4,5,1,2,3,4,5:
    #   dim 1 (items 1,3,6,10,15, kept):        1,3,1,5,5            -> 15/5 = 3.0
    #   dim 2 (items 5,7,9,11,14, 6 - paper):   6-5,6-2,6-4,6-1,6-4 = 1,4,2,5,2 -> 14/5 = 2.8
    #   dim 3 (items 2,4,8,12,13, 6 - paper):   6-2,6-4,6-3,6-2,6-3 = 4,2,3,4,3 -> 16/5 = 3.2
    #   total = (3.0 + 2.8 + 3.2) / 3 = 3.0  (= 45 / 15, the mean of the 15 item scores)
    assert scores.loc["RA", ["dimension_1", "dimension_2", "dimension_3", "total"]].tolist() == pytest.approx(
        [3.0, 2.8, 3.2, 3.0]
    )
    # RB says every statement "describes us very well" (paper 1): strengths low difficulty (1), problems 5.
    #   total = (1 + 5 + 5) / 3 = 11/3
    assert scores.loc["RB", ["dimension_1", "dimension_2", "dimension_3", "total"]].tolist() == pytest.approx(
        [1.0, 5.0, 5.0, 11 / 3]
    )


def test_reversed_items_are_the_problem_items_of_dimensions_2_and_3() -> None:
    assert set(STRENGTH_ITEMS) == {f"item_{i}" for i in DIMENSIONS["dimension_1"]}
    assert set(PROBLEM_ITEMS) == {f"item_{i}" for d in ("dimension_2", "dimension_3") for i in DIMENSIONS[d]}
    # Raising one item's paper value by 1 raises a strength dimension and lowers a problem dimension.
    base = _scores([_row()]).iloc[0]
    for item, dim, direction in (
        ("item_6", "dimension_1", +1),
        ("item_9", "dimension_2", -1),
        ("item_12", "dimension_3", -1),
    ):
        moved = _scores([_row(**{item: 4})]).iloc[0]
        assert moved[dim] - base[dim] == pytest.approx(direction * 0.2), item


def test_higher_means_more_difficulties() -> None:
    # Paper 5 on strength items ("not at all" strong) and 1 on problem items ("very well" has problems).
    worst = {**{i: 5 for i in STRENGTH_ITEMS}, **{i: 1 for i in PROBLEM_ITEMS}}
    best = {**{i: 1 for i in STRENGTH_ITEMS}, **{i: 5 for i in PROBLEM_ITEMS}}
    scores = _scores([_row("W", **worst), _row("B", **best)])
    assert scores.loc["W", "total"] == 5.0
    assert scores.loc["B", "total"] == 1.0


def test_missing_item_rule_four_of_five_present_scores_three_does_not() -> None:
    four = _row("R4", item_1=None, item_3=1, item_6=1, item_10=1, item_15=2)  # dim 1: 1,1,1,2 present
    three = _row("R3", item_1=None, item_3=None, item_6=1, item_10=1, item_15=2)  # dim 1: 1,1,2 present
    scores = _scores([four, three])
    assert scores.loc["R4", "dimension_1"] == pytest.approx(5 / 4)
    assert scores.loc["R4", "dimension_1_items"] == 4
    assert pd.isna(scores.loc["R3", "dimension_1"])
    assert pd.isna(scores.loc["R3", "total"])  # the total needs all three dimensions
    relaxed = _scores([four, three], config=Score15Config(min_items_per_dimension=3))
    assert relaxed.loc["R3", "dimension_1"] == pytest.approx(4 / 3)
    assert relaxed.loc["R3", "total"] == pytest.approx((4 / 3 + 3 + 3) / 3)


def test_fully_missing_dimension_gives_no_total() -> None:
    no_dim2 = _row(**{f"item_{i}": None for i in DIMENSIONS["dimension_2"]})
    scores = _scores([no_dim2])
    assert pd.isna(scores.iloc[0]["dimension_2"])
    assert pd.isna(scores.iloc[0]["total"])
    assert scores.iloc[0]["dimension_1"] == 3.0
    two_dims = _scores([no_dim2], config=Score15Config(total_min_dimensions=2))
    assert two_dims.iloc[0]["total"] == 3.0


def test_rules_are_stated_with_the_scores() -> None:
    scores = score_administrations(
        read_responses([_row()], "paper"), Score15Config(min_items_per_dimension=3)
    )
    assert "at least 3 of its 5 items" in scores.attrs["rules"]["missing_items"]
