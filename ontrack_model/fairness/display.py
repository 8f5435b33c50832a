"""Readable text for audit figures, shared by the terminal tables and the evaluator's report."""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from ontrack_model.fairness.audit import FairnessAudit
from ontrack_model.fairness.config import METRIC_INFO, metric_names

SUPPRESSED = "[c]"
SUPPRESSED_MEANING = (
    "[c] = suppressed: fewer than {threshold} children behind this figure, or it would reveal such a figure"
)
UNDEFINED = "–"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(metric: str, value) -> str:
    """One metric value as text: rates as percentages, sizes as whole numbers, ratios to 2 dp."""
    if _missing(value):
        return UNDEFINED
    info = METRIC_INFO[metric]
    if metric == "group_size":
        return f"{value:,.0f}"
    return f"{100 * value:.1f}%" if info.is_rate else f"{value:.2f}"


def interval(metric: str, low, high) -> str:
    """An interval as text, e.g. '(8.1–15.0%)'; empty when there is none."""
    if _missing(low) or _missing(high):
        return ""
    if metric == "group_size":
        return f"({low:,.0f}–{high:,.0f})"
    if METRIC_INFO[metric].is_rate:
        return f"({100 * low:.1f}–{100 * high:.1f}%)"
    return f"({low:.2f}–{high:.2f})"


def value_cell(row) -> str:
    """Value and interval of one record (a mapping or a row with record fields)."""
    if row["suppressed"]:
        return SUPPRESSED
    text = number(row["metric"], row["value"])
    ci = interval(row["metric"], row["ci_low"], row["ci_high"])
    return f"{text} {ci}".strip()


def ratio_cell(row) -> str:
    """Ratio to the reference group with its interval, marked when flagged ('–' when undefined)."""
    if row["suppressed"]:
        return SUPPRESSED
    if row.get("group") is not None and row["group"] == row["reference_group"]:
        return "reference"
    if _missing(row["ratio"]):
        return UNDEFINED  # undefined (0/0), no reference group, or the reference's value is suppressed
    low, high = row["ratio_ci_low"], row["ratio_ci_high"]
    ci = "" if _missing(low) or _missing(high) else f"({low:.2f}–{high:.2f})"
    return f"{row['ratio']:.2f} {ci}".strip() + (" ⚑ flagged" if row["flagged"] else "")


def rich_table(audit: FairnessAudit, attribute: str, metrics: list[str] | None = None) -> Table:
    """A terminal table of one attribute: value (interval) and ratio to the reference per metric."""
    metrics = metrics or metric_names(audit.labelled)
    rows = audit.table(attribute)
    ref = rows["reference_group"].dropna()
    caption = f"reference group: {ref.iloc[0]}" if len(ref) else "no reference group"
    table = Table(title=attribute, caption=caption, show_lines=False)
    table.add_column("group", style="bold")
    table.add_column("metric")
    table.add_column("value (95% interval)", justify="right")
    table.add_column("ratio to reference (95% interval)", justify="right")
    for group, sub in rows.groupby("group", sort=False):
        by_metric = {r["metric"]: r for r in sub.to_dict("records")}
        for i, metric in enumerate(metrics):
            r = by_metric[metric]
            style = "bold red" if r["flagged"] else None
            cells = [str(group) if i == 0 else "", METRIC_INFO[metric].label, value_cell(r),
                     ratio_cell(r) if METRIC_INFO[metric].has_ratio else ""]
            # Text, not markup: "[c]" must print as is, not be read as a style tag
            table.add_row(*(Text(c) for c in cells), style=style)
        table.add_section()
    return table
