"""Bootstrap intervals for the group metrics, resampling families and recomputing the selection.

Design choices:

* **Families are the resampling unit.** Siblings share a family score, a selection decision and
  much of their risk; resampling children would treat them as independent and give intervals that
  are too narrow.
* **The selection is recomputed in each resample** (the top k families of the resample), not held
  fixed. The thing being audited is a rule, "work with the k highest-scoring families", whose
  score cut-off depends on which families make up the cohort; another year's cohort drawn from the
  same population would move the cut-off. Recomputing carries that uncertainty into the intervals.
  Holding the selection fixed would also let the list size drift from the team's capacity k from
  one resample to the next (a resample can contain two copies of a selected family), which is
  not how the programme works. Recomputing keeps exactly k (copies of) families on every list.

* **Pooled cohorts are resampled separately** (a stratified bootstrap): each cohort keeps its
  own number of families and its own list of k, as the programme does year by year.

A resample is stored as integer family weights (how many copies of each family it drew). The
families are in ranking order, so the top k of a resample are found with a cumulative sum of
weights: a family's copies take list places `cum - w + 1 .. cum`; copies beyond place k are not
selected. Ties between copies of one family are exact, so no tie-break is needed beyond the
ranking's own (family_id).
"""

from __future__ import annotations

import numpy as np

from ontrack_model.fairness.counts import CountDesign, metrics_from_counts, weighted_counts

BLOCK_CELLS = 5_000_000  # resamples x families per block: ~40 MB per working array, whatever the cohort
MIN_DEFINED = 0.95  # below this share of defined resamples an interval is not reported


def family_weights(
    n_families: int, resamples: int, rng: np.random.Generator, starts: np.ndarray | None = None
) -> np.ndarray:
    """Copies of each family drawn by each resample (resamples x families): each cohort (from
    `starts`, default one cohort) draws as many families as it has, from its own families only."""
    bounds = np.append(np.zeros(1, dtype=np.int64) if starts is None else starts, n_families)
    weights = np.zeros((resamples, n_families))
    rows = np.arange(resamples)[:, None]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        n = int(hi - lo)
        # n draws with replacement, counted per family: a multinomial(n, 1/n each), ~5x faster than
        # rng.multinomial for large n
        drawn = rng.integers(0, n, size=(resamples, n)) + rows * n
        weights[:, lo:hi] = np.bincount(drawn.ravel(), minlength=resamples * n).reshape(resamples, n)
    return weights


def selected_weights(weights: np.ndarray, k: int, starts: np.ndarray | None = None) -> np.ndarray:
    """Copies of each family on its cohort's list of k; families must be in ranking order within
    each cohort, and cohorts start at `starts` (default: one cohort)."""
    cum = np.cumsum(weights, axis=1)
    before = cum - weights
    if starts is not None and len(starts) > 1:
        # Subtract the places taken by earlier cohorts, so each cohort's list starts at place 1.
        sizes = np.diff(np.append(starts, weights.shape[1]))
        taken = np.concatenate([np.zeros((weights.shape[0], 1)), cum[:, starts[1:] - 1]], axis=1)
        before = before - np.repeat(taken, sizes, axis=1)
    return np.clip(k - before, 0.0, weights)


def bootstrap_metrics(d: CountDesign, k: int, resamples: int, seed: int) -> dict[str, np.ndarray]:
    """Each published metric for every resample and group (resamples x groups)."""
    rng = np.random.default_rng(seed)
    n_families = d.children.shape[0]
    chunk = max(1, BLOCK_CELLS // max(n_families, 1))
    blocks: list[dict[str, np.ndarray]] = []
    for start in range(0, resamples, chunk):
        w = family_weights(n_families, min(chunk, resamples - start), rng, d.cohort_starts)
        selected = selected_weights(w, k, d.cohort_starts)
        blocks.append(metrics_from_counts(weighted_counts(d, w, selected), d.labelled))
    if not blocks:
        return {}
    return {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column; NaN where fewer than 95% of resamples define the value."""
    if samples.size == 0:
        nan = np.full(samples.shape[1:], np.nan)
        return nan, nan.copy()
    alpha = (1.0 - confidence) / 2.0
    defined = np.isfinite(samples).mean(axis=0)
    ok = defined >= MIN_DEFINED
    low = np.full(samples.shape[1:], np.nan)
    high = low.copy()
    if ok.any():
        q = np.nanquantile(samples[:, ok], [alpha, 1.0 - alpha], axis=0)
        low[ok], high[ok] = q[0], q[1]
    return low, high
