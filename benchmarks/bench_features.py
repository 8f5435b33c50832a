"""Time and peak memory of building every cohort's feature matrix, at tri-borough and national scale.

For each scale: generate a synthetic world once (Parquet, cached under data/generated/), then in a
fresh process load its tables, build all cohorts and their matrices with one FeatureBuilder, and
report wall times and the process's peak RSS. The national world has >= 1,000,000 pupil-cohort
rows (15 cohorts x 70,000 Year 6 pupils) and tens of millions of event rows.

    .venv/bin/python benchmarks/bench_features.py                      # both scales
    .venv/bin/python benchmarks/bench_features.py --scale tri-borough
    .venv/bin/python benchmarks/bench_features.py --scale national --loader raw

Targets: tri-borough all matrices < 60 s; national <= 10 minutes and <= 12 GiB peak memory.
`--loader validate` reads through `load_extract` (contract checks included); `raw` reads the
Parquet files and types them the same way without the checks (to time feature building alone).
Cohort years 2018-2032 keep every synthetic sibling's records after 1990 (the contract's floor).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALES = {"tri-borough": "tri-borough", "national": 70_000}
TARGETS = {"tri-borough": (60.0, None), "national": (600.0, 12.0)}  # seconds, GiB
FIRST_YEAR, LAST_YEAR, SEED = 2018, 2032, 11
EVENT_TABLES = ("pupils", "school_census", "attendance", "exclusions", "social_care", "police_notifications")


def world_dir(scale: str) -> Path:
    """Where the cached world of a scale lives."""
    return ROOT / "data" / "generated" / f"bench-features-{scale}-{SEED}"


def ensure_world(scale: str) -> float:
    """Generate the world of `scale` unless cached; seconds spent generating (0 when cached)."""
    from ontrack_model.synth import generate_world

    out = world_dir(scale)
    if (out / "manifest.json").exists():
        return 0.0
    start = time.perf_counter()
    generate_world(
        out,
        seed=SEED,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
        scale=SCALES[scale],
        file_format="parquet",
        overwrite=True,
    )
    return time.perf_counter() - start


def load_raw(directory: Path):
    """The extract's event tables typed like `load_extract`, without the contract checks."""
    import pyarrow.parquet as pq

    from ontrack_model.extract import Extract
    from ontrack_model.validation.engine import ALL_TABLES
    from ontrack_model.validation.loading import to_frame
    from ontrack_model.validation.manifest import load_manifest

    tables = {
        name: to_frame(pq.read_table(directory / f"{name}.parquet"), ALL_TABLES[name])
        for name in EVENT_TABLES
    }
    return Extract(load_manifest(directory), tables)


def measure(directory: Path, loader: str) -> dict:
    """Run in a fresh process: load, prepare, build every matrix; times, sizes and peak RSS."""
    from ontrack_model.features import FeatureBuilder
    from ontrack_model.validation import load_extract

    t0 = time.perf_counter()
    extract = load_extract(directory, tables=EVENT_TABLES) if loader == "validate" else load_raw(directory)
    t1, c1 = time.perf_counter(), time.process_time()
    loaded_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB
    builder = FeatureBuilder(extract)
    t2 = time.perf_counter()
    rows = features = 0
    for year in builder.cohorts.years:
        matrix = builder.matrix(year)
        rows += len(matrix.X)
        features = matrix.X.shape[1]
        del matrix
    t3, c3 = time.perf_counter(), time.process_time()
    return {
        "event_rows": sum(len(t) for name, t in extract.tables.items() if name != "pupils"),
        "pupils": len(extract.tables["pupils"]),
        "cohorts": len(builder.cohorts.years),
        "matrix_rows": rows,
        "features": features,
        "load_s": t1 - t0,
        "prepare_s": t2 - t1,
        "matrices_s": t3 - t2,
        "features_cpu_s": c3 - c1,  # roughly the wall time an idle machine would take
        "loaded_gib": loaded_gib,
        "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def run_scale(scale: str, loader: str) -> dict:
    """Generate if needed, then measure in a child process (so peak memory is this run's alone)."""
    generated = ensure_world(scale)
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(world_dir(scale)), "--loader", loader],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(scale=scale, generate_s=generated)
    return result


COLUMNS = (  # (header, width, format of the value)
    ("scale", 12, "{scale:<12}"),
    ("pupils", 10, "{pupils:>10,}"),
    ("event rows", 12, "{event_rows:>12,}"),
    ("cohorts", 7, "{cohorts:>7}"),
    ("matrix rows", 12, "{matrix_rows:>12,}"),
    ("features", 8, "{features:>8}"),
    ("load s", 7, "{load_s:>7.1f}"),
    ("prepare s", 9, "{prepare_s:>9.1f}"),
    ("matrices s", 10, "{matrices_s:>10.1f}"),
    ("features s", 10, "{features_s:>10.1f}"),
    ("cpu s", 6, "{features_cpu_s:>6.1f}"),
    ("loaded GiB", 10, "{loaded_gib:>10.2f}"),
    ("peak GiB", 8, "{peak_gib:>8.2f}"),
)


def print_table(results: list[dict], command: str) -> None:
    """The results as a plain-text table with the command that reproduces them."""
    print(f"\nFeature building benchmark  ({command})\n")
    header = " ".join(
        f"{name:>{width}}" if i else f"{name:<{width}}" for i, (name, width, _) in enumerate(COLUMNS)
    )
    print(header + "  target")
    print("-" * (len(header) + 40))
    for r in results:
        seconds, gib = TARGETS[r["scale"]]
        r = {**r, "features_s": r["prepare_s"] + r["matrices_s"]}
        ok = r["features_s"] <= seconds and (gib is None or r["peak_gib"] <= gib)
        target = f"features < {seconds:.0f} s" + (f", peak <= {gib:.0f} GiB" if gib else "")
        row = " ".join(fmt.format(**r) for _, _, fmt in COLUMNS)
        print(f"{row}  {target}: {'PASS' if ok else 'FAIL'}")
    print(
        "\nfeatures s = wall time to prepare (encode and group the event tables once) and build all "
        "cohorts' matrices; cpu s = its CPU time (the machine may be shared); load s = reading the "
        "files; loaded GiB = peak RSS after loading; peak GiB = the measuring process's maximum RSS."
    )


def main() -> None:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="both")
    parser.add_argument("--loader", choices=["raw", "validate"], default="raw")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.loader)))
        return
    scales = list(SCALES) if args.scale == "both" else [args.scale]
    results = [run_scale(scale, args.loader) for scale in scales]
    print_table(results, "python benchmarks/bench_features.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
