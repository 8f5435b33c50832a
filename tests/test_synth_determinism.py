"""Same options, same bytes; another seed, another world; Parquet holds what CSV holds."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from ontrack_model.schema import TABLES
from ontrack_model.synth import generate_world

SMALL = {"first_year": 2019, "last_year": 2022, "scale": 200}


def files(world: Path) -> list[Path]:
    """Every file of a world, relative to it."""
    return sorted(p.relative_to(world) for p in world.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def small_worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("determinism")
    worlds = {"a": base / "a", "b": base / "b", "other": base / "other", "parquet": base / "parquet"}
    generate_world(worlds["a"], seed=3, **SMALL)
    generate_world(worlds["b"], seed=3, **SMALL)
    generate_world(worlds["other"], seed=4, **SMALL)
    generate_world(worlds["parquet"], seed=3, file_format="parquet", **SMALL)
    return worlds


def test_same_seed_gives_identical_bytes(small_worlds: dict[str, Path]) -> None:
    a, b = small_worlds["a"], small_worlds["b"]
    names = files(a)
    assert names == files(b) and len(names) == 10
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_another_seed_gives_another_world(small_worlds: dict[str, Path]) -> None:
    a, other = small_worlds["a"], small_worlds["other"]
    for name in ("pupils.csv", "social_care.csv", "school_census.csv", "truth/pupil_truth.csv"):
        assert not filecmp.cmp(a / name, other / name, shallow=False), name


@pytest.mark.parametrize("name", list(TABLES))
def test_parquet_holds_the_same_tables_as_csv(small_worlds: dict[str, Path], name: str) -> None:
    from_csv = pd.read_csv(small_worlds["a"] / f"{name}.csv", dtype=str, keep_default_na=False)
    from_parquet = pd.read_parquet(small_worlds["parquet"] / f"{name}.parquet")
    assert list(from_parquet.columns) == TABLES[name].column_names
    as_text = from_parquet.astype("string").fillna("")
    pd.testing.assert_frame_equal(as_text.reset_index(drop=True), from_csv, check_dtype=False)
    assert '"file_format": "parquet"' in (small_worlds["parquet"] / "manifest.json").read_text()


def test_a_one_year_world_has_empty_questionnaires_but_every_file(tmp_path: Path) -> None:
    summary = generate_world(tmp_path / "w", seed=1, first_year=2022, last_year=2022, scale=150)
    assert summary.rows["score15_responses"] == 0  # the programme starts after Year 6
    assert summary.cohort_sizes.keys() == {2022}
    header = (tmp_path / "w" / "score15_responses.csv").read_text().splitlines()
    assert len(header) == 1 and header[0].startswith("family_id,respondent_id,role,age,date,item_1")
    assert len(files(tmp_path / "w")) == 10
