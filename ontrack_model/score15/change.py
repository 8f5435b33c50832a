"""Change between administrations per respondent and per family, with the Reliable Change Index."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ontrack_model.errors import Score15Error
from ontrack_model.score15.config import DEFAULT_RELIABILITY, RELIABILITY_SOURCES, SCORES, Score15Config
from ontrack_model.score15.io import ResponseSet
from ontrack_model.score15.scoring import score_administrations

IMPROVED = "reliably improved"
NO_CHANGE = "no reliable change"
DETERIORATED = "reliably deteriorated"
DateLike = dt.date | str | None


@dataclass(frozen=True)
class RciParameters:
    """The reference SD and reliability behind one score's RCI, where each came from, and S_diff."""

    score: str
    reference_sd: float | None
    reference_sd_source: str
    reliability: float | None
    reliability_source: str
    s_diff: float | None  # standard error of the difference: sqrt(2) * SD * sqrt(1 - r)
    critical_change: float | None  # smallest change counted as reliable, on the 1-5 scale

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return asdict(self)


def standard_error_of_difference(reference_sd: float, reliability: float) -> float:
    """S_diff = sqrt(2) * SD * sqrt(1 - r) (Jacobson & Truax 1991)."""
    return math.sqrt(2.0) * reference_sd * math.sqrt(1.0 - reliability)


def reliable_change_index(change: float, reference_sd: float, reliability: float) -> float:
    """RCI = change / S_diff; with SCORE-15 scored higher = more difficulties, negative is improvement."""
    return change / standard_error_of_difference(reference_sd, reliability)


def classify_rci(rci: float | None, critical: float = 1.96) -> str | None:
    """'reliably improved' (RCI <= -critical), 'reliably deteriorated' (>= critical) or no reliable change."""
    if rci is None or (isinstance(rci, float) and math.isnan(rci)):
        return None
    if rci <= -critical:
        return IMPROVED
    if rci >= critical:
        return DETERIORATED
    return NO_CHANGE


def rci_parameters(scores: pd.DataFrame, config: Score15Config) -> dict[str, RciParameters]:
    """RCI inputs per score: supplied reference SD, else the SD of the respondents' first administrations."""
    firsts = scores.sort_values("date", kind="stable").groupby("respondent_id").head(1)
    params = {}
    for score in SCORES:
        if score in config.reference_sd:
            sd: float | None = float(config.reference_sd[score])
            sd_source = "supplied by the user"
        else:
            values = firsts[score].dropna()
            sd = float(values.std(ddof=1)) if len(values) >= 2 else None
            if sd is not None and sd > 0:
                sd_source = (
                    f"no reference SD supplied: SD of the first administrations in these data "
                    f"(n={len(values)} respondents)"
                )
            else:
                sd = None
                sd_source = (
                    "no reference SD supplied and the data's first administrations cannot give one "
                    f"(n={len(values)}, fewer than 2 or no spread): RCI not computed"
                )
        r = config.reliability.get(score)
        if r is None:
            r_source = "no reliability supplied: RCI not computed"
        elif r == DEFAULT_RELIABILITY[score]:
            r_source = RELIABILITY_SOURCES[score]
        else:
            r_source = "supplied by the user"
        s_diff = standard_error_of_difference(sd, r) if sd is not None and r is not None else None
        critical = config.rci_critical * s_diff if s_diff is not None else None
        params[score] = RciParameters(
            score, sd, sd_source, None if r is None else float(r), r_source, s_diff, critical
        )
    return params


def respondent_change(
    responses: ResponseSet,
    config: Score15Config = Score15Config(),
    from_date: DateLike = None,
    to_date: DateLike = None,
) -> pd.DataFrame:
    """One row per respondent: first and latest scores in the window, change, RCI and its class."""
    return change_tables(responses, config, from_date, to_date)[0]


def family_change(
    responses: ResponseSet,
    config: Score15Config = Score15Config(),
    from_date: DateLike = None,
    to_date: DateLike = None,
) -> pd.DataFrame:
    """One row per family: change per score aggregated over respondents who completed both, with RCI."""
    return change_tables(responses, config, from_date, to_date)[1]


def change_tables(
    responses: ResponseSet,
    config: Score15Config,
    from_date: DateLike = None,
    to_date: DateLike = None,
    family_id: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, RciParameters]]:
    """(respondent change, family change, RCI parameters) from one scoring pass; optionally one family's."""
    start, end = _parse_date(from_date, "from_date"), _parse_date(to_date, "to_date")
    if start and end and start > end:
        raise Score15Error(f"from_date {start} is after to_date {end}; rule: the window runs forwards")
    scores = score_administrations(responses, config)
    params = rci_parameters(scores, config)  # from everyone's first administrations, whatever the window
    if family_id is not None:
        scores = scores[scores["family_id"] == family_id]
    window = scores
    if start:
        window = window[window["date"] >= pd.Timestamp(start)]
    if end:
        window = window[window["date"] <= pd.Timestamp(end)]
    people = _respondent_table(window, params, config)
    families = _family_table(scores, people, params, config)
    meta = {
        "rules": config.rules(),
        "rci": {s: p.to_dict() for s, p in params.items()},
        "window": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
    }
    people.attrs.update(meta)
    families.attrs.update(meta)
    return people, families, params


def _respondent_table(
    window: pd.DataFrame, params: dict[str, RciParameters], config: Score15Config
) -> pd.DataFrame:
    ordered = window.sort_values(["respondent_id", "date"], kind="stable")
    grouped = ordered.groupby("respondent_id", sort=True)
    first, latest = grouped.head(1).set_index("respondent_id"), grouped.tail(1).set_index("respondent_id")
    out = first[["family_id", "role"]].copy()
    out["n_administrations"] = grouped.size()
    out["first_date"] = first["date"]
    out["latest_date"] = latest["date"]
    repeat = out["n_administrations"] >= 2
    for score in SCORES:
        out[f"{score}_first"] = first[score]
        out[f"{score}_latest"] = latest[score].where(repeat)
        out[f"{score}_change"] = out[f"{score}_latest"] - out[f"{score}_first"]
        _add_rci(out, score, params[score], config)
    return out.reset_index()[["family_id", "respondent_id", *out.columns.drop(["family_id"])]]


def _family_table(
    scores: pd.DataFrame, people: pd.DataFrame, params: dict[str, RciParameters], config: Score15Config
) -> pd.DataFrame:
    families = pd.DataFrame(index=pd.Index(sorted(scores["family_id"].unique()), name="family_id"))
    families["respondents"] = scores.groupby("family_id")["respondent_id"].nunique()
    repeat = people[people["n_administrations"] >= 2]
    families["respondents_with_two_or_more"] = repeat.groupby("family_id").size()
    families["first_date"] = people.groupby("family_id")["first_date"].min()
    families["latest_date"] = repeat.groupby("family_id")["latest_date"].max()
    counted = repeat if config.family_roles is None else repeat[repeat["role"].isin(config.family_roles)]
    for score in SCORES:
        done = counted[counted[f"{score}_change"].notna()]
        agg = done.groupby("family_id")[[f"{score}_first", f"{score}_latest", f"{score}_change"]].agg(
            config.family_aggregate
        )
        n = done.groupby("family_id").size()
        enough = n.reindex(families.index).fillna(0) >= config.family_min_respondents
        families[f"{score}_respondents"] = n
        for part in ("first", "latest", "change"):
            families[f"{score}_{part}"] = agg[f"{score}_{part}"].reindex(families.index).where(enough)
        _add_rci(families, score, params[score], config)
    for col in families.columns:
        if col == "respondents_with_two_or_more" or col.endswith("_respondents"):
            families[col] = families[col].fillna(0).astype("int64")
    return families.reset_index()


def _add_rci(frame: pd.DataFrame, score: str, param: RciParameters, config: Score15Config) -> None:
    change = frame[f"{score}_change"].astype("float64")
    rci = change / param.s_diff if param.s_diff else pd.Series(np.nan, index=frame.index)
    frame[f"{score}_rci"] = rci
    # Vectorised classify_rci: None where there is no RCI.
    labels = np.select(
        [rci <= -config.rci_critical, rci >= config.rci_critical], [IMPROVED, DETERIORATED], NO_CHANGE
    ).astype(object)
    labels[rci.isna().to_numpy()] = None
    frame[f"{score}_reliable"] = labels


def _parse_date(value: DateLike, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Score15Error(f"{name} must be a date written YYYY-MM-DD, got {value!r}") from None
