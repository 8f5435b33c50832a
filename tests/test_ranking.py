"""Family-level ranked lists: highest child, deterministic ties, borough ranks, percentiles."""

import json

import pandas as pd
import pytest

from ontrack_model.liststore import FAMILY_COLUMNS
from ontrack_model.ranking import build_family_list, select_at_capacity


@pytest.fixture
def children() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": 2026,
            "pupil_id": ["p1", "p2", "p3", "p4", "p5"],
            "family_id": ["F1", "F1", "F2", "F3", "F4"],
            "school_id": ["S1", "S2", "S1", "S3", "S3"],
            "borough": ["LBHF", "RBKC", "LBHF", "WCC", "WCC"],
            "score": [0.2, 1.5, 1.5, -1.0, 0.5],
            "probability": [0.01, 0.2, 0.2, 0.001, 0.05],
            "open_to_social_care": [False, True, False, False, False],
            "reasons": [json.dumps([{"group": g}]) for g in "abcde"],
            "data_quality": [[], ["no attendance record"], [], [], ["no attendance record"]],
        }
    )


def test_family_takes_its_highest_child(children: pd.DataFrame) -> None:
    fam = build_family_list(children).set_index("family_id")
    assert list(build_family_list(children).columns) == list(FAMILY_COLUMNS)
    assert fam.loc["F1", "score"] == 1.5
    assert fam.loc["F1", "borough"] == "RBKC"  # the borough of the highest child's school
    assert json.loads(fam.loc["F1", "reasons"]) == [{"group": "b"}]
    assert fam.loc["F1", "n_children"] == 2 and bool(fam.loc["F1", "open_to_social_care"])
    assert fam.loc["F1", "school_ids"] == "S1;S2"
    assert json.loads(fam.loc["F1", "data_quality"]) == ["no attendance record"]


def test_ranks_are_deterministic_and_per_borough(children: pd.DataFrame) -> None:
    fam = build_family_list(children)
    assert fam["family_id"].tolist() == ["F1", "F2", "F4", "F3"]  # F1/F2 tie broken by id
    assert fam["rank"].tolist() == [1, 2, 3, 4]
    assert fam.set_index("family_id")["rank_in_borough"].to_dict() == {"F1": 1, "F2": 1, "F4": 1, "F3": 2}
    assert fam.set_index("family_id")["percentile"].to_dict() == {
        "F1": 50.0,
        "F2": 50.0,
        "F4": 25.0,
        "F3": 0.0,
    }
    shuffled = build_family_list(children.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(fam, shuffled)


def test_open_cases_can_be_excluded(children: pd.DataFrame) -> None:
    fam = build_family_list(children, exclude_open=True)
    assert "F1" not in set(fam["family_id"]) and fam["rank"].iloc[0] == 1


def test_select_at_capacity_selects_whole_families(children: pd.DataFrame) -> None:
    sel = select_at_capacity(children, 1)
    assert sel.tolist() == [True, True, False, False, False]
    with pytest.raises(ValueError, match="positive"):
        select_at_capacity(children, 0)
