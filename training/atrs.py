"""The Algorithmic Transparency Recording Standard (ATRS) record of a trained model, in Markdown.

The facts come from the run; the organisational statements (owner, human oversight) describe how
the On Track programme uses the list and should be reviewed by the council before publication.
"""

from __future__ import annotations


def atrs_record(
    *,
    capacity: int,
    horizon_years: int,
    trained_cohorts: list[int],
    current_cohort: int,
    n_features: int,
    precision_at_k: float,
    synthetic: bool,
    flags: int,
) -> dict[str, str]:
    """The five ATRS sections the evaluator's report shows."""
    source = (
        "the package's synthetic data world (no real records)"
        if synthetic
        else "the councils' linked school census, attendance, exclusions and children's social-care records"
    )
    return {
        "owner": (
            "The On Track programme board of the participating London boroughs owns the tool. The "
            "programme's analysts retrain and audit it each school year; the service manager signs off "
            "each new champion model after reading this report."
        ),
        "description": (
            f"A model ranks the families of Year 6 children by the estimated chance that a child enters "
            f"care within {horizon_years} years of the transfer to secondary school, so that the On Track "
            f"team can offer voluntary, intensive family support to up to {capacity} families a year. It "
            "replaces ad-hoc identification, which reaches mostly families already known to social care."
        ),
        "decision_process": (
            "The list is an offer of help, never a decision about a family. Practitioners review every "
            "family on the list and its reasons, use their own knowledge, and record whether the offer "
            "was made, accepted or declined. No service is withdrawn because of a score. Every view of a "
            "family's data is logged and the log is open to the evaluators."
        ),
        "data": (
            f"Trained on cohorts {trained_cohorts[0]}–{trained_cohorts[-1]} from {source}; {n_features} "
            f"features describe each child only with what was recorded before the as-of date. Ethnicity "
            f"and sex are not inputs; they are used only to audit the list. Current cohort: {current_cohort}."
        ),
        "risks": (
            f"Measured precision at capacity is about {precision_at_k:.0%}: most listed families would "
            "not have had a child enter care, so the list must never be presented as a risk judgement. "
            "Groups that are recorded more often by services may be over-ranked; the fairness audit "
            f"checks this every year ({flags} flag(s) in this run's validation cohorts). Published "
            "tables suppress counts below 10. Mitigations: human review of every family, voluntary "
            "participation, access control and an append-only access log, yearly re-validation."
        ),
    }
