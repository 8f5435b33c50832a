"""POST /v1/score: CSV, multipart and JSON uploads, every malformed upload, and the size limit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from serving.demo import demo_matrix, demo_service


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    svc = demo_service(tmp_path_factory.mktemp("score"), n_families=20, max_upload_bytes=50_000)
    with TestClient(svc.app) as c:
        yield svc, c


@pytest.fixture
def svc(shared):
    return shared[0]


@pytest.fixture
def client(shared):
    return shared[1]


def post_csv(client, svc, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/v1/score", content=data, headers={**svc.headers("analyst"), "content-type": "text/csv"}
    )


def expected(svc, frame) -> list[float]:
    return list(svc.model.predict_proba(frame[svc.model.feature_names]))


def test_csv_upload_scores_each_pupil(svc, client) -> None:
    frame = demo_matrix(svc.model, 25, seed=3)
    frame["family_id"], frame["cohort"], frame["label"] = "F1", 2024, 0  # id columns are ignored
    r = post_csv(client, svc, frame.sample(frac=1, axis=1, random_state=1).to_csv(index=False))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == "1" and body["n_rows"] == 25
    assert [p["pupil_id"] for p in body["predictions"]] == frame["pupil_id"].tolist()
    assert [p["probability"] for p in body["predictions"]] == pytest.approx(expected(svc, frame))


def test_multipart_and_json_uploads_agree_with_csv(svc, client) -> None:
    frame = demo_matrix(svc.model, 8, seed=4)
    frame.loc[2, svc.model.feature_names[0]] = np.nan  # unknown values are allowed
    files = {"file": ("matrix.csv", frame.to_csv(index=False), "text/csv")}
    multipart = client.post("/v1/score", files=files, headers=svc.headers("analyst"))
    rows = json.loads(frame.to_json(orient="records"))
    as_json = client.post("/v1/score", json={"rows": rows}, headers=svc.headers("analyst"))
    bare_list = client.post("/v1/score", json=rows, headers=svc.headers("analyst"))
    want = expected(svc, frame.fillna(0))
    for r in (multipart, as_json, bare_list):
        assert r.status_code == 200, r.text
        assert [p["probability"] for p in r.json()["predictions"]] == pytest.approx(want)


def _matrix_text(svc, mutate) -> str:
    frame = demo_matrix(svc.model, 4).astype(object)
    mutate(frame)
    return frame.to_csv(index=False)


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda f: f.pop("feature_03"), "feature_03"),
        (lambda f: f.insert(1, "shoe_size", 1), "shoe_size"),
        (lambda f: f.pop("pupil_id"), "pupil_id"),
        (lambda f: f.__setitem__("feature_05", ["1", "2", "lots", "4"]), "feature_05"),
        (lambda f: f.__setitem__("feature_01", [1, 2, "inf", 4]), "feature_01"),
        (lambda f: f.__setitem__("pupil_id", ["P1", "P2", "P1", "P4"]), "pupil_id"),
        (lambda f: f.__setitem__("pupil_id", ["P1", "", "P3", "P4"]), "pupil_id"),
    ],
)
def test_malformed_csv_is_422_naming_the_column(svc, client, mutate, named) -> None:
    r = post_csv(client, svc, _matrix_text(svc, mutate))
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"]


def test_row_of_a_bad_value_is_named(svc, client) -> None:
    r = post_csv(client, svc, _matrix_text(svc, lambda f: f.__setitem__("feature_05", ["1", "2", "x", "4"])))
    assert "row 3" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "ctype", "status", "words"),
    [
        (b"", "text/csv", 422, "empty"),
        (b"pupil_id,feature_00,feature_00\nP1,1,2\n", "text/csv", 422, "feature_00"),
        (b"\xff\xfe\x00bad", "text/csv", 422, "UTF-8"),
        (b"{not json", "application/json", 422, "JSON"),
        (b'{"rows": 5}', "application/json", 422, "rows"),
        (b'{"rows": [{"pupil_id": "P1", "feature_00": [1, 2]}]}', "application/json", 422, "feature_00"),
        (b'{"rows": []}', "application/json", 422, "no rows"),
        (b"pupil_id\nP1\n", "application/xml", 415, "content-type"),
    ],
)
def test_malformed_uploads(svc, client, body, ctype, status, words) -> None:
    r = client.post("/v1/score", content=body, headers={**svc.headers("analyst"), "content-type": ctype})
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_multipart_without_file_field(svc, client) -> None:
    r = client.post("/v1/score", files={"other": ("x.csv", "a,b\n1,2\n")}, headers=svc.headers("analyst"))
    assert r.status_code == 422 and "'file'" in r.json()["detail"]


def test_oversized_upload_is_413(svc, client) -> None:
    big = demo_matrix(svc.model, 600).to_csv(index=False)
    assert len(big) > 50_000
    r = post_csv(client, svc, big)
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit must hold while streaming
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192].encode()

    streamed = client.post(
        "/v1/score", content=chunks(), headers={**svc.headers("analyst"), "content-type": "text/csv"}
    )
    assert streamed.status_code == 413
    small = post_csv(client, svc, demo_matrix(svc.model, 3).to_csv(index=False))
    assert small.status_code == 200  # the limit did not break the service


def test_scoring_is_logged_with_row_count(svc, client) -> None:
    from serving.access_log import read_access_log

    db = svc.app.state.services.db
    before = len(read_access_log(db, limit=10_000))
    post_csv(client, svc, demo_matrix(svc.model, 6).to_csv(index=False))
    entries = read_access_log(db, limit=10_000)
    assert len(entries) == before + 1
    assert entries[-1]["endpoint"] == "POST /v1/score" and entries[-1]["result_size"] == 6
