"""The scenario files of the plan's strategies and priority areas, and the lever schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models.components import levers as L
from models.experiments.run import simulate
from tests.conftest import make_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
CODES = [f"A{i}" for i in range(1, 9)] + [f"B{i}" for i in range(1, 22)]

# file stem -> the lever codes it must hold
EXPECTED = {
    "baseline": [],
    "piano-completo": CODES,
    "governance": CODES[:8],
    "sviluppo-economico": CODES[8:],
    "torino-universitaria": L.codes_in_area(L.UNIVERSITY),
    "torino-internazionale": L.codes_in_area(L.INTERNATIONAL),
    "torino-sociale": L.codes_in_area(L.SOCIAL),
}


def _read(stem: str) -> dict:
    return tomllib.loads((SCENARIOS / f"{stem}.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_scenario_file_passes_check_and_says_what_it_runs(stem, capsys):
    assert main(["check", str(SCENARIOS / f"{stem}.toml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: scenario")
    listed = re.findall(r"^  ([AB]\d+)\s", out, flags=re.MULTILINE)
    assert listed == EXPECTED[stem]
    if EXPECTED[stem]:
        assert "total cost at full strength" in out


@pytest.mark.parametrize("stem", [s for s in EXPECTED if s != "baseline"])
def test_scenario_file_has_the_baseline_run_and_explicit_delivery(stem):
    data = _read(stem)
    assert data["run"] == _read("baseline")["run"]
    assert list(data["levers"]) == EXPECTED[stem]
    for code, entry in data["levers"].items():
        assert {"start", "ramp_months", "intensity"} <= set(entry), code
        spec = L.SPEC_BY_CODE[code]
        assert entry["start"] == spec.start and entry["ramp_months"] == spec.ramp_months
        assert entry["intensity"] == 1.0
        assert entry.get("targets", []) == list(spec.targets)


def test_priority_area_files_cover_every_area():
    assert all(L.codes_in_area(a) for a in L.AREA_NAMES)
    covered = set().union(*(EXPECTED[f"torino-{a}"] for a in L.AREA_NAMES))
    assert covered == {s.code for s in L.SPECS if s.areas}


@pytest.mark.parametrize("stem", [s for s in EXPECTED if s != "baseline"])
def test_scenario_file_runs(stem):
    """Each file runs (2015-01 to 2017-12 at scale 0.01 to keep it fast)."""
    text = (SCENARIOS / f"{stem}.toml").read_text(encoding="utf-8")
    short = text.replace('end = "2025-12"', 'end = "2017-12"')
    result = simulate(make_scenario(short, scale=0.01))
    assert result.indicators["date"].nunique() == 36
    assert result.indicators["value"].notna().any()


def test_piano_completo_runs_through_the_command_line(tmp_path):
    out = tmp_path / "piano"
    code = main(
        [
            "run",
            str(SCENARIOS / "piano-completo.toml"),
            "--scale",
            "0.01",
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["levers"]) == CODES
    d = pd.read_parquet(out / "indicators.parquet")
    assert d["date"].min() == "2015-01" and d["date"].max() == "2025-12"


def test_levers_command_lists_exactly_the_29_projects(capsys):
    assert main(["levers"]) == 0
    out = capsys.readouterr().out
    assert re.findall(r"^([AB]\d+)\s", out, flags=re.MULTILINE) == CODES
    for spec in L.SPECS:
        assert spec.name in out


def test_intensity_zero_gives_the_baseline(baseline_result):
    """Every lever of the plan at intensity 0: identical tables (seed 1, scale 0.01)."""
    text = (SCENARIOS / "piano-completo.toml").read_text(encoding="utf-8")
    off = text.replace("intensity = 1.0", "intensity = 0.0")
    assert off.count("intensity = 0.0") == 29
    sc = make_scenario(off, seed=1, scale=0.01)
    assert all(lever.intensity == 0.0 for lever in sc.levers.values())
    result = simulate(sc)
    pd.testing.assert_frame_equal(result.indicators, baseline_result.indicators)
    pd.testing.assert_frame_equal(result.od, baseline_result.od)
    pd.testing.assert_frame_equal(result.firms, baseline_result.firms)


GOOD = '[run]\nstart = "2015-01"\nend = "2015-06"\nseed = 1\nscale = 0.01\n'
B3 = '[levers.B3]\nstart = "2015-02"\nramp_months = 3\nintensity = 1.0\n'


@pytest.mark.parametrize(
    "lever_text, key, expected",
    [
        (B3.replace("B3", "B22"), "levers.B22", "unknown lever (did you mean B2? expected one"),
        (B3.replace("B3", "B08"), "levers.B08", "unknown lever (did you mean B8? expected one of"),
        (B3.replace("B3", "b8"), "levers.b8", "unknown lever (did you mean B8? expected one of"),
        (B3.replace("B3", "Z99"), "levers.Z99", "unknown lever (expected one of A1, A2"),
        (B3 + "colour = 1\n", "levers.B3.colour", "unknown key (expected one of "),
        (B3.replace("intensity = 1.0", "intensity = -0.5"), "levers.B3.intensity", "from 0 to 1"),
        (B3.replace("intensity = 1.0", "intensity = 1.5"), "levers.B3.intensity", "from 0 to 1"),
        (
            B3.replace("2015-02", "2014-06"),
            "levers.B3.start",
            "out of range (expected 2015-01 to 2040-12)",
        ),
        (B3 + 'targets = ["001999"]\n', "levers.B3.targets", "'001999' is not one of the 38"),
        (B3 + 'targets = ["001272", "001272"]\n', "levers.B3.targets", "listed twice"),
        (B3 + 'end = "2015-01"\n', "levers.B3.end", "out of range (expected 2015-02"),
        (B3.replace("ramp_months = 3", "ramp_months = -1"), "levers.B3.ramp_months", "0 to"),
        ("[levers]\nB3 = 1\n", "levers.B3", "expected a table"),
    ],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_bad_lever_is_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, command, lever_text, key, expected
):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD + lever_text)
    out = tmp_path / "out"
    args = (
        ["run", str(path), "--out", str(out), "--quiet"]
        if command == "run"
        else ["check", str(path)]
    )
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert str(path) in lines[0]
    assert f"key '{key}'" in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]
