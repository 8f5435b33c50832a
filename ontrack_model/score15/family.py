"""One family's SCORE-15 record as JSON: administrations, scores, change and reliable change."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ontrack_model.errors import Score15Error
from ontrack_model.score15.change import DateLike, change_tables
from ontrack_model.score15.config import DIMENSION_NAMES, SCORES, Score15Config
from ontrack_model.score15.export import json_safe
from ontrack_model.score15.io import ResponseSet
from ontrack_model.score15.scoring import score_administrations


def family_report(
    responses: ResponseSet,
    family_id: str,
    config: Score15Config = Score15Config(),
    from_date: DateLike = None,
    to_date: DateLike = None,
) -> dict[str, Any]:
    """JSON-safe record of one family: administrations and scores, respondents' and the family's change."""
    if family_id not in set(responses.family_ids):
        raise Score15Error(f"family_id {family_id!r} has no SCORE-15 responses in this set")
    people, families, params = change_tables(responses, config, from_date, to_date, family_id=family_id)
    family = families.iloc[0]
    # Administrations are listed whatever the window; the change uses only those inside it.
    scores = score_administrations(responses, config)
    scores = scores[scores["family_id"] == family_id]
    admin_cols = [
        "respondent_id",
        "role",
        "date",
        "under_min_age",
        "items_answered",
        *[f"dimension_{i}_items" for i in (1, 2, 3)],
    ]
    administrations = [
        {**{c: row[c] for c in admin_cols}, "scores": {s: row[s] for s in SCORES}}
        for _, row in scores.sort_values(["date", "respondent_id"]).iterrows()
    ]
    return json_safe(
        {
            "family_id": family_id,
            "respondents": int(family["respondents"]),
            "respondents_with_two_or_more": int(family["respondents_with_two_or_more"]),
            "administrations": administrations,
            "respondent_change": [
                _change_block(
                    row, ["respondent_id", "role", "n_administrations", "first_date", "latest_date"]
                )
                for _, row in people.iterrows()
            ],
            "family_change": _change_block(family, ["first_date", "latest_date"], with_respondents=True),
            "rules": config.rules(),
            "rci": {s: p.to_dict() for s, p in params.items()},
            "window": families.attrs["window"],
        }
    )


def _change_block(row: pd.Series, head: list[str], with_respondents: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {c: row[c] for c in head}
    for s in SCORES:
        block = {
            "name": DIMENSION_NAMES[s],
            "first": row[f"{s}_first"],
            "latest": row[f"{s}_latest"],
            "change": row[f"{s}_change"],
            "rci": row[f"{s}_rci"],
            "classification": row[f"{s}_reliable"],
        }
        if with_respondents:
            block["respondents_with_both"] = int(row[f"{s}_respondents"])
        out[s] = block
    return out
