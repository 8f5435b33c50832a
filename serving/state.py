"""The loaded model and its ranked lists, swapped atomically on reload.

A request takes one `Snapshot` at its start and uses only that, so a reload never mixes one
version's model with another's lists, and requests in flight finish on the version they began
with. A reload builds the new snapshot completely before one reference assignment publishes it;
if building fails the old snapshot keeps serving and the error says why.
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass

from ontrack_model.liststore import ModelBundle
from serving.db import utc_now
from serving.errors import NotReadyError
from serving.lists import RankedLists
from serving.model_source import TRAIN_HINT, ModelSource, ScoringModel

log = logging.getLogger("serving.state")


class ReloadError(Exception):
    """A reload failed; the previous snapshot (if any) is still serving."""


@dataclass(frozen=True)
class Snapshot:
    """One consistent model version: the model, its bundle and the prepared lists."""

    model: ScoringModel
    bundle: ModelBundle
    lists: RankedLists
    loaded_at: str

    @property
    def version(self) -> str:
        """The model version both the model and the lists belong to."""
        return str(self.bundle.version)


def build_snapshot(model: ScoringModel, bundle: ModelBundle) -> Snapshot:
    """Check that `model` and `bundle` belong together and prepare the lists."""
    if str(model.version) != str(bundle.version):
        raise NotReadyError(
            f"the model is version {model.version} but the ranked lists are for version {bundle.version}"
        )
    names = list(getattr(model, "feature_names", []) or [])
    if not names:
        raise NotReadyError(f"model version {model.version} does not name its feature columns")
    return Snapshot(model=model, bundle=bundle, lists=RankedLists.from_bundle(bundle), loaded_at=utc_now())


def _settle_memory() -> None:
    """Exempt the long-lived lists from garbage-collector scans.

    A loaded bundle is a few hundred thousand Python objects; without this, each full collection
    walks them all and stalls every request in flight for tens to hundreds of milliseconds.
    Unfreezing first lets a replaced snapshot's cyclic garbage be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class ServingState:
    """Holds the current snapshot and reloads it from a `ModelSource`."""

    def __init__(self, source: ModelSource) -> None:
        self.source = source
        self._current: Snapshot | None = None
        self._reload_lock = threading.Lock()  # one reload at a time; readers never wait on it
        self.last_error: str | None = None

    @property
    def current(self) -> Snapshot | None:
        """The snapshot now serving, or None before the first successful load."""
        return self._current

    def snapshot(self) -> Snapshot:
        """The snapshot now serving (NotReadyError saying why if none is loaded)."""
        snap = self._current
        if snap is None:
            why = self.last_error or "the model is still loading"
            raise NotReadyError(f"no model is loaded: {why}")
        return snap

    def reload(self) -> Snapshot:
        """Load the source's model and lists and publish them; on failure keep serving the old ones."""
        with self._reload_lock:
            try:
                model, bundle = self.source.load()
                snap = build_snapshot(model, bundle)
            except Exception as exc:  # any failure must leave the old snapshot serving
                reason = str(exc) or type(exc).__name__
                self.last_error = reason
                old = self._current
                if old is not None:
                    keep = f"still serving model version {old.version}"
                else:
                    keep = "nothing is served" + ("" if "ontrack train" in reason else f"; {TRAIN_HINT}")
                message = f"reload failed: {reason}; {keep}"
                log.warning("%s", message)
                raise ReloadError(message) from exc
            self._current = snap  # one reference assignment: atomic for every reader
            self.last_error = None
            _settle_memory()
            log.info("serving model version %s (%d cohorts)", snap.version, len(snap.lists.years))
            return snap
