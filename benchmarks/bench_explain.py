"""Speed of SHAP explanations: a tri-borough cohort (~4,500 pupils) and 100,000 pupils, ~80 features.

Run:  .venv/bin/python benchmarks/bench_explain.py [--repeats 3] [--repeats-large 1] [--skip-large]
      [--n-jobs N]

Each gradient-boosting candidate of the default training grid (ontrack_model.models) is fitted on
20,000 synthetic pupils with 80 features (counts, flags, rates with missing values), then explained.

Limits (on 2 cores): 4,500 pupils <= 10 s, 100,000 pupils <= 120 s for the SHAP values (additivity
checked on every row). shap_wall_s is the median wall time (4,500: --repeats runs; 100,000:
--repeats-large runs), with the load average after each case: on a shared machine other work
slows it. Also times the plain-language reasons for every child (top=None), computed once per
scored cohort. Exits 1 if a wall time misses its limit.
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
            name,
            f"Area {j % N_GROUPS}",
            "A benchmark column.",
            kinds[j % 3],
            "last 12 months",
            "measure {value} in the last 12 months",
            "none in the last 12 months",
            "not recorded",
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


def hgb_grid() -> list[tuple[str, dict]]:
    """The gradient-boosting candidates training chooses from (the models module's default grid)."""
    from ontrack_model.models import default_candidates

    return [(c.name, c.params) for c in default_candidates() if c.kind == "hgb"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of the 4,500-pupil case (median)")
    parser.add_argument("--repeats-large", type=int, default=1, help="runs of the 100,000-pupil case")
    parser.add_argument("--skip-large", action="store_true", help="only the 4,500-pupil cohort")
    parser.add_argument("--n-jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args()
    print("command:", " ".join([".venv/bin/python", *sys.argv]))
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores; load average {load:.1f} at start (other work slows wall times)")

    X_train = make_matrix(20_000, seed=1)
    y_train = make_labels(X_train, seed=2)
    specs = make_specs(list(X_train.columns))
    sizes = [4_500] if args.skip_large else [4_500, 100_000]
    matrices = {n: make_matrix(n, seed=3) for n in sizes}
    rows = []
    for name, params in hgb_grid():
        model = HistGradientBoostingClassifier(**({"early_stopping": False} | params), random_state=0)
        model.fit(X_train.to_numpy(), y_train)
        depth = np.mean([p[0].get_max_depth() for p in model._predictors])
        leaves = np.mean([p[0].get_n_leaf_nodes() for p in model._predictors])
        for n, X in matrices.items():
            matrix, names = X.to_numpy(), list(X.columns)
            seconds, result = timed(
                lambda m=matrix, c=names, e=model: shap_values(e, m, c, check_rows=None, n_jobs=args.n_jobs),
                args.repeats if n <= 10_000 else args.repeats_large,
            )
            reason_s, _ = timed(lambda X=X, r=result: reasons_for_rows(r, X, specs, top=None), 1)
            rows.append(
                {
                    "model": f"{name}: {model.n_iter_} trees, {leaves:.0f} leaves, depth {depth:.1f}",
                    "pupils": n,
                    "shap_wall_s": round(seconds, 1),
                    "limit_s": LIMITS[n],
                    "ok": seconds <= LIMITS[n],
                    "additivity_err": f"{result.max_additivity_error:.0e}",
                    "reasons_s": round(reason_s, 1),
                    "load": round(os.getloadavg()[0], 1),
                }
            )
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False))
    return 0 if table["ok"].all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
