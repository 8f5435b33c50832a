"""Audits across cohorts: each year's, the validation years pooled, and the trend of disparities.

One year's list holds ~100 families, so a group of a few hundred children contributes a handful of
selections and outcomes: per-year intervals are wide and small cells are suppressed. Pooling the
validation years (each keeping its own list of k) is how an evaluator gets the power to see a
real disparity; the per-year audits then show whether it is steady.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ontrack_model.errors import ConfigError
from ontrack_model.fairness.audit import RECORD_FIELDS, FairnessAudit, audit_cohort, published_counts
from ontrack_model.fairness.config import METRIC_INFO, AuditConfig
from ontrack_model.fairness.disparities import choose_reference
from ontrack_model.fairness.inputs import group_specs, pool_cohorts


def stable_references(frames: Mapping[int, pd.DataFrame], config: AuditConfig) -> dict[str, str]:
    """Reference groups chosen once on all cohorts pooled, so ratios compare across years."""
    pooled = pd.concat([f[config.columns] for f in frames.values()], ignore_index=True)
    chosen = dict(config.reference_groups)
    for spec in group_specs(pooled, config):
        if spec.attribute in chosen:
            continue
        sizes = np.bincount(spec.codes, minlength=len(spec.labels))
        ref, _ = choose_reference(spec.attribute, spec.labels, sizes, None, config.reference_minimum)
        if ref is not None:
            chosen[spec.attribute] = ref
    return chosen


def trend_table(audits: Mapping[int, FairnessAudit | dict]) -> pd.DataFrame:
    """All audits' rows stacked with a `cohort` column (audits may be objects or their JSON)."""
    parts = []
    for year, audit in sorted(audits.items()):
        if isinstance(audit, dict):
            audit = FairnessAudit.from_json(audit)
        parts.append(audit.results.assign(cohort=int(year)))
    if not parts:
        return pd.DataFrame(columns=["cohort", *RECORD_FIELDS])
    return pd.concat(parts, ignore_index=True)[["cohort", *RECORD_FIELDS]]


def audit_pooled(
    frames: Mapping[int, pd.DataFrame], k: int, config: AuditConfig = AuditConfig()
) -> FairnessAudit:
    """Audit several labelled cohorts together, each with its own list of the top k families.

    The pooled audit is safe to publish beside each year's: a pooled count that would reveal a
    year's suppressed count by subtraction is suppressed too.
    """
    if len(frames) < 2:
        raise ConfigError(f"a pooled audit needs two or more cohorts, got {sorted(frames)}")
    years = sorted(int(y) for y in frames)
    beside = [published_counts(frames[y], k, config) for y in years]
    audit = audit_cohort(pool_cohorts(dict(frames)), k, config, beside=beside)
    settings = {**audit.settings, "cohorts": years,
                "pooling": "each cohort keeps its own list of the top k families; families are "
                           "resampled within their cohort"}
    note = (f"cohorts {', '.join(map(str, years))} pooled: {len(years)} lists of {k} families "
            f"({len(years) * k} places)")
    return dataclasses.replace(audit, settings=settings, notes=[note, *audit.notes])


def audit_cohorts(
    frames: Mapping[int, pd.DataFrame], k: int | Mapping[int, int], config: AuditConfig = AuditConfig()
) -> dict:
    """Audit each cohort (year -> frame) at capacity k, and the labelled cohorts pooled.

    Returns {"audits": {year: FairnessAudit}, "pooled": FairnessAudit | None, "trend": DataFrame,
    "flags": [flag + "cohort"], "json": JSON-ready dict of all of it}. "pooled" needs two or more
    labelled cohorts with the same k; its flags carry "cohort": "pooled".
    """
    if not frames:
        raise ConfigError("audit_cohorts needs at least one cohort")
    capacity = dict(k) if isinstance(k, Mapping) else {year: k for year in frames}
    missing = sorted(set(frames) - set(capacity))
    if missing:
        raise ConfigError(f"no capacity k given for cohort(s) {missing}")
    config = dataclasses.replace(config, reference_groups=stable_references(frames, config))
    audits = {y: audit_cohort(frames[y], capacity[y], config, cohort=y) for y in sorted(frames)}
    labelled = {y: frames[y] for y, a in audits.items() if a.labelled}
    pooled = None
    if len(labelled) >= 2 and len({capacity[y] for y in labelled}) == 1:
        pooled = audit_pooled(labelled, capacity[next(iter(labelled))], config)
    flags = [{"cohort": year, **flag} for year, audit in audits.items() for flag in audit.flags]
    flags += [{"cohort": "pooled", **flag} for flag in (pooled.flags if pooled is not None else [])]
    out_json = {"audits": {str(y): a.to_json() for y, a in audits.items()}, "flags": flags}
    if pooled is not None:
        out_json["pooled"] = pooled.to_json()
    return {"audits": audits, "pooled": pooled, "trend": trend_table(audits), "flags": flags,
            "json": out_json}


def plot_trend(
    trend: pd.DataFrame,
    attribute: str,
    metric: str = "selection_rate",
    band: tuple[float, float] = (0.8, 1.25),
) -> Figure:
    """Ratio to the reference group by cohort, one line per group, with intervals and the band shaded."""
    rows = trend[(trend["attribute"] == attribute) & (trend["metric"] == metric)]
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.subplots()
    ax.axhspan(band[0], band[1], color="0.9", label=f"parity band {band[0]:g}–{band[1]:g}")
    ax.axhline(1.0, color="0.5", linewidth=0.8)
    years = sorted(trend["cohort"].unique()) if len(trend) else []
    for group, g in rows.groupby("group", sort=True):
        g = g.set_index("cohort").reindex(years)
        shown = g["ratio"].notna()
        if not shown.any():
            continue  # suppressed or undefined in every year: nothing to draw
        x = np.array(years)[shown.to_numpy()]
        y = g.loc[shown, "ratio"].to_numpy(dtype=float)
        lo = np.nan_to_num(y - g.loc[shown, "ratio_ci_low"].to_numpy(dtype=float))
        hi = np.nan_to_num(g.loc[shown, "ratio_ci_high"].to_numpy(dtype=float) - y)
        ax.errorbar(x, y, yerr=[lo, hi], marker="o", capsize=3, label=str(group))
    ax.set_xticks(years)
    ax.set_xlabel("cohort (Year 6 in)")
    ax.set_ylabel(f"{METRIC_INFO[metric].label}: ratio to reference")
    ax.set_title(f"{attribute}: {METRIC_INFO[metric].label.lower()} relative to the reference group")
    ax.legend(fontsize="small", loc="best")
    return fig
