"""Shared fixtures: synthetic worlds generated once per test session.

`world_dir` and `biased_world_dir` are read-only for tests: copy them before changing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ontrack_model.synth import generate_world

WORLD_OPTIONS = {"seed": 11, "first_year": 2014, "last_year": 2026, "scale": 1500, "file_format": "csv"}


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic world (seed 11, cohorts 2014-2026, 1,500 Year 6 pupils a year, CSV)."""
    out = tmp_path_factory.mktemp("synthetic") / "world"
    generate_world(out, **WORLD_OPTIONS)
    return out


@pytest.fixture(scope="session")
def biased_world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same world with Black pupils' contacts and referrals recorded 3x as often (BLAC=3.0)."""
    out = tmp_path_factory.mktemp("synthetic-biased") / "world"
    generate_world(out, **WORLD_OPTIONS, surveillance_bias={"BLAC": 3.0})
    return out
