"""A generated world satisfies the data contract and the cohort definitions exactly."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from ontrack_model.schema import (
    ASSESSMENT_FACTORS,
    FACTOR_SEPARATOR,
    FOREIGN_KEYS,
    MANIFEST_FILE,
    SCORE15_RESPONSES,
    TABLES,
    TRUTH_DIR,
)

ALL_TABLES = [*TABLES.values(), SCORE15_RESPONSES]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@functools.cache
def raw(world: Path, name: str) -> pd.DataFrame:
    """A CSV table exactly as written (strings; empty cells as ''); cached: do not modify it."""
    return pd.read_csv(world / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("table", ALL_TABLES, ids=lambda t: t.name)
def test_table_matches_contract(world_dir: Path, table) -> None:
    frame = raw(world_dir, table.name)
    assert list(frame.columns) == table.column_names
    assert len(frame) > 0
    for col in table.columns:
        values = frame[col.name]
        present = values[values != ""]
        if col.required:
            assert (values != "").all(), f"{table.name}.{col.name} has empty cells"
        if col.type == "code":
            assert set(present) <= set(col.codes), f"{table.name}.{col.name}: {set(present) - set(col.codes)}"
        elif col.type == "date":
            assert present.str.match(DATE).all(), f"{table.name}.{col.name} not ISO dates"
            pd.to_datetime(present, format="%Y-%m-%d")  # raises on an impossible date
        elif col.type == "month":
            assert present.str.match(MONTH).all()
        elif col.type == "int":
            numbers = present.astype(int)
            if col.minimum is not None:
                assert numbers.min() >= col.minimum, f"{table.name}.{col.name} below {col.minimum}"
            if col.maximum is not None:
                assert numbers.max() <= col.maximum, f"{table.name}.{col.name} above {col.maximum}"
    assert not frame.duplicated(list(table.key)).any(), f"{table.name}: key {table.key} not unique"
    for rule in table.row_rules:
        rows = frame[(frame[rule.left] != "") & (frame[list(rule.right)] != "").all(axis=1)]
        if table.column(rule.left).type == "date":
            left, right = pd.to_datetime(rows[rule.left]), pd.to_datetime(rows[rule.right[0]])
        else:
            left, right = rows[rule.left].astype(int), rows[list(rule.right)].astype(int).sum(axis=1)
        assert (left >= right).all() if rule.op == ">=" else (left <= right).all(), rule.name


def test_foreign_keys_hold(world_dir: Path) -> None:
    for table, column, ref_table, ref_column in FOREIGN_KEYS:
        values = set(raw(world_dir, table)[column])
        assert values <= set(raw(world_dir, ref_table)[ref_column]), f"{table}.{column} -> {ref_table}"
    families = set(raw(world_dir, "pupils")["family_id"])
    assert set(raw(world_dir, "score15_responses")["family_id"]) <= families


def test_factors_are_codes_on_assessments_only(world_dir: Path) -> None:
    care = raw(world_dir, "social_care")
    with_factors = care[care["factors"] != ""]
    assert (with_factors["episode_type"] == "ASSESSMENT").all()
    codes = with_factors["factors"].str.split(FACTOR_SEPARATOR).explode()
    assert set(codes) <= set(ASSESSMENT_FACTORS)
    assert len(set(codes)) >= 10  # the mix is varied, not one code


def test_no_overlapping_care_and_nothing_after_the_extract(world_dir: Path) -> None:
    manifest = json.loads((world_dir / MANIFEST_FILE).read_text())
    extract = pd.Timestamp(manifest["extract_date"])
    care = raw(world_dir, "social_care")
    start = pd.to_datetime(care["start_date"])
    end = pd.to_datetime(care["end_date"].replace("", None))
    assert start.max() <= extract and end.max() <= extract
    lac = care.assign(start=start, end=end.fillna(extract + pd.Timedelta(days=1)))
    lac = lac[lac["episode_type"] == "LAC"].sort_values(["pupil_id", "start"])
    previous_end = lac.groupby("pupil_id")["end"].shift(1)
    assert not (lac["start"] <= previous_end).any()
    for name, column in (("school_census", "census_date"), ("attendance", "period_end"),
                         ("exclusions", "start_date"), ("police_notifications", "incident_date")):
        assert pd.to_datetime(raw(world_dir, name)[column]).max() <= extract, name


def test_records_stop_when_a_pupil_leaves(world_dir: Path) -> None:
    pupils = raw(world_dir, "pupils")
    left = pupils[pupils["left_la_date"] != ""].set_index("pupil_id")["left_la_date"].map(pd.Timestamp)
    assert 0.03 < len(left) / len(pupils) < 0.3
    for name, column in (("school_census", "census_date"), ("social_care", "start_date"),
                         ("exclusions", "start_date")):
        table = raw(world_dir, name)
        table = table[table["pupil_id"].isin(left.index)]
        assert (pd.to_datetime(table[column]).to_numpy() < left.reindex(table["pupil_id"]).to_numpy()).all()


def test_census_days_and_terms_follow_the_school_calendar(world_dir: Path) -> None:
    days = pd.to_datetime(pd.Series(raw(world_dir, "school_census")["census_date"].unique()))
    assert (days.dt.day_of_week == 3).all()  # Thursdays
    assert set(days.dt.month) == {1, 5, 10}
    assert days[days.dt.month == 10].dt.day.max() <= 7  # first Thursday of October
    assert days[days.dt.month != 10].dt.day.between(15, 21).all()  # third Thursday
    att = raw(world_dir, "attendance")
    full = att[att["period_start"].str[5:].isin(["09-01", "01-04", "04-15"])]
    expected = {"AUT": 140, "SPR": 120, "SUM": 130}
    ends = {"AUT": "12-20", "SPR": "03-31", "SUM": "07-22"}
    whole = full[full["period_end"].str[5:] == full["term"].map(ends)]
    assert (whole["possible_sessions"].astype(int) == whole["term"].map(expected)).all()


def test_manifest_readme_and_truth(world_dir: Path) -> None:
    manifest = json.loads((world_dir / MANIFEST_FILE).read_text())
    assert manifest["synthetic"] is True and "SYNTHETIC" in manifest["description"]
    assert manifest["extract_date"] == "2026-07-01"
    assert manifest["boroughs"] == ["LBHF", "RBKC", "WCC"]
    assert (manifest["seed"], manifest["scale"], manifest["first_year"], manifest["last_year"]) == (
        11, 1500, 2014, 2026)
    assert manifest["file_format"] == "csv" and manifest["score15_coding"] == "paper"
    assert manifest["surveillance_bias"] == {}
    assert set(raw(world_dir, "social_care")["pupil_id"]) <= set(raw(world_dir, "pupils")["pupil_id"])
    readme = (world_dir / "README.md").read_text()
    assert "SYNTHETIC" in readme
    for table in ALL_TABLES:
        assert f"{table.name}.csv" in readme
    truth = pd.read_csv(world_dir / TRUTH_DIR / "pupil_truth.csv")
    assert list(truth.columns) == ["pupil_id", "cohort", "p_bayes", "entered_care"]
    assert truth["p_bayes"].between(0, 1).all() and set(truth["entered_care"]) <= {0, 1}


def test_truth_rows_are_exactly_the_cohort_definition(world_dir: Path) -> None:
    """Cohort Y = Year 6 on the spring census of school year Y, minus pupils who left before
    1 June Y and children looked after on that day; the label is a LAC start after as-of and
    within 5 years of it."""
    manifest = json.loads((world_dir / MANIFEST_FILE).read_text())
    extract = pd.Timestamp(manifest["extract_date"])
    census = raw(world_dir, "school_census")
    census_date = pd.to_datetime(census["census_date"])
    y6 = census[(census["year_group"] == "6") & (census_date.dt.month == 1)].copy()
    y6["cohort"] = census_date[y6.index].dt.year
    y6["as_of"] = pd.to_datetime(y6["cohort"].astype(str) + "-06-01")
    pupils = raw(world_dir, "pupils").set_index("pupil_id")
    left = pd.to_datetime(pupils["left_la_date"].replace("", None)).reindex(y6["pupil_id"]).to_numpy()
    y6 = y6[~(left < y6["as_of"].to_numpy())]
    care = raw(world_dir, "social_care")
    lac = care[care["episode_type"] == "LAC"].merge(y6[["pupil_id", "as_of", "cohort"]], on="pupil_id")
    lac_start = pd.to_datetime(lac["start_date"])
    lac_end = pd.to_datetime(lac["end_date"].replace("", None))
    on_as_of = (lac_start <= lac["as_of"]) & (lac_end.isna() | (lac_end >= lac["as_of"]))
    members = y6[~y6["pupil_id"].isin(lac.loc[on_as_of, "pupil_id"])]
    assert 0 < on_as_of.sum() < 0.02 * len(y6)

    truth = pd.read_csv(world_dir / TRUTH_DIR / "pupil_truth.csv")
    assert sorted(zip(truth["pupil_id"], truth["cohort"], strict=True)) == sorted(
        zip(members["pupil_id"], members["cohort"], strict=True))

    horizon = lac["as_of"] + pd.DateOffset(years=5)
    entry = lac[(lac_start > lac["as_of"]) & (lac_start <= horizon)]
    observed = set(entry["pupil_id"]) & set(members["pupil_id"])
    truth = truth.set_index("pupil_id")
    complete = truth[truth["cohort"] + 5 <= extract.year]
    assert set(complete.index[complete["entered_care"] == 1]) == observed & set(complete.index)
    assert 0.008 < len(observed & set(complete.index)) / len(complete) < 0.02
    # Later cohorts: what the extract shows is a subset of the true outcome.
    assert observed <= set(truth.index[truth["entered_care"] == 1])


def test_the_extract_reader_accepts_the_world(world_dir: Path) -> None:
    from ontrack_model.validation import load_extract

    extract = load_extract(world_dir)
    assert extract.manifest.synthetic is True
    assert set(extract.tables) >= set(TABLES)
    assert len(extract.table("pupils")) == len(raw(world_dir, "pupils"))


def test_the_earliest_allowed_start_still_reads(tmp_path: Path) -> None:
    """Older siblings are born up to 30 years before the first cohort: no record may fall before
    the reader's plausibility limits (dates 1990, birth months 1980)."""
    from ontrack_model.synth import generate_world
    from ontrack_model.synth.config import MIN_YEAR
    from ontrack_model.validation import load_extract

    generate_world(tmp_path / "w", seed=2, first_year=MIN_YEAR, last_year=MIN_YEAR + 1, scale=400)
    load_extract(tmp_path / "w")
    care = raw(tmp_path / "w", "social_care")
    assert care["start_date"].min() >= f"{MIN_YEAR - 12}-01-01"
