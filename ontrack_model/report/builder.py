"""Build the evaluator's report: one self-contained, accessible HTML file from `ReportInputs`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.resources import files

import jinja2

from ontrack_model.fairness.audit import FairnessAudit
from ontrack_model.fairness.config import INTERSECTION_SEPARATOR
from ontrack_model.fairness.display import SUPPRESSED_MEANING
from ontrack_model.fairness.trend import plot_trend, trend_table
from ontrack_model.report import tables as tbl
from ontrack_model.report.inputs import ATRS_SECTIONS, ReportInputs
from ontrack_model.report.markdown import render_markdown
from ontrack_model.report.plots import calibration_plot, data_uri, figure_png, precision_recall_plot

TREND_METRIC = "selection_rate"  # the one metric defined for validation and current cohorts alike


@dataclass
class Image:
    """An embedded figure: data URI, alt text and caption."""

    src: str
    alt: str
    caption: str


def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    return env.from_string(files("ontrack_model.report").joinpath("report.html").read_text("utf-8"))


def _performance(inputs: ReportInputs) -> dict:
    table, published = tbl.performance_table(inputs.performance_at_k, inputs.capacity, inputs.min_cell)
    at_k = published[published["k"] == inputs.capacity]
    summary = ""
    if len(at_k) and at_k["precision"].notna().all():
        summary = (f" At the capacity of {inputs.capacity} families, precision is "
                   f"{at_k['precision'].iloc[0]:.2f} and recall {at_k['recall'].iloc[0]:.2f}.")
    ks = published["k"]
    image = Image(
        data_uri(precision_recall_plot(published, inputs.capacity)),
        f"Line chart of precision and recall of the list for k from {ks.min():.0f} to {ks.max():.0f} "
        f"families, with the capacity marked.{summary} The table below gives every value.",
        "Precision and recall at k (family level).",
    )
    return {"capacity": tbl.capacity_table(inputs.capacity_metrics, inputs.min_cell), "curve": table,
            "image": image}


def _calibration(inputs: ReportInputs) -> dict:
    table, published = tbl.calibration_table(inputs.calibration, inputs.min_cell)
    image = Image(
        data_uri(calibration_plot(published, inputs.ece)),
        f"Calibration chart: observed rate against mean predicted probability in "
        f"{len(published)} bins, with the diagonal of perfect calibration. Expected calibration error "
        f"{inputs.ece:.3f}. The table below gives every value.",
        f"Calibration curve; expected calibration error (ECE) = {inputs.ece:.3f}.",
    )
    return {"table": table, "image": image, "ece": inputs.ece}


def _fairness(audits: dict[int, FairnessAudit], pooled: FairnessAudit | None) -> dict | None:
    """The fairness section: tables of the pooled validation cohorts (or, without them, the latest
    one), and the flags of every validation audit."""
    if not audits and pooled is None:
        return None
    if pooled is not None:
        years = pooled.settings.get("cohorts", sorted(audits))
        audit, label = pooled, f"validation cohorts {years[0]}–{years[-1]} pooled"
    else:
        audit, label = audits[max(audits)], f"validation cohort {max(audits)}"
    attributes = []
    for attribute in audit.attributes:
        attributes.append({
            "name": attribute,
            "values": tbl.fairness_table(
                audit, attribute, tbl.VALUE_METRICS, f"{attribute}, {label}: need, selection and calibration "
                                                     "by group"),
            "errors": tbl.fairness_table(
                audit, attribute, tbl.ERROR_METRICS, f"{attribute}, {label}: errors of the list at capacity "
                                                     "by group"),
        })
    flags = [{"cohort": y, **f} for y, a in sorted(audits.items()) for f in a.flags]
    if pooled is not None:
        flags = [{"cohort": "pooled", **f} for f in pooled.flags] + flags
    notes = [f"pooled: {n}" for n in pooled.notes] if pooled is not None else []
    return {
        "label": label,
        "pooled": pooled is not None,
        "settings": audit.settings,
        "attributes": attributes,
        "flags": tbl.flags_table(flags, "Flagged disparities in the validation cohorts") if flags else None,
        "notes": notes + sorted({f"{y}: {n}" for y, a in audits.items() for n in a.notes}),
    }


def _trend(audits: dict[int, FairnessAudit]) -> list[dict]:
    if len(audits) < 2:
        return []
    trend = trend_table(audits)
    band = tuple(next(iter(audits.values())).settings["band"])
    years = sorted(audits)
    out = []
    for attribute in dict.fromkeys(trend["attribute"]):
        if INTERSECTION_SEPARATOR in attribute:
            continue  # intersections have too many small groups to read as lines; see the tables
        image = Image(
            data_uri(figure_png(plot_trend(trend, attribute, TREND_METRIC, band))),
            f"Line chart of each {attribute} group's selection-rate ratio to the reference group in cohorts "
            f"{years[0]} to {years[-1]}, with 95% intervals and the parity band shaded. "
            "The table below gives every value.",
            f"{attribute}: selection-rate ratio to the reference group by cohort.",
        )
        table = tbl.trend_table(trend, attribute, TREND_METRIC)
        out.append({"name": attribute, "image": image, "table": table})
    return out


def _current(audit: FairnessAudit | None) -> dict | None:
    if audit is None:
        return None
    label = f"cohort {audit.cohort}" if audit.cohort is not None else "the current cohort"
    return {
        "label": label,
        "tables": [
            tbl.fairness_table(audit, a, tbl.CURRENT_METRICS, f"{a}, {label}: selection on the list by group")
            for a in audit.attributes
        ],
        "flags": tbl.flags_table([{"cohort": audit.cohort, **f} for f in audit.flags],
                               f"Flagged selection disparities in {label}") if audit.flags else None,
        "notes": list(audit.notes),
    }


def build_report(inputs: ReportInputs) -> str:
    """The evaluator's report as one self-contained HTML document (figures embedded as PNG)."""
    inputs.check()
    validation = {int(y): FairnessAudit.from_json(a) for y, a in inputs.validation_audits.items()}
    current = FairnessAudit.from_json(inputs.current_audit) if inputs.current_audit else None
    pooled = FairnessAudit.from_json(inputs.pooled_audit) if inputs.pooled_audit else None
    trend_audits = dict(validation)
    if current is not None and current.cohort is not None:
        trend_audits[int(current.cohort)] = current
    threshold = (next(iter(validation.values())).settings["threshold"] if validation
                 else current.settings["threshold"] if current else inputs.min_cell)
    return _template().render(
        title=inputs.title,
        facts={"Model": inputs.model_name, "Version": inputs.model_version, "MLflow run": inputs.run_id,
               "Capacity (families)": f"{inputs.capacity:,}",
               "Generated": inputs.generated or dt.date.today().isoformat(), **inputs.extra},
        model_card=render_markdown(inputs.model_card_markdown, top_level=3, context="Model card"),
        performance=_performance(inputs),
        calibration=_calibration(inputs),
        shap={"image": Image(data_uri(inputs.shap_bar_png),
                             "Bar chart of the mean absolute SHAP value of each reason group, largest first. "
                             "The table below gives every value.",
                             "Global importance of the reason groups (mean |SHAP|, log-odds)."),
              "table": tbl.shap_table(inputs.shap_table)},
        fairness=_fairness(validation, pooled),
        trend=_trend(trend_audits),
        current=_current(current),
        atrs=[
            {"id": f"atrs-{key}", "heading": heading, "html": render_markdown(inputs.atrs[key], 4, heading)}
            for key, heading in ATRS_SECTIONS.items()
        ],
        suppressed_meaning=SUPPRESSED_MEANING.format(threshold=threshold),
    )
