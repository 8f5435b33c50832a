"""The practitioners' web page through TestClient: sign-in, CSRF, list, family, decision, sign-out."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from serving.access_log import read_access_log
from serving.demo import demo_service


@pytest.fixture
def svc(tmp_path):
    return demo_service(tmp_path, n_families=150, page_size=20)


@pytest.fixture
def client(svc):
    with TestClient(svc.app) as c:
        yield c


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def sign_in(client, svc, user: str) -> None:
    form = client.get("/signin")
    r = client.post(
        "/signin", data={"token": svc.tokens[user], "csrf": hidden(form.text, "csrf")}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/families"


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    for path in ("/", "/families", "/families/F1"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/signin"


def test_sign_in_sets_a_strict_httponly_cookie(svc, client) -> None:
    form = client.get("/signin")
    assert '<label for="token">' in form.text
    r = client.post(
        "/signin",
        data={"token": svc.tokens["pract-lbhf"], "csrf": hidden(form.text, "csrf")},
        follow_redirects=False,
    )
    cookie = [
        v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("ontrack_session=")
    ][0]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert svc.tokens["pract-lbhf"] not in cookie


def test_sign_in_rejects_bad_token_and_missing_csrf(svc, client) -> None:
    form = client.get("/signin")
    wrong = client.post("/signin", data={"token": "ot_wrong", "csrf": hidden(form.text, "csrf")})
    assert wrong.status_code == 401 and "not recognised" in wrong.text
    no_csrf = client.post("/signin", data={"token": svc.tokens["analyst"], "csrf": "forged"})
    assert no_csrf.status_code == 400
    assert client.get("/families", follow_redirects=False).status_code == 303  # still signed out


def test_list_shows_only_the_borough_with_the_offer_wording(svc, client) -> None:
    sign_in(client, svc, "pract-lbhf")
    page = client.get("/families")
    assert page.status_code == 200
    assert "offer of voluntary help, not an accusation" in page.text
    frame = svc.bundle.families[max(svc.bundle.families)]
    lbhf = frame[frame["borough"] == "LBHF"].sort_values("rank")
    shown = re.findall(r'<tr id="family-([^"]+)"', page.text)
    assert shown == lbhf["family_id"].head(20).tolist()
    assert f"{len(lbhf)} families" in page.text
    second = client.get("/families", params={"page": 2})
    assert re.findall(r'<tr id="family-([^"]+)"', second.text) == lbhf["family_id"].iloc[20:40].tolist()


def test_school_filter_and_csv_download(svc, client) -> None:
    sign_in(client, svc, "pract-lbhf")
    year = max(svc.bundle.families)
    kids = svc.bundle.children[year]
    school = kids.loc[kids["borough"] == "LBHF", "school_id"].value_counts().index[0]
    page = client.get("/families", params={"school": school})
    shown = re.findall(r'<tr id="family-([^"]+)"', page.text)
    assert shown and set(shown) == set(kids.loc[kids["school_id"] == school, "family_id"])
    download = client.get("/families.csv", params={"cohort": year, "school": school})
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(r["family_id"] for r in rows) == sorted(shown)


def test_family_page_shows_each_child_and_data_notes(svc, client) -> None:
    sign_in(client, svc, "pract-lbhf")
    year = max(svc.bundle.families)
    fam = svc.bundle.families[year]
    noted = fam[(fam["borough"] == "LBHF") & (fam["data_quality"] != "[]")].iloc[0]
    page = client.get(f"/families/{noted['family_id']}")
    assert page.status_code == 200
    kids = svc.bundle.children[year]
    for pid in kids.loc[kids["family_id"] == noted["family_id"], "pupil_id"]:
        assert f"Child {pid}" in page.text
    assert "Notes about the information" in page.text
    other = fam.loc[fam["borough"] == "RBKC", "family_id"].iloc[0]
    denied = client.get(f"/families/{other}", headers={"accept": "text/html"})
    assert denied.status_code == 403 and "<h1>Not available to you</h1>" in denied.text


def test_recording_a_decision_needs_the_csrf_token(svc, client) -> None:
    sign_in(client, svc, "pract-lbhf")
    fam = svc.bundle.families[max(svc.bundle.families)]
    fid = fam.loc[fam["borough"] == "LBHF", "family_id"].iloc[0]
    page = client.get(f"/families/{fid}")
    forged = client.post(f"/families/{fid}/decision", data={"outcome": "accepted:family_agreed", "csrf": "x"})
    assert forged.status_code == 400
    bad = client.post(
        f"/families/{fid}/decision",
        data={"outcome": "accepted:family_said_no", "csrf": hidden(page.text, "csrf")},
    )
    assert bad.status_code == 422 and "reason_code" in bad.text
    ok = client.post(
        f"/families/{fid}/decision",
        data={
            "outcome": "already_supported:receiving_early_help",
            "csrf": hidden(page.text, "csrf"),
            "cohort": hidden(page.text, "cohort"),
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    listing = client.get(ok.headers["location"])
    row = re.search(rf'<tr id="family-{fid}">(.*?)</tr>', listing.text, re.S).group(1)
    assert "Already receiving early help" in row
    assert "has been saved" in listing.text
    decided = [e for e in read_access_log(svc.app.state.services.db) if "decision" in e["endpoint"]]
    assert len(decided) == 1 and decided[0]["family_ids"] == [fid]


def test_evaluator_gets_no_family_pages(svc, client) -> None:
    sign_in(client, svc, "evaluator")
    r = client.get("/families")
    assert r.status_code == 403 and "does not include family lists" in r.text
    assert read_access_log(svc.app.state.services.db) == []


def test_sign_out_ends_the_session(svc, client) -> None:
    sign_in(client, svc, "analyst")
    page = client.get("/families")
    assert client.post("/signout", data={"csrf": "forged"}).status_code == 400
    out = client.post("/signout", data={"csrf": hidden(page.text, "csrf")}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/families", follow_redirects=False).headers["location"] == "/signin"


def test_page_views_are_logged(svc, client) -> None:
    sign_in(client, svc, "pract-lbhf")
    client.get("/families")
    (entry,) = read_access_log(svc.app.state.services.db)
    assert entry["endpoint"] == "GET /families (page)" and entry["query"]["borough"] == "LBHF"
