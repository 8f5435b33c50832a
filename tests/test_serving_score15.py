"""SCORE-15 through the service: uploads by borough, a family's change, the evaluators' summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from ontrack_model.score15 import family_report, read_responses
from serving.demo import demo_service

ITEMS = [f"item_{i}" for i in range(1, 16)]


@pytest.fixture
def svc(tmp_path):
    return demo_service(tmp_path, n_families=40)


@pytest.fixture
def client(svc):
    with TestClient(svc.app) as c:
        yield c


def families_in(svc, borough: str, n: int) -> list[str]:
    frame = svc.bundle.families[max(svc.bundle.families)]
    return frame.loc[frame["borough"] == borough, "family_id"].head(n).tolist()


def responses(family_ids: list[str], seed: int = 0) -> pd.DataFrame:
    """Two respondents per family, each answering twice, the second time with fewer difficulties."""
    rng = np.random.default_rng(seed)
    rows = []
    for f in family_ids:
        for person, (role, age) in enumerate([("parent", 41), ("young_person", 13)]):
            first = rng.integers(2, 5, size=15)
            for date, values in (("2024-10-01", first), ("2025-03-01", first)):
                rows.append(
                    {
                        "family_id": f,
                        "respondent_id": f"{f}-R{person}",
                        "role": role,
                        "age": age,
                        "date": date,
                        **dict(zip(ITEMS, values.tolist(), strict=True)),
                    }
                )
                first = np.where(np.arange(15) % 3 == 0, np.clip(first - 1, 1, 5), first)
    return pd.DataFrame(rows)


def upload(client, svc, user: str, frame: pd.DataFrame, coding: str = "paper"):
    return client.post(
        "/v1/score15/responses",
        params={"coding": coding},
        content=frame.to_csv(index=False),
        headers={**svc.headers(user), "content-type": "text/csv"},
    )


def test_practitioner_uploads_and_reads_their_familys_change(svc, client) -> None:
    fams = families_in(svc, "LBHF", 3)
    frame = responses(fams)
    r = upload(client, svc, "pract-lbhf", frame)
    assert r.status_code == 201, r.text
    assert r.json()["rows_stored"] == len(frame) and r.json()["families"] == 3
    report = client.get(f"/v1/families/{fams[0]}/score15", headers=svc.headers("pract-lbhf"))
    assert report.status_code == 200, report.text
    want = family_report(read_responses(frame, "paper"), fams[0])
    assert report.json()["family_change"] == want["family_change"]
    assert len(report.json()["administrations"]) == 4
    assert client.get(f"/v1/families/{fams[0]}/score15", headers=svc.headers("pract-rbkc")).status_code == 403
    assert client.get(f"/v1/families/{fams[0]}/score15", headers=svc.headers("evaluator")).status_code == 403


def test_reversed_coding_is_converted(svc, client) -> None:
    fams = families_in(svc, "LBHF", 1)
    paper = responses(fams, seed=2)
    reversed_ = paper.copy()
    reversed_[ITEMS] = 6 - reversed_[ITEMS]
    assert upload(client, svc, "analyst", reversed_, coding="reversed").status_code == 201
    got = client.get(f"/v1/families/{fams[0]}/score15", headers=svc.headers("analyst")).json()
    assert got["family_change"] == family_report(read_responses(paper, "paper"), fams[0])["family_change"]


def test_practitioner_cannot_upload_for_another_borough(svc, client) -> None:
    frame = responses(families_in(svc, "LBHF", 1) + families_in(svc, "WCC", 1))
    r = upload(client, svc, "pract-lbhf", frame)
    assert r.status_code == 403 and families_in(svc, "WCC", 1)[0] in r.json()["detail"]
    assert (
        client.get("/v1/score15/summary", headers=svc.headers("evaluator")).status_code == 404
    )  # nothing stored


@pytest.mark.parametrize(
    ("params", "mutate", "named"),
    [
        ({}, None, "coding"),
        ({"coding": "guess"}, None, "coding"),
        ({"coding": "paper"}, lambda f: f.__setitem__("item_7", 9), "item_7"),
        ({"coding": "paper"}, lambda f: f.pop("respondent_id"), "respondent_id"),
    ],
)
def test_bad_score15_uploads_are_422(svc, client, params, mutate, named) -> None:
    frame = responses(families_in(svc, "LBHF", 1))
    if mutate:
        mutate(frame)
    r = client.post(
        "/v1/score15/responses",
        params=params,
        content=frame.to_csv(index=False),
        headers={**svc.headers("analyst"), "content-type": "text/csv"},
    )
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"]


def test_summary_for_evaluators_suppresses_small_cells(svc, client) -> None:
    few = families_in(svc, "LBHF", 4)
    assert upload(client, svc, "analyst", responses(few)).status_code == 201
    small = client.get("/v1/score15/summary", headers=svc.headers("evaluator")).json()
    assert small["families_with_two_or_more_administrations"] == "suppressed"
    assert small["suppression"]["suppress_below"] == 10
    many = [f for b in ("RBKC", "WCC") for f in families_in(svc, b, 6)]
    assert upload(client, svc, "analyst", responses(many, seed=1)).status_code == 201
    big = client.get("/v1/score15/summary", headers=svc.headers("evaluator")).json()
    assert big["families_with_two_or_more_administrations"] == len(few) + len(many)
    assert client.get("/v1/score15/summary", headers=svc.headers("pract-lbhf")).status_code == 403
