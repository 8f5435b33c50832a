"""Authentication, roles, the borough boundary, the append-only access log, and token secrecy."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from fastapi.testclient import TestClient

from serving.access_log import read_access_log
from serving.demo import DemoService, demo_service
from serving.users import add_user, revoke_user


@pytest.fixture
def svc(tmp_path) -> DemoService:
    return demo_service(tmp_path, n_families=40)


@pytest.fixture
def client(svc) -> TestClient:
    with TestClient(svc.app) as c:
        yield c


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One service for the tests that leave no state another test reads."""
    svc = demo_service(tmp_path_factory.mktemp("security"), n_families=40)
    with TestClient(svc.app) as c:
        yield svc, c


def lbhf_family(svc: DemoService) -> str:
    frame = svc.bundle.families[max(svc.bundle.families)]
    return str(frame.loc[frame["borough"] == "LBHF", "family_id"].iloc[0])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ot_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_wrong_token_is_401(shared, headers) -> None:
    _, client = shared
    r = client.get("/v1/cohorts", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_401(svc, client) -> None:
    assert client.get("/v1/cohorts", headers=svc.headers("analyst")).status_code == 200
    revoke_user(svc.app.state.services.db, "analyst")
    assert client.get("/v1/cohorts", headers=svc.headers("analyst")).status_code == 401


# Which role may call which endpoint (practitioner = pract-lbhf, on an LBHF family).
ROLE_MATRIX = {
    ("GET", "/v1/cohorts"): {"pract-lbhf", "analyst", "evaluator", "admin"},
    ("GET", "/v1/model"): {"pract-lbhf", "analyst", "evaluator", "admin"},
    ("GET", "/v1/fairness"): {"pract-lbhf", "analyst", "evaluator", "admin"},
    ("GET", "/v1/cohorts/{year}/families"): {"pract-lbhf", "analyst"},
    ("GET", "/v1/cohorts/{year}/families.csv"): {"pract-lbhf", "analyst"},
    ("GET", "/v1/families/{fid}"): {"pract-lbhf", "analyst"},
    ("POST", "/v1/families/{fid}/decision"): {"pract-lbhf"},
    ("GET", "/v1/decisions.csv"): {"analyst"},
    ("POST", "/v1/score"): {"analyst"},
    ("POST", "/v1/admin/reload"): {"admin"},
    ("GET", "/v1/audit-log"): {"admin", "evaluator"},
    ("GET", "/v1/score15/summary"): {"analyst", "evaluator"},
}


@pytest.mark.parametrize(("method", "path"), sorted(ROLE_MATRIX))
def test_each_role_gets_exactly_its_endpoints(shared, method, path) -> None:
    svc, client = shared
    url = path.format(year=max(svc.bundle.families), fid=lbhf_family(svc))
    kwargs = {}
    if path.endswith("/decision"):
        kwargs["json"] = {"decision": "accepted", "reason_code": "family_agreed"}
    if path == "/v1/score":
        kwargs.update(content=b"pupil_id\nP1\n", headers={"content-type": "text/csv"})
    for user in ("pract-lbhf", "analyst", "evaluator", "admin"):
        headers = {**kwargs.get("headers", {}), **svc.headers(user)}
        r = client.request(method, url, **{**kwargs, "headers": headers})
        if user in ROLE_MATRIX[(method, path)]:
            assert r.status_code not in (401, 403), (user, r.status_code, r.text)
        else:
            assert r.status_code == 403, (user, r.status_code, r.text)
            role = "practitioner" if user.startswith("pract") else user
            assert f"role {role} may not" in r.json()["detail"]


def test_scoped_analyst_is_kept_to_their_borough(svc, client) -> None:
    _, token = add_user(svc.app.state.services.db, "analyst-wcc", "analyst", "WCC")
    h = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/v1/cohorts/{max(svc.bundle.families)}/families", headers=h).json()
    assert body["borough"] == "WCC" and {f["borough"] for f in body["families"]} == {"WCC"}
    assert client.get(f"/v1/families/{lbhf_family(svc)}", headers=h).status_code == 403


def test_family_data_access_is_logged(svc, client) -> None:
    year = max(svc.bundle.families)
    fid = lbhf_family(svc)
    h = svc.headers("pract-lbhf")
    client.get(f"/v1/cohorts/{year}/families", params={"limit": 5}, headers=h)
    client.get(f"/v1/families/{fid}", headers=h)
    client.post(
        f"/v1/families/{fid}/decision",
        json={"decision": "accepted", "reason_code": "family_agreed"},
        headers=h,
    )
    client.get(f"/v1/cohorts/{year}/families.csv", headers=svc.headers("analyst"))
    client.get("/v1/model", headers=h)  # not family-level: not logged
    entries = read_access_log(svc.app.state.services.db)
    assert [e["endpoint"] for e in entries] == [
        "GET /v1/cohorts/{year}/families",
        "GET /v1/families/{family_id}",
        "POST /v1/families/{family_id}/decision",
        "GET /v1/cohorts/{year}/families.csv",
    ]
    assert entries[0]["user"] == "pract-lbhf" and entries[0]["role"] == "practitioner"
    assert entries[0]["query"] == {"cohort": year, "borough": "LBHF", "limit": 5, "offset": 0}
    assert entries[0]["result_size"] == 5
    assert entries[1]["family_ids"] == [fid] and entries[2]["family_ids"] == [fid]
    lbhf = int((svc.bundle.families[year]["borough"] == "LBHF").sum())
    assert entries[3]["result_size"] == len(svc.bundle.families[year])  # the analyst's whole-cohort CSV
    assert entries[0]["result_size"] <= lbhf


def test_audit_log_endpoint_filters_and_is_itself_logged(svc, client) -> None:
    client.get(f"/v1/families/{lbhf_family(svc)}", headers=svc.headers("analyst"))
    everything = client.get("/v1/audit-log", headers=svc.headers("evaluator")).json()
    assert [e["endpoint"] for e in everything] == ["GET /v1/families/{family_id}"]
    future = client.get("/v1/audit-log", params={"since": "2999-01-01"}, headers=svc.headers("admin")).json()
    assert future == []
    again = client.get("/v1/audit-log", params={"limit": 10}, headers=svc.headers("admin")).json()
    assert [e["endpoint"] for e in again][-2:] == ["GET /v1/audit-log", "GET /v1/audit-log"]


@pytest.mark.parametrize("table", ["access_log", "decisions"])
def test_evidence_tables_cannot_be_updated_or_deleted(svc, client, table) -> None:
    fid = lbhf_family(svc)
    client.post(
        f"/v1/families/{fid}/decision",
        json={"decision": "accepted", "reason_code": "family_agreed"},
        headers=svc.headers("pract-lbhf"),
    )
    conn = sqlite3.connect(svc.app.state.services.db.path)  # a separate connection, as an intruder would use
    try:
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 1
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(
                f"UPDATE {table} SET family_id = 'X' WHERE 1"
                if table == "decisions"
                else f"UPDATE {table} SET user_name = 'X' WHERE 1"
            )
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(f"DELETE FROM {table}")
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 1
    finally:
        conn.close()


def test_tokens_never_reach_logs_responses_or_the_database(svc, client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = list(svc.tokens.values())
    bogus = "ot_" + "Z" * 43
    for token in [*tokens, bogus]:
        client.get("/v1/cohorts", headers={"Authorization": f"Bearer {token}"})
        client.get(f"/v1/families/{lbhf_family(svc)}", headers={"Authorization": f"Bearer {token}"})
    form = client.get("/signin")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    replies = [
        client.post("/signin", data={"token": bogus, "csrf": csrf}),
        client.post("/signin", data={"token": "ot_" + "Q" * 300, "csrf": csrf}),  # too long: 422
        client.post("/signin", data={"token": tokens[0], "csrf": csrf}, follow_redirects=False),
    ]
    assert replies[1].status_code == 422
    for secret in [*tokens, bogus, "Q" * 300]:
        assert secret not in caplog.text
        assert all(secret not in r.text for r in replies)
    assert all(tok not in str(c.value) for c in client.cookies.jar for tok in tokens)
    raw = svc.app.state.services.db.path.read_bytes()
    wal = svc.app.state.services.db.path.with_name(svc.app.state.services.db.path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert all(tok.encode() not in raw for tok in tokens)


def test_security_headers(shared) -> None:
    _, client = shared
    r = client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
