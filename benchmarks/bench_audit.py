"""Speed and memory of the fairness audit and the evaluator's report.

Run:  .venv/bin/python benchmarks/bench_audit.py [--repeats 3] [--resamples 1000] [--large]

A tri-borough cohort (~4,500 pupils, five attributes plus ethnicity x sex) is audited at k = 100
with 1,000 family resamples. Limit (on 2 cores): <= 30 s per audit. Five such cohorts pooled (what
each training run adds for its validation cohorts) are timed too (reported, no limit). With --large,
a 100,000-pupil cohort is audited too (reported, no limit). Also times building the report from three audited
cohorts. Peak memory is Python's traced allocation (tracemalloc), which covers numpy arrays.
Prints a table; exits 1 if a limit is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ontrack_model.fairness import AuditConfig, audit_cohort, audit_pooled  # noqa: E402
from ontrack_model.fairness.simulate import simulate_cohort  # noqa: E402
from ontrack_model.report import build_report  # noqa: E402
from ontrack_model.report.example import example_inputs  # noqa: E402

AUDIT_LIMIT_S = 30.0


def _time(fn, repeats: int) -> tuple[float, float]:
    """Median seconds over `repeats` runs, and peak traced MiB of one run."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--large", action="store_true", help="also audit 100,000 pupils")
    args = parser.parse_args()

    rows: list[tuple[str, float, float, str]] = []
    config = AuditConfig(resamples=args.resamples, seed=0)
    cohort = simulate_cohort(4500, seed=1, inflation={"BLAC": 1.0})
    secs, peak = _time(lambda: audit_cohort(cohort, 100, config), args.repeats)
    ok = secs <= AUDIT_LIMIT_S
    rows.append((f"audit 4,500 pupils, {args.resamples} resamples", secs, peak,
                 f"<= {AUDIT_LIMIT_S:.0f} s: {'ok' if ok else 'MISSED'}"))
    no_boot = AuditConfig(resamples=0)
    secs0, peak0 = _time(lambda: audit_cohort(cohort, 100, no_boot), args.repeats)
    rows.append(("  of which point estimates (MetricFrame), suppression", secs0, peak0, ""))
    five = {2017 + i: simulate_cohort(4500, seed=10 + i) for i in range(5)}
    secs_p, peak_p = _time(lambda: audit_pooled(five, 100, config), args.repeats)
    rows.append((f"audit 5 cohorts pooled (22,500 pupils), {args.resamples} resamples", secs_p, peak_p,
                 "reported"))
    if args.large:
        big = simulate_cohort(100_000, seed=2)
        secs_l, peak_l = _time(lambda: audit_cohort(big, 2000, config), 1)
        rows.append((f"audit 100,000 pupils, {args.resamples} resamples", secs_l, peak_l, "reported"))
    inputs = example_inputs(years=(2017, 2018, 2019), n_children=4500, capacity=100, resamples=200)
    secs_r, peak_r = _time(lambda: build_report(inputs), args.repeats)
    rows.append(("build report (3 validation + current cohort)", secs_r, peak_r, ""))

    print(f"{'step':<58} {'median s':>9} {'peak MiB':>9}  limit")
    for name, s, p, limit in rows:
        print(f"{name:<58} {s:>9.2f} {p:>9.1f}  {limit}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
