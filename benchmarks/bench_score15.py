"""Time and memory of SCORE-15 import, scoring, change, summary and reports at several cohort sizes.

Run: .venv/bin/python benchmarks/bench_score15.py [--families 100 1000 10000]
Each family has a parent and a young person answering three times; 2% of items are left blank.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ontrack_model.score15 import (
    cohort_summary,
    family_change,
    family_report,
    read_responses,
    score_administrations,
)
from ontrack_model.score15.report import cohort_report_html


def make_responses(n_families: int, seed: int = 7) -> pd.DataFrame:
    """Random paper-coded responses: families x 2 respondents x 3 administrations."""
    rng = np.random.default_rng(seed)
    rows = n_families * 2 * 3
    family = np.repeat(np.arange(n_families), 6)
    person = np.repeat(np.arange(n_families * 2), 3)
    wave = np.tile(np.arange(3), n_families * 2)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, n_families), unit="D")
    dates = start[family] + pd.to_timedelta(wave * 120, unit="D")
    items = rng.integers(1, 6, size=(rows, 15)).astype(float)
    items[rng.random(items.shape) < 0.02] = np.nan
    frame = pd.DataFrame(items, columns=[f"item_{i}" for i in range(1, 16)]).astype("Int64")
    frame.insert(0, "date", dates.strftime("%Y-%m-%d"))
    frame.insert(0, "age", np.where(person % 2 == 0, 40, 14))
    frame.insert(0, "role", np.where(person % 2 == 0, "parent", "young_person"))
    frame.insert(0, "respondent_id", [f"R{p:06d}" for p in person])
    frame.insert(0, "family_id", [f"F{f:05d}" for f in family])
    return frame


def measure(label: str, fn, results: list) -> object:
    """Run fn once; record wall time and the process's peak resident memory so far."""
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    results.append((label, seconds, peak))
    return out


def run(n: int) -> None:
    """Measure every step for `n` families and print one line per step."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.csv"
        make_responses(n).to_csv(path, index=False)
        results: list = []
        data = measure("read + validate CSV", lambda: read_responses(path, "paper"), results)
        measure("score administrations", lambda: score_administrations(data), results)
        measure("family change", lambda: family_change(data), results)
        measure("cohort summary", lambda: cohort_summary(data), results)
        measure("family report", lambda: family_report(data, "F00000"), results)
        measure("HTML report", lambda: cohort_report_html(data), results)
        for label, seconds, peak in results:
            print(f"{n:>8} {len(data):>7}  {label:<22} {seconds:>8.3f} {peak:>12.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    print(f"{'families':>8} {'rows':>7}  {'step':<22} {'seconds':>8} {'peak RSS MiB':>12}")
    for n in args.families:
        run(n)


if __name__ == "__main__":
    main()
