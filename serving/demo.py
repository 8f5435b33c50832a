"""A synthetic bundle and a stand-in model, for demos, tests and benchmarks without a trained model.

Everything here is random and labelled as such: no real child or family is represented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI

from ontrack_model.errors import ModelInputError
from ontrack_model.liststore import CHILD_COLUMNS, FAMILY_COLUMNS, ModelBundle, save_bundle
from serving.model_source import ModelSource, StoredSource
from serving.settings import Settings
from serving.users import add_user

BOROUGHS = ("LBHF", "RBKC", "WCC")
_REASONS = (
    ("School attendance", "Missed {n}% of school sessions last term"),
    ("Suspensions", "{k} suspensions from school in the last 12 months"),
    (
        "Earlier children's social care",
        "A child in the family had a social-care assessment in the last 3 years",
    ),
    ("School moves", "Changed school {k} times since Reception"),
    ("Special educational needs", "Has SEN support at school"),
    ("Free school meals", "Eligible for free school meals"),
    ("Sibling support", "An older sibling has had early-help support"),
)
_LOWERS = (
    "Attendance above 97% last year",
    "No suspensions ever recorded",
    "No school moves since Reception",
)
_NOTES = (
    "Attendance for last term is missing",
    "The child moved into the area within the last year: earlier records may be incomplete",
    "The family link comes from one source only",
)


class DemoModel:
    """A fixed logistic model on `n_features` numeric columns (a stand-in for the champion)."""

    def __init__(self, version: str = "1", n_features: int = 12, seed: int = 0) -> None:
        self.version = str(version)
        self.feature_names = [f"feature_{i:02d}" for i in range(n_features)]
        self._weights = np.random.default_rng(seed).normal(0, 0.5, n_features)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability per row; ModelInputError naming missing or extra columns."""
        missing = [c for c in self.feature_names if c not in frame.columns]
        extra = [c for c in frame.columns if c not in self.feature_names]
        if missing or extra:
            raise ModelInputError(f"feature matrix: missing columns {missing}, unexpected columns {extra}")
        x = frame[self.feature_names].to_numpy(dtype=float)
        margin = np.nan_to_num(x, nan=0.0) @ self._weights - 3.0
        return 1.0 / (1.0 + np.exp(-margin))


def _reasons(rng: np.random.Generator, n: int) -> str:
    picks = rng.choice(len(_REASONS), size=min(n, len(_REASONS)), replace=False)
    out = []
    for rank, i in enumerate(picks):
        group, text = _REASONS[i]
        out.append(
            {
                "group": group,
                "text": text.format(n=int(rng.integers(8, 40)), k=int(rng.integers(2, 5))),
                "direction": "raises",
                "contribution": round(float(1.2 / (rank + 1)), 3),
            }
        )
    out.append(
        {"group": "Attendance", "text": str(rng.choice(_LOWERS)), "direction": "lowers", "contribution": -0.2}
    )
    return json.dumps(out)


def _cohort(year: int, n_families: int, rng: np.random.Generator, schools_per_borough: int) -> tuple:
    fam_ids = [f"F{year}{i:05d}" for i in range(n_families)]
    fam_borough = rng.choice(BOROUGHS, size=n_families)
    n_kids = 1 + (rng.random(n_families) < 0.12).astype(int)  # ~12% of families have Year 6 twins/siblings
    rows = []
    for fid, borough, k in zip(fam_ids, fam_borough, n_kids, strict=True):
        for j in range(k):
            rows.append(
                {
                    "cohort": year,
                    "pupil_id": f"P{fid[1:]}{j}",
                    "family_id": fid,
                    "borough": str(borough),
                    "school_id": f"{borough}-S{int(rng.integers(0, schools_per_borough)):02d}",
                    "score": float(rng.normal(-4.5, 1.2)),
                }
            )
    children = pd.DataFrame(rows)
    children["probability"] = 1 / (1 + np.exp(-children["score"]))
    children["reasons"] = [_reasons(rng, 5) for _ in range(len(children))]
    fam = children.sort_values(["family_id", "score"], ascending=[True, False]).groupby(
        "family_id", sort=False
    )
    top = fam.head(1).set_index("family_id")
    families = pd.DataFrame(
        {
            "cohort": year,
            "family_id": top.index,
            "borough": top["borough"].to_numpy(),
            "school_ids": fam["school_id"]
            .agg(lambda s: ";".join(sorted(set(s))))
            .reindex(top.index)
            .to_numpy(),
            "score": top["score"].to_numpy(),
            "probability": top["probability"].to_numpy(),
            "n_children": fam.size().reindex(top.index).to_numpy(),
            "reasons": top["reasons"].to_numpy(),
        }
    )
    families = families.sort_values(["score", "family_id"], ascending=[False, True], kind="mergesort")
    families["rank"] = np.arange(1, len(families) + 1)
    families["rank_in_borough"] = families.groupby("borough").cumcount() + 1
    lower = families["score"].rank(method="min").to_numpy() - 1
    families["percentile"] = 100.0 * lower / len(families)
    families["open_to_social_care"] = rng.random(len(families)) < 0.03
    families["data_quality"] = [
        json.dumps([str(rng.choice(_NOTES))] if rng.random() < 0.15 else []) for _ in range(len(families))
    ]
    return families[list(FAMILY_COLUMNS)].reset_index(drop=True), children[list(CHILD_COLUMNS)]


def make_demo_bundle(
    version: str = "1",
    n_families: int = 4000,
    cohorts: tuple[int, ...] = (2023, 2024),
    seed: int = 0,
    schools_per_borough: int = 40,
) -> ModelBundle:
    """A random but well-formed bundle: `n_families` per cohort across LBHF, RBKC and WCC."""
    rng = np.random.default_rng(seed)
    bundle = ModelBundle(
        version=str(version),
        info={
            "model_name": "ontrack-risk",
            "run_id": "demo",
            "version": str(version),
            "trained_cohorts": [min(cohorts) - 3, min(cohorts) - 2, min(cohorts) - 1],
            "capacity": 100,
            "metrics": {"precision_at_k": 0.12, "recall_at_k": 0.35, "lift_at_k": 8.0},
            "note": "synthetic demonstration data: no real family is represented",
        },
        model_card="# Demo model\n\nSynthetic demonstration bundle: random scores and reasons.\n",
        fairness={
            "note": "synthetic",
            "groups": {"sex": {"F": {"selection_rate": 0.02}, "M": {"selection_rate": 0.02}}},
        },
    )
    for year in cohorts:
        bundle.families[year], bundle.children[year] = _cohort(year, n_families, rng, schools_per_borough)
    return bundle


def demo_matrix(model: DemoModel, n_rows: int, seed: int = 0) -> pd.DataFrame:
    """A random feature matrix for `model` with a pupil_id column."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(0, 1, (n_rows, len(model.feature_names))), columns=model.feature_names)
    frame.insert(0, "pupil_id", [f"P{i:06d}" for i in range(n_rows)])
    return frame


DEMO_USERS = (
    ("pract-lbhf", "practitioner", "LBHF"),
    ("pract-rbkc", "practitioner", "RBKC"),
    ("analyst", "analyst", None),
    ("evaluator", "evaluator", None),
    ("admin", "admin", None),
)


@dataclass
class DemoService:
    """An app over a demo bundle with one user per role; `tokens` maps user name to token."""

    app: FastAPI
    tokens: dict[str, str]
    bundle: ModelBundle
    store: Path
    model: DemoModel

    def headers(self, user: str) -> dict[str, str]:
        """The Authorization header of demo user `user`."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def demo_service(
    directory: str | Path,
    *,
    n_families: int = 60,
    version: str = "1",
    source: ModelSource | None = None,
    **settings: Any,
) -> DemoService:
    """Write a demo bundle under `directory`, create the demo users and build the app (not started)."""
    from serving.app import create_app  # the app imports nothing from here

    directory = Path(directory)
    store = directory / "store"
    bundle = make_demo_bundle(version, n_families=n_families)
    save_bundle(bundle, store)
    model = DemoModel(version)
    app = create_app(
        Settings(db_path=directory / "service.sqlite3", store_root=store, **settings),
        source or StoredSource(model, store),
    )
    db = app.state.services.db
    tokens = {name: add_user(db, name, role, borough)[1] for name, role, borough in DEMO_USERS}
    return DemoService(app=app, tokens=tokens, bundle=bundle, store=store, model=model)
