"""Everything the evaluator's report shows, as plain values (so it can be filled from an MLflow run)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ontrack_model.errors import ConfigError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The Algorithmic Transparency Recording Standard's record, in the order the report shows it.
ATRS_SECTIONS: dict[str, str] = {
    "owner": "Owner and responsibility",
    "description": "Description and rationale",
    "decision_process": "Decision-making process and human oversight",
    "data": "Data",
    "risks": "Risks, mitigations and impact assessments",
}


@dataclass
class ReportInputs:
    """Plain inputs of `build_report`: text, tables (DataFrames), audit JSON and PNG bytes."""

    model_name: str
    model_version: str
    run_id: str
    capacity: int  # families the team can work with (k)
    model_card_markdown: str
    performance_at_k: pd.DataFrame  # columns k, precision, recall (family level), one row per k
    capacity_metrics: dict[str, float]  # metrics at k, e.g. `CapacityMetrics.as_dict()`
    calibration: pd.DataFrame  # columns n, mean_predicted, observed_rate (one row per bin)
    ece: float
    shap_bar_png: bytes  # global SHAP bar plot
    shap_table: pd.DataFrame  # columns group, mean_abs_shap[, share]: mean |SHAP| by reason group
    validation_audits: dict[int, dict]  # cohort year -> FairnessAudit.to_json() of a labelled cohort
    current_audit: dict | None  # FairnessAudit.to_json() of the current (unlabelled) cohort
    atrs: dict[str, str]  # ATRS_SECTIONS key -> Markdown text
    pooled_audit: dict | None = None  # FairnessAudit.to_json() of the validation cohorts pooled
    title: str = "On Track risk model: evaluator's report"
    generated: str = ""  # date shown on the report; empty means today
    min_cell: int = 10  # small-cell threshold for the performance and calibration tables
    extra: dict[str, str] = field(default_factory=dict)  # further facts shown under the title

    def check(self) -> None:
        """Raise `ConfigError` naming the first input that cannot be reported."""
        missing = [k for k in ATRS_SECTIONS if not str(self.atrs.get(k, "")).strip()]
        unknown = sorted(set(self.atrs) - set(ATRS_SECTIONS))
        if missing or unknown:
            raise ConfigError(
                f"report input atrs: missing sections {missing}, unknown sections {unknown}; "
                f"expected exactly {list(ATRS_SECTIONS)}"
            )
        if not self.shap_bar_png.startswith(PNG_SIGNATURE):
            raise ConfigError("report input shap_bar_png: must be the bytes of a PNG image")
        for name, frame, cols in (
            ("performance_at_k", self.performance_at_k, ("k", "precision", "recall")),
            ("calibration", self.calibration, ("n", "mean_predicted", "observed_rate")),
            ("shap_table", self.shap_table, ("group", "mean_abs_shap")),
        ):
            absent = [c for c in cols if c not in frame.columns]
            if absent:
                raise ConfigError(f"report input {name}: missing column(s) {absent}; required: {list(cols)}")
        for year, audit in self.validation_audits.items():
            if not audit.get("labelled"):
                raise ConfigError(f"report input validation_audits[{year}]: is not a labelled cohort's audit")
        if self.pooled_audit is not None and not self.pooled_audit.get("labelled"):
            raise ConfigError("report input pooled_audit: is not an audit of labelled cohorts")
        if self.current_audit is not None and self.current_audit.get("labelled"):
            raise ConfigError("report input current_audit: is a labelled cohort's audit; expected the "
                              "current (unlabelled) cohort's")
        if self.capacity <= 0:
            raise ConfigError(f"report input capacity: must be a positive number of families, "
                              f"got {self.capacity}")
