"""SCORE-15 cohort summary: the programme's eight families, sentence, RCI, ties, suppression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontrack_model.score15 import Score15Config, cohort_summary, family_change, read_responses
from ontrack_model.score15.wording import number_words, positive_change_sentence

FIXTURES = Path(__file__).parent / "fixtures" / "score15"
PROGRAMME = (
    "SCORE-15 has been administered at two or more intervals with eight families. "
    "Positive change occurred most "
    "frequently in Dimension 2 (six of eight families) and Dimension 3 (five families); Dimension 1 saw less "
    "positive change (three of eight families). Overall, six families demonstrated positive change in family "
    "functioning comparing changes in total score over time."
)
# Design of the fixture (see fixtures/score15/README.md): sign of each family's change per score.
DESIGN = {
    "F01": ("-", "-", "-", "-"),
    "F02": ("-", "-", "-", "-"),
    "F03": ("-", "-", "+", "-"),
    "F04": ("+", "-", "-", "-"),
    "F05": ("0", "-", "-", "-"),
    "F06": ("0", "-", "0", "-"),
    "F07": ("+", "+", "-", "+"),
    "F08": ("+", "0", "+", "+"),
}
SCORES = ("dimension_1", "dimension_2", "dimension_3", "total")


@pytest.fixture(scope="module")
def eight():
    return read_responses(FIXTURES / "eight_families_paper.csv", "paper")


def _sign(x: float) -> str:
    return "-" if x < -1e-9 else "+" if x > 1e-9 else "0"


def test_fixture_matches_its_design(eight) -> None:
    fam = family_change(eight).set_index("family_id")
    for family, signs in DESIGN.items():
        assert tuple(_sign(fam.loc[family, f"{s}_change"]) for s in SCORES) == signs, family


def test_eight_families_reproduce_the_programme_table_and_sentence(eight) -> None:
    summary = cohort_summary(eight)
    expected = {s: sum(DESIGN[f][i] == "-" for f in DESIGN) for i, s in enumerate(SCORES)}
    assert expected == {"dimension_1": 3, "dimension_2": 6, "dimension_3": 5, "total": 6}
    for score, positive in expected.items():
        assert summary[score]["families_with_change_data"] == 8
        assert summary[score]["positive_change"] == positive
    assert summary["families_with_two_or_more_administrations"] == 8
    assert summary["sentence"] == PROGRAMME


def test_reversed_json_of_the_same_answers_gives_the_same_summary(eight) -> None:
    reversed_ = read_responses(FIXTURES / "eight_families_reversed.json", "reversed")
    a, b = cohort_summary(eight), cohort_summary(reversed_)
    a.pop("data"), b.pop("data")
    assert a == b


def test_reliable_change_counts_follow_the_rci(eight) -> None:
    config = Score15Config(reference_sd={s: 0.5 for s in SCORES})
    summary = cohort_summary(eight, config)
    # S_diff(total) = sqrt(2) * 0.5 * sqrt(0.11) = 0.2345; critical change = 1.96 * 0.2345 = 0.4597.
    # Family total changes: -1, -1, -0.533, -0.533, -0.667, -0.333, +0.2, +0.267 -> 5 reliable improvements.
    assert summary["rci"]["parameters"]["total"]["critical_change"] == pytest.approx(0.4597, abs=1e-4)
    assert summary["total"]["reliable_improvement"] == 5
    assert summary["total"]["reliable_deterioration"] == 0
    # Dimension 3 (r = 0.73): S_diff = sqrt(2)*0.5*sqrt(0.27) = 0.3674, critical 0.720: the five -1 changes.
    assert summary["dimension_3"]["reliable_improvement"] == 4 + 0  # F01, F02, F04, F05 (F07's -0.2 is not)
    # Dimension 1 (r = 0.89): +0.4 rises stay within 0.46: no reliable deterioration.
    assert summary["dimension_1"]["reliable_deterioration"] == 0
    fam = family_change(eight, config)
    for score in SCORES:
        assert summary[score]["reliable_improvement"] == int((fam[f"{score}_rci"] <= -1.96).sum())
    assert summary["reliable_change_sentence"].startswith(
        "Judged by the Reliable Change Index (|RCI| \u2265 1.96), five families showed reliable "
        "improvement in "
        "total score and none showed reliable deterioration."
    )
    assert "four on Dimension 3" in summary["reliable_change_sentence"]
    assert summary["rci"]["notes"] == []  # every SD supplied: nothing taken from the data


def test_summary_states_rules_and_rci_sources_and_is_json(eight) -> None:
    summary = json.loads(json.dumps(cohort_summary(eight)))
    assert "at least 4 of its 5 items" in summary["rules"]["missing_items"]
    assert "respondents under 12: flag" in summary["rules"]["import"]
    assert summary["rci"]["parameters"]["total"]["reliability"] == 0.89
    assert all("SD of the first administrations in these data" in n for n in summary["rci"]["notes"])
    assert summary["data"]["rows_flagged"] == 1


def _counts(d1: int, d2: int, d3: int, total: int, n: int = 8) -> dict:
    return {
        s: {
            "families_with_change_data": n,
            "positive_change": c,
            "reliable_improvement": 0,
            "reliable_deterioration": 0,
        }
        for s, c in zip(SCORES, (d1, d2, d3, total), strict=True)
    }


@pytest.mark.parametrize(
    ("counts", "middle"),
    [
        (
            (5, 5, 2, 5),
            "Positive change occurred most frequently in Dimensions 1 and 2 (five of eight families "
            "each); Dimension 3 saw less positive change (two of eight families).",
        ),
        (
            (6, 1, 1, 4),
            "Positive change occurred most frequently in Dimension 1 (six of eight families); "
            "Dimensions 2 and 3 saw less positive change (one of eight families each).",
        ),
        (
            (4, 4, 4, 4),
            "Positive change occurred equally often in all three dimensions (four of eight families each).",
        ),
        ((0, 0, 0, 0), "No family showed positive change on any dimension."),
        (
            (1, 7, 0, 1),
            "Positive change occurred most frequently in Dimension 2 (seven of eight families) and "
            "Dimension 1 (one family); Dimension 3 saw less positive change (none of eight families).",
        ),
    ],
)
def test_sentence_orders_by_frequency_and_handles_ties(counts, middle) -> None:
    sentence = positive_change_sentence(8, _counts(*counts))
    assert middle in sentence
    total = counts[3]
    overall = {0: "no family", 1: "one family", 4: "four families", 5: "five families"}[total]
    assert sentence.endswith(
        f"Overall, {overall} demonstrated positive change in family functioning comparing "
        "changes in total score over time."
    )


def test_sentence_names_a_different_denominator() -> None:
    counts = _counts(3, 6, 5, 6)
    counts["total"].update(families_with_change_data=7, positive_change=5)
    counts["dimension_3"].update(families_with_change_data=0, positive_change=0)
    sentence = positive_change_sentence(8, counts)
    assert "Overall, five of seven families demonstrated positive change" in sentence
    assert "Dimension 3 saw less positive change (no family with data at both administrations)" in sentence


def test_number_words() -> None:
    assert [number_words(n) for n in (0, 1, 8, 13, 20, 21, 99)] == [
        "zero",
        "one",
        "eight",
        "thirteen",
        "twenty",
        "twenty-one",
        "ninety-nine",
    ]
    assert [number_words(n) for n in (100, 143, 1200)] == ["100", "143", "1,200"]


def test_suppression_hides_small_counts_and_the_sentence_avoids_them(eight) -> None:
    summary = cohort_summary(eight, suppress_below=3)
    # dimension 2: 6 of 8 improved, so 2 did not: recoverable from 8 - 6, so 6 is hidden too.
    assert summary["dimension_2"]["positive_change"] == "suppressed"
    assert summary["total"]["positive_change"] == "suppressed"
    assert summary["dimension_1"]["positive_change"] == 3 and summary["dimension_3"]["positive_change"] == 5
    sentence = summary["sentence"]
    assert "six" not in sentence
    assert "three of eight families on Dimension 1 and five on Dimension 3" in sentence
    assert "Dimension 2 are suppressed for publication" in sentence
    assert "most frequently" not in sentence  # a hidden dimension might be the most frequent
    assert summary["suppression"]["suppress_below"] == 3

    strict = cohort_summary(eight, suppress_below=10)  # every count below 10, headline included
    assert strict["families_with_two_or_more_administrations"] == "suppressed"
    assert all(strict[s][k] == "suppressed" for s in SCORES for k in strict[s] if k != "name")
    assert "eight" not in strict["sentence"] and "fewer than 10 families" in strict["sentence"]
    assert strict["data"]["rows_flagged"] == "suppressed"
