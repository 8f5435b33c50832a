"""Cohort summary: per score, families with change data, positive and reliable change; the sentences."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ontrack_model.errors import Score15Error
from ontrack_model.score15.change import DETERIORATED, IMPROVED, DateLike, change_tables
from ontrack_model.score15.config import DIMENSION_NAMES, SCORES, Score15Config
from ontrack_model.score15.io import ResponseSet
from ontrack_model.score15.wording import positive_change_sentence, reliable_change_sentence

SUPPRESSED = "suppressed"
COUNT_KEYS = (
    "families_with_change_data",
    "positive_change",
    "reliable_improvement",
    "reliable_deterioration",
)


def score_counts(families: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per score: families with a change, positive change (score fell), reliably improved, deteriorated."""
    out = {}
    for score in SCORES:
        change = families[f"{score}_change"]
        reliable = families[f"{score}_reliable"]
        out[score] = {
            "families_with_change_data": int(change.notna().sum()),
            "positive_change": int((change < 0).sum()),
            "reliable_improvement": int((reliable == IMPROVED).sum()),
            "reliable_deterioration": int((reliable == DETERIORATED).sum()),
        }
    return out


def suppress_counts(
    headline: int, counts: dict[str, dict[str, int]], k: int
) -> tuple[int | None, dict[str, dict[str, int | None]]]:
    """Hide counts of 1..k-1 and any count from which a hidden one could be recovered (None = hidden)."""

    def small(n: int) -> bool:
        return 0 < n < k

    shown: dict[str, dict[str, int | None]] = {}
    for score, c in counts.items():
        n = c["families_with_change_data"]
        if small(n) or small(headline):
            shown[score] = dict.fromkeys(COUNT_KEYS)
            continue
        s: dict[str, int | None] = dict(c)
        # Positive change: small itself, or its complement (families whose score did not fall) is small.
        if small(c["positive_change"]) or small(n - c["positive_change"]):
            s["positive_change"] = None
        imp, det = c["reliable_improvement"], c["reliable_deterioration"]
        if small(imp):
            s["reliable_improvement"] = None
        if small(det):
            s["reliable_deterioration"] = None
        # Families with no reliable change = n - improved - deteriorated: hide one more if that is small.
        if (
            small(n - imp - det)
            and s["reliable_improvement"] is not None
            and s["reliable_deterioration"] is not None
        ):
            s["reliable_improvement" if imp <= det else "reliable_deterioration"] = None
        shown[score] = s
    return (None if small(headline) else headline), shown


def cohort_summary(
    responses: ResponseSet,
    config: Score15Config = Score15Config(),
    suppress_below: int | None = None,
    from_date: DateLike = None,
    to_date: DateLike = None,
) -> dict[str, Any]:
    """The cohort's SCORE-15 change as JSON-safe counts, programme-style sentences, rules and RCI inputs."""
    if suppress_below is not None and suppress_below < 2:
        raise Score15Error(
            f"suppress_below must be 2 or more (counts below it are hidden), got {suppress_below}"
        )
    _, families, params = change_tables(responses, config, from_date, to_date)
    headline = int((families["respondents_with_two_or_more"] > 0).sum())
    counts = score_counts(families)
    shown_headline: int | None = headline
    shown: dict[str, dict[str, int | None]] = {s: dict(c) for s, c in counts.items()}
    if suppress_below is not None:
        shown_headline, shown = suppress_counts(headline, counts, suppress_below)
    not_computed = {s: _why_not(p.reference_sd, p.reliability) for s, p in params.items() if p.s_diff is None}
    imports = responses.import_summary()
    imports.pop("imports")  # per-file detail stays out of a publishable summary

    def mark(value: int | None) -> int | str:
        return SUPPRESSED if value is None else value

    summary: dict[str, Any] = {
        "instrument": "SCORE-15",
        "families_with_two_or_more_administrations": mark(shown_headline),
        **{s: {"name": DIMENSION_NAMES[s], **{k: mark(v) for k, v in shown[s].items()}} for s in SCORES},
        "sentence": positive_change_sentence(shown_headline, shown, suppress_below),
        "reliable_change_sentence": reliable_change_sentence(shown, config.rci_critical, not_computed)
        if shown_headline
        else "",
        "rules": {**config.rules(), "import": _import_rules(responses)},
        "rci": {
            "critical_value": config.rci_critical,
            "parameters": {s: p.to_dict() for s, p in params.items()},
            "notes": [
                f"{s}: {p.reference_sd_source}"
                for s, p in params.items()
                if not p.reference_sd_source.startswith("supplied")
            ],
        },
        "window": families.attrs["window"],
        "data": _suppress_import(imports, suppress_below),
        "suppression": None
        if suppress_below is None
        else {
            "suppress_below": suppress_below,
            "marker": SUPPRESSED,
            "rule": f"counts from 1 to {suppress_below - 1}, and counts from which one could be recovered "
            "(families without positive change; families without reliable change), are replaced by "
            f"'{SUPPRESSED}'; the sentences avoid them",
        },
    }
    return summary


def _why_not(sd: float | None, r: float | None) -> str:
    if r is None:
        return "no reliability was supplied"
    return "no reference SD was supplied and the data could not give one"


def _import_rules(responses: ResponseSet) -> str:
    rules = sorted({f"respondents under {r.min_age}: {r.under_age}" for r in responses.reports})
    return (
        "coding stated at import and converted to paper coding; rows with no item answered are excluded "
        "and counted; " + "; ".join(rules)
    )


def _suppress_import(imports: dict[str, Any], k: int | None) -> dict[str, Any]:
    if k is None:
        return imports

    def hide(v: Any) -> Any:
        if isinstance(v, dict):
            return {key: hide(x) for key, x in v.items()}
        return SUPPRESSED if isinstance(v, int) and 0 < v < k else v

    return hide(imports)
