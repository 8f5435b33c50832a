"""MLflow: where runs are tracked, the scoring pipeline as one pyfunc model, and the registry.

The embedded default is SQLite under `mlruns/` (MLflow 3's plain file store is in maintenance
mode); `MLFLOW_TRACKING_URI` points a team at a tracking server instead. The registered model
`ontrack-risk` carries the alias `champion`; earlier versions stay registered for rollback.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ontrack_model.errors import TrackingError
from ontrack_model.models import ID_COLUMNS, FittedScorer

MODEL_NAME = "ontrack-risk"
CHAMPION = "champion"
DEFAULT_STORE_DIR = Path("mlruns")
DEFAULT_TRACKING_URI = f"sqlite:///{DEFAULT_STORE_DIR / 'mlflow.db'}"
PIP_REQUIREMENTS = [
    # Listed explicitly: inference would take seconds and pick up the test tools.
    "mlflow>=3.1",
    "scikit-learn>=1.5",
    "pandas>=2.2",
    "numpy>=2.0",
    "ontrack-model",  # this package (installed from the project, not from a registry)
]


def tracking_uri() -> str:
    """The tracking URI in force: $MLFLOW_TRACKING_URI, else the embedded SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def configure_tracking(uri: str | None = None) -> str:
    """Point MLflow at `uri` (or the default), creating the embedded store and checking it answers."""
    import mlflow

    uri = uri or tracking_uri()
    if uri == _checked_uri.get("uri") and mlflow.get_tracking_uri() == uri:
        return uri  # already pointed there and checked in this process
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    elif uri.startswith(("http://", "https://")):
        _check_server(uri)
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.search_experiments(max_results=1)
    except Exception as exc:  # noqa: BLE001 - any failure here means the store is unusable
        raise TrackingError(
            f"cannot reach the MLflow tracking store at {uri!r}: {type(exc).__name__}. "
            "Check MLFLOW_TRACKING_URI or start the tracking server."
        ) from None
    _checked_uri["uri"] = uri
    return uri


_checked_uri: dict[str, str] = {}


def _check_server(uri: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when a tracking server does not answer (MLflow retries for long)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout):  # noqa: S310
            return
    except urllib.error.HTTPError:
        return  # it answered: a server is there, even if /health is not its route
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingError(
            f"cannot reach the MLflow tracking server at {uri!r} ({reason}). "
            "Start it, or unset MLFLOW_TRACKING_URI to use the embedded store under mlruns/."
        ) from None


def ensure_experiment(name: str) -> str:
    """The experiment's id, creating it with artifacts under mlruns/artifacts for the local store."""
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    location = None
    uri = mlflow.get_tracking_uri()
    if uri.startswith("sqlite:///"):
        store = Path(uri.removeprefix("sqlite:///")).parent
        location = (store / "artifacts").resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


# --- The scoring pipeline as one pyfunc ---------------------------------------------------------

try:  # mlflow is a hard dependency, but keep import errors readable
    from mlflow.pyfunc import PythonModel
except ImportError as exc:  # pragma: no cover
    raise TrackingError("mlflow is not installed") from exc


class ScoringPipelineModel(PythonModel):
    """Feature matrix -> calibrated probability of entering care within the horizon."""

    def __init__(self, scorer: FittedScorer, feature_dictionary_version: str) -> None:
        self.scorer = scorer
        self.feature_dictionary_version = feature_dictionary_version

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        """Probabilities (column `probability`), one row per input row; rejects wrong columns."""
        if not isinstance(model_input, pd.DataFrame):
            model_input = pd.DataFrame(model_input)
        X = self.scorer.check_columns(model_input)
        return pd.DataFrame({"probability": self.scorer.predict_proba(X)}, index=model_input.index)


def model_signature():
    """Output: one `probability` column. Inputs are checked by the model itself (see below).

    MLflow's input-schema enforcement silently drops columns it does not know; for a risk model
    an unexpected column usually means a mistaken extract, so the pipeline's own check (exact
    feature set, optional id columns, clear error naming the columns) is the input contract. The
    feature list is stored in the model's metadata and shown by the input example.
    """
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    return ModelSignature(inputs=None, outputs=Schema([ColSpec("double", "probability")]))


def log_scoring_model(
    scorer: FittedScorer, input_example: pd.DataFrame, feature_dictionary_version: str, register: bool = True
):
    """Log the pipeline as a pyfunc in the active run and (optionally) register a new version."""
    import mlflow

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's notices about example conversion are noise here
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=ScoringPipelineModel(scorer, feature_dictionary_version),
            signature=model_signature(),
            input_example=input_example[scorer.feature_names].head(5),
            pip_requirements=PIP_REQUIREMENTS,
            registered_model_name=MODEL_NAME if register else None,
            metadata={
                "feature_dictionary_version": feature_dictionary_version,
                "feature_names": list(scorer.feature_names),
                "optional_id_columns": list(ID_COLUMNS),
            },
        )


# --- Registry -----------------------------------------------------------------------------------


@dataclass
class ChampionModel:
    """The model serving uses: its registry version, features and probability function."""

    version: str
    feature_names: list[str]
    scorer: FittedScorer
    feature_dictionary_version: str = ""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities; ModelInputError naming missing or extra columns."""
        return self.scorer.predict_proba(self.scorer.check_columns(frame))

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """Model scores (log-odds)."""
        return self.scorer.margin(self.scorer.check_columns(frame))


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


def champion_version(model_name: str = MODEL_NAME) -> str:
    """The registry version that carries the alias `champion` (TrackingError if none)."""
    configure_tracking()
    try:
        return str(_client().get_model_version_by_alias(model_name, CHAMPION).version)
    except Exception:  # noqa: BLE001 - MLflow raises its own exception types for "not found"
        raise TrackingError(
            f"no model {model_name!r} with alias '{CHAMPION}' in the registry at {tracking_uri()!r}: "
            "train one with `ontrack train --data DIR`"
        ) from None


def load_model_version(version: str, model_name: str = MODEL_NAME) -> ChampionModel:
    """Load one registered version's scoring pipeline."""
    import mlflow

    configure_tracking()
    try:
        pyfunc = mlflow.pyfunc.load_model(f"models:/{model_name}/{version}")
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(f"cannot load model {model_name!r} version {version}: {exc}") from None
    inner = pyfunc.unwrap_python_model()
    if not isinstance(inner, ScoringPipelineModel):
        raise TrackingError(f"model {model_name!r} version {version} is not an On Track scoring pipeline")
    return ChampionModel(
        version=str(version),
        feature_names=list(inner.scorer.feature_names),
        scorer=inner.scorer,
        feature_dictionary_version=inner.feature_dictionary_version,
    )


def load_champion(model_name: str = MODEL_NAME) -> ChampionModel:
    """Load the model version that carries the alias `champion`."""
    return load_model_version(champion_version(model_name), model_name)


def set_champion(version: str, model_name: str = MODEL_NAME) -> None:
    """Move the alias `champion` to `version` (the previous one stays registered)."""
    configure_tracking()
    client = _client()
    try:
        client.get_model_version(model_name, str(version))
    except Exception:  # noqa: BLE001
        raise TrackingError(f"model {model_name!r} has no version {version}") from None
    client.set_registered_model_alias(model_name, CHAMPION, str(version))


def list_model_versions(model_name: str = MODEL_NAME) -> pd.DataFrame:
    """Registered versions, newest first, with their run, creation time, aliases and key metrics."""
    configure_tracking()
    client = _client()
    try:
        versions = client.search_model_versions(f"name = '{model_name}'")
    except Exception:  # noqa: BLE001
        versions = []
    rows = []
    for mv in versions:
        metrics: dict[str, float] = {}
        if mv.run_id:
            try:
                metrics = client.get_run(mv.run_id).data.metrics
            except Exception:  # noqa: BLE001 - a deleted run should not hide the version
                metrics = {}
        rows.append(
            {
                "version": int(mv.version),
                "aliases": ",".join(getattr(mv, "aliases", []) or []),
                "run_id": mv.run_id,
                "created": pd.to_datetime(mv.creation_timestamp, unit="ms"),
                "precision_at_k": metrics.get("latest_precision_at_k"),
                "auc": metrics.get("latest_auc"),
            }
        )
    frame = pd.DataFrame(rows, columns=["version", "aliases", "run_id", "created", "precision_at_k", "auc"])
    return frame.sort_values("version", ascending=False).reset_index(drop=True)


def report_inputs_from_run(run_id: str):
    """The evaluator report's inputs from a training run (see `ontrack_model.run_report`)."""
    from ontrack_model.run_report import report_inputs_from_run as _from_run

    return _from_run(run_id)
