"""Confusion counts per group from family weights, and the group metrics derived from them.

Every count is linear in the family weights, so for B weightings of F families the counts of all
G groups are two (B x F) @ (F x G) products: this is what makes 1,000 bootstrap resamples cheap.
The same code with unit weights gives the cohort's own counts (used for suppression).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack_model.fairness.config import metric_names
from ontrack_model.fairness.inputs import PreparedCohort

OVERALL = ("overall", "all")  # a pseudo-group holding the whole cohort, last on the group axis
LABELLED_COUNTS = ("n", "sel", "unsel", "pos", "neg", "tp", "fp", "fn", "tn")
UNLABELLED_COUNTS = ("n", "sel", "unsel")


@dataclass(frozen=True)
class CountDesign:
    """Per-family child counts for every group of every audited attribute (F x G matrices)."""

    keys: list[tuple[str, str]]  # (attribute, group) for each column; the last is OVERALL
    children: np.ndarray  # F x G: children of family f in group g
    positives: np.ndarray  # F x G: of whom with label 1
    probability: np.ndarray  # F x G: sum of their predicted probabilities
    labelled: bool
    cohort_starts: np.ndarray  # position of each pooled cohort's first family ([0] for one cohort)

    def columns(self, attribute: str) -> np.ndarray:
        """Column indices of `attribute`'s groups, in the order of its labels."""
        return np.array([i for i, (a, _) in enumerate(self.keys) if a == attribute])


def design(prepared: PreparedCohort) -> CountDesign:
    """Build the family x group count matrices of a prepared cohort."""
    keys: list[tuple[str, str]] = []
    codes: list[np.ndarray] = []
    for spec in prepared.groups:
        codes.append(spec.codes + len(keys))
        keys += [(spec.attribute, lab) for lab in spec.labels]
    codes.append(np.full(len(prepared.frame), len(keys), dtype=np.int64))
    keys.append(OVERALL)
    fam = prepared.family_index
    label = prepared.frame["label"].to_numpy(dtype=float) if prepared.labelled else np.zeros(len(fam))
    prob = prepared.frame["probability"].to_numpy(dtype=float)
    shape = (prepared.n_families, len(keys))
    children, positives, probability = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for col in codes:
        np.add.at(children, (fam, col), 1.0)
        np.add.at(positives, (fam, col), label)
        np.add.at(probability, (fam, col), prob)
    return CountDesign(keys, children, positives, probability, prepared.labelled,
                       prepared.cohort_starts)


def weighted_counts(d: CountDesign, weights: np.ndarray, selected: np.ndarray) -> dict[str, np.ndarray]:
    """Counts per group (B x G) for family weights and selected family weights (both B x F)."""
    n = weights @ d.children
    sel = selected @ d.children
    out = {"n": n, "sel": sel, "unsel": n - sel, "prob": weights @ d.probability}
    if d.labelled:
        pos = weights @ d.positives
        tp = selected @ d.positives
        out |= {"pos": pos, "neg": n - pos, "tp": tp, "fp": sel - tp, "fn": pos - tp}
        out["tn"] = out["neg"] - out["fp"]
    return out


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan  # 0/0 and x/0 are undefined, never infinite
    return out


def metrics_from_counts(c: dict[str, np.ndarray], labelled: bool) -> dict[str, np.ndarray]:
    """The published group metrics (B x G each) from weighted counts; the last column is OVERALL."""
    total_sel = c["sel"][:, -1:]
    m = {
        "group_size": c["n"].astype(float),
        "selection_rate": _div(c["sel"], c["n"]),
        "list_share": _div(c["sel"], np.broadcast_to(total_sel, c["sel"].shape)),
        "mean_predicted": _div(c["prob"], c["n"]),
    }
    if labelled:
        m |= {
            "base_rate": _div(c["pos"], c["n"]),
            "precision": _div(c["tp"], c["sel"]),
            "recall": _div(c["tp"], c["pos"]),
            "fpr": _div(c["fp"], c["neg"]),
            "fnr": _div(c["fn"], c["pos"]),
            "fdr": _div(c["fp"], c["sel"]),
            "for": _div(c["fn"], c["unsel"]),
        }
        m["selection_to_need"] = _div(m["selection_rate"], m["base_rate"])
        m["predicted_to_observed"] = _div(m["mean_predicted"], m["base_rate"])
    return {name: m[name] for name in metric_names(labelled)}


def cohort_counts(d: CountDesign, prepared: PreparedCohort) -> dict[str, np.ndarray]:
    """The cohort's own counts per group (length G each)."""
    ones = np.ones((1, prepared.n_families))
    chosen = (prepared.within_cohort_rank < prepared.k).astype(float)[None, :]
    return {name: values[0] for name, values in weighted_counts(d, ones, chosen).items()}
