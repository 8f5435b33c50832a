"""Training configuration: defaults load; unknown keys and impossible values are clear errors."""

from pathlib import Path

import pytest

from ontrack_model.errors import ConfigError
from training.config import load_config


def test_default_config_loads() -> None:
    cfg = load_config()
    assert cfg.capacity == 100 and cfg.cohort.horizon_years == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("capacity: 0\n", "capacity"),
        ("capacity: -5\n", "capacity"),
        ("surprise: 1\n", "surprise"),
        ("cohort: {horizon_years: 40}\n", "cohort.horizon_years"),
        ("candidates: {hgb: [{max_leaves: 3}]}\n", "max_leaves"),
        ("calibration: magic\n", "calibration"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_override_is_validated() -> None:
    with pytest.raises(ConfigError, match="capacity"):
        load_config().with_overrides(capacity=0)
    assert load_config().with_overrides(capacity=50, seed=None).capacity == 50
