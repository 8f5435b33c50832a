"""The fairness audit of one cohort's list at capacity: group metrics, intervals, ratios, flags.

Only suppressed (publishable) figures are kept: the audit object never holds a count below the
threshold, so anything made from it — JSON, tables, the evaluator's report — is safe to publish.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ontrack_model.fairness.bootstrap import bootstrap_metrics, percentile_interval
from ontrack_model.fairness.config import METRIC_INFO, AuditConfig, metric_names
from ontrack_model.fairness.counts import CountDesign, cohort_counts, design
from ontrack_model.fairness.disparities import choose_reference, flag_direction, ratios
from ontrack_model.fairness.inputs import PreparedCohort, prepare
from ontrack_model.fairness.metrics import group_metrics
from ontrack_model.fairness.suppression import (
    PublishedCells,
    Suppression,
    exposed_beside,
    published_cells,
    suppress,
)

RECORD_FIELDS = (
    "attribute", "group", "metric", "value", "ci_low", "ci_high", "ratio", "ratio_ci_low",
    "ratio_ci_high", "reference_group", "suppressed", "flagged",
)
NUMBER_FIELDS = ("value", "ci_low", "ci_high", "ratio", "ratio_ci_low", "ratio_ci_high")


def _plain(value):
    """JSON-ready scalar: NaN -> None, numpy -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class FairnessAudit:
    """A publishable audit: one row per attribute x group x metric, plus settings, flags and notes."""

    settings: dict
    labelled: bool
    results: pd.DataFrame  # columns RECORD_FIELDS; suppressed rows hold no numbers
    notes: list[str] = field(default_factory=list)
    cohort: int | None = None

    @property
    def attributes(self) -> list[str]:
        """Audited attributes in order (single attributes, then intersections)."""
        return list(dict.fromkeys(self.results["attribute"]))

    @property
    def flags(self) -> list[dict]:
        """Every flagged ratio: attribute, group, metric, ratio and interval, reference, direction."""
        band = tuple(self.settings["band"])
        out = []
        for row in self.results[self.results["flagged"]].itertuples(index=False):
            out.append({
                "attribute": row.attribute,
                "group": row.group,
                "metric": row.metric,
                "ratio": _plain(row.ratio),
                "ratio_ci_low": _plain(row.ratio_ci_low),
                "ratio_ci_high": _plain(row.ratio_ci_high),
                "reference_group": row.reference_group,
                "direction": flag_direction(row.ratio_ci_low, row.ratio_ci_high, band),
            })
        return out

    def table(self, attribute: str) -> pd.DataFrame:
        """The rows of one attribute (group x metric), numbers as floats (NaN when suppressed)."""
        if attribute not in self.attributes:
            raise KeyError(f"attribute {attribute!r} was not audited; audited: {self.attributes}")
        rows = self.results[self.results["attribute"] == attribute]
        return rows.drop(columns="attribute").reset_index(drop=True)

    def to_records(self) -> list[dict]:
        """One JSON-ready dict per attribute x group x metric (None where absent or suppressed)."""
        return [
            {k: _plain(v) for k, v in zip(RECORD_FIELDS, row, strict=True)}
            for row in self.results[list(RECORD_FIELDS)].itertuples(index=False, name=None)
        ]

    def to_json(self) -> dict:
        """The whole audit as a JSON-ready dict: settings, flags, notes and records."""
        return {
            "cohort": self.cohort,
            "labelled": self.labelled,
            "settings": self.settings,
            "flags": self.flags,
            "notes": list(self.notes),
            "records": self.to_records(),
        }

    @classmethod
    def from_json(cls, data: dict) -> FairnessAudit:
        """Rebuild an audit from `to_json()` output (e.g. an MLflow artifact)."""
        results = pd.DataFrame(data["records"], columns=list(RECORD_FIELDS))
        for col in NUMBER_FIELDS:
            results[col] = pd.to_numeric(results[col]).astype(float)
        results["suppressed"] = results["suppressed"].astype(bool)
        results["flagged"] = results["flagged"].astype(bool)
        return cls(data["settings"], bool(data["labelled"]), results, list(data.get("notes", [])),
                   data.get("cohort"))


def _attribute_rows(
    prepared: PreparedCohort, spec, d, counts, supp, boot, config: AuditConfig, notes: list[str]
) -> list[dict]:
    cols = d.columns(spec.attribute)
    point = group_metrics(prepared, spec.attribute).reindex(spec.labels)
    ref_label, note = choose_reference(
        spec.attribute, spec.labels, counts["n"][cols], config.reference_groups.get(spec.attribute),
        config.reference_minimum,
    )
    if note:
        notes.append(note)
    ref = spec.labels.index(ref_label) if ref_label is not None else None
    rows: list[dict] = []
    hidden_ref: list[str] = []
    undefined: list[str] = []
    for metric in metric_names(prepared.labelled):
        info = METRIC_INFO[metric]
        values = point[metric].to_numpy(dtype=float)
        samples = boot[metric][:, cols] if boot else np.empty((0, len(cols)))
        low, high = percentile_interval(samples, config.confidence)
        hidden = supp.metric_mask(metric)[cols]
        nan = np.full(len(cols), np.nan)
        r, r_low, r_high, r_hidden = nan, nan, nan, np.ones(len(cols), dtype=bool)
        if info.has_ratio and ref is not None:
            r = ratios(values, ref)
            r_low, r_high = percentile_interval(ratios(samples, ref), config.confidence)
            r_hidden = hidden | hidden[ref]
            if hidden[ref]:
                hidden_ref.append(metric)
            elif not (np.isfinite(values[ref]) and values[ref] != 0):
                undefined.append(metric)
        for i, group in enumerate(spec.labels):
            show_ratio = not r_hidden[i]
            flagged = bool(
                info.flaggable and show_ratio and i != ref
                and flag_direction(r_low[i], r_high[i], config.band) is not None
            )
            rows.append({
                "attribute": spec.attribute,
                "group": group,
                "metric": metric,
                "value": np.nan if hidden[i] else values[i],
                "ci_low": np.nan if hidden[i] else low[i],
                "ci_high": np.nan if hidden[i] else high[i],
                "ratio": r[i] if show_ratio else np.nan,
                "ratio_ci_low": r_low[i] if show_ratio else np.nan,
                "ratio_ci_high": r_high[i] if show_ratio else np.nan,
                "reference_group": ref_label if info.has_ratio else None,
                "suppressed": bool(hidden[i]),
                "flagged": flagged,
            })
    if hidden_ref:
        notes.append(f"{spec.attribute}: ratios of {', '.join(hidden_ref)} are not shown because the "
                     f"reference group {ref_label!r} has a suppressed value")
    if undefined:
        notes.append(f"{spec.attribute}: ratios of {', '.join(undefined)} are undefined because the "
                     f"reference group {ref_label!r} has a value of 0")
    return rows


def _counted(frame: pd.DataFrame, k: int, config: AuditConfig) -> tuple[PreparedCohort, CountDesign, dict]:
    """The prepared cohort, its family x group design and its own counts per group."""
    prepared = prepare(frame, k, config)
    d = design(prepared)
    return prepared, d, cohort_counts(d, prepared)


def published_counts(frame: pd.DataFrame, k: int, config: AuditConfig) -> PublishedCells:
    """The counts an audit of this cohort publishes or hides, by (attribute, group): what a reader
    of that audit knows, for checking another table published beside it."""
    prepared, d, counts = _counted(frame, k, config)
    supp = _suppression(prepared, d, counts, config, beside=())
    return published_cells(counts, d.keys, supp, prepared.labelled)


def _suppression(prepared: PreparedCohort, d: CountDesign, counts: dict, config: AuditConfig,
                 beside: Sequence[PublishedCells]) -> Suppression:
    """Suppress the audit's counts, hiding as well any count that would reveal a hidden count of
    the tables published beside it (repeated until nothing changes)."""
    preset: dict[str, np.ndarray] = {}
    while True:
        supp = suppress(counts, d.keys, prepared.groups, prepared.labelled, config.suppress_below, preset)
        if not beside:
            return supp
        more = exposed_beside(counts, d.keys, supp.hidden, beside, config.suppress_below)
        if not any(mask.any() for mask in more.values()):
            return supp
        preset = {c: supp.hidden[c] | more.get(c, False) for c in supp.hidden}


def audit_cohort(
    frame: pd.DataFrame,
    k: int,
    config: AuditConfig = AuditConfig(),
    *,
    cohort: int | None = None,
    beside: Sequence[PublishedCells] = (),
) -> FairnessAudit:
    """Audit one cohort's list of the top k families (labelled: full audit; current: selection only).

    `beside`: the counts of other audits published with this one, whose sum this audit's counts are
    (a pooled audit beside each year's), so that no hidden count can be recovered by subtraction.
    """
    prepared, d, counts = _counted(frame, k, config)
    supp = _suppression(prepared, d, counts, config, beside)
    boot = bootstrap_metrics(d, prepared.k, config.resamples, config.seed) if config.resamples else {}
    notes: list[str] = []
    if prepared.k >= prepared.cohort_sizes.min():
        notes.append(f"capacity k = {prepared.k} is at least the cohort's number of families: everyone is "
                     "selected, so selection cannot differ between groups")
    if not config.resamples:
        notes.append("resamples = 0: no intervals, so nothing can be flagged")
    if not prepared.labelled:
        notes.append("current cohort: outcomes are not known yet, so only selection rates, shares of the "
                     "list and mean predicted probabilities are reported")
    rows: list[dict] = []
    for spec in prepared.groups:
        rows += _attribute_rows(prepared, spec, d, counts, supp, boot, config, notes)
    results = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    return FairnessAudit(config.settings(prepared.k), prepared.labelled, results, notes, cohort)
