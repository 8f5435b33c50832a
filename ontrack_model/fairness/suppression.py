"""Small-cell suppression for published audits: primary, complementary and derived.

Every published figure rests on counts of children: group size, on the list or not, with the
outcome or not, and the four cells of the confusion table. A count below the threshold is
suppressed (primary). Because published rates and group sizes let a reader recover counts by
subtraction, a count is also suppressed when it could be recovered from the others through an
additive relation (complementary suppression):

* within a group: n = sel + unsel = pos + neg, sel = tp + fp, unsel = fn + tn, pos = tp + fn, ...;
* across an attribute's groups: the cohort's count is the sum of its groups' counts;
* across an intersection's groups: a single group's count is the sum of its intersection groups;
* across tables: a pooled audit's count is the sum of the same count in each year's audit, which
  is published beside it (`exposed_beside`).

In each relation, if exactly one cell is hidden, or the hidden parts add up to less than the
threshold, the smallest visible part is hidden too (or the total, when every part is hidden),
until nothing changes. A metric is then suppressed when any count it reveals is suppressed, and a
ratio when either of its metrics is. This is the usual statistical-disclosure heuristic; it does
not defend against every linear-programming attack on many overlapping tables, so keep the
threshold and the number of intersections modest for published reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ontrack_model.fairness.counts import LABELLED_COUNTS, OVERALL, UNLABELLED_COUNTS
from ontrack_model.fairness.inputs import GroupSpec

# the counts a published metric would let a reader recover (given the group sizes)
METRIC_REVEALS: dict[str, tuple[str, ...]] = {
    "group_size": ("n",),
    "base_rate": ("n", "pos", "neg"),
    "selection_rate": ("n", "sel", "unsel"),
    "list_share": ("sel",),  # and the cohort's total on the list: see metric_mask
    "selection_to_need": ("n", "sel", "unsel", "pos", "neg"),
    "precision": ("sel", "tp", "fp"),
    "fdr": ("sel", "tp", "fp"),
    "recall": ("pos", "tp", "fn"),
    "fnr": ("pos", "tp", "fn"),
    "fpr": ("neg", "fp", "tn"),
    "for": ("unsel", "fn", "tn"),
    "mean_predicted": ("n",),
    "predicted_to_observed": ("n", "pos", "neg"),
}
WITHIN_GROUP = (
    ("n", ("sel", "unsel")),
    ("n", ("pos", "neg")),
    ("sel", ("tp", "fp")),
    ("unsel", ("fn", "tn")),
    ("pos", ("tp", "fn")),
    ("neg", ("fp", "tn")),
)

Cell = tuple[str, int]  # (count name, group column)


@dataclass(frozen=True)
class Suppression:
    """Which counts (per group column) are hidden, and so which metrics must be."""

    hidden: dict[str, np.ndarray]  # count name -> bool per group column
    overall: int  # column of the whole cohort

    def metric_mask(self, metric: str) -> np.ndarray:
        """True for each group column whose value of `metric` must not be published."""
        mask = np.zeros_like(self.hidden["n"])
        for name in METRIC_REVEALS[metric]:
            mask |= self.hidden[name]
        if metric == "list_share":
            mask |= self.hidden["sel"][self.overall]
        return mask


def _relations(keys: list[tuple[str, str]], specs: list[GroupSpec], names: tuple[str, ...]):
    """Every additive relation total = sum(parts) between published counts."""
    index = {key: i for i, key in enumerate(keys)}
    overall = index[OVERALL]
    rels: list[tuple[Cell, list[Cell]]] = []
    for g in range(len(keys)):
        rels += [((t, g), [(p, g) for p in parts]) for t, parts in WITHIN_GROUP
                 if t in names and set(parts) <= set(names)]
    single = {s.attribute for s in specs if s.components is None}
    for spec in specs:
        cols = [index[(spec.attribute, lab)] for lab in spec.labels]
        rels += [((c, overall), [(c, g) for g in cols]) for c in names]
        for pos, parent in enumerate(spec.parents):
            if parent not in single:
                continue
            by_value: dict[str, list[int]] = {}
            for lab in spec.labels:
                by_value.setdefault(spec.components[lab][pos], []).append(index[(spec.attribute, lab)])
            for value, parts in by_value.items():
                rels += [((c, index[(parent, value)]), [(c, g) for g in parts]) for c in names]
    return rels, overall


def suppress(
    counts: dict[str, np.ndarray],
    keys: list[tuple[str, str]],
    specs: list[GroupSpec],
    labelled: bool,
    threshold: int,
    preset: dict[str, np.ndarray] | None = None,
) -> Suppression:
    """Primary and complementary suppression of the cohort's counts (each a value per group column);
    `preset` marks further counts to hide from the start (e.g. found by `exposed_beside`)."""
    names = LABELLED_COUNTS if labelled else UNLABELLED_COUNTS
    hidden = {c: np.asarray(counts[c]) < threshold for c in names}
    for c, mask in (preset or {}).items():
        if c in hidden:
            hidden[c] = hidden[c] | mask
    rels, overall = _relations(keys, specs, names)

    def value(cell: Cell) -> float:
        return float(counts[cell[0]][cell[1]])

    changed = True
    while changed:
        changed = False
        for total, parts in rels:
            hid = [p for p in parts if hidden[p[0]][p[1]]]
            shown = [p for p in parts if not hidden[p[0]][p[1]]]
            if hidden[total[0]][total[1]]:
                exposed = not hid  # the total is the sum of visible parts
            else:
                exposed = len(hid) == 1 or (bool(hid) and sum(map(value, hid)) < threshold)
            if not exposed:
                continue
            if shown:
                name, col = min(shown, key=lambda cell: (value(cell), cell[1]))
            elif not hidden[total[0]][total[1]]:
                name, col = total
            else:
                continue
            hidden[name][col] = True
            changed = True
    if not labelled:  # metrics that need labels are not published; keep metric_mask total
        hidden |= {c: np.zeros_like(hidden["n"]) for c in LABELLED_COUNTS if c not in hidden}
    return Suppression(hidden, overall)


PublishedCells = dict[tuple[str, str], dict[str, tuple[float, bool]]]  # key -> count -> (value, hidden)


def published_cells(counts: dict[str, np.ndarray], keys: list[tuple[str, str]], supp: Suppression,
                    labelled: bool) -> PublishedCells:
    """Each group's counts and whether each is hidden, keyed by (attribute, group)."""
    names = LABELLED_COUNTS if labelled else UNLABELLED_COUNTS
    return {key: {c: (float(counts[c][i]), bool(supp.hidden[c][i])) for c in names}
            for i, key in enumerate(keys)}


def exposed_beside(
    counts: dict[str, np.ndarray],
    keys: list[tuple[str, str]],
    hidden: dict[str, np.ndarray],
    parts: Sequence[PublishedCells],
    threshold: int,
) -> dict[str, np.ndarray]:
    """Visible pooled counts that would reveal hidden counts of the tables in `parts`.

    A pooled count is the sum of the parts' counts, so a reader can subtract the visible parts: if
    exactly one part is hidden, or the hidden parts add up to less than the threshold, the pooled
    count must be hidden too. A group missing from a part counts as a visible 0.
    """
    out = {c: np.zeros(len(keys), dtype=bool) for c in hidden}
    for i, key in enumerate(keys):
        for c in hidden:
            if hidden[c][i]:
                continue
            hid = [cells[key][c][0] for cells in parts if key in cells and cells[key][c][1]]
            out[c][i] = bool(hid) and (len(hid) == 1 or sum(hid) < threshold)
    return out
