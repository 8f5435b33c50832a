"""Fairness audit of the On Track list at capacity: group metrics (fairlearn `MetricFrame`),
disparity ratios to a reference group with the 0.8–1.25 band, family-bootstrap intervals,
flags, small-cell suppression and trends across cohorts. Everything it returns is publishable.
"""

from ontrack_model.fairness.audit import FairnessAudit, audit_cohort
from ontrack_model.fairness.config import METRIC_INFO, METRICS, AuditConfig
from ontrack_model.fairness.trend import audit_cohorts, audit_pooled, plot_trend, trend_table

__all__ = [
    "METRICS",
    "METRIC_INFO",
    "AuditConfig",
    "FairnessAudit",
    "audit_cohort",
    "audit_cohorts",
    "audit_pooled",
    "plot_trend",
    "trend_table",
]
