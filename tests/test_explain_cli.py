"""`ontrack explain`: reads the stored reasons of a family from a ranked-list bundle."""

from __future__ import annotations

import importlib
import json
import sys
import types

import pandas as pd
import pytest
from typer.testing import CliRunner

from ontrack_model.cli import app
from ontrack_model.liststore import ModelBundle, save_bundle

COHORT = 2024
CP = {
    "group": "Child protection",
    "text": "On a child protection plan (raises the score)",
    "direction": "raises",
    "contribution": 2.1,
}
SUSP = {
    "group": "School suspensions",
    "text": "2 suspensions in the last 12 months (raises the score)",
    "direction": "raises",
    "contribution": 0.8,
}
ATT = {
    "group": "School attendance",
    "text": "Attendance 97% in the last 12 months (lowers the score)",
    "direction": "lowers",
    "contribution": -0.4,
}


def _bundle(version: str) -> ModelBundle:
    families = pd.DataFrame(
        {
            "cohort": [COHORT] * 2,
            "family_id": ["F001", "F002"],
            "borough": ["LBHF", "WCC"],
            "school_ids": ["S1", "S2;S3"],
            "rank": [1, 2],
            "rank_in_borough": [1, 1],
            "score": [1.5, -0.5],
            "probability": [0.12, 0.03],
            "percentile": [50.0, 0.0],
            "n_children": [1, 2],
            "open_to_social_care": [False, False],
            "reasons": [json.dumps([CP, ATT]), json.dumps([SUSP])],
            "data_quality": [json.dumps([]), json.dumps(["attendance not recorded for one child"])],
        }
    )
    children = pd.DataFrame(
        {
            "cohort": [COHORT] * 4,
            "pupil_id": ["P1", "P2", "P3", "P9"],
            "family_id": ["F001", "F002", "F002", "F009"],
            "borough": ["LBHF", "WCC", "WCC", "RBKC"],
            "school_id": ["S1", "S2", "S3", "S4"],
            "score": [1.5, -0.5, -1.0, 3.0],
            "probability": [0.12, 0.03, 0.02, 0.4],
            "reasons": [json.dumps([CP, ATT]), json.dumps([SUSP]), json.dumps([ATT]), json.dumps([CP])],
        }
    )
    return ModelBundle(
        version=version,
        info={"model_name": "ontrack"},
        families={COHORT: families},
        children={COHORT: children},
    )


@pytest.fixture()
def store(tmp_path):
    save_bundle(_bundle("3"), tmp_path)
    save_bundle(_bundle("4"), tmp_path)
    return tmp_path


def _run(*args: str):
    return CliRunner().invoke(app, ["explain", *args])


def test_prints_rank_and_each_childs_stored_reasons(store) -> None:
    result = _run("--cohort", str(COHORT), "--family", "F002", "--store", str(store), "--version", "3")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Rank 2 of 2" in out and "model version 3" in out
    assert "P2" in out and "P3" in out and "P1" not in out
    assert "2 suspensions in the last 12 months" in out
    assert "Attendance 97%" in out  # the second child's own reason
    assert "attendance not recorded for one child" in out


def test_default_version_is_the_champion(store, monkeypatch) -> None:
    try:
        tracking = importlib.import_module("ontrack_model.tracking")
    except ImportError:  # the registry module is optional for this test
        tracking = types.ModuleType("ontrack_model.tracking")
        monkeypatch.setitem(sys.modules, "ontrack_model.tracking", tracking)
    monkeypatch.setattr(tracking, "champion_version", lambda *a, **k: "4", raising=False)
    result = _run("--cohort", str(COHORT), "--family", "F001", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "model version 4" in result.output and "On a child protection plan" in result.output


def test_family_not_ranked_still_shows_its_children(store) -> None:
    result = _run("--cohort", str(COHORT), "--family", "F009", "--store", str(store), "--version", "3")
    assert result.exit_code == 0, result.output
    assert "Not ranked" in result.output and "P9" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cohort", str(COHORT), "--family", "F404"], "family F404 is not in cohort"),
        (["--cohort", "2019", "--family", "F001"], "no ranked list for cohort 2019"),
        (["--cohort", str(COHORT), "--family", "F001", "--version", "99"], "no ranked lists stored"),
    ],
)
def test_unknown_family_cohort_or_version_is_a_clear_error(store, args, message) -> None:
    if "--version" not in args:
        args = [*args, "--version", "3"]
    result = _run(*args, "--store", str(store))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_help_explains_every_option() -> None:
    result = CliRunner().invoke(app, ["explain", "--help"])
    assert result.exit_code == 0
    for option in ("--cohort", "--family", "--store", "--version"):
        assert option in result.output
    assert "champion" in result.output
