"""Family-level ranking: a family's score is the highest of its Year 6 children's scores.

The programme works with families, so capacity k counts families, not children. Ties are broken
deterministically by family_id so the same scores always give the same list.
"""

from __future__ import annotations

import json

import pandas as pd

from ontrack_model.liststore import FAMILY_COLUMNS


def family_scores(children: pd.DataFrame, score_col: str = "score") -> pd.DataFrame:
    """One row per family: its highest child score, ranked (1 = highest), ties by family_id."""
    fam = (
        children.groupby("family_id", sort=True, observed=True)[score_col]
        .max()
        .rename("family_score")
        .reset_index()
    )
    fam = fam.sort_values(["family_score", "family_id"], ascending=[False, True], kind="mergesort")
    fam["rank"] = range(1, len(fam) + 1)
    return fam.reset_index(drop=True)


def select_at_capacity(children: pd.DataFrame, k: int, score_col: str = "score") -> pd.Series:
    """Boolean per child (aligned to `children`): True when the child's family is in the top k."""
    if k <= 0:
        raise ValueError(f"capacity k must be a positive number of families, got {k}")
    fam = family_scores(children, score_col)
    chosen = set(fam.loc[fam["rank"] <= k, "family_id"])
    return children["family_id"].isin(chosen).rename("selected")


def data_quality_notes(X: pd.DataFrame, specs: dict, limit: int = 3) -> list[list[str]]:
    """Per child, plain-language notes on information that was missing (one per reason group)."""
    notes: list[list[str]] = []
    missing = X.isna().to_numpy()
    columns = list(X.columns)
    for row in missing:
        seen_groups: set[str] = set()
        child: list[str] = []
        for j in row.nonzero()[0]:
            spec = specs.get(columns[j])
            if spec is None or not spec.fact_missing or spec.group in seen_groups:
                continue
            seen_groups.add(spec.group)
            child.append(spec.fact_missing)
            if len(child) >= limit:
                break
        notes.append(child)
    return notes


def build_family_list(children: pd.DataFrame, exclude_open: bool = False) -> pd.DataFrame:
    """The family-level ranked list of one cohort from its scored children.

    `children` needs: cohort, pupil_id, family_id, school_id, borough, score, probability,
    open_to_social_care (bool), reasons (JSON string), data_quality (list of str).
    A family takes the score, probability, borough and reasons of its highest-scoring child.
    """
    ordered = children.sort_values(
        ["family_id", "score", "pupil_id"], ascending=[True, False, True], kind="mergesort"
    )
    top_child = ordered.groupby("family_id", sort=True).head(1).set_index("family_id")
    grouped = ordered.groupby("family_id", sort=True)
    fam = pd.DataFrame(
        {
            "cohort": top_child["cohort"],
            "family_id": top_child.index,
            "borough": top_child["borough"],
            "school_ids": grouped["school_id"].agg(lambda s: ";".join(sorted(set(map(str, s))))),
            "score": top_child["score"],
            "probability": top_child["probability"],
            "n_children": grouped.size(),
            "open_to_social_care": grouped["open_to_social_care"].any(),
            "reasons": top_child["reasons"],
            "data_quality": grouped["data_quality"].agg(
                lambda lists: json.dumps(sorted({note for notes in lists for note in notes}))
            ),
        }
    ).reset_index(drop=True)
    if exclude_open:
        fam = fam[~fam["open_to_social_care"]]
    fam = fam.sort_values(["score", "family_id"], ascending=[False, True], kind="mergesort")
    fam = fam.reset_index(drop=True)
    fam["rank"] = range(1, len(fam) + 1)
    fam["rank_in_borough"] = fam.groupby("borough", sort=False).cumcount() + 1
    # Percentile: share of the cohort's families with a strictly lower score.
    lower = fam["score"].rank(method="min", ascending=True) - 1
    fam["percentile"] = 100.0 * lower / max(len(fam), 1)
    return fam[list(FAMILY_COLUMNS)]
