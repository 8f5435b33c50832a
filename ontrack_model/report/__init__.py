"""The evaluator's report: one self-contained, accessible HTML file (model card, performance at
capacity, calibration, global SHAP view, fairness audit with intervals and flags, current-cohort
selection, and an ATRS-style transparency record), built from plain inputs."""

from ontrack_model.report.builder import build_report
from ontrack_model.report.inputs import ATRS_SECTIONS, ReportInputs

__all__ = ["ATRS_SECTIONS", "ReportInputs", "build_report"]
