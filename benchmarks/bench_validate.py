"""Time and peak memory of `load_extract` (validate + typed load) at tri-borough and national scale.

Writes a contract-shaped extract (one Year 6 cohort, 7 years of termly census and attendance,
siblings, exclusions, social care, police notifications) with seeded random values, then loads
it in fresh processes and prints the median wall time and peak RSS.

    .venv/bin/python benchmarks/bench_validate.py --scale triborough --repeat 3
    .venv/bin/python benchmarks/bench_validate.py --scale national --repeat 1

Targets: national (~30 million rows) within 10 minutes and 8 GiB; tri-borough (~3 million rows)
well under a minute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq

SCALES = {"triborough": 67_500, "national": 650_000}  # Year 6 cohort pupils (15 x 4,500 or England)
YEARS = 7
FIRST_YEAR = 2017
EXTRACT_DATE = "2024-08-31"
TERMS = (
    ("AUT", "-10-05", "-09-06", "-12-20"),
    ("SPR", "-01-18", "-01-08", "-03-28"),
    ("SUM", "-05-16", "-04-15", "-07-20"),
)


def _ids(prefix: str, numbers: np.ndarray, width: int = 8) -> pa.Array:
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), text, "")


def _choice(rng: np.random.Generator, values: list[str], n: int, p: list[float] | None = None) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        rng.choice(len(values), n, p=p).astype(np.int32), pa.array(values)
    ).cast(pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), pa.date32())


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def make_tables(cohort: int, seed: int) -> dict[str, pa.Table]:
    """Contract-shaped tables for one cohort of `cohort` pupils (valid by construction)."""
    rng = np.random.default_rng(seed)
    siblings = cohort // 2
    n_pupils = cohort + siblings
    family = np.concatenate([np.arange(cohort), (np.arange(siblings) * 2) % cohort])
    birth = np.concatenate(
        [
            rng.integers(_day("2012-09-01"), _day("2013-08-31"), cohort),
            rng.integers(_day("2008-01-01"), _day("2018-12-31"), siblings),
        ]
    )
    left = np.where(
        rng.random(n_pupils) < 0.05, rng.integers(_day("2018-01-01"), _day("2024-07-31"), n_pupils), -1
    )
    pupils = pa.table(
        {
            "pupil_id": _ids("P", np.arange(n_pupils)),
            "family_id": _ids("F", family),
            "sex": _choice(rng, ["F", "M"], n_pupils),
            "ethnicity": _choice(rng, ["WHIT", "MIXD", "ASIA", "BLAC", "CHIN", "AOEG", "UNCL"], n_pupils),
            "birth_month": pc.utf8_slice_codeunits(_dates(birth).cast(pa.string()), 0, 7),
            "eal": _choice(rng, ["Y", "N", "U"], n_pupils),
            "left_la_date": pa.array(left.astype("datetime64[D]"), pa.date32(), mask=left < 0),
        }
    )

    # One census and one attendance row per cohort pupil per term for 7 school years.
    per_pupil = YEARS * len(TERMS)
    pupil = np.repeat(np.arange(cohort), per_pupil)
    slot = np.tile(np.arange(per_pupil), cohort)
    year, term = FIRST_YEAR + slot // 3, slot % 3
    school = _ids("S", rng.integers(0, 2000, cohort)[pupil], 5)
    # Day numbers of each term's census day, first day and last day, looked up per row.
    calendar = np.array(
        [
            [[_day(f"{y + (t > 0)}{TERMS[t][c]}") for c in (1, 2, 3)] for t in range(3)]
            for y in range(FIRST_YEAR, FIRST_YEAR + YEARS)
        ]
    )
    census_day, first_day, last_day = (_dates(calendar[year - FIRST_YEAR, term, c]) for c in range(3))
    census = pa.table(
        {
            "pupil_id": _ids("P", pupil),
            "census_date": census_day,
            "school_id": school,
            "borough": _choice(rng, ["LBHF", "RBKC", "WCC"], len(pupil)),
            "year_group": pa.array(year - FIRST_YEAR),
            "fsm": _choice(rng, ["Y", "N"], len(pupil), [0.25, 0.75]),
            "sen_status": _choice(rng, ["N", "K", "E"], len(pupil), [0.83, 0.13, 0.04]),
        }
    )
    possible = rng.integers(100, 160, len(pupil))
    authorised = rng.integers(0, 20, len(pupil))
    attendance = pa.table(
        {
            "pupil_id": census["pupil_id"],
            "school_id": school,
            "academic_year": pc.binary_join_element_wise(
                pa.array(year).cast(pa.string()),
                pc.utf8_lpad(pa.array((year + 1) % 100).cast(pa.string()), width=2, padding="0"),
                "/",
            ),
            "term": pa.DictionaryArray.from_arrays(
                term.astype(np.int32), pa.array(["AUT", "SPR", "SUM"])
            ).cast(pa.string()),
            "period_start": first_day,
            "period_end": last_day,
            "possible_sessions": pa.array(possible),
            "authorised_absence": pa.array(authorised),
            "unauthorised_absence": pa.array(rng.integers(0, possible - authorised)),
        }
    )
    del pupil, slot, year, term, school

    n_excl = cohort * 3 // 4
    exclusions = pa.table(
        {
            "exclusion_id": _ids("X", np.arange(n_excl)),
            "pupil_id": _ids("P", rng.integers(0, cohort, n_excl)),
            "school_id": _ids("S", rng.integers(0, 2000, n_excl), 5),
            "start_date": _dates(rng.integers(_day("2017-09-01"), _day("2024-07-20"), n_excl)),
            "category": _choice(rng, ["SUSP", "PERM"], n_excl, [0.98, 0.02]),
            "sessions": pa.array(rng.integers(1, 20, n_excl)),
            "reason": _choice(rng, ["PP", "PA", "VP", "VA", "BU", "DB", "OT"], n_excl),
        }
    )

    n_care = cohort * 2
    kinds = ["CONTACT", "REFERRAL", "ASSESSMENT", "EARLY_HELP", "CIN_PLAN", "CP_PLAN"]
    kind = rng.choice(len(kinds), n_care)
    n_lac = cohort // 50  # one LAC episode each for distinct children: none can overlap
    start = rng.integers(_day("2012-01-01"), _day("2024-06-30"), n_care + n_lac)
    length = rng.integers(0, 400, n_care + n_lac)
    end = np.minimum(start + length, _day(EXTRACT_DATE))
    open_ = rng.random(n_care + n_lac) < 0.1
    types = pa.concat_arrays(
        [
            pa.DictionaryArray.from_arrays(kind.astype(np.int32), pa.array(kinds)).cast(pa.string()),
            pa.array(["LAC"] * n_lac),
        ]
    )
    factors = _choice(rng, ["DA;PMH", "NEG", "PSM;DA", "CMH"], n_care + n_lac)
    is_assessment = pc.equal(types, "ASSESSMENT")
    social_care = pa.table(
        {
            "episode_id": _ids("E", np.arange(n_care + n_lac)),
            "pupil_id": _ids(
                "P", np.concatenate([rng.integers(0, n_pupils, n_care), rng.permutation(n_pupils)[:n_lac]])
            ),
            "episode_type": types,
            "start_date": _dates(start),
            "end_date": pa.array(end.astype("datetime64[D]"), pa.date32(), mask=open_),
            "factors": pc.if_else(is_assessment, factors, pa.scalar(None, pa.string())),
        }
    )

    n_police = cohort // 3
    police = pa.table(
        {
            "notification_id": _ids("N", np.arange(n_police)),
            "family_id": _ids("F", rng.integers(0, cohort, n_police)),
            "incident_date": _dates(rng.integers(_day("2015-01-01"), _day("2024-08-30"), n_police)),
            "notification_type": _choice(rng, ["DA_INCIDENT", "DA_CRIME"], n_police),
            "children_present": _choice(rng, ["Y", "N", "U"], n_police),
        }
    )
    return {
        "pupils": pupils,
        "school_census": census,
        "attendance": attendance,
        "exclusions": exclusions,
        "social_care": social_care,
        "police_notifications": police,
    }


def write(directory: Path, tables: dict[str, pa.Table], file_format: str) -> int:
    """Write the extract; return its total number of rows."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {
        "extract_date": EXTRACT_DATE,
        "synthetic": True,
        "description": "bench_validate extract",
        "file_format": file_format,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    for name, table in tables.items():
        if file_format == "csv":
            pv.write_csv(table, directory / f"{name}.csv", pv.WriteOptions(quoting_style="needed"))
        else:
            pq.write_table(table, directory / f"{name}.parquet")
    return sum(t.num_rows for t in tables.values())


_CHILD = """
import json, resource, sys, time
from ontrack_model.validation import load_extract
t0 = time.perf_counter()
extract = load_extract(sys.argv[1])
seconds = time.perf_counter() - t0
rows = sum(len(f) for f in extract.tables.values())
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": rows}))
"""


def measure(directory: Path) -> dict:
    """Load the extract in a fresh process; its wall time and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(directory)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# Targets by scale: (seconds, peak MiB). "Well under a minute" for tri-borough is read as 60 s.
TARGETS = {"triborough": (60.0, None), "national": (600.0, 8 * 1024.0)}


def verdict(scale: str, seconds: float, peak_mib: float) -> tuple[bool, str]:
    """Whether the median time and peak memory meet the scale's target, and the target in words."""
    limit_s, limit_mib = TARGETS.get(scale, (600.0, 8 * 1024.0))
    ok = seconds <= limit_s and (limit_mib is None or peak_mib <= limit_mib)
    words = f"<= {limit_s:.0f} s" + (f" and <= {limit_mib / 1024:.0f} GiB" if limit_mib else "")
    return ok, words


def main() -> int:
    """Parse options, write the extract (unless it exists), measure and print a table; exit 1 when the
    target is missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="triborough")
    parser.add_argument("--pupils", type=int, help="Year 6 cohort size (overrides --scale)")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--repeat", type=int, default=3, help="loads to take the median of")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--dir", type=Path, help="where to write the extract (default: a temporary folder)")
    args = parser.parse_args()
    cohort = args.pupils or SCALES[args.scale]
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp) / "extract"
        t0 = time.perf_counter()
        if (directory / "manifest.json").exists():
            print(f"reusing the extract in {directory}")
        else:
            n_rows = write(directory, make_tables(cohort, args.seed), args.format)
            print(f"wrote {n_rows:,} rows to {directory} in {time.perf_counter() - t0:.0f} s")
        size = sum(p.stat().st_size for p in directory.iterdir()) / 2**20
        runs = [measure(directory) for _ in range(args.repeat)]
    seconds = statistics.median(r["seconds"] for r in runs)
    peak = statistics.median(r["peak_mib"] for r in runs)
    print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{'scale':<12}{'format':<9}{'rows':>12}{'MiB on disk':>13}{'median s':>10}{'peak RSS MiB':>14}")
    print(
        f"{args.scale if not args.pupils else cohort:<12}{args.format:<9}{runs[0]['rows']:>12,}"
        f"{size:>13,.0f}{seconds:>10.1f}{peak:>14,.0f}"
    )
    ok, target = verdict(args.scale if not args.pupils else "national", seconds, peak)
    print(f"target {target}: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
