"""Training end to end: wall time and peak memory of `ontrack train` on a synthetic world.

The world is generated once and cached under data/generated/ (not committed). `ontrack train` runs
in a fresh process with its own MLflow store; its peak resident memory is read from the operating
system (the child's ru_maxrss). Targets (issue: training pipeline): tri-borough <= 3 minutes;
1,000,000 training rows <= 20 minutes and <= 16 GiB.

Run:
  .venv/bin/python benchmarks/bench_train.py                      # tri-borough, 3 runs
  .venv/bin/python benchmarks/bench_train.py --scale 100000 --first-year 2018 --last-year 2032 --runs 1
      # ~100,000 Year 6 pupils a year, 10 labelled cohorts: about 1.0M training rows
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from ontrack_model import liststore  # noqa: E402
from ontrack_model.schema import TRUTH_DIR  # noqa: E402
from ontrack_model.synth import generate_world  # noqa: E402
from ontrack_model.synth.outcome import HORIZON_YEARS  # noqa: E402
from ontrack_model.synth.writer import TRUTH_FILE  # noqa: E402

CACHE = ROOT / "data" / "generated"
LIMITS = {"tri-borough": (180.0, None), "large": (1200.0, 16.0)}  # seconds, GiB
LARGE_ROWS = 900_000  # training rows from which the 1M-row limits apply


def world_for(scale: str, first: int, last: int, seed: int) -> Path:
    """The cached world for these options, generated on first use."""
    path = CACHE / f"bench-train-{scale}-{first}-{last}-{seed}"
    if not (path / "manifest.json").is_file():
        print(f"generating {path.name} (once) ...", flush=True)
        start = time.perf_counter()
        generate_world(path, seed=seed, first_year=first, last_year=last,
                       scale=int(scale) if scale.isdigit() else scale, file_format="parquet", overwrite=True)
        print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def train_once(world: Path, workdir: Path) -> tuple[float, float, str]:
    """Seconds, peak GiB and the last lines of one `ontrack train` run in a fresh process."""
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{workdir / 'mlflow.db'}",
               PYTHONUNBUFFERED="1", **{liststore.STORE_ENV: str(workdir / "store")})
    exe = Path(sys.executable).with_name("ontrack")
    start = time.perf_counter()
    proc = subprocess.run([str(exe), "train", "--data", str(world)], cwd=workdir, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    # The largest peak of any child so far: with runs of one world, the peak over the runs.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.exit(f"ontrack train failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, peak_kib / 2**20, "\n".join(proc.stdout.strip().splitlines()[-4:])


def training_rows(world: Path, last_year: int) -> tuple[list[int], int]:
    """Labelled cohorts (5-year horizon passed by the extract date) and their members, from the
    world's ground truth (one row per cohort member)."""
    truth = pd.read_csv(world / TRUTH_DIR / TRUTH_FILE, usecols=["cohort"])
    labelled = sorted(int(y) for y in truth["cohort"].unique() if y + HORIZON_YEARS <= last_year)
    return labelled, int(truth["cohort"].isin(labelled).sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tri-borough", help="tri-borough or Year 6 pupils a year")
    parser.add_argument("--first-year", type=int, default=2012)
    parser.add_argument("--last-year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    world = world_for(args.scale, args.first_year, args.last_year, args.seed)
    times, peaks = [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak, tail = train_once(world, Path(tmp))
        times.append(seconds)
        peaks.append(peak)
        print(f"run {i + 1}: {seconds:.0f} s, peak {peak:.1f} GiB\n{tail}", flush=True)
    labelled, rows = training_rows(world, args.last_year)
    median = statistics.median(times)
    kind = "large" if rows >= LARGE_ROWS else "tri-borough"
    limit_s, limit_gib = LIMITS[kind]
    print(f"\n{args.scale} world, cohorts {args.first_year}-{args.last_year}: {len(labelled)} labelled "
          f"cohorts, {rows:,} training rows (pupil-cohorts)")
    print(f"ontrack train: median {median:.0f} s over {args.runs} run(s); peak {max(peaks):.1f} GiB")
    ok = median <= limit_s and (limit_gib is None or max(peaks) <= limit_gib)
    limit = f"<= {limit_s / 60:.0f} min" + (f", <= {limit_gib:.0f} GiB" if limit_gib else "")
    print(f"target {limit}: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
