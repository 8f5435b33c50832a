"""The API's endpoints: ranked lists, one family, decisions, exports, model, fairness, health."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from serving.demo import DemoService, demo_service
from serving.users import get_user


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One service for the tests that only read (or whose writes are refused)."""
    svc = demo_service(tmp_path_factory.mktemp("api"), n_families=60)
    with TestClient(svc.app) as c:
        yield svc, c


@pytest.fixture
def svc(shared) -> DemoService:
    return shared[0]


@pytest.fixture
def client(shared) -> TestClient:
    return shared[1]


@pytest.fixture
def fresh(tmp_path):
    """A service of its own, for tests that record decisions."""
    svc = demo_service(tmp_path, n_families=60)
    with TestClient(svc.app) as c:
        yield svc, c


def latest(svc: DemoService) -> int:
    return max(svc.bundle.families)


def family_in(svc: DemoService, borough: str, year: int | None = None) -> str:
    frame = svc.bundle.families[year or latest(svc)]
    return str(frame.loc[frame["borough"] == borough, "family_id"].iloc[0])


def test_health_and_ready(client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["model_version"] == "1"


def test_cohorts_give_aggregates_per_borough(svc, client) -> None:
    body = client.get("/v1/cohorts", headers=svc.headers("evaluator")).json()
    assert body["latest"] == latest(svc)
    for info in body["cohorts"]:
        frame = svc.bundle.families[info["year"]]
        assert info["n_families"] == len(frame)
        assert info["n_children"] == len(svc.bundle.children[info["year"]])
        assert info["families_by_borough"] == frame["borough"].value_counts().sort_index().to_dict()


def test_analyst_list_is_in_rank_order_and_paginates(svc, client) -> None:
    year = latest(svc)
    url = f"/v1/cohorts/{year}/families"
    full = client.get(url, params={"limit": 1000}, headers=svc.headers("analyst")).json()
    assert full["total"] == len(svc.bundle.families[year])
    ranks = [f["rank"] for f in full["families"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    expected_ids = svc.bundle.families[year].sort_values("rank")["family_id"].tolist()
    assert [f["family_id"] for f in full["families"]] == expected_ids
    page = client.get(url, params={"limit": 7, "offset": 10}, headers=svc.headers("analyst")).json()
    assert [f["family_id"] for f in page["families"]] == expected_ids[10:17]
    first = full["families"][0]
    assert {
        "rank_in_borough",
        "score",
        "probability",
        "percentile",
        "reasons",
        "data_quality",
        "open_to_social_care",
        "latest_decision",
    } <= set(first)
    assert first["reasons"][0]["text"] and first["reasons"][0]["direction"] in ("raises", "lowers")


def test_practitioner_sees_only_their_borough(svc, client) -> None:
    year = latest(svc)
    body = client.get(
        f"/v1/cohorts/{year}/families", params={"limit": 1000}, headers=svc.headers("pract-lbhf")
    ).json()
    frame = svc.bundle.families[year]
    assert body["borough"] == "LBHF"
    assert body["total"] == int((frame["borough"] == "LBHF").sum()) > 0
    assert {f["borough"] for f in body["families"]} == {"LBHF"}
    assert [f["rank_in_borough"] for f in body["families"]] == list(range(1, body["total"] + 1))
    other = client.get(
        f"/v1/cohorts/{year}/families", params={"borough": "RBKC"}, headers=svc.headers("pract-lbhf")
    )
    assert other.status_code == 403 and "LBHF" in other.json()["detail"]


def test_school_filter_keeps_families_with_a_child_there(svc, client) -> None:
    year = latest(svc)
    school = svc.bundle.children[year]["school_id"].value_counts().index[0]
    body = client.get(
        f"/v1/cohorts/{year}/families",
        params={"school": school, "limit": 1000},
        headers=svc.headers("analyst"),
    ).json()
    kids = svc.bundle.children[year]
    assert body["total"] == kids.loc[kids["school_id"] == school, "family_id"].nunique() > 0
    assert all(school in f["school_ids"] for f in body["families"])
    none = client.get(
        f"/v1/cohorts/{year}/families", params={"school": "NO-SUCH-SCHOOL"}, headers=svc.headers("analyst")
    ).json()
    assert none["total"] == 0 and none["families"] == []


def test_csv_export_matches_the_list(svc, client) -> None:
    year = latest(svc)
    r = client.get(
        f"/v1/cohorts/{year}/families.csv", params={"borough": "WCC"}, headers=svc.headers("analyst")
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    frame = svc.bundle.families[year]
    assert len(rows) == int((frame["borough"] == "WCC").sum())
    assert {row["borough"] for row in rows} == {"WCC"}
    assert [int(row["rank_in_borough"]) for row in rows] == list(range(1, len(rows) + 1))
    assert all(row["top_reasons"] for row in rows)


def test_one_family_has_reasons_per_child(svc, client) -> None:
    year = min(svc.bundle.families)  # an older cohort, asked for explicitly
    kids = svc.bundle.children[year]
    fid = kids["family_id"].value_counts().index[0]  # a family with the most children
    r = client.get(f"/v1/families/{fid}", params={"cohort": year}, headers=svc.headers("analyst"))
    assert r.status_code == 200
    body = r.json()
    assert body["cohort"] == year and body["family_id"] == fid
    assert sorted(c["pupil_id"] for c in body["children"]) == sorted(
        kids.loc[kids["family_id"] == fid, "pupil_id"]
    )
    for child in body["children"]:
        stored = kids.loc[kids["pupil_id"] == child["pupil_id"], "reasons"].iloc[0]
        assert [x["text"] for x in child["reasons"]] == [x["text"] for x in json.loads(stored)]
    assert body["decisions"] == [] and body["latest_decision"] is None


def test_family_borough_boundary_and_unknowns(svc, client) -> None:
    rbkc = family_in(svc, "RBKC")
    assert client.get(f"/v1/families/{rbkc}", headers=svc.headers("pract-lbhf")).status_code == 403
    assert client.get(f"/v1/families/{rbkc}", headers=svc.headers("pract-rbkc")).status_code == 200
    missing = client.get("/v1/families/NOPE123", headers=svc.headers("analyst"))
    assert missing.status_code == 404 and "NOPE123" in missing.json()["detail"]
    unknown_cohort = client.get("/v1/cohorts/2031/families", headers=svc.headers("analyst"))
    assert unknown_cohort.status_code == 404 and "2031" in unknown_cohort.json()["detail"]


def test_decision_is_stored_shown_and_exported(fresh) -> None:
    svc, client = fresh
    fid = family_in(svc, "LBHF")
    h = svc.headers("pract-lbhf")
    first = client.post(
        f"/v1/families/{fid}/decision",
        json={"decision": "declined_by_family", "reason_code": "family_not_contactable"},
        headers=h,
    )
    assert first.status_code == 201, first.text
    assert first.json()["recorded_by"] == "pract-lbhf" and first.json()["cohort"] == latest(svc)
    second = client.post(
        f"/v1/families/{fid}/decision",
        json={"decision": "accepted", "reason_code": "family_agreed"},
        headers=h,
    )
    assert second.status_code == 201
    listed = client.get(f"/v1/cohorts/{latest(svc)}/families", params={"limit": 1000}, headers=h).json()
    row = next(f for f in listed["families"] if f["family_id"] == fid)
    assert row["latest_decision"]["decision"] == "accepted"
    assert sum(f["latest_decision"] is not None for f in listed["families"]) == 1
    detail = client.get(f"/v1/families/{fid}", headers=h).json()
    assert [d["decision"] for d in detail["decisions"]] == ["declined_by_family", "accepted"]
    export = client.get("/v1/decisions.csv", headers=svc.headers("analyst"))
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["decision"] for r in rows] == ["declined_by_family", "accepted"]
    assert rows[0]["family_id"] == fid and rows[0]["rank"] == str(row["rank"])
    cohorts = client.get("/v1/cohorts", headers=svc.headers("evaluator")).json()
    assert {c["year"]: c["decisions_recorded"] for c in cohorts["cohorts"]}[latest(svc)] == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"decision": "accepted", "reason_code": "family_said_no"}, "reason_code"),
        ({"decision": "maybe", "reason_code": "family_agreed"}, "decision"),
        ({"decision": "accepted"}, "reason_code"),
        ({"decision": "accepted", "reason_code": "family_agreed", "notes": "free text"}, "notes"),
        ({"decision": "accepted", "reason_code": "family_agreed", "cohort": 1999}, "cohort"),
    ],
)
def test_bad_decisions_are_422_naming_the_field(svc, client, body, named) -> None:
    fid = family_in(svc, "LBHF")
    r = client.post(f"/v1/families/{fid}/decision", json=body, headers=svc.headers("pract-lbhf"))
    assert r.status_code == 422
    assert named in r.json()["detail"]
    assert (
        client.get("/v1/decisions.csv", headers=svc.headers("analyst")).text.count("\n") == 1
    )  # header only


def test_decision_outside_borough_or_role_is_403(svc, client) -> None:
    fid = family_in(svc, "LBHF")
    body = {"decision": "accepted", "reason_code": "family_agreed"}
    assert (
        client.post(f"/v1/families/{fid}/decision", json=body, headers=svc.headers("pract-rbkc")).status_code
        == 403
    )
    assert (
        client.post(f"/v1/families/{fid}/decision", json=body, headers=svc.headers("analyst")).status_code
        == 403
    )


def test_model_and_fairness(svc, client) -> None:
    model = client.get("/v1/model", headers=svc.headers("evaluator")).json()
    assert model["version"] == "1"
    assert model["model_card"] == svc.bundle.model_card
    assert model["metrics_at_capacity"] == svc.bundle.info["metrics"]
    years = svc.bundle.info["trained_cohorts"]
    assert str(min(years)) in model["training_period"] and str(max(years)) in model["training_period"]
    fairness = client.get("/v1/fairness", headers=svc.headers("evaluator")).json()
    assert fairness["groups"] == svc.bundle.fairness["groups"] and fairness["model_version"] == "1"


def test_fairness_missing_is_404(tmp_path) -> None:
    from ontrack_model.liststore import load_bundle, save_bundle

    svc = demo_service(tmp_path, n_families=20)
    bundle = load_bundle("1", svc.store)
    bundle.fairness = None
    save_bundle(bundle, svc.store)
    (svc.store / "1" / "fairness.json").unlink(missing_ok=True)
    with TestClient(svc.app) as c:
        r = c.get("/v1/fairness", headers=svc.headers("evaluator"))
    assert r.status_code == 404 and "fairness" in r.json()["detail"]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/v1/cohorts/2024/families?limit=abc", "limit"),
        ("/v1/cohorts/2024/families?limit=0", "limit"),
        ("/v1/cohorts/2024/families?limit=5000", "limit"),
        ("/v1/cohorts/2024/families?offset=-1", "offset"),
        ("/v1/cohorts/abc/families", "year"),
        ("/v1/cohorts/2024/families?borough=lbhf", "borough"),
        ("/v1/cohorts/2024/families?borough=ZZZ", "borough"),
        ("/v1/cohorts/2024/families?school=%3Cscript%3E", "school"),
        ("/v1/families/F1?cohort=abc", "cohort"),
        ("/v1/families/bad%20id", "family_id"),
        ("/v1/audit-log?since=yesterday", "since"),
        ("/v1/audit-log?limit=0", "limit"),
    ],
)
def test_invalid_query_values_are_422_naming_the_parameter(svc, client, url, param) -> None:
    user = "admin" if "audit" in url else "analyst"
    r = client.get(url, headers=svc.headers(user))
    assert r.status_code == 422, r.text
    assert param in r.json()["detail"]


def test_prerendered_page_json_equals_the_documented_shape(fresh) -> None:
    from serving.family_access import family_page
    from serving.schemas import FamilyPage

    svc, client = fresh
    fid = family_in(svc, "LBHF")
    decision = {"decision": "not_appropriate", "reason_code": "information_incorrect"}
    client.post(f"/v1/families/{fid}/decision", json=decision, headers=svc.headers("pract-lbhf"))
    r = client.get(
        f"/v1/cohorts/{latest(svc)}/families", params={"limit": 15}, headers=svc.headers("pract-lbhf")
    )
    body = r.json()
    assert FamilyPage.model_validate(body).model_dump(mode="json") == body
    services = svc.app.state.services
    snap = services.state.snapshot()
    user = get_user(services.db, "pract-lbhf")
    page = family_page(
        services, snap, user, endpoint="test", year=None, borough=None, school=None, limit=15, offset=0
    )
    assert json.loads(page.as_json()) == json.loads(json.dumps(page.as_dict())) == body
    assert any(
        f["latest_decision"] and f["latest_decision"]["decision"] == "not_appropriate"
        for f in body["families"]
    )
