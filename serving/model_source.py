"""Where the service gets its model and ranked lists: the registry's champion, or a fixed pair."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ontrack_model.liststore import ModelBundle, load_bundle, store_root, stored_versions
from serving.errors import NotReadyError

TRAIN_HINT = (
    "train and register one with `ontrack train`, which also stores its ranked lists; "
    "then POST /v1/admin/reload or restart the service"
)


@runtime_checkable
class ScoringModel(Protocol):
    """What serving needs of a model: its version, its input columns and probabilities."""

    version: str
    feature_names: list[str]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of the outcome for each row of `frame` (columns = feature_names)."""
        ...


class ModelSource(Protocol):
    """Something that loads a model together with the ranked lists made by that same model."""

    def load(self) -> tuple[ScoringModel, ModelBundle]:
        """The model and its bundle; raises with a message saying why if either is unavailable."""
        ...


class ChampionSource:
    """The registry's champion model (alias `champion`) and the bundle stored for its version."""

    def __init__(self, model_name: str = "ontrack-risk", store: str | Path | None = None) -> None:
        self.model_name = model_name
        self.store = store

    def load(self) -> tuple[ScoringModel, ModelBundle]:
        """Load the current champion, then the ranked lists stored for its version."""
        try:
            from ontrack_model.tracking import load_champion
        except ImportError as exc:  # the registry module ships with training; say so plainly
            raise NotReadyError(f"the model registry is not available ({exc}); {TRAIN_HINT}") from None
        champion = load_champion(self.model_name)
        try:
            bundle = load_bundle(str(champion.version), self.store)
        except FileNotFoundError as exc:
            raise NotReadyError(f"{exc}; {TRAIN_HINT}") from None
        return champion, bundle


class StoredSource:
    """A fixed model object with a bundle from the store (demos, tests and benchmarks)."""

    def __init__(
        self, model: ScoringModel, store: str | Path | None = None, version: str | None = None
    ) -> None:
        self.model = model
        self.store = store
        self.version = version

    def load(self) -> tuple[ScoringModel, ModelBundle]:
        """The fixed model and the bundle of `version` (default: the model's own version)."""
        version = self.version or str(self.model.version)
        if version not in stored_versions(self.store):
            raise NotReadyError(
                f"no ranked lists stored for model version {version} in {store_root(self.store)}; "
                + TRAIN_HINT
            )
        return self.model, load_bundle(version, self.store)
