"""`ontrack generate`: clear errors (exit 2) for bad options, atomic and refusing to clobber."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ontrack_model.cli import app
from ontrack_model.errors import ConfigError
from ontrack_model.synth.config import parse_bias_option, year6_by_borough

TINY = ["--scale", "120", "--first-year", "2021", "--last-year", "2022"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "--scale"),
        (["--scale", "10"], "between"),
        (["--surveillance-bias", "BLAC=0"], "> 0"),
        (["--surveillance-bias", "BLAC=-2"], "> 0"),
        (["--surveillance-bias", "BLAC"], "GROUP=FACTOR"),
        (["--surveillance-bias", "PURPLE=2"], "unknown group"),
        (["--surveillance-bias", "sex:X=2"], "unknown group"),
        (["--first-year", "2020", "--last-year", "2019"], "after --last-year"),
        (["--format", "xlsx"], "--format"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path / "w"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w").exists()


def test_generates_then_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "world"
    runner = CliRunner()
    first = runner.invoke(app, ["generate", "--out", str(out), *TINY, "--surveillance-bias", "fsm:Y=2"])
    assert first.exit_code == 0, first.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["surveillance_bias"] == {"fsm:Y": 2.0} and manifest["scale"] == 120
    (out / "marker.txt").write_text("keep me")
    refused = runner.invoke(app, ["generate", "--out", str(out), *TINY])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert (out / "marker.txt").exists()
    forced = runner.invoke(app, ["generate", "--out", str(out), *TINY, "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (out / "marker.txt").exists()
    assert json.loads((out / "manifest.json").read_text())["surveillance_bias"] == {}
    assert [p.name for p in tmp_path.iterdir()] == ["world"]  # no temporary directory left behind


def test_bias_groups_are_normalised() -> None:
    assert parse_bias_option("blac=2.5") == ("BLAC", 2.5)
    assert parse_bias_option("ethnicity:asia=2") == ("ASIA", 2.0)
    assert parse_bias_option("Sex:m=1.5") == ("sex:M", 1.5)
    with pytest.raises(ConfigError, match="not a number"):
        parse_bias_option("BLAC=lots")


def test_scales_add_up() -> None:
    assert sum(year6_by_borough("tri-borough").values()) == 3900
    national = year6_by_borough("national")
    assert len(national) == 150 and sum(national.values()) == 650_000
    assert max(national.values()) > 3 * min(national.values())
    assert sum(year6_by_borough(1501).values()) == 1501
