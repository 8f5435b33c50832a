"""Model quality against the best possible ranking (p_bayes), on worlds the model never saw.

For each seed: generate a training world (seed s) and an evaluation world (seed s + 1000), train
the full pipeline on the first, then on each of the last three labelled cohorts of the second
compare the chosen model's list of k families with the list p_bayes would make:
  - expected precision@k = mean p_bayes of the families on the list (a family's p_bayes is the
    chance that at least one of its Year 6 children enters care), which removes the noise of one
    cohort's few outcomes; the ratio model / p_bayes should be >= 0.90;
  - AUC against the observed outcomes, model vs p_bayes (gap should be <= 0.02);
  - the two non-ML baselines' expected precision (the model should beat both on every cohort);
  - expected calibration error of the model's probabilities on the latest labelled cohort.

Run:  .venv/bin/python benchmarks/bench_quality.py [--seeds 7 8 9] [--scale tri-borough]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ontrack_model import liststore, tracking  # noqa: E402
from ontrack_model.cohorts import CohortConfig, labelled_years  # noqa: E402
from ontrack_model.features import build_matrix  # noqa: E402
from ontrack_model.metrics import expected_calibration_error  # noqa: E402
from ontrack_model.models import CandidateSpec, fit_candidate  # noqa: E402
from ontrack_model.ranking import family_scores  # noqa: E402
from ontrack_model.synth import generate_world  # noqa: E402
from ontrack_model.validation import load_extract  # noqa: E402
from training.config import load_config  # noqa: E402
from training.pipeline import train  # noqa: E402


def expected_precision(children: pd.DataFrame, score_col: str, k: int) -> float:
    """Mean over the top-k families of P(at least one Year 6 child enters care) under p_bayes."""
    fam = family_scores(children, score_col)
    chosen = set(fam.loc[fam["rank"] <= k, "family_id"])
    sel = children[children["family_id"].isin(chosen)]
    p_family = 1.0 - sel.groupby("family_id")["p_bayes"].apply(lambda p: float(np.prod(1.0 - p)))
    return float(p_family.mean())


def expected_auc(scores: np.ndarray, p_bayes: np.ndarray) -> float:
    """AUC with each child counted as a positive with weight p_bayes and a negative with 1 - p_bayes.

    Like expected precision, this removes the noise of one cohort's few outcomes.
    """
    n = len(scores)
    y = np.r_[np.ones(n), np.zeros(n)]
    return float(roc_auc_score(y, np.r_[scores, scores], sample_weight=np.r_[p_bayes, 1.0 - p_bayes]))


def evaluate_seed(seed: int, scale: str, workdir: Path) -> list[dict]:
    """Train on world `seed`, evaluate on world `seed + 1000`; one row per evaluation cohort."""
    train_dir, eval_dir = workdir / f"train_{seed}", workdir / f"eval_{seed}"
    generate_world(train_dir, seed=seed, scale=scale)
    generate_world(eval_dir, seed=seed + 1000, scale=scale)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{workdir / f'mlflow_{seed}.db'}"
    os.environ[liststore.STORE_ENV] = str(workdir / f"store_{seed}")
    config = load_config().with_overrides(seed=seed, audit_resamples=100)
    t0 = time.perf_counter()
    result = train(train_dir, config)
    train_seconds = time.perf_counter() - t0
    model = tracking.load_model_version(result.version)

    extract = load_extract(eval_dir)
    truth = pd.read_csv(eval_dir / "truth" / "pupil_truth.csv", dtype={"pupil_id": str})
    cfg = CohortConfig()
    years = labelled_years(extract, cfg)[-3:]
    rows = []
    for year in years:
        matrix = build_matrix(extract, year, cfg)
        kids = matrix.ids[["pupil_id", "family_id"]].reset_index(drop=True).copy()
        kids["label"] = matrix.y.to_numpy(dtype=int)
        kids["model"] = model.margin(matrix.X)
        kids["probability"] = model.predict_proba(matrix.X)
        t = truth[truth["cohort"] == year].set_index("pupil_id")["p_bayes"]
        kids["p_bayes"] = kids["pupil_id"].map(t).to_numpy()
        for name in ("current_practice", "random"):
            scorer = fit_candidate(CandidateSpec(name, name), matrix.X, kids["label"], seed=seed)
            kids[name] = scorer.margin(matrix.X)
        k = config.capacity
        ep = {c: expected_precision(kids, c, k) for c in ("model", "p_bayes", "current_practice", "random")}
        rows.append(
            {
                "seed": seed,
                "cohort": year,
                "chosen": result.chosen,
                "exp_prec_model": ep["model"],
                "exp_prec_bayes": ep["p_bayes"],
                "ratio": ep["model"] / ep["p_bayes"],
                "exp_prec_current_practice": ep["current_practice"],
                "exp_prec_random": ep["random"],
                "beats_baselines": ep["model"] > max(ep["current_practice"], ep["random"]),
                "auc_model": roc_auc_score(kids["label"], kids["model"]),
                "auc_bayes": roc_auc_score(kids["label"], kids["p_bayes"]),
                "exp_auc_model": expected_auc(kids["model"].to_numpy(), kids["p_bayes"].to_numpy()),
                "exp_auc_bayes": expected_auc(kids["p_bayes"].to_numpy(), kids["p_bayes"].to_numpy()),
                "ece": expected_calibration_error(kids["label"].to_numpy(), kids["probability"].to_numpy()),
                "train_seconds": train_seconds,
            }
        )
    return rows


def verdict(ok: bool) -> str:
    """'met' or 'NOT met'."""
    return "met" if ok else "NOT met"


def main() -> None:
    """Print the quality table and the verdict against the issue's floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--scale", default="tri-borough")
    args = parser.parse_args()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            rows += evaluate_seed(seed, args.scale, Path(tmp))
    table = pd.DataFrame(rows)
    table["auc_gap"] = table["exp_auc_bayes"] - table["exp_auc_model"]
    pd.set_option("display.width", 200)
    cols = [
        "seed",
        "cohort",
        "chosen",
        "exp_prec_model",
        "exp_prec_bayes",
        "ratio",
        "exp_prec_current_practice",
        "exp_prec_random",
        "auc_model",
        "auc_bayes",
        "exp_auc_model",
        "exp_auc_bayes",
        "auc_gap",
        "ece",
    ]
    print(table[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    latest = table.sort_values("cohort").groupby("seed").tail(1)
    print()
    print(
        f"median ratio expected precision@k model/p_bayes: {table['ratio'].median():.3f} "
        f"(min {table['ratio'].min():.3f}; floor 0.90 on every cohort: "
        f"{verdict((table['ratio'] >= 0.9).all())})"
    )
    print(
        f"median expected-AUC gap p_bayes - model: {table['auc_gap'].median():.4f} "
        f"(max {table['auc_gap'].max():.4f}; floor 0.02: {verdict((table['auc_gap'] <= 0.02).all())})"
    )
    print(f"beats both non-ML baselines on every cohort: {bool(table['beats_baselines'].all())}")
    print(
        f"ECE on the latest labelled cohort: median {latest['ece'].median():.4f} "
        f"(max {latest['ece'].max():.4f}; floor 0.005: {verdict((latest['ece'] <= 0.005).all())})"
    )
    print(
        "training wall time per world (s): median "
        f"{statistics.median(table.groupby('seed')['train_seconds'].first()):.1f}"
    )
    print(
        f"command: .venv/bin/python benchmarks/bench_quality.py --seeds {' '.join(map(str, args.seeds))} "
        f"--scale {args.scale}"
    )


if __name__ == "__main__":
    main()
