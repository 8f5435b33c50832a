"""Reuse of one extract's prepared tables across calls (the training pipeline builds ~15 cohorts).

The prepared tables and cohort builders of the most recent extract are kept while that extract
object and each of its table objects are still the same objects; they are dropped as soon as the
extract is garbage-collected or another extract is used. Replacing a table (`extract.tables[name]
= ...`) invalidates them; editing a table's values in place does not, so build a new `Extract`
after changing data.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

from ontrack_model.cohorts import CohortBuilder, CohortConfig
from ontrack_model.extract import Extract
from ontrack_model.features.events import PreparedTables, prepare_tables


@dataclass
class _Slot:
    extract: weakref.ref
    tables: dict[str, weakref.ref]
    cohorts: dict[CohortConfig, CohortBuilder] = field(default_factory=dict)
    prepared: PreparedTables | None = None

    def holds(self, extract: Extract) -> bool:
        if self.extract() is not extract or set(self.tables) != set(extract.tables):
            return False
        return all(ref() is extract.tables[name] for name, ref in self.tables.items())


_slot: _Slot | None = None
_lock = threading.Lock()


def _forget(_ref: weakref.ref) -> None:
    global _slot
    if _slot is not None and _slot.extract is _ref:
        _slot = None


def _current(extract: Extract) -> _Slot:
    global _slot
    if _slot is None or not _slot.holds(extract):
        _slot = _Slot(weakref.ref(extract, _forget), {n: weakref.ref(t) for n, t in extract.tables.items()})
    return _slot


def prepared_for(extract: Extract, cohort_config: CohortConfig) -> tuple[CohortBuilder, PreparedTables]:
    """The cohort builder and prepared tables of `extract`, made once per extract and configuration."""
    with _lock:
        slot = _current(extract)
        if cohort_config not in slot.cohorts:
            slot.cohorts[cohort_config] = CohortBuilder(extract, cohort_config)
        cohorts = slot.cohorts[cohort_config]
        if slot.prepared is None:  # care periods do not depend on the cohort configuration
            slot.prepared = prepare_tables(extract, cohorts.care_periods)
        return cohorts, slot.prepared


def clear() -> None:
    """Drop the kept tables now (they are dropped anyway when their extract is collected)."""
    global _slot
    with _lock:
        _slot = None
