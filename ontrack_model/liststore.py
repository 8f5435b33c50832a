"""The ranked-list store: what training writes for each registered model version and serving reads.

`training/` and `serving/` never import each other; they meet here and in the MLflow registry.
For each model version the pipeline saves one *bundle* directory:

    <root>/<version>/model.json            model facts: name, run, cohorts, metrics at capacity
    <root>/<version>/model_card.md         the model card (Markdown)
    <root>/<version>/fairness.json         the latest fairness audit (already suppressed)
    <root>/<version>/families_<year>.parquet   family-level ranked list of one cohort
    <root>/<version>/children_<year>.parquet   the children behind it, with their own reasons

A bundle is written to a temporary directory and renamed into place, so a reader never sees a
half-written one. Reason lists are stored as JSON strings of `Reason` dicts:
`{"group": str, "text": str, "direction": "raises" | "lowers", "contribution": float}`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

STORE_ENV = "ONTRACK_STORE"
DEFAULT_STORE = Path("mlruns") / "ontrack-store"

FAMILY_COLUMNS = (
    "cohort",  # int: Year 6 cohort (school year ending in this calendar year)
    "family_id",  # str
    "borough",  # str: borough of the highest-scoring child's school
    "school_ids",  # str: the family's Year 6 children's schools, ';'-separated
    "rank",  # int: 1 = highest score in the cohort (deterministic tie-break on family_id)
    "rank_in_borough",  # int
    "score",  # float: the highest child's model score (log-odds)
    "probability",  # float: calibrated probability of entering care within the horizon
    "percentile",  # float: 0-100, share of families with a lower score
    "n_children",  # int: the family's children in this cohort
    "open_to_social_care",  # bool: a child of the family is open to social care on the as-of date
    "reasons",  # str: JSON list of the family's top reasons (from the highest-scoring child)
    "data_quality",  # str: JSON list of plain-language data-quality notes
)
CHILD_COLUMNS = (
    "cohort",
    "pupil_id",
    "family_id",
    "borough",
    "school_id",
    "score",
    "probability",
    "reasons",  # str: JSON list of this child's reasons, strongest first
)


def store_root(root: str | Path | None = None) -> Path:
    """The store directory: `root`, else $ONTRACK_STORE, else mlruns/ontrack-store."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(STORE_ENV, DEFAULT_STORE))


@dataclass
class ModelBundle:
    """Everything serving needs about one model version, besides the model itself."""

    version: str
    info: dict  # model.json: model_name, run_id, trained_cohorts, capacity, metrics, cohorts, ...
    model_card: str = ""
    fairness: dict | None = None
    families: dict[int, pd.DataFrame] = field(default_factory=dict)
    children: dict[int, pd.DataFrame] = field(default_factory=dict)

    @property
    def cohorts(self) -> list[int]:
        """Cohort years that have a ranked list, oldest first."""
        return sorted(self.families)


def _check_columns(frame: pd.DataFrame, expected: tuple[str, ...], what: str) -> None:
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def save_bundle(bundle: ModelBundle, root: str | Path | None = None) -> Path:
    """Write `bundle` atomically under `root/<version>` and return that directory."""
    base = store_root(root)
    base.mkdir(parents=True, exist_ok=True)
    target = base / str(bundle.version)
    tmp = Path(tempfile.mkdtemp(prefix=f".{bundle.version}-", dir=base))
    try:
        (tmp / "model.json").write_text(json.dumps(bundle.info, indent=2, default=str))
        (tmp / "model_card.md").write_text(bundle.model_card)
        if bundle.fairness is not None:
            (tmp / "fairness.json").write_text(json.dumps(bundle.fairness, indent=2, default=str))
        for year, frame in bundle.families.items():
            _check_columns(frame, FAMILY_COLUMNS, f"families list of cohort {year}")
            frame.to_parquet(tmp / f"families_{year}.parquet", index=False)
        for year, frame in bundle.children.items():
            _check_columns(frame, CHILD_COLUMNS, f"children list of cohort {year}")
            frame.to_parquet(tmp / f"children_{year}.parquet", index=False)
        if target.exists():
            old = base / f".{bundle.version}-old"
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_bundle(version: str, root: str | Path | None = None) -> ModelBundle:
    """Read the bundle of model `version` (FileNotFoundError naming the directory if absent)."""
    path = store_root(root) / str(version)
    if not (path / "model.json").is_file():
        raise FileNotFoundError(f"no ranked lists stored for model version {version} in {path}")
    info = json.loads((path / "model.json").read_text())
    card_path = path / "model_card.md"
    fairness_path = path / "fairness.json"
    bundle = ModelBundle(
        version=str(version),
        info=info,
        model_card=card_path.read_text() if card_path.is_file() else "",
        fairness=json.loads(fairness_path.read_text()) if fairness_path.is_file() else None,
    )
    for file in sorted(path.glob("families_*.parquet")):
        bundle.families[int(file.stem.split("_")[1])] = pd.read_parquet(file)
    for file in sorted(path.glob("children_*.parquet")):
        bundle.children[int(file.stem.split("_")[1])] = pd.read_parquet(file)
    return bundle


def stored_versions(root: str | Path | None = None) -> list[str]:
    """Model versions with a complete bundle in the store."""
    base = store_root(root)
    if not base.is_dir():
        return []
    return sorted(
        (p.name for p in base.iterdir() if (p / "model.json").is_file() and not p.name.startswith(".")),
        key=lambda v: (len(v), v),
    )
