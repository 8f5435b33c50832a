"""The yearly retraining pipeline: features -> temporal validation of candidates -> selection at
capacity -> out-of-time calibration -> final fit -> scoring, reasons and audit of the current
cohort -> MLflow run, registered model and champion/challenger decision -> stored ranked list.

Everything is computed before anything is registered, so a failure leaves no half-registered
model; the ranked list is stored before the `champion` alias can point at its version.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ontrack_model import liststore, tracking
from ontrack_model.cohorts import CohortConfig, cohort_years, labelled_years
from ontrack_model.errors import ConfigError, TrackingError
from ontrack_model.explain import global_importance, write_global_artifacts
from ontrack_model.features import FEATURE_DICTIONARY_VERSION, FEATURES, FeatureBuilder, feature_dictionary
from ontrack_model.metrics import curve_at_k, evaluate_at_capacity
from ontrack_model.models import CandidateSpec, default_candidates, fit_candidate
from ontrack_model.report import build_report
from ontrack_model.run_report import report_inputs_from_run
from ontrack_model.splits import final_fit_years, rolling_origin_splits
from ontrack_model.validation import load_extract
from training import plots
from training.atrs import atrs_record
from training.config import TrainingConfig
from training.evaluation import (
    SplitResult,
    calibrate,
    choose,
    evaluate_candidates,
    stack,
    summarise,
)
from training.fairness_step import run_audit
from training.model_card import CardFacts, render_model_card
from training.publish import ScoredCohort, score_and_explain


class _NoProgress:
    """Stands in for a rich Progress when nobody is watching."""

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        return None

    def update(self, task: int, **_: Any) -> None:
        return None


@dataclass
class TrainingResult:
    """What one training run produced and decided."""

    run_id: str
    version: str
    promoted: bool
    decision: str
    chosen: str
    summary: pd.DataFrame
    latest_year: int
    challenger_latest: dict[str, float]
    champion_latest: dict[str, float] | None
    ece_latest: float
    current_cohort: int
    n_families_listed: int
    bundle_dir: Path
    flags: list[dict] = field(default_factory=list)


@dataclass
class RunState:
    """Everything a training run computed before it is logged, registered and stored."""

    extract: Any
    config: TrainingConfig
    matrices: dict
    labelled: list[int]
    current: int
    splits: list
    final_years: tuple[int, ...]
    specs: list[CandidateSpec]
    results: list[SplitResult]
    summary: pd.DataFrame
    chosen_name: str
    calib: Any
    final: Any
    scored_current: ScoredCohort
    train_shap: Any
    audit: dict
    champion: dict | None
    promoted: bool
    decision: str
    latest: Any
    latest_year: int
    store_root: str | Path | None


def _candidates(config: TrainingConfig) -> list[CandidateSpec]:
    return default_candidates(hgb_grid=config.candidates.hgb, lr_c=config.candidates.logistic_C)


def _check_years(all_years: list[int], labelled: list[int], config: TrainingConfig) -> None:
    v = config.validation
    needed = v.n_splits + v.min_train_years + v.min_gap_years - 1
    if not labelled:
        raise ConfigError(
            f"no labelled cohort: with a {config.cohort.horizon_years}-year horizon no cohort's outcome "
            f"period has ended by the extract date (cohorts found: {all_years[0]}–{all_years[-1]})"
        )
    if len(labelled) < needed:
        raise ConfigError(
            f"{len(labelled)} labelled cohorts ({labelled[0]}–{labelled[-1]}) but the configuration needs "
            f"{needed} (validation.n_splits={v.n_splits} + validation.min_train_years={v.min_train_years} "
            f"+ validation.min_gap_years={v.min_gap_years} - 1)"
        )


def _champion_on_latest(model_name: str, latest_year: int, matrices: dict, k: int) -> dict[str, float] | None:
    """The current champion's metrics on the latest labelled cohort, measured honestly.

    If the champion was trained without that cohort, score it now; if it was trained on it, its
    own out-of-time measurement of that cohort (logged when it was trained) is the honest figure.
    """
    import mlflow

    try:
        version = tracking.champion_version(model_name)
    except TrackingError:
        return None
    client = mlflow.MlflowClient()
    mv = client.get_model_version(model_name, version)
    run = client.get_run(mv.run_id)
    trained = json.loads(run.data.params.get("trained_cohorts", "[]"))
    if latest_year in trained:
        logged = run.data.metrics
        key = f"val_{latest_year}_precision_at_k"
        if key not in logged:
            return {"version": version, "precision_at_k": float("nan"), "source": "not measured"}
        return {
            "version": version,
            "precision_at_k": logged[key],
            "auc": logged.get(f"val_{latest_year}_auc", float("nan")),
            "source": "logged out-of-time result",
        }
    champion = tracking.load_model_version(version, model_name)
    matrix = matrices[latest_year]
    scored = matrix.ids[["pupil_id", "family_id"]].reset_index(drop=True).copy()
    scored["label"] = matrix.y.to_numpy()
    scored["score"] = champion.margin(matrix.X)
    m = evaluate_at_capacity(scored, k, prob_col=None)
    return {"version": version, "precision_at_k": m.precision_at_k, "auc": m.auc, "source": "scored now"}


def _decide(challenger: float, champion: dict | None, tolerance: float, force: bool) -> tuple[bool, str]:
    if force:
        return True, "promoted: --force"
    if champion is None:
        return True, "promoted: there was no champion"
    if champion["precision_at_k"] != champion["precision_at_k"]:
        return True, "promoted: the champion's result on the latest cohort could not be measured"
    if challenger >= champion["precision_at_k"] - tolerance:
        return True, (
            f"promoted: precision@k {challenger:.3f} vs champion v{champion['version']} "
            f"{champion['precision_at_k']:.3f} (tolerance {tolerance})"
        )
    return False, (
        f"not promoted: precision@k {challenger:.3f} is more than {tolerance} below champion "
        f"v{champion['version']} {champion['precision_at_k']:.3f}; use --force to promote anyway"
    )


def train(
    data_dir: str | Path,
    config: TrainingConfig,
    *,
    force: bool = False,
    store_root: str | Path | None = None,
    progress: Any = None,
) -> TrainingResult:
    """Run the whole yearly retraining on an extract and return what it produced."""

    progress = progress or _NoProgress()
    tracking.configure_tracking()  # fail fast on an unreachable tracking server
    extract = load_extract(data_dir)
    cohort_cfg = CohortConfig(
        as_of_month=config.cohort.as_of_month,
        as_of_day=config.cohort.as_of_day,
        horizon_years=config.cohort.horizon_years,
    )
    years = cohort_years(extract)
    labelled = labelled_years(extract, cohort_cfg)
    _check_years(years, labelled, config)
    current = years[-1]
    if current in labelled:
        raise ConfigError(
            f"the latest cohort {current} is already labelled: there is no current cohort to score"
        )

    task = progress.add_task("Building features", total=len(labelled) + 1)
    builder = FeatureBuilder(extract, cohort_cfg)
    matrices = {}
    for year in [*labelled, current]:
        matrices[year] = builder.matrix(year)
        progress.advance(task)
    for year in labelled:
        if int(matrices[year].y.sum()) == 0:
            raise ConfigError(
                f"cohort {year} has no child who entered care: it cannot be used to train or validate"
            )

    splits = rolling_origin_splits(
        labelled,
        config.validation.n_splits,
        config.validation.min_train_years,
        config.validation.min_gap_years,
    )
    specs = _candidates(config)
    k = config.capacity
    task = progress.add_task("Validating candidates", total=len(splits) * len(specs))
    results = evaluate_candidates(
        specs, matrices, splits, k, config.seed, on_fit=lambda *_: progress.advance(task)
    )
    summary = summarise(results, specs, config.validation.variance_penalty)
    chosen_name = choose(summary, specs, len(splits))
    chosen_spec = next(s for s in specs if s.name == chosen_name)
    chosen_results = [r for r in results if r.candidate == chosen_name]
    latest_year = max(s.validation_year for s in splits)

    task = progress.add_task("Calibrating and fitting the final model", total=2)
    calib = calibrate(chosen_results, config.calibration)
    progress.advance(task)
    final_years = final_fit_years(labelled)
    X_all, y_all = stack(matrices, final_years)
    final = fit_candidate(chosen_spec, X_all, y_all, seed=config.seed)
    final.calibrator = calib.calibrator
    progress.advance(task)

    task = progress.add_task("Scoring, explaining and auditing", total=3)
    background = X_all.sample(n=min(2000, len(X_all)), random_state=config.seed)
    scored_current: ScoredCohort = score_and_explain(
        matrices[current], final, FEATURES, background, config.reasons_per_family, config.exclude_open_cases
    )
    progress.advance(task)
    train_shap = score_and_explain(
        _sample_matrix(matrices[latest_year], config.seed), final, FEATURES, background, 3, False
    ).shap
    progress.advance(task)
    audit = run_audit(chosen_results, calib.calibrator, matrices, scored_current, k, config)
    progress.advance(task)

    champion = _champion_on_latest(config.model_name, latest_year, matrices, k)
    latest = next(r for r in chosen_results if r.validation_year == latest_year).metrics
    promoted, decision = _decide(latest.precision_at_k, champion, config.champion_tolerance, force)

    task = progress.add_task("Logging to MLflow and storing the list", total=1)
    state = RunState(
        extract=extract,
        config=config,
        matrices=matrices,
        labelled=labelled,
        current=current,
        splits=splits,
        final_years=final_years,
        specs=specs,
        results=results,
        summary=summary,
        chosen_name=chosen_name,
        calib=calib,
        final=final,
        scored_current=scored_current,
        train_shap=train_shap,
        audit=audit,
        champion=champion,
        promoted=promoted,
        decision=decision,
        latest=latest,
        latest_year=latest_year,
        store_root=store_root,
    )
    result = _log_and_register(state)
    progress.advance(task)
    return result


def _sample_matrix(matrix, seed: int, n: int = 3000):
    """A matrix of at most n rows (the global SHAP view does not need every child)."""
    if len(matrix.X) <= n:
        return matrix
    idx = np.sort(np.random.default_rng(seed).choice(len(matrix.X), size=n, replace=False))
    return dataclasses.replace(
        matrix,
        X=matrix.X.iloc[idx],
        ids=matrix.ids.iloc[idx],
        attributes=matrix.attributes.iloc[idx],
        y=None if matrix.y is None else matrix.y.iloc[idx],
    )


def _log_and_register(st: RunState) -> TrainingResult:
    import mlflow

    config: TrainingConfig = st.config
    extract = st.extract
    summary: pd.DataFrame = st.summary
    results: list[SplitResult] = st.results
    k = config.capacity
    experiment_id = tracking.ensure_experiment(config.experiment)
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        mlflow.start_run(experiment_id=experiment_id, run_name=f"train-cohort-{st.current}") as run,
    ):
        tmp = Path(tmp_name)
        run_id = run.info.run_id
        mlflow.log_params(
            {
                "capacity": k,
                "seed": config.seed,
                "horizon_years": config.cohort.horizon_years,
                "as_of": f"{config.cohort.as_of_day:02d}-{config.cohort.as_of_month:02d}",
                "chosen_candidate": st.chosen_name,
                "calibration": config.calibration,
                "trained_cohorts": json.dumps(list(st.final_years)),
                "validation_cohorts": json.dumps([s.validation_year for s in st.splits]),
                "current_cohort": st.current,
                "n_features": len(st.final.feature_names),
                "feature_dictionary_version": FEATURE_DICTIONARY_VERSION,
                "synthetic_data": bool(extract.manifest.synthetic),
                "extract_date": str(extract.manifest.extract_date),
            }
        )
        mlflow.set_tags({f"fingerprint.{t}": h for t, h in extract.fingerprints.items()})
        # Child run per candidate: its parameters and its metrics on each validation cohort.
        for spec in st.specs:
            with mlflow.start_run(run_name=spec.name, nested=True, experiment_id=experiment_id):
                mlflow.log_params({"kind": spec.kind, **{f"param.{p}": v for p, v in spec.params.items()}})
                for r in (r for r in results if r.candidate == spec.name):
                    for metric, value in r.metrics.as_dict().items():
                        if value == value:  # skip NaN (e.g. Brier of a baseline)
                            mlflow.log_metric(metric, float(value), step=r.validation_year)
                row = summary.set_index("candidate").loc[spec.name]
                mlflow.log_metrics(
                    {
                        c: float(row[c])
                        for c in summary.columns
                        if c.endswith(("_mean", "_std")) or c == "selection_score"
                        if row[c] == row[c]
                    }
                )
        chosen_results = [r for r in results if r.candidate == st.chosen_name]
        for r in chosen_results:
            for metric in ("precision_at_k", "recall_at_k", "lift_at_k", "auc", "average_precision", "brier"):
                mlflow.log_metric(f"val_{r.validation_year}_{metric}", float(getattr(r.metrics, metric)))
        latest = st.latest
        mlflow.log_metrics(
            {
                "latest_precision_at_k": latest.precision_at_k,
                "latest_recall_at_k": latest.recall_at_k,
                "latest_auc": latest.auc,
                "latest_average_precision": latest.average_precision,
                "latest_k_share": latest.k_share,
                "ece_latest": st.calib.ece_latest,
            }
        )
        champion = st.champion
        if champion is not None and champion["precision_at_k"] == champion["precision_at_k"]:
            mlflow.log_metric("champion_latest_precision_at_k", float(champion["precision_at_k"]))
        mlflow.set_tag("champion_decision", st.decision)

        # Artifacts: configuration, inputs, features, plots, explanations, audit, model card.
        (tmp / "config.yaml").write_text(yaml.safe_dump(config.model_dump(), sort_keys=False))
        (tmp / "fingerprints.json").write_text(json.dumps(extract.fingerprints, indent=2))
        (tmp / "features.json").write_text(json.dumps(st.final.feature_names, indent=2))
        feature_dictionary().to_csv(tmp / "feature_dictionary.csv", index=False)
        summary.to_csv(tmp / "candidate_selection.csv", index=False)
        st.calib.table_latest.to_csv(tmp / "calibration_latest.csv", index=False)
        chosen_latest = next(r for r in chosen_results if r.validation_year == st.latest_year)
        ks = sorted({5, 10, 25, 50, 75, 100, 150, 200, 300, 500, k})
        curve_at_k(chosen_latest.scored, [x for x in ks if x <= latest.n_families]).to_csv(
            tmp / "performance_at_k.csv", index=False
        )
        plots.precision_recall_at_k(
            {r.candidate: r.scored for r in results if r.validation_year == st.latest_year},
            k,
            st.latest_year,
            tmp / "precision_recall_at_k.png",
        )
        plots.calibration_curve(
            st.calib.table_latest, st.latest_year, st.calib.ece_latest, tmp / "calibration_curve.png"
        )
        plots.split_diagram(st.splits, st.final_years, st.current, tmp / "splits.png")
        shap_dir = tmp / "shap"
        shap_dir.mkdir()
        write_global_artifacts(st.train_shap, _sample_x(st), FEATURES, shap_dir)
        importance = global_importance(st.train_shap, FEATURES)
        (tmp / "fairness.json").write_text(json.dumps(st.audit, indent=2, default=str))
        base_rates = {y: float(st.matrices[y].y.mean()) for y in st.labelled}
        record = atrs_record(
            capacity=k,
            horizon_years=config.cohort.horizon_years,
            trained_cohorts=list(st.final_years),
            current_cohort=st.current,
            n_features=len(st.final.feature_names),
            precision_at_k=latest.precision_at_k,
            synthetic=bool(extract.manifest.synthetic),
            flags=len(st.audit["validation_flags"]),
        )
        (tmp / "atrs.json").write_text(json.dumps(record, indent=2))
        mlflow.set_tag("model_name", config.model_name)
        mlflow.log_artifacts(str(tmp))

        model_info = tracking.log_scoring_model(
            st.final, st.matrices[st.current].X, FEATURE_DICTIONARY_VERSION
        )
        version = str(model_info.registered_model_version)
        flags = st.audit["validation_flags"]
        card = render_model_card(
            CardFacts(
                model_name=config.model_name,
                version=version,
                run_id=run_id,
                chosen=st.chosen_name,
                capacity=k,
                trained_cohorts=tuple(st.final_years),
                validation_years=tuple(s.validation_year for s in st.splits),
                current_cohort=st.current,
                horizon_years=config.cohort.horizon_years,
                as_of=f"{config.cohort.as_of_day} {_MONTHS[config.cohort.as_of_month - 1]}",
                summary=summary,
                ece_latest=st.calib.ece_latest,
                calibration_method=config.calibration,
                base_rates=base_rates,
                top_reasons=list(importance["group"]),
                n_features=len(st.final.feature_names),
                fingerprints=extract.fingerprints,
                synthetic=bool(extract.manifest.synthetic),
                flags=flags,
            )
        )
        mlflow.log_text(card, "model_card.md")
        try:
            bundle_dir = _store_bundle(st, run_id, version, card, summary, base_rates)
            if st.promoted:
                tracking.set_champion(version, config.model_name)
        except Exception:
            # Do not leave a registered version without its list: remove it, then re-raise.
            mlflow.MlflowClient().delete_model_version(config.model_name, version)
            raise
        mlflow.set_tag("registered_version", version)
        report = build_report(report_inputs_from_run(run_id))
        mlflow.log_text(report, "evaluator_report.html")
    return TrainingResult(
        run_id=run_id,
        version=version,
        promoted=st.promoted,
        decision=st.decision,
        chosen=st.chosen_name,
        summary=summary,
        latest_year=st.latest_year,
        challenger_latest=latest.as_dict(),
        champion_latest=champion,
        ece_latest=st.calib.ece_latest,
        current_cohort=st.current,
        n_families_listed=len(st.scored_current.families),
        bundle_dir=bundle_dir,
        flags=flags,
    )


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _sample_x(st: RunState) -> pd.DataFrame:
    return _sample_matrix(st.matrices[st.latest_year], st.config.seed).X


def _store_bundle(
    st: RunState, run_id: str, version: str, card: str, summary: pd.DataFrame, base_rates: dict[int, float]
) -> Path:
    config: TrainingConfig = st.config
    scored: ScoredCohort = st.scored_current
    chosen = summary.set_index("candidate").loc[st.chosen_name]
    info = {
        "model_name": config.model_name,
        "version": version,
        "run_id": run_id,
        "chosen_candidate": st.chosen_name,
        "trained_cohorts": list(st.final_years),
        "validation_cohorts": [s.validation_year for s in st.splits],
        "current_cohort": st.current,
        "capacity": config.capacity,
        "horizon_years": config.cohort.horizon_years,
        "metrics_at_capacity": {
            "precision_at_k_mean": float(chosen["precision_at_k_mean"]),
            "recall_at_k_mean": float(chosen["recall_at_k_mean"]),
            "lift_at_k_mean": float(chosen["lift_at_k_mean"]),
            "auc_mean": float(chosen["auc_mean"]),
            "latest": st.latest.as_dict(),
            "ece_latest": st.calib.ece_latest,
        },
        "base_rates": {str(y): r for y, r in base_rates.items()},
        "feature_names": st.final.feature_names,
        "feature_dictionary_version": FEATURE_DICTIONARY_VERSION,
        "cohorts": [
            {
                "year": scored.year,
                "n_children": len(scored.children),
                "n_families": len(scored.families),
                "labelled": False,
            }
        ],
        "synthetic_data": bool(st.extract.manifest.synthetic),
        "champion_decision": st.decision,
    }
    children = scored.children[list(liststore.CHILD_COLUMNS)]
    bundle = liststore.ModelBundle(
        version=version,
        info=info,
        model_card=card,
        fairness=st.audit,
        families={scored.year: scored.families},
        children={scored.year: children},
    )
    return liststore.save_bundle(bundle, st.store_root)
