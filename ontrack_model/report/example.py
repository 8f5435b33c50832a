"""Report inputs from a toy world (no model, no MLflow): to preview the report and to test it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ontrack_model.fairness import AuditConfig, audit_cohorts
from ontrack_model.fairness.simulate import simulate_cohort
from ontrack_model.metrics import (
    calibration_table,
    curve_at_k,
    evaluate_at_capacity,
    expected_calibration_error,
)
from ontrack_model.report.inputs import ReportInputs
from ontrack_model.report.plots import figure_png

EXAMPLE_CARD = """# On Track risk model (example)

**Intended use.** Rank families of the Year 6 cohort for an offer of early help at secondary transfer.
A practitioner reviews every family before any contact.

## Not for

Decisions about individual children's care, or any use outside the On Track programme.

| Item | Value |
|---|---|
| Outcome | entry to care within five years |
| Unit ranked | family |
"""

EXAMPLE_ATRS = {
    "owner": "Children's Services, Tri-borough. Senior responsible owner: Director of Early Help.",
    "description": "A statistical model ranks families so that the On Track team can offer early help first "
                   "to those most likely to need it.",
    "decision_process": "The list is advisory. A practitioner reviews each family with the reasons shown and "
                        "decides whether to offer help; families may decline. **No decision is automated.**",
    "data": "School census, attendance, exclusions, children's social care and police notifications, "
            "pseudonymised and linked by the council's data team.",
    "risks": "- Surveillance bias: groups more visible to services may be over-selected. Mitigation: the "
             "fairness audit in this report, reviewed each year.\n- Drift: retrained and re-audited yearly.",
}


def _shap(seed: int) -> tuple[pd.DataFrame, bytes]:
    rng = np.random.default_rng(seed)
    groups = ["attendance", "exclusions", "social care history", "police notifications", "school moves",
              "SEN"]
    values = np.sort(rng.gamma(2.0, 0.1, len(groups)))[::-1]
    table = pd.DataFrame({"group": groups, "mean_abs_shap": values, "share": values / values.sum()})
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.barh(table["group"][::-1], table["mean_abs_shap"][::-1])
    ax.set_xlabel("mean |SHAP| (log-odds)")
    return table, figure_png(fig)


def example_inputs(
    years: tuple[int, ...] = (2017, 2018, 2019), current_year: int = 2024, n_children: int = 3000,
    capacity: int = 200, resamples: int = 200, seed: int = 0, inflation: dict[str, float] | None = None,
) -> ReportInputs:
    """ReportInputs for a toy world of `years` labelled cohorts and one current cohort."""
    frames = {y: simulate_cohort(n_children, seed=seed + i, inflation=inflation) for i, y in enumerate(years)}
    current = simulate_cohort(n_children, seed=seed + 99, inflation=inflation, labelled=False)
    config = AuditConfig(resamples=resamples, seed=seed)
    result = audit_cohorts({**frames, current_year: current}, capacity, config)
    latest = frames[max(years)]
    y, p = latest["label"].astype(int).to_numpy(), latest["probability"].to_numpy()
    table, png = _shap(seed)
    return ReportInputs(
        model_name="ontrack-risk",
        model_version="example",
        run_id="example-run",
        capacity=capacity,
        model_card_markdown=EXAMPLE_CARD,
        performance_at_k=curve_at_k(latest, [10, 25, 50, 100, 150, 200, 300, 400, 600]),
        capacity_metrics=evaluate_at_capacity(latest, capacity).as_dict(),
        calibration=calibration_table(y, p),
        ece=expected_calibration_error(y, p),
        shap_bar_png=png,
        shap_table=table,
        validation_audits={yr: result["audits"][yr].to_json() for yr in years},
        current_audit=result["audits"][current_year].to_json(),
        pooled_audit=result["pooled"].to_json() if result["pooled"] is not None else None,
        atrs=dict(EXAMPLE_ATRS),
        generated="2025-01-01",
    )
