"""Filling the evaluator's report from a training run's MLflow artifacts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from ontrack_model.errors import TrackingError
from ontrack_model.report import ReportInputs


def report_inputs_from_run(run_id: str) -> ReportInputs:
    """Read the artifacts a training run logged and return the report's inputs ('champion': its run)."""
    import mlflow

    from ontrack_model.tracking import configure_tracking

    configure_tracking()
    client = mlflow.MlflowClient()
    if run_id == "champion":  # a convenience: the run that produced the current champion
        from ontrack_model.tracking import MODEL_NAME, champion_version

        run_id = client.get_model_version(MODEL_NAME, champion_version()).run_id
    try:
        run = client.get_run(run_id)
    except Exception:  # noqa: BLE001 - MLflow's not-found error types vary by store
        raise TrackingError(f"no MLflow run {run_id!r} in the tracking store") from None
    params, metrics = run.data.params, run.data.metrics
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=tmp))
        except Exception as exc:  # noqa: BLE001
            raise TrackingError(f"cannot read the artifacts of run {run_id}: {exc}") from None
        needed = [
            "model_card.md",
            "performance_at_k.csv",
            "calibration_latest.csv",
            "fairness.json",
            "atrs.json",
            "shap/importance_by_group.csv",
            "shap/importance_by_group.png",
        ]
        missing = [n for n in needed if not (local / n).is_file()]
        if missing:
            raise TrackingError(f"run {run_id} is not a complete On Track training run: missing {missing}")
        audit = json.loads((local / "fairness.json").read_text())
        validation = {int(y): a for y, a in audit["audits"].items() if a.get("labelled")}
        current = audit["audits"].get(str(audit.get("current_cohort")))
        return ReportInputs(
            model_name=run.data.tags.get("model_name", "ontrack-risk"),
            model_version=run.data.tags.get("registered_version", "unregistered"),
            run_id=run_id,
            capacity=int(params["capacity"]),
            model_card_markdown=(local / "model_card.md").read_text(),
            performance_at_k=pd.read_csv(local / "performance_at_k.csv"),
            capacity_metrics={
                k.removeprefix("latest_"): v for k, v in metrics.items() if k.startswith("latest_")
            },
            calibration=pd.read_csv(local / "calibration_latest.csv"),
            ece=float(metrics.get("ece_latest", float("nan"))),
            shap_bar_png=(local / "shap" / "importance_by_group.png").read_bytes(),
            shap_table=pd.read_csv(local / "shap" / "importance_by_group.csv"),
            validation_audits=validation,
            current_audit=current,
            pooled_audit=audit.get("pooled"),
            atrs=json.loads((local / "atrs.json").read_text()),
            extra={
                "Chosen candidate": params.get("chosen_candidate", ""),
                "Trained on cohorts": params.get("trained_cohorts", ""),
                "Current cohort": params.get("current_cohort", ""),
                "Synthetic data": params.get("synthetic_data", ""),
            },
        )
