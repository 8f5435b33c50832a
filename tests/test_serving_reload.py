"""Loading and reloading the model: atomic swaps, failed reloads, requests in flight, no model yet."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from ontrack_model.liststore import load_bundle, save_bundle
from serving.demo import DemoModel, demo_matrix, demo_service, make_demo_bundle
from serving.errors import NotReadyError
from serving.model_source import StoredSource


class SwitchableSource:
    """Loads whichever version it is pointed at; `fail` makes the next loads raise."""

    def __init__(self, store, models: dict[str, DemoModel], version: str = "1") -> None:
        self.store, self.models, self.version = store, models, version
        self.fail: Exception | None = None

    def load(self):
        if self.fail is not None:
            raise self.fail
        return StoredSource(self.models[self.version], self.store).load()


class GatedModel(DemoModel):
    """A model whose predictions wait until the test opens the gate (a request held in flight)."""

    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def predict_proba(self, frame: pd.DataFrame):
        self.entered.set()
        assert self.gate.wait(10), "the test never opened the gate"
        return super().predict_proba(frame)


@pytest.fixture
def setup(tmp_path):
    models = {"1": GatedModel("1"), "2": DemoModel("2")}
    models["1"].gate.set()
    store = tmp_path / "store"
    save_bundle(make_demo_bundle("2", n_families=30, seed=5), store)  # version 2 differs from version 1
    source = SwitchableSource(store, models)
    svc = demo_service(tmp_path, n_families=30, source=source)
    return svc, source, models


def first_family(client, svc) -> str:
    body = client.get(
        f"/v1/cohorts/{max(svc.bundle.families)}/families",
        params={"limit": 1},
        headers=svc.headers("analyst"),
    ).json()
    return body["families"][0]["family_id"]


def test_reload_swaps_model_and_lists_together(setup) -> None:
    svc, source, _ = setup
    with TestClient(svc.app) as client:
        before = first_family(client, svc)
        source.version = "2"
        r = client.post("/v1/admin/reload", headers=svc.headers("admin"))
        assert r.status_code == 200, r.text
        assert r.json()["version"] == "2" and r.json()["previous_version"] == "1"
        assert client.get("/v1/model", headers=svc.headers("analyst")).json()["version"] == "2"
        v2 = load_bundle("2", svc.store).families[max(svc.bundle.families)]
        after = first_family(client, svc)
        assert after == v2.sort_values("rank")["family_id"].iloc[0] != before
        assert client.get("/readyz").json()["model_version"] == "2"


@pytest.mark.parametrize(
    "failure",
    [NotReadyError("no champion is registered"), FileNotFoundError("store is missing"), RuntimeError("boom")],
)
def test_failed_reload_keeps_the_old_model_serving(setup, failure) -> None:
    svc, source, _ = setup
    with TestClient(svc.app) as client:
        source.fail = failure
        r = client.post("/v1/admin/reload", headers=svc.headers("admin"))
        assert r.status_code == 503
        assert str(failure) in r.json()["detail"] and "still serving model version 1" in r.json()["detail"]
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/model", headers=svc.headers("analyst")).json()["version"] == "1"
        assert (
            client.get(
                f"/v1/cohorts/{max(svc.bundle.families)}/families", headers=svc.headers("analyst")
            ).status_code
            == 200
        )


def test_malformed_bundle_is_refused_naming_the_problem(setup) -> None:
    svc, source, _ = setup
    bad = load_bundle("2", svc.store)
    year = max(bad.families)
    bad.families[year].loc[0, "reasons"] = "{not json"
    save_bundle(bad, svc.store)
    with TestClient(svc.app) as client:
        source.version = "2"
        r = client.post("/v1/admin/reload", headers=svc.headers("admin"))
        assert r.status_code == 503
        assert bad.families[year].loc[0, "family_id"] in r.json()["detail"] and "JSON" in r.json()["detail"]
        assert client.get("/v1/model", headers=svc.headers("analyst")).json()["version"] == "1"


def test_request_in_flight_finishes_on_the_old_model(setup) -> None:
    svc, source, models = setup
    gated = models["1"]
    gated.gate.clear()
    matrix = demo_matrix(gated, 5).to_csv(index=False).encode()
    result: dict = {}
    with TestClient(svc.app) as client:

        def score() -> None:
            result["r"] = client.post(
                "/v1/score", content=matrix, headers={**svc.headers("analyst"), "content-type": "text/csv"}
            )

        worker = threading.Thread(target=score)
        worker.start()
        assert gated.entered.wait(10)  # the scoring request is now inside the old model
        source.version = "2"
        reload = client.post("/v1/admin/reload", headers=svc.headers("admin"))
        assert reload.status_code == 200 and reload.json()["version"] == "2"
        gated.gate.set()
        worker.join(10)
        assert result["r"].status_code == 200
        assert result["r"].json()["model_version"] == "1"
        expected = DemoModel("1").predict_proba(demo_matrix(gated, 5).drop(columns="pupil_id"))
        got = [p["probability"] for p in result["r"].json()["predictions"]]
        assert got == pytest.approx(list(expected))
        later = client.post(
            "/v1/score", content=matrix, headers={**svc.headers("analyst"), "content-type": "text/csv"}
        )
        assert later.json()["model_version"] == "2"


def test_starts_without_a_model_and_says_how_to_train(tmp_path) -> None:
    svc = demo_service(tmp_path, n_families=20, source=StoredSource(DemoModel("7"), tmp_path / "store"))
    with TestClient(svc.app) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "version 7" in ready.json()["detail"] and "ontrack train" in ready.json()["detail"]
        lists = client.get("/v1/cohorts/2024/families", headers=svc.headers("analyst"))
        assert lists.status_code == 503 and "no model is loaded" in lists.json()["detail"]
        svc.app.state.services.state.source = StoredSource(svc.model, svc.store)  # a model is registered
        assert client.post("/v1/admin/reload", headers=svc.headers("admin")).status_code == 200
        assert client.get("/readyz").status_code == 200


def test_version_mismatch_between_model_and_lists_is_refused(tmp_path) -> None:
    svc = demo_service(
        tmp_path, n_families=20, source=StoredSource(DemoModel("9"), tmp_path / "store", version="1")
    )
    with TestClient(svc.app) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503 and "version 9" in ready.json()["detail"]
