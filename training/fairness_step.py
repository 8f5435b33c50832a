"""The fairness audit a training run publishes: validation cohorts (how the list would have done)
and the current cohort (selection only: no outcomes yet)."""

from __future__ import annotations

import pandas as pd

from ontrack_model.calibration import Calibrator
from ontrack_model.fairness import AuditConfig, audit_cohorts
from ontrack_model.scoring import with_attributes
from training.config import TrainingConfig
from training.evaluation import SplitResult
from training.publish import ScoredCohort


def run_audit(
    chosen: list[SplitResult],
    calibrator: Calibrator,
    matrices: dict,
    current: ScoredCohort,
    k: int,
    config: TrainingConfig,
) -> dict:
    """Audit every validation cohort, the validation cohorts pooled and the current cohort at
    capacity k (JSON-ready dict)."""
    frames: dict[int, pd.DataFrame] = {}
    for r in chosen:
        scored = r.scored.copy()
        scored["probability"] = calibrator.transform(scored["score"].to_numpy())
        frames[r.validation_year] = with_attributes(scored, matrices[r.validation_year])
    cur = current.children[["pupil_id", "family_id", "score", "probability"]].copy()
    cur["label"] = pd.array([pd.NA] * len(cur), dtype="Int8")
    frames[current.year] = with_attributes(cur, matrices[current.year])
    audit_config = AuditConfig(
        resamples=config.audit_resamples, seed=config.seed, suppress_below=config.suppress_below
    )
    result = audit_cohorts(frames, k, audit_config)["json"]
    validation_years = sorted(r.validation_year for r in chosen)
    result["validation_cohorts"] = validation_years
    result["current_cohort"] = current.year
    result["validation_flags"] = [f for f in result["flags"]
                                  if f["cohort"] in validation_years or f["cohort"] == "pooled"]
    return result

