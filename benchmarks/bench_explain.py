"""Speed of SHAP explanations: a tri-borough cohort (~4,500 pupils) and 100,000 pupils, ~80 features.

Run:  .venv/bin/python benchmarks/bench_explain.py [--repeats 3] [--skip-large] [--n-jobs N]

Limits (on 2 cores): 4,500 pupils <= 10 s, 100,000 pupils <= 120 s for the SHAP values (additivity
checked on every row). Also times the plain-language reasons for every child (top=None), which
training computes once per scored cohort. Prints a table; exits 1 if a limit is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ontrack_model.explain import reasons_for_rows, shap_values  # noqa: E402
from ontrack_model.feature_spec import FeatureSpec  # noqa: E402

N_FEATURES = 80
N_GROUPS = 16
LIMITS = {4_500: 10.0, 100_000: 120.0}


def make_matrix(n: int, seed: int) -> pd.DataFrame:
    """A feature matrix shaped like the real one: counts, flags and rates, with missing values."""
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(N_FEATURES):
        kind = j % 3
        if kind == 0:
            col = rng.poisson(0.4 + (j % 5) * 0.3, n).astype(float)
        elif kind == 1:
            col = (rng.random(n) < 0.05 + 0.02 * (j % 7)).astype(float)
        else:
            col = np.clip(rng.beta(12, 1.2, n), 0, 1)
            col[rng.random(n) < 0.08] = np.nan
        cols[f"f{j:02d}"] = col
    return pd.DataFrame(cols)


def make_labels(X: pd.DataFrame, seed: int) -> np.ndarray:
    """Rare outcome (~3%) driven by a dozen features, as in the synthetic world."""
    rng = np.random.default_rng(seed)
    Z = X.fillna(X.median()).to_numpy()
    weights = np.zeros(N_FEATURES)
    weights[:12] = rng.normal(0.6, 0.2, 12)
    logit = -4.0 + (Z - Z.mean(axis=0)) / (Z.std(axis=0) + 1e-9) @ weights
    return (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)


def make_specs(columns: list[str]) -> dict[str, FeatureSpec]:
    """Specs with plain-language facts, five columns per group."""
    kinds = ("count", "flag", "rate")
    return {
        name: FeatureSpec(
            name, f"Area {j % N_GROUPS}", "A benchmark column.", kinds[j % 3], "last 12 months",
            "measure {value} in the last 12 months", "none in the last 12 months", "not recorded",
        )
        for j, name in enumerate(columns)
    }


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of `repeats` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="only the 4,500-pupil cohort")
    parser.add_argument("--n-jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--max-leaf-nodes", type=int, default=31)
    parser.add_argument("--max-iter", type=int, default=300)
    args = parser.parse_args()
    print("command:", " ".join([".venv/bin/python", *sys.argv]))

    X_train = make_matrix(20_000, seed=1)
    model = HistGradientBoostingClassifier(
        max_iter=args.max_iter, max_leaf_nodes=args.max_leaf_nodes, learning_rate=0.05,
        min_samples_leaf=40, early_stopping=False, random_state=0,
    ).fit(X_train.to_numpy(), make_labels(X_train, seed=2))
    leaves = np.mean([p[0].get_n_leaf_nodes() for p in model._predictors])
    print(f"model: HGB {model.n_iter_} trees, mean {leaves:.1f} leaves, {N_FEATURES} features; "
          f"{os.cpu_count()} cores")
    specs = make_specs(list(X_train.columns))

    rows = []
    sizes = [4_500] if args.skip_large else [4_500, 100_000]
    for n in sizes:
        X = make_matrix(n, seed=3)
        repeats = args.repeats if n <= 10_000 else max(1, min(args.repeats, 3))
        matrix, names = X.to_numpy(), list(X.columns)
        seconds, result = timed(
            lambda m=matrix, c=names: shap_values(model, m, c, check_rows=None, n_jobs=args.n_jobs),
            repeats,
        )
        reason_s, _ = timed(lambda X=X, r=result: reasons_for_rows(r, X, specs, top=None), 1)
        rows.append(
            {
                "pupils": n,
                "shap_s (median)": round(seconds, 1),
                "limit_s": LIMITS[n],
                "ok": seconds <= LIMITS[n],
                "max_additivity_error": f"{result.max_additivity_error:.1e}",
                "reasons_all_s": round(reason_s, 1),
                "repeats": repeats,
            }
        )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    return 0 if table["ok"].all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
