"""Run every benchmark in this folder, one after another, and print a summary (what `make bench` runs).

Each benchmark script runs as its own subprocess (with this interpreter, from the repository root), in
this order: generate, validate, features, explain, audit, score15, serving, train, quality,
surveillance. Its output is streamed to the terminal and saved to benchmarks/results/<name>.txt (the
folder is not committed).
At the end a table lists every command with its exit status and wall time, and the exact command that
reproduces it; the table is also saved to benchmarks/results/summary.txt. The exit status is 1 if any
benchmark failed: it exited non-zero (the scripts exit 1 when they miss a target) or printed a missed
target without exiting non-zero (bench_features' "FAIL", bench_quality's "NOT met"). bench_score15
prints no verdict: SCORE-15 has no speed target, its table is for information.

Default run: tri-borough scale plus the national-scale cases the issues require. Estimated from
runs on 2 shared cores: about 40 minutes on a quiet machine and up to ~70 on a busy one, mostly
training (the 1.0M-row case ~18 minutes; quality and surveillance about a minute a world on a quiet
machine, up to 7 on a busy one); add ~6 minutes the first time, to generate the national features
world and the large training world (both cached in data/generated/).

    generate   tri-borough world (3 runs, ~4 s each) and a national world of one year (3 runs,
               ~50 s each; target <= 10 min and 8 GiB)
    validate   load_extract of a tri-borough extract (3 loads, ~2 s each) and of a national one,
               ~30 million rows (3 loads, ~20 s each; target <= 10 min and 8 GiB)
    features   every cohort's matrix, tri-borough and national (>= 1M pupil-cohort rows, ~40 s;
               target <= 10 min and 12 GiB); worlds are generated once and cached in data/generated/
    explain    SHAP values of three models for 4,500 pupils (3 runs) and 100,000 pupils (1 run;
               target <= 2 min); ~4 minutes
    audit      fairness audit of 4,500 pupils (3 runs) and of 100,000 pupils (reported); ~3.5 minutes
    score15    SCORE-15 import, scoring and reports for 100, 1,000 and 10,000 families; ~15 s
    serving    real uvicorn server: cold start, 10,000 list requests, scoring 10,000 rows; ~30 s
    train      `ontrack train` on the tri-borough world (3 runs, ~1 min each; target <= 3 min) and on
               ~1.0M training rows (1 run, ~18 min plus ~3 min to generate the world once;
               target <= 20 min and 16 GiB)
    quality    model vs p_bayes on unseen worlds, seeds 7, 8 and 9 (each trains the full pipeline)
    surveillance  the audit on one world with a surveillance bias of 1 (none), 3 and 6 on BLAC
               (each trains the full pipeline; exits 1 if the strong bias is not flagged or the
               unbiased world is)

`--quick` keeps to tri-borough scale with the fewest repeats (5 min 19 s measured on a quiet machine;
quality with seed 7 only, surveillance with factors 1 and 6), and `--only NAME [NAME ...]` runs some
of the benchmarks. `--dry-run` prints the commands.

    .venv/bin/python benchmarks/run_all.py                      # everything (make bench)
    .venv/bin/python benchmarks/run_all.py --quick              # smoke run
    .venv/bin/python benchmarks/run_all.py --only features explain
    .venv/bin/python benchmarks/run_all.py --quick --only quality

To reproduce one result, run the command the summary prints for it (also at the top of its results
file), e.g. `.venv/bin/python benchmarks/bench_validate.py --scale national --repeat 3`. Wall times
depend on the machine's other work: the load average is recorded with each run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
GITIGNORE = "*\n!.gitignore\n"


@dataclass(frozen=True)
class Benchmark:
    """One benchmark script: the runs of the default and of the quick mode (each a list of options)."""

    name: str
    default: tuple[tuple[str, ...], ...]
    quick: tuple[tuple[str, ...], ...]
    missed: str | None = None  # regex of a missed target in output the script does not exit 1 for

    @property
    def script(self) -> Path:
        return BENCH_DIR / f"bench_{self.name}.py"


# ~100,000 Year 6 pupils a year, 10 labelled cohorts: about 1.0M training rows
LARGE_TRAIN = ("--scale", "100000", "--first-year", "2018", "--last-year", "2032", "--runs", "1")
BENCHMARKS = (
    Benchmark("generate",
              default=(("--scenarios", "tri-borough,national", "--runs", "3", "--national-runs", "3"),),
              quick=(("--scenarios", "tri-borough", "--runs", "1"),)),
    Benchmark("validate", default=(("--scale", "triborough", "--repeat", "3"),
                                   ("--scale", "national", "--repeat", "3")),
              quick=(("--scale", "triborough", "--repeat", "1"),)),
    Benchmark("features", default=(("--scale", "both"),), quick=(("--scale", "tri-borough"),),
              missed=r":\s*FAIL\s*$"),
    Benchmark("explain", default=(("--repeats", "3", "--repeats-large", "1"),),
              quick=(("--skip-large", "--repeats", "1"),)),
    Benchmark("audit", default=(("--repeats", "3", "--large"),), quick=(("--repeats", "1"),)),
    Benchmark("score15", default=(("--families", "100", "1000", "10000"),),
              quick=(("--families", "100", "1000", "10000"),)),
    Benchmark("serving", default=((),), quick=(("--quick",),)),
    Benchmark("train", default=(("--runs", "3"), LARGE_TRAIN), quick=(("--runs", "1"),)),
    Benchmark("quality", default=(("--seeds", "7", "8", "9"),), quick=(("--seeds", "7"),), missed=r"NOT met"),
    Benchmark("surveillance", default=(("--factors", "1", "3", "6"),), quick=(("--factors", "1", "6"),)),
)
NAMES = [b.name for b in BENCHMARKS]


@dataclass
class Result:
    """The outcome of one command."""

    name: str
    command: list[str]
    returncode: int | None  # None: not finished (interrupted)
    seconds: float
    output: str = ""
    missed_target: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.missed_target

    @property
    def status(self) -> str:
        if self.returncode is None:
            return "interrupted"
        if self.returncode != 0:
            return f"FAILED (exit {self.returncode})"
        return "target missed" if self.missed_target else "ok"


def python_for_display() -> str:
    """This interpreter, relative to the repository root when it lives inside it (.venv/bin/python)."""
    exe = Path(sys.executable).absolute()  # not resolved: a venv's python is a symlink
    return str(exe.relative_to(ROOT)) if exe.is_relative_to(ROOT) else sys.executable


def display(command: list[str]) -> str:
    """The command as someone would type it at the repository root."""
    return shlex.join([python_for_display(), *command[1:]])


def ensure_results_dir() -> None:
    """Create benchmarks/results/ with a .gitignore that keeps its contents out of git."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    ignore = RESULTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE)


def machine_line() -> str:
    """Date, cores, load average and Python version, recorded with every result."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{datetime.now().isoformat(timespec='seconds')}; {platform.node()}; {os.cpu_count()} cores; "
            f"load average {load}; Python {platform.python_version()}")


def run_one(name: str, command: list[str], log) -> Result:
    """Run `command` from the repository root, copying its output to the terminal and to `log`."""
    header = f"$ {display(command)}\n# {machine_line()}\n"
    sys.stdout.write(f"\n=== {name}: {header}")
    sys.stdout.flush()
    log.write(header.encode())
    log.flush()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    captured = bytearray()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        fd = proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            log.write(chunk)
            log.flush()
            captured += chunk
        proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        seconds = time.perf_counter() - start
        log.write(f"\n# interrupted after {seconds:.0f} s\n".encode())
        return Result(name, command, None, seconds, captured.decode(errors="replace"))
    finally:
        proc.stdout.close()
    seconds = time.perf_counter() - start
    log.write(f"\n# exit status {proc.returncode}; wall time {seconds:.1f} s\n\n".encode())
    log.flush()
    return Result(name, command, proc.returncode, seconds, captured.decode(errors="replace"))


def minutes(seconds: float) -> str:
    """'42.0 s' or '12 min 05.0 s'."""
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def summary(results: list[Result], total: float, mode: str) -> str:
    """The summary table: one row per command."""
    rows = [(r.name, r.status, minutes(r.seconds), display(r.command)) for r in results]
    head = ("benchmark", "status", "wall time", "reproduce (from the repository root)")
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(3)]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[3]

    lines = [f"Benchmark summary ({mode}; {machine_line()})", "", line(head)]
    lines.append(line(["-" * w for w in widths] + ["-" * len(head[3])]))
    lines += [line(row) for row in rows]
    failed = [r for r in results if not r.ok]
    lines += ["", f"total wall time {minutes(total)}; "
              + (f"{len(failed)} of {len(results)} commands not ok" if failed else "all ok")
              + "; outputs in benchmarks/results/<benchmark>.txt"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the chosen benchmarks in order and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Benchmarks: " + ", ".join(NAMES))
    parser.add_argument("--quick", action="store_true",
                        help="tri-borough scale only, fewest repeats (2 to 10 minutes)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=NAMES,
                        help="run only these benchmarks (in the usual order)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands without running them")
    args = parser.parse_args(argv)

    chosen = [b for b in BENCHMARKS if args.only is None or b.name in args.only]
    plan = [(b, [sys.executable, str(b.script.relative_to(ROOT)), *options])
            for b in chosen for options in (b.quick if args.quick else b.default)]
    mode = "quick" if args.quick else "default"
    if args.dry_run:
        for bench, command in plan:
            print(f"{bench.name:<10} {display(command)}")
        return 0

    ensure_results_dir()
    results: list[Result] = []
    start = time.perf_counter()
    interrupted = False
    opened: set[str] = set()
    for bench, command in plan:
        mode_flag = "ab" if bench.name in opened else "wb"
        opened.add(bench.name)
        with open(RESULTS / f"{bench.name}.txt", mode_flag) as log:
            result = run_one(bench.name, command, log)
        if bench.missed and result.returncode == 0:
            result.missed_target = re.search(bench.missed, result.output, flags=re.MULTILINE) is not None
        results.append(result)
        if result.returncode is None:
            interrupted = True
            break
    table = summary(results, time.perf_counter() - start, mode)
    print("\n" + table, end="")
    (RESULTS / "summary.txt").write_text(table)
    if interrupted:
        return 130
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
