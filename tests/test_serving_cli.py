"""`ontrack users`, `ontrack audit-log` and `ontrack serve` (with uvicorn replaced by a recorder)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ontrack_model.cli import app
from serving.db import Database
from serving.users import list_users, user_for_token

runner = CliRunner()


def tokens_in(output: str) -> list[str]:
    return re.findall(r"token: (ot_[A-Za-z0-9_-]+)", output)


def test_users_add_prints_a_working_token_once(tmp_path) -> None:
    db = tmp_path / "s.sqlite3"
    r = runner.invoke(
        app, ["users", "add", "amir.k", "--role", "practitioner", "--borough", "LBHF", "--db", str(db)]
    )
    assert r.exit_code == 0, r.output
    (token,) = tokens_in(r.output)
    user = user_for_token(Database(db), token)
    assert (user.name, user.role, user.borough) == ("amir.k", "practitioner", "LBHF")
    listed = runner.invoke(app, ["users", "list", "--db", str(db)])
    assert "amir.k" in listed.output and "LBHF" in listed.output and token not in listed.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["users", "add", "x1", "--role", "practitioner"], "--borough"),
        (["users", "add", "x1", "--role", "boss"], "role"),
        (["users", "add", "x1", "--role", "evaluator", "--borough", "LBHF"], "--borough"),
        (["users", "add", "no spaces", "--role", "admin"], "login"),
        (["users", "revoke", "nobody"], "nobody"),
        (["audit-log", "--since", "last week"], "--since"),
    ],
)
def test_bad_user_commands_exit_2_with_a_reason(tmp_path, args, words) -> None:
    r = runner.invoke(app, [*args, "--db", str(tmp_path / "s.sqlite3")])
    assert r.exit_code == 2
    assert words in r.output and "Traceback" not in r.output


def test_duplicate_user_and_revoke(tmp_path) -> None:
    db = str(tmp_path / "s.sqlite3")
    first = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--db", db])
    again = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--db", db])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, ["users", "revoke", "ana", "--db", db]).exit_code == 0
    assert user_for_token(Database(db), tokens_in(first.output)[0]) is None
    assert "revoked" in runner.invoke(app, ["users", "list", "--db", db]).output


def test_users_demo_makes_one_user_per_role(tmp_path) -> None:
    db = str(tmp_path / "s.sqlite3")
    r = runner.invoke(app, ["users", "demo", "--db", db])
    assert r.exit_code == 0
    tokens = tokens_in(r.output)
    users = [user_for_token(Database(db), t) for t in tokens]
    assert sorted(u.role for u in users) == ["admin", "analyst", "evaluator", "practitioner"]
    assert next(u for u in users if u.role == "practitioner").borough == "LBHF"
    rerun = tokens_in(runner.invoke(app, ["users", "demo", "--db", db]).output)
    assert set(rerun).isdisjoint(tokens) and len(list_users(Database(db))) == 4
    assert all(user_for_token(Database(db), t) is None for t in tokens)  # old demo tokens stop working


def test_audit_log_command_lists_entries(tmp_path) -> None:
    from serving.demo import demo_service

    svc = demo_service(tmp_path, n_families=20)
    with TestClient(svc.app) as client:
        fid = svc.bundle.families[max(svc.bundle.families)]["family_id"].iloc[0]
        client.get(f"/v1/families/{fid}", headers=svc.headers("analyst"))
    db = str(svc.app.state.services.db.path)
    r = runner.invoke(app, ["audit-log", "--since", "2000-01-01", "--db", db])
    assert r.exit_code == 0 and fid in r.output and "analyst" in r.output
    assert (
        "No access-log entries"
        in runner.invoke(app, ["audit-log", "--since", "2999-01-01", "--db", db]).output
    )


def test_serve_starts_without_a_model_and_says_how_to_train(tmp_path, monkeypatch) -> None:
    import sys
    import types

    import uvicorn

    from ontrack_model.errors import TrackingError

    def no_champion(model_name: str = "ontrack-risk"):
        raise TrackingError(f"model {model_name!r} has no version with the alias 'champion'")

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    # A stand-in registry module (the real one imports MLflow, which takes seconds to load).
    registry = types.ModuleType("ontrack_model.tracking")
    registry.load_champion = no_champion
    monkeypatch.setitem(sys.modules, "ontrack_model.tracking", registry)
    r = runner.invoke(
        app,
        ["serve", "--port", "8123", "--db", str(tmp_path / "s.sqlite3"), "--store", str(tmp_path / "store")],
    )
    assert r.exit_code == 0, r.output
    assert started["host"] == "127.0.0.1" and started["port"] == 8123
    with TestClient(started["app"]) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "champion" in ready.json()["detail"] and "ontrack train" in ready.json()["detail"]
