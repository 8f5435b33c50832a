"""End-to-end training on the synthetic world: MLflow run, registry, champion/challenger,
pyfunc contract, determinism and the error cases."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ontrack_model import liststore, tracking
from ontrack_model.cli import app
from ontrack_model.errors import ConfigError, TrackingError
from training.config import load_config
from training.pipeline import train

FAST = {
    "candidates": {
        "logistic_C": [1.0],
        "hgb": [{"learning_rate": 0.1, "max_leaf_nodes": 7, "max_iter": 60, "min_samples_leaf": 40}],
    },
    "validation": {"n_splits": 2, "min_train_years": 3},
    "audit_resamples": 50,
}


def fast_config(**overrides):
    data = load_config().model_dump() | FAST | overrides
    from training.config import TrainingConfig

    return TrainingConfig.model_validate(data)


@pytest.fixture(scope="module")
def mlflow_home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("mlflow")
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home / 'mlflow.db'}")
    mp.setenv(liststore.STORE_ENV, str(home / "store"))
    yield home
    mp.undo()


@pytest.fixture(scope="module")
def first_run(world_dir: Path, mlflow_home: Path):
    return train(world_dir, fast_config())


def test_run_registers_a_champion_with_artifacts(first_run, mlflow_home: Path) -> None:
    assert first_run.promoted and first_run.decision.startswith("promoted")
    client = mlflow.MlflowClient()
    mv = client.get_model_version_by_alias("ontrack-risk", "champion")
    assert str(mv.version) == first_run.version
    run = client.get_run(first_run.run_id)
    assert run.data.metrics["latest_precision_at_k"] == pytest.approx(
        first_run.challenger_latest["precision_at_k"]
    )
    assert any(k.startswith("fingerprint.") for k in run.data.tags)
    artifacts = {a.path for a in client.list_artifacts(first_run.run_id)}
    for expected in (
        "config.yaml",
        "fingerprints.json",
        "features.json",
        "feature_dictionary.csv",
        "precision_recall_at_k.png",
        "calibration_curve.png",
        "splits.png",
        "fairness.json",
        "model_card.md",
        "shap",
    ):
        assert expected in artifacts, expected
    # One child run per candidate, with metrics per validation cohort.
    children = client.search_runs(
        [run.info.experiment_id], f"tags.`mlflow.parentRunId` = '{first_run.run_id}'"
    )
    assert {c.info.run_name for c in children} >= {"random", "current_practice", "logistic_C1", "hgb_1"}


def test_bundle_stored_for_the_registered_version(first_run) -> None:
    bundle = liststore.load_bundle(first_run.version)
    fam = bundle.families[first_run.current_cohort]
    assert fam["rank"].tolist() == list(range(1, len(fam) + 1))
    assert fam["probability"].between(0, 1).all()
    reasons = json.loads(fam.iloc[0]["reasons"])
    assert reasons and all("_" not in r["text"] for r in reasons)
    assert "Model card" in bundle.model_card and bundle.fairness is not None


def test_pyfunc_returns_probabilities_and_rejects_wrong_columns(
    first_run, world_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "matrix.csv"
    result = CliRunner().invoke(
        app,
        ["features", "--data", str(world_dir), "--cohort", str(first_run.current_cohort), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    matrix = pd.read_csv(out)
    model = mlflow.pyfunc.load_model("models:/ontrack-risk@champion")
    probs = model.predict(matrix)["probability"].to_numpy()
    assert probs.shape == (len(matrix),) and np.all((probs > 0) & (probs < 1))
    stored = liststore.load_bundle(first_run.version).children[first_run.current_cohort]
    merged = stored.set_index("pupil_id")["probability"].reindex(matrix["pupil_id"]).to_numpy()
    np.testing.assert_allclose(probs, merged, rtol=1e-9)
    feature = [c for c in matrix.columns if c not in ("pupil_id", "family_id", "cohort", "label")][0]
    with pytest.raises(Exception, match=feature):
        model.predict(matrix.drop(columns=feature))
    with pytest.raises(Exception, match="surprise"):
        model.predict(matrix.assign(surprise=1.0))


def test_same_data_seed_config_give_same_model(first_run, world_dir: Path) -> None:
    again = train(world_dir, fast_config())
    assert again.chosen == first_run.chosen
    pd.testing.assert_frame_equal(again.summary, first_run.summary)
    a = liststore.load_bundle(first_run.version).families[first_run.current_cohort]
    b = liststore.load_bundle(again.version).families[again.current_cohort]
    pd.testing.assert_frame_equal(a, b)


def test_worse_challenger_is_not_promoted(
    first_run, world_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.pipeline as pipeline

    before = tracking.champion_version()
    # The champion is made to look perfect on the latest cohort, so any challenger is worse.
    monkeypatch.setattr(
        pipeline,
        "_champion_on_latest",
        lambda *a, **k: {"version": before, "precision_at_k": 1.0, "source": "test"},
    )
    result = train(world_dir, fast_config())
    assert not result.promoted and "not promoted" in result.decision
    assert tracking.champion_version() == before  # alias unchanged
    assert result.version != before  # but the challenger is registered, and its list stored
    assert liststore.load_bundle(result.version).families
    run = mlflow.MlflowClient().get_run(result.run_id)
    assert run.data.tags["champion_decision"] == result.decision
    assert run.data.metrics["champion_latest_precision_at_k"] == 1.0
    forced = train(world_dir, fast_config(), force=True)
    assert forced.promoted and tracking.champion_version() == forced.version
    tracking.set_champion(before)  # rollback
    assert tracking.champion_version() == before


@pytest.mark.parametrize(
    ("challenger", "champion", "tolerance", "force", "promoted"),
    [
        (0.30, None, 0.02, False, True),
        (0.30, 0.31, 0.02, False, True),
        (0.30, 0.33, 0.02, False, False),
        (0.30, 0.33, 0.02, True, True),
    ],
)
def test_decision_rule(challenger, champion, tolerance, force, promoted) -> None:
    from training.pipeline import _decide

    champ = None if champion is None else {"version": "1", "precision_at_k": champion}
    assert _decide(challenger, champ, tolerance, force)[0] is promoted


def test_too_few_labelled_cohorts_is_a_clear_error(world_dir: Path, mlflow_home: Path) -> None:
    with pytest.raises(ConfigError, match="labelled cohorts"):
        train(
            world_dir,
            fast_config(cohort={"horizon_years": 8}, validation={"n_splits": 3, "min_train_years": 3}),
        )


def test_unreachable_tracking_server(world_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(TrackingError, match="cannot reach"):
        train(world_dir, fast_config())


def test_cli_train_reports_errors_without_traceback(
    world_dir: Path, tmp_path: Path, mlflow_home: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("capacity: 0\n")
    result = CliRunner().invoke(app, ["train", "--data", str(world_dir), "--config", str(bad)])
    assert result.exit_code == 2
    assert "capacity" in result.output and "Traceback" not in result.output
