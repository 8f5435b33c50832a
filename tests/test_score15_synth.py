"""The synthetic world's score15_responses.csv (paper coding) imports and summarises cleanly."""

from __future__ import annotations

import json
from pathlib import Path

from ontrack_model.schema import SCORE15_RESPONSES
from ontrack_model.score15 import cohort_summary, family_change, read_responses

SCORES = ("dimension_1", "dimension_2", "dimension_3", "total")


def test_synthetic_world_responses_summarise(world_dir: Path) -> None:
    manifest = json.loads((world_dir / "manifest.json").read_text())
    responses = read_responses(
        world_dir / f"{SCORE15_RESPONSES.name}.csv", manifest.get("score15_coding", "paper")
    )
    info = responses.import_summary()
    assert info["rows_read"] > 0 and info["rows_kept"] + info["rows_excluded"] == info["rows_read"]
    summary = cohort_summary(responses)
    headline = summary["families_with_two_or_more_administrations"]
    assert headline > 0
    families = family_change(responses)
    for score in SCORES:
        counts = summary[score]
        assert counts["families_with_change_data"] == int(families[f"{score}_change"].notna().sum())
        assert counts["positive_change"] == int((families[f"{score}_change"] < 0).sum())
        assert (
            counts["reliable_improvement"] <= counts["positive_change"] <= counts["families_with_change_data"]
        )
    assert summary["sentence"].startswith("SCORE-15 has been administered at two or more intervals with ")
    assert summary["reliable_change_sentence"].startswith("Judged by the Reliable Change Index")
    json.dumps(summary, allow_nan=False)  # publishable as strict JSON
