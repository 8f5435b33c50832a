"""The report's tables as simple view models (caption, header, rows of cells) ready for the template.

The performance and calibration tables get the same small-cell rule as the audit: a row whose
figures would reveal a count of families or children below the threshold is shown as [c].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ontrack_model.fairness.audit import FairnessAudit
from ontrack_model.fairness.config import METRIC_INFO
from ontrack_model.fairness.display import SUPPRESSED, interval, number, ratio_cell

VALUE_METRICS = ("group_size", "base_rate", "selection_rate", "list_share", "selection_to_need",
                 "mean_predicted", "predicted_to_observed")
ERROR_METRICS = ("precision", "recall", "fpr", "fnr", "fdr", "for")
CURRENT_METRICS = ("group_size", "selection_rate", "list_share", "mean_predicted")
CAPACITY_LABELS = {
    "k": "Capacity k (families)",
    "k_share": "k as a share of the cohort's families",
    "precision_at_k": "Precision at k (families)",
    "recall_at_k": "Recall at k (families)",
    "lift_at_k": "Lift at k",
    "base_rate": "Base rate (families)",
    "auc": "ROC AUC",
    "average_precision": "Average precision",
    "brier": "Brier score",
    "ece": "Expected calibration error",
    "n_families": "Families in the cohort",
    "n_positive_families": "Families with the outcome",
}
COUNT_KEYS = ("k", "n_families", "n_positive_families")


@dataclass
class Cell:
    """One table cell: main text, an optional second line, and whether it carries a flag."""

    text: str
    sub: str = ""
    flagged: bool = False


@dataclass
class HtmlTable:
    """A captioned table; the first column holds row headers."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)
    numeric: bool = True  # right-align the cells (figures) rather than left (text)


def _fmt(x: float, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _small(*counts: float, threshold: int) -> bool:
    return any(not np.isfinite(c) or round(c) < threshold for c in counts)


def performance_table(curve: pd.DataFrame, capacity: int, threshold: int) -> tuple[HtmlTable, pd.DataFrame]:
    """Precision and recall at each k, rows suppressed where a count of families is small."""
    published = curve[["k", "precision", "recall"]].astype(float).copy()
    rows = []
    for i, r in published.iterrows():
        hits = r["precision"] * r["k"]
        total = hits / r["recall"] if r["recall"] > 0 else float("nan")
        hide = _small(hits, r["k"] - hits, total - hits, threshold=threshold)
        if hide:
            published.loc[i, ["precision", "recall"]] = np.nan
        mark = " (capacity)" if int(r["k"]) == capacity else ""
        rows.append([Cell(f"{int(r['k'])}{mark}"),
                     Cell(SUPPRESSED if hide else _fmt(r["precision"])),
                     Cell(SUPPRESSED if hide else _fmt(r["recall"]))])
    table = HtmlTable("Precision and recall of the list at k families", ["k", "Precision", "Recall"], rows)
    return table, published


def capacity_table(metrics: dict[str, float], threshold: int) -> HtmlTable:
    """The metrics at the team's capacity, with family counts below the threshold suppressed."""
    k = float(metrics.get("k", float("nan")))
    precision = float(metrics.get("precision_at_k", float("nan")))
    positives = float(metrics.get("n_positive_families", float("nan")))
    hits = precision * k
    # precision, recall and lift at k reveal the hits and misses among the k families
    hide_k = _small(hits, k - hits, positives - hits, threshold=threshold) if np.isfinite(hits) else False
    rows = []
    for key, value in metrics.items():
        label = CAPACITY_LABELS.get(key, key.replace("_", " "))
        if key in ("precision_at_k", "recall_at_k", "lift_at_k") and hide_k:
            text = SUPPRESSED
        elif key in COUNT_KEYS:
            small = key == "n_positive_families" and _small(value, threshold=threshold)
            text = SUPPRESSED if small else f"{value:,.0f}" if np.isfinite(value) else "–"
        elif key == "base_rate" and _small(positives, threshold=threshold):
            text = SUPPRESSED
        else:
            text = _fmt(float(value))
        rows.append([Cell(label), Cell(text)])
    return HtmlTable("Performance of the list at the team's capacity", ["Measure", "Value"], rows)


def calibration_table(table: pd.DataFrame, threshold: int) -> tuple[HtmlTable, pd.DataFrame]:
    """Mean predicted and observed rate per bin; observed rates from small counts are suppressed."""
    published = table.copy()
    rows = []
    for i, r in table.reset_index(drop=True).iterrows():
        pos = r["observed_rate"] * r["n"]
        hide = _small(r["n"], pos, r["n"] - pos, threshold=threshold)
        if hide:
            published.loc[published.index[i], "observed_rate"] = np.nan
        n_text = SUPPRESSED if _small(r["n"], threshold=threshold) else f"{r['n']:,.0f}"
        rows.append([Cell(str(i + 1)), Cell(n_text), Cell(_fmt(r["mean_predicted"])),
                     Cell(SUPPRESSED if hide else _fmt(r["observed_rate"]))])
    html = HtmlTable("Calibration by bin of predicted probability (equal-size bins of children)",
                     ["Bin", "Children", "Mean predicted", "Observed rate"], rows)
    return html, published


def shap_table(table: pd.DataFrame) -> HtmlTable:
    """Mean |SHAP| (log-odds) by reason group, most important first."""
    has_share = "share" in table.columns
    rows = [
        [Cell(str(r["group"])), Cell(_fmt(float(r["mean_abs_shap"]), 4))]
        + ([Cell(f"{100 * float(r['share']):.1f}%")] if has_share else [])
        for _, r in table.sort_values("mean_abs_shap", ascending=False).iterrows()
    ]
    columns = ["Reason group", "Mean |SHAP| (log-odds)"] + (["Share of total"] if has_share else [])
    caption = "What drives the scores overall: mean absolute SHAP value by reason group"
    return HtmlTable(caption, columns, rows)


def _cell(row: dict) -> Cell:
    metric = row["metric"]
    if row["suppressed"]:
        return Cell(SUPPRESSED)
    text = f"{number(metric, row['value'])} {interval(metric, row['ci_low'], row['ci_high'])}".strip()
    sub = ""
    if METRIC_INFO[metric].has_ratio:
        ratio = ratio_cell(row).replace(" ⚑ flagged", "")
        sub = ratio if ratio == "reference" else f"ratio {ratio}"
    return Cell(text, sub.replace(" ⚑ flagged", ""), bool(row["flagged"]))


def fairness_table(audit: FairnessAudit, attribute: str, metrics: tuple[str, ...], caption: str) -> HtmlTable:
    """Groups as rows, metrics as columns: value (interval), then ratio to the reference (interval)."""
    rows_df = audit.table(attribute)
    metrics = tuple(m for m in metrics if m in set(rows_df["metric"]))
    ref = rows_df["reference_group"].dropna()
    notes = [f"Reference group: {ref.iloc[0]}." if len(ref) else "No reference group: ratios not computed."]
    rows = []
    for group, sub in rows_df.groupby("group", sort=False):
        sub = sub.set_index("metric")
        rows.append([Cell(str(group))] + [_cell(sub.loc[m].to_dict() | {"metric": m}) for m in metrics])
    columns = [attribute] + [METRIC_INFO[m].label for m in metrics]
    return HtmlTable(caption, columns, rows, notes)


def flags_table(flags: list[dict], caption: str) -> HtmlTable:
    """Every flagged disparity, one row each."""
    rows = []
    for f in flags:
        ci = f"({_fmt(f['ratio_ci_low'], 2)}–{_fmt(f['ratio_ci_high'], 2)})"
        rows.append([
            Cell(str(f.get("cohort", ""))), Cell(f["attribute"]), Cell(f["group"]),
            Cell(METRIC_INFO[f["metric"]].label), Cell(f"{_fmt(f['ratio'], 2)} {ci}", flagged=True),
            Cell(str(f["reference_group"])), Cell(f["direction"] or ""),
        ])
    columns = ["Cohort", "Attribute", "Group", "Metric", "Ratio (95% interval)", "Reference group",
               "Interval lies"]
    return HtmlTable(caption, columns, rows, numeric=False)


def trend_table(trend: pd.DataFrame, attribute: str, metric: str) -> HtmlTable:
    """Ratio to the reference of one metric, groups as rows and cohorts as columns."""
    rows_df = trend[(trend["attribute"] == attribute) & (trend["metric"] == metric)]
    years = sorted(rows_df["cohort"].unique())
    rows = []
    for group, sub in rows_df.groupby("group", sort=True):
        sub = sub.set_index("cohort")
        cells = [Cell(str(group))]
        for year in years:
            if year not in sub.index:
                cells.append(Cell("–"))
                continue
            r = sub.loc[year]
            cells.append(Cell(ratio_cell(r).replace(" ⚑ flagged", ""), flagged=bool(r["flagged"])))
        rows.append(cells)
    ref = rows_df["reference_group"].dropna().unique()
    caption = (f"{attribute}: {METRIC_INFO[metric].label.lower()} ratio to the reference group "
               f"({', '.join(map(str, ref)) or 'none'}) by cohort, with 95% intervals")
    return HtmlTable(caption, [attribute] + [str(y) for y in years], rows)
