"""The synthetic world's rates sit near the published base rates (shared/reference/base-rates.md).

Every rate is measured from the written files with the contract's definitions, not from the
generator's internals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ontrack_model.synth import generate_world


def read(world: Path, name: str) -> pd.DataFrame:
    """A table of a CSV world with dates parsed."""
    frame = pd.read_csv(world / f"{name}.csv", dtype=str, keep_default_na=False)
    for col in frame.columns:
        if col.endswith("_date") or col in ("period_start", "period_end", "date"):
            frame[col] = pd.to_datetime(frame[col].replace("", None))
    return frame


def spring_year6(world: Path) -> pd.DataFrame:
    """Year 6 pupils on the spring census of each cohort, with cohort and as-of date."""
    census = read(world, "school_census")
    y6 = census[(census["year_group"] == "6") & (census["census_date"].dt.month == 1)].copy()
    y6["cohort"] = y6["census_date"].dt.year
    y6["as_of"] = pd.to_datetime(y6["cohort"].astype(str) + "-06-01")
    return y6


def school_term(days: pd.Series) -> dict[str, pd.Series]:
    """School year (calendar year it ends in) and term of each date."""
    month = days.dt.month
    term = month.map(lambda m: "AUT" if m >= 9 else "SPR" if m <= 3 else "SUM")
    return {"year": days.dt.year + (month >= 9), "term": term}


def world_rates(world: Path) -> dict[str, float]:
    """Headline rates of a world, each defined the way an analyst would from the files."""
    manifest = json.loads((world / "manifest.json").read_text())
    truth = pd.read_csv(world / "truth" / "pupil_truth.csv")
    y6 = spring_year6(world)
    care = read(world, "social_care")
    att = read(world, "attendance")
    exc = read(world, "exclusions")
    census = read(world, "school_census")
    rates: dict[str, float] = {}
    complete = truth[truth["cohort"] + 5 <= manifest["last_year"]]
    rates["entry_to_care_5y"] = complete["entered_care"].mean()
    rates["year6_per_year"] = len(y6) / y6["cohort"].nunique()
    rates["fsm_year6"] = (y6["fsm"] == "Y").mean()
    rates["sen_support_year6"] = (y6["sen_status"] == "K").mean()
    rates["ehc_year6"] = (y6["sen_status"] == "E").mean()

    joined = care.merge(y6[["pupil_id", "as_of"]], on="pupil_id")
    before = joined[joined["start_date"] < joined["as_of"]]
    rates["ever_referred_by_year6"] = (
        before.loc[before["episode_type"] == "REFERRAL", "pupil_id"].nunique() / len(y6)
    )
    open_on = before[before["end_date"].isna() | (before["end_date"] >= before["as_of"])]

    def share_open(*kinds: str) -> float:
        return open_on.loc[open_on["episode_type"].isin(kinds), "pupil_id"].nunique() / len(y6)

    rates["in_need_at_as_of"] = share_open("ASSESSMENT", "CIN_PLAN", "CP_PLAN", "LAC")
    rates["cp_plan_at_as_of"] = share_open("CP_PLAN")
    rates["looked_after_at_as_of"] = share_open("LAC")

    att["absent"] = att["authorised_absence"].astype(int) + att["unauthorised_absence"].astype(int)
    att["possible"] = att["possible_sessions"].astype(int)
    year = att.groupby(["pupil_id", "academic_year"])[["absent", "possible"]].sum()
    rates["persistent_absence"] = ((1 - year["absent"] / year["possible"]) < 0.9).mean()

    susp = exc[exc["category"] == "SUSP"]
    rates["suspensions_per_100_per_term"] = 100 * len(susp) / len(att)
    # FSM ratio: suspensions per pupil-term, FSM vs not, by the status on that term's census.
    keys = ["pupil_id", "year", "term"]
    terms = census.assign(**school_term(census["census_date"]))[[*keys, "fsm"]].drop_duplicates(keys)
    counts = susp.assign(**school_term(susp["start_date"])).groupby(keys).size().rename("n").reset_index()
    by_fsm = terms.merge(counts, how="left", on=keys).fillna({"n": 0}).groupby("fsm")["n"].mean()
    rates["suspension_fsm_ratio"] = by_fsm["Y"] / by_fsm["N"]

    factors = care.loc[(care["episode_type"] == "ASSESSMENT") & (care["factors"] != ""), "factors"]
    split = factors.str.split(";")
    for code in ("DA", "PMH", "NEG"):
        rates[f"factor_{code}"] = split.map(lambda codes, c=code: c in codes).mean()
    return rates


# (low, high) for each rate; base-rates.md figures in the comments.
EXPECTED = {
    "entry_to_care_5y": (0.008, 0.02),  # brief: 0.8-2% (aim ~1.2%)
    "fsm_year6": (0.22, 0.28),  # 24.6% all pupils; inner London higher
    "sen_support_year6": (0.115, 0.155),  # primary SEN support 13.5%
    "ehc_year6": (0.017, 0.033),  # primary EHC plan 2.5%
    "ever_referred_by_year6": (0.15, 0.20),  # 16% in 8 years; ~25% before 16
    "in_need_at_as_of": (0.02, 0.045),  # ~324 per 10,000 children in need
    "cp_plan_at_as_of": (0.002, 0.008),  # 42.8 per 10,000
    "looked_after_at_as_of": (0.002, 0.009),  # 71 per 10,000 under-18s, fewer at 11
    "persistent_absence": (0.15, 0.22),  # 22.3% all pupils, primary lower
    "suspensions_per_100_per_term": (0.6, 1.1),  # primary 0.83 per 100 per term
    "suspension_fsm_ratio": (2.5, 8.0),  # FSM x4 (confounded with SEN and need here)
    "factor_DA": (0.40, 0.62),  # 49.6%
    "factor_PMH": (0.28, 0.46),  # 36.6%
    "factor_NEG": (0.12, 0.26),  # 17.5%
}


def check_rates(rates: dict[str, float], year6: int) -> list[str]:
    """The rates outside their expected ranges, as readable lines."""
    bad = [f"{k} = {rates[k]:.4f} not in {lo}-{hi}" for k, (lo, hi) in EXPECTED.items()
           if not lo <= rates[k] <= hi]
    if abs(rates["year6_per_year"] / year6 - 1) > 0.05:
        bad.append(f"Year 6 pupils a year {rates['year6_per_year']:.0f}, asked for {year6}")
    return bad


def test_rates_near_reference(world_dir: Path) -> None:
    assert check_rates(world_rates(world_dir), 1500) == []


@pytest.mark.slow
def test_rates_near_reference_at_tri_borough_scale(tmp_path: Path) -> None:
    summary = generate_world(tmp_path / "world", seed=5, scale="tri-borough")
    assert check_rates(world_rates(tmp_path / "world"), round(summary.year6_per_year)) == []
    assert 3700 <= summary.year6_per_year <= 4100  # 1,300 + 1,050 + 1,550
