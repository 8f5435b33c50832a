"""Benchmark `generate_world`: median wall time and peak memory at tri-borough and national scale.

Each run happens in a fresh Python process (so peak RSS is that run's own) writing to a temporary
directory that is removed afterwards. Prints a table and the command that reproduces it; exits 1
if a target is missed.

    .venv/bin/python benchmarks/bench_generate.py                      # both scenarios
    .venv/bin/python benchmarks/bench_generate.py --scenarios tri-borough --runs 5
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class Scenario:
    """One benchmarked configuration and its targets."""

    name: str
    options: dict
    max_seconds: float
    max_bytes: float


SCENARIOS = {
    "tri-borough": Scenario(
        "tri-borough", {"scale": "tri-borough", "first_year": 2012, "last_year": 2026, "file_format": "csv"},
        max_seconds=60, max_bytes=8 * GIB),
    "national": Scenario(
        "national", {"scale": "national", "first_year": 2026, "last_year": 2026, "file_format": "parquet"},
        max_seconds=600, max_bytes=8 * GIB),
}

CHILD = """
import json, resource, sys, time
from pathlib import Path
from ontrack_model.synth import generate_world
options = json.loads(sys.argv[1])
start = time.perf_counter()
summary = generate_world(Path(sys.argv[2]) / "world", seed=7, **options)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "rows": sum(summary.rows.values()),
                  "year6": summary.year6_per_year}))
"""


def run_once(scenario: Scenario) -> dict:
    """Generate the scenario's world once in a fresh process; its time, peak RSS and size."""
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(scenario.options), tmp],
                              check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="tri-borough,national",
                        help="comma-separated: " + ", ".join(SCENARIOS))
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median reported)")
    parser.add_argument("--national-runs", type=int, default=1,
                        help="runs of the national scenario (each takes minutes)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")

    header = ("scenario", "runs", "median wall s", "peak RSS GiB (max)", "rows written", "Year 6 a year",
              "target", "ok")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ok_all = True
    for name in names:
        scenario = SCENARIOS[name]
        runs = [run_once(scenario) for _ in range(args.national_runs if name == "national" else args.runs)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_bytes"] for r in runs)
        ok = seconds <= scenario.max_seconds and peak <= scenario.max_bytes
        ok_all &= ok
        target = f"<= {scenario.max_seconds:.0f} s, <= {scenario.max_bytes / GIB:.0f} GiB"
        lines.append(
            f"| {name} | {len(runs)} | {seconds:.1f} | {peak / GIB:.2f} | {runs[0]['rows']:,} | "
            f"{runs[0]['year6']:,.0f} | {target} | {'yes' if ok else 'NO'} |"
        )
    print("\n".join(lines))
    command = [".venv/bin/python", "benchmarks/bench_generate.py", *(sys.argv[1:] if argv is None else argv)]
    print("\nReproduce: " + shlex.join(command))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
