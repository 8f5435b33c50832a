"""SCORE-15 outcome evaluation: import, scoring, change and reliable change, cohort summary, reports.

Scores are on the 1-5 item-mean scale with HIGHER = MORE DIFFICULTIES, so a fall is positive change.
"""

from ontrack_model.score15.change import (
    RciParameters,
    classify_rci,
    family_change,
    reliable_change_index,
    respondent_change,
    standard_error_of_difference,
)
from ontrack_model.score15.config import DIMENSIONS, SCORES, Score15Config
from ontrack_model.score15.family import family_report
from ontrack_model.score15.io import ImportReport, ResponseSet, read_responses
from ontrack_model.score15.scoring import score_administrations
from ontrack_model.score15.summary import cohort_summary

__all__ = [
    "DIMENSIONS",
    "SCORES",
    "ImportReport",
    "RciParameters",
    "ResponseSet",
    "Score15Config",
    "classify_rci",
    "cohort_summary",
    "family_change",
    "family_report",
    "read_responses",
    "reliable_change_index",
    "respondent_change",
    "score_administrations",
    "standard_error_of_difference",
]
