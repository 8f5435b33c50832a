"""Does the fairness audit catch a surveillance bias? The same world at several bias factors.

For each factor: generate the tri-borough world (same seed) with `--surveillance-bias GROUP=FACTOR`
(factor 1 = no bias), train the full pipeline on it (default configuration, capacity 100) and read
the run's audit of the validation cohorts pooled. Need and outcomes are identical in every world;
only the group's records differ. Printed per factor: the group's selection-rate, false-positive-rate
and selection ÷ need ratios to the reference group with 95% intervals, whether each is flagged, and
how many ethnicity ratios are flagged in the pooled audit and in single years.

Expected: no ethnicity flag at factor 1; the group flagged above the band for selection rate and FPR
at a strong bias (6). The script exits 1 if either fails.

Run:  .venv/bin/python benchmarks/bench_surveillance.py [--factors 1 3 6] [--seed 7] [--group BLAC]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
logging.getLogger("mlflow").setLevel(logging.ERROR)  # keep the output to the measurements

import mlflow  # noqa: E402

from ontrack_model import liststore  # noqa: E402
from ontrack_model.synth import generate_world  # noqa: E402
from training.config import load_config  # noqa: E402
from training.pipeline import train  # noqa: E402

METRICS = ("selection_rate", "fpr", "selection_to_need")
STRONG = 6.0  # the factor at which the group must be flagged


def _ratio(record: dict | None) -> str:
    if record is None or record["ratio"] is None:
        return "suppressed"
    mark = " FLAGGED" if record["flagged"] else ""
    return f"{record['ratio']:.2f} ({record['ratio_ci_low']:.2f}-{record['ratio_ci_high']:.2f}){mark}"


def _listed(flags: list[dict], with_year: bool = False) -> str:
    words = [(f"{f['cohort']} " if with_year else "") + f"{f['group']} {f['metric']}" for f in flags]
    return ", ".join(words) or "none"


def run_factor(factor: float, group: str, seed: int, workdir: Path) -> dict:
    """Generate, train and return the pooled audit's records for `group` and the flag counts."""
    world = workdir / f"world_{factor:g}"
    bias = None if factor == 1 else {group: factor}
    generate_world(world, seed=seed, scale="tri-borough", surveillance_bias=bias, overwrite=True)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{workdir / f'mlflow_{factor:g}.db'}"
    os.environ[liststore.STORE_ENV] = str(workdir / f"store_{factor:g}")
    start = time.perf_counter()
    result = train(world, load_config())
    seconds = time.perf_counter() - start
    audit = mlflow.artifacts.load_dict(f"runs:/{result.run_id}/fairness.json")
    pooled = audit["pooled"]
    records = {r["metric"]: r for r in pooled["records"]
               if r["attribute"] == "ethnicity" and r["group"] == group}
    ethnicity = [f for f in result.flags if f["attribute"] == "ethnicity"]
    return {
        "records": records,
        "pooled_flags": [f for f in ethnicity if f["cohort"] == "pooled"],
        "year_flags": [f for f in ethnicity if f["cohort"] != "pooled"],
        "cohorts": pooled["settings"]["cohorts"],
        "reference": records["selection_rate"]["reference_group"],
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 3.0, 6.0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--group", default="BLAC")
    args = parser.parse_args()
    print(f"World: tri-borough, seed {args.seed}; bias on {args.group}; default training configuration, "
          "capacity 100; pooled audit of the validation cohorts, 1,000 resamples.")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for factor in args.factors:
            out = run_factor(factor, args.group, args.seed, Path(tmp))
            print(f"\nfactor {factor:g} (trained in {out['seconds']:.0f} s; cohorts "
                  f"{out['cohorts'][0]}-{out['cohorts'][-1]} pooled; reference {out['reference']}):")
            for metric in METRICS:
                print(f"  {args.group} {metric:<18} ratio {_ratio(out['records'].get(metric))}")
            print(f"  ethnicity flags, pooled: {_listed(out['pooled_flags'])}")
            print(f"  ethnicity flags, single years: {_listed(out['year_flags'], with_year=True)}")
            if factor == 1 and out["pooled_flags"]:
                failures.append("factor 1: an ethnicity ratio is flagged in the pooled audit")
            if factor >= STRONG:
                flagged = {f["metric"] for f in out["pooled_flags"] if f["group"] == args.group}
                missing = {"selection_rate", "fpr"} - flagged
                if missing:
                    failures.append(f"factor {factor:g}: {args.group} not flagged for {sorted(missing)}")
    print()
    if failures:
        print("NOT met: " + "; ".join(failures))
        sys.exit(1)
    print("Target met: no pooled ethnicity flag without bias; the biased group flagged at a strong bias.")


if __name__ == "__main__":
    main()
