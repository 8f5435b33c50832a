"""`generate_world`: simulate a synthetic extract and write it atomically into a directory."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ontrack_model.errors import ConfigError
from ontrack_model.schema import TRUTH_DIR
from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.config import SynthConfig
from ontrack_model.synth.exclusions import exclusions
from ontrack_model.synth.outcome import HORIZON_YEARS, cohort_members, draw_outcomes, record_features
from ontrack_model.synth.police import police_notifications
from ontrack_model.synth.population import NEVER, build_population
from ontrack_model.synth.school import attendance_rows, build_schooling, census_rows
from ontrack_model.synth.score15_responses import score15_responses
from ontrack_model.synth.social_care import LAC, latent_history, record_bounds, tidy
from ontrack_model.synth.surveillance import bias_factors, recorded_history
from ontrack_model.synth.tables import BUILDERS, Identifiers, truth_table
from ontrack_model.synth.world_state import World
from ontrack_model.synth.writer import TRUTH_FILE, write_manifest, write_readme, write_table

GENERATOR_VERSION = "1.0"
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class WorldSummary:
    """What was generated: where, from which options, and its headline numbers."""

    out_dir: Path
    seed: int
    scale: str | int
    first_year: int
    last_year: int
    extract_date: str
    boroughs: list[str]
    surveillance_bias: dict[str, float]
    file_format: str
    rows: dict[str, int]  # rows of each file (tables, score15_responses, truth)
    cohort_sizes: dict[int, int]  # cohort members per cohort
    entered_care: dict[int, int]  # true entries to care within the horizon, per cohort
    mean_p_bayes: dict[int, float]  # per cohort
    year6_per_year: float  # mean Year 6 spring-census roll a year
    files: list[Path] = field(default_factory=list)

    def labelled_rate(self) -> float:
        """Entry-to-care rate over cohorts whose 5-year horizon ends by the extract date."""
        done = [c for c in self.cohort_sizes if c + HORIZON_YEARS <= self.last_year]
        n = sum(self.cohort_sizes[c] for c in done)
        return sum(self.entered_care[c] for c in done) / n if n else float("nan")


def simulate(cfg: SynthConfig, progress: Progress) -> World:
    """Simulate every table of the world in memory."""
    extract = cal.extract_day(cfg.last_year)
    seed = cfg.seed
    progress("families and children", 0.02)
    pop = build_population(cfg)
    progress("police notifications", 0.10)
    police = police_notifications(pop, extract, seed)
    progress("social-care histories", 0.15)
    history = latent_history(pop, police, extract, seed)
    progress("schools, census and attendance", 0.30)
    schooling = build_schooling(pop, list(cfg.year6_by_borough.values()), extract, seed)
    census = census_rows(schooling)
    attendance = attendance_rows(pop, schooling, seed)
    excl = exclusions(pop, schooling, seed)
    progress("outcomes", 0.45)
    members = cohort_members(pop, schooling, history)
    history = _without_later_care(history, members, pop.n_children)
    # The outcome is drawn from the true history; a surveillance bias changes only the records.
    features = record_features(pop, members, schooling, history, attendance, census, excl, police)
    outcomes = draw_outcomes(pop, members, features, history, extract, seed)
    if cfg.surveillance_bias:
        factor = bias_factors(pop, cfg.surveillance_bias)
        history = recorded_history(pop, history, factor, extract, seed)
    first, last = record_bounds(pop, extract)
    history = tidy(pd.concat([history, outcomes.episodes], ignore_index=True), first, last, pop)
    progress("SCORE-15 questionnaires", 0.55)
    score15 = score15_responses(pop, outcomes.members, extract, cfg.last_year, seed)
    return World(config=cfg, extract_day=extract, population=pop, schooling=schooling, census=census,
                 attendance=attendance, exclusions=excl, history=history, police=police,
                 outcomes=outcomes, score15=score15)


def _without_later_care(history: pd.DataFrame, members: pd.DataFrame, n_children: int) -> pd.DataFrame:
    """Drop care episodes of cohort members that start after their as-of date: a member's care
    after that date is the outcome, drawn from the records."""
    as_of = np.full(n_children, NEVER, dtype=np.int64)
    as_of[members["child"].to_numpy()] = members["as_of"].to_numpy()
    child = history["child"].to_numpy()
    later = (history["etype"].to_numpy() == LAC) & (history["start"].to_numpy() > as_of[child])
    return history[~later]


def generate_world(
    out_dir: Path,
    *,
    seed: int = 7,
    first_year: int = 2012,
    last_year: int = 2026,
    scale: str | int = "tri-borough",
    surveillance_bias: dict[str, float] | None = None,
    file_format: str = "csv",
    progress: Progress | None = None,
    overwrite: bool = False,
) -> WorldSummary:
    """Generate a synthetic world into `out_dir` (written to a sibling temp dir, then renamed)."""
    cfg = SynthConfig.build(seed=seed, first_year=first_year, last_year=last_year, scale=scale,
                            surveillance_bias=surveillance_bias, file_format=file_format)
    out_dir = Path(out_dir)
    _check_target(out_dir, overwrite)
    report = progress or (lambda stage, fraction: None)
    world = simulate(cfg, report)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the world is an ordinary directory
        rows, files = _write(world, tmp, report)
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report("done", 1.0)
    return _summary(world, out_dir, rows, [out_dir / f.relative_to(tmp) for f in files])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_target(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise ConfigError(
            f"--out {out_dir} is not empty; choose another directory or pass --force to replace it"
        )


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{tmp.name.rsplit('-', 1)[-1]}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def manifest(cfg: SynthConfig) -> dict:
    """The manifest of a world (no timestamps: same options, same bytes)."""
    return {
        "extract_date": cal.to_date(cal.extract_day(cfg.last_year)).isoformat(),
        "synthetic": True,
        "description": (
            "SYNTHETIC school and social-care extract made by `ontrack generate`; no record "
            "describes a real person. Ground truth for tests is under truth/."
        ),
        "boroughs": cfg.boroughs,
        "file_format": cfg.file_format,
        "seed": cfg.seed,
        "scale": cfg.scale,
        "first_year": cfg.first_year,
        "last_year": cfg.last_year,
        "surveillance_bias": cfg.surveillance_bias,
        "score15_coding": "paper",
        "generator_version": GENERATOR_VERSION,
    }


def _write(world: World, directory: Path, progress: Progress) -> tuple[dict[str, int], list[Path]]:
    cfg = world.config
    ids = Identifiers(world)
    rows: dict[str, int] = {}
    files: list[Path] = []
    for i, (name, build) in enumerate(BUILDERS.items()):
        progress(f"writing {name}", 0.6 + 0.35 * i / len(BUILDERS))
        table = build(world, ids)
        rows[name] = table.num_rows
        files.append(write_table(table, directory / name, cfg.file_format))
        del table
    (directory / TRUTH_DIR).mkdir()
    truth = truth_table(world, ids)
    rows["truth"] = truth.num_rows
    files.append(write_table(truth, directory / TRUTH_DIR / TRUTH_FILE, "csv"))
    info = manifest(cfg)
    write_manifest(directory, info)
    write_readme(directory, info, rows)
    return rows, files


def _summary(world: World, out_dir: Path, rows: dict[str, int], files: list[Path]) -> WorldSummary:
    cfg = world.config
    m = world.outcomes.members
    by = m.groupby("cohort")
    census = world.census
    spring_y6 = census[(census["year_group"] == 6) & (census["census_day"].isin(
        [cal.census_day(y, 1) for y in cfg.cohorts]))]
    return WorldSummary(
        out_dir=out_dir,
        seed=cfg.seed,
        scale=cfg.scale,
        first_year=cfg.first_year,
        last_year=cfg.last_year,
        extract_date=cal.to_date(world.extract_day).isoformat(),
        boroughs=cfg.boroughs,
        surveillance_bias=dict(cfg.surveillance_bias),
        file_format=cfg.file_format,
        rows=rows,
        cohort_sizes={int(k): int(v) for k, v in by.size().items()},
        entered_care={int(k): int(v) for k, v in by["entered_care"].sum().items()},
        mean_p_bayes={int(k): float(v) for k, v in by["p_bayes"].mean().items()},
        year6_per_year=len(spring_y6) / len(cfg.cohorts),
        files=files,
    )
