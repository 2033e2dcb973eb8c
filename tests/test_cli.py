"""The command line: a smoke run, reproducibility, and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models.components.indicators import INDICATOR_NAMES, METRO_ONLY
from models.experiments.run import simulate
from models.minimum_scale import minimum_scale
from tests.conftest import make_scenario

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = [
    "population",
    "births",
    "deaths",
    "immigrants",
    "emigrants",
    "students",
    "talents",
    "employed",
    "employment_rate",
    "unemployment_rate",
    "firms_active",
    "firm_births",
    "firm_deaths",
    "innovative_firms",
    "investment_eur",
    "commuters_to_torino",
    "transit_share",
    "commute_co2_t",
    "mean_income_eur",
    "poverty_rate",
    "income_gini",
    "tourist_arrivals",
    "service_cost_per_capita_eur",
    "green_share",
]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "smoke"
    code = main(
        [
            "run",
            str(ROOT / "scenarios/baseline.toml"),
            "--scale",
            "0.01",
            "--seed",
            "1",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return out


def test_smoke_run_writes_the_whole_folder(smoke):
    names = {p.name for p in smoke.iterdir()}
    assert {"manifest.json", "indicators.parquet", "od.parquet", "firms.parquet", "plots"} <= names
    d = pd.read_parquet(smoke / "indicators.parquet")
    assert list(d.columns) == ["date", "comune", "indicator", "value"]
    assert d["date"].nunique() == 132
    assert d["date"].min() == "2015-01" and d["date"].max() == "2025-12"
    assert d["comune"].nunique() == 39 and "metro" in set(d["comune"])
    assert set(REQUIRED) <= set(d["indicator"])
    # every month, zone and indicator but the comuni's rows of the metro-only indicators
    assert len(d) == 132 * (39 * len(INDICATOR_NAMES) - 38 * len(METRO_ONLY))
    assert d["value"].notna().all()
    metro = d[(d["comune"] == "metro") & d["indicator"].isin(REQUIRED)]
    assert metro["value"].notna().all()
    od = pd.read_parquet(smoke / "od.parquet")
    assert set(od["mode"]) <= {"car", "transit", "bike_walk"}
    assert sorted(od["date"].unique())[0] == "2015-01" and od["date"].nunique() == 11
    firms = pd.read_parquet(smoke / "firms.parquet")
    assert {"date", "firm_id", "sector", "employees", "comune", "founded"} <= set(firms.columns)
    assert firms["date"].nunique() == 11
    pngs = list((smoke / "plots").glob("*.png"))
    assert any(p.name.startswith("map_") for p in pngs)
    assert sum(p.name.startswith("goal_") for p in pngs) == 8


def test_manifest_records_how_the_result_was_made(smoke):
    m = json.loads((smoke / "manifest.json").read_text())
    assert m["seed"] == 1 and m["scale"] == 0.01
    assert "[run]" in m["scenario"]["text"] and len(m["scenario"]["sha256"]) == 64
    assert {"init_s", "simulate_s", "write_s"} <= set(m["timings"])
    assert m["packages"]["mesa"] != "not installed"
    assert m["code_version"]


def test_same_seed_same_tables_other_seed_other_tables(baseline_result):
    again = simulate(make_scenario())
    pd.testing.assert_frame_equal(baseline_result.indicators, again.indicators)
    pd.testing.assert_frame_equal(baseline_result.od, again.od)
    pd.testing.assert_frame_equal(baseline_result.firms, again.firms)
    other = simulate(make_scenario(seed=2))
    assert not baseline_result.indicators["value"].equals(other.indicators["value"])


GOOD = '[run]\nstart = "2015-01"\nend = "2015-06"\nseed = 1\nscale = 0.01\n'


@pytest.mark.parametrize(
    "text, args, expected",
    [
        (None, [], "no such file"),
        ("[run\nstart = 1", [], "malformed TOML"),
        ("colour = 3\n" + GOOD, [], "key 'colour'"),
        (GOOD + "colour = 3\n", [], "key 'run.colour'"),
        (GOOD.replace("seed = 1", "seed = 1\nspeed = 2"), [], "key 'run.speed'"),
        (GOOD.replace("scale = 0.01", "scale = 1.5"), [], "key 'run.scale'"),
        (GOOD.replace("scale = 0.01", "scale = 0"), [], "expected a number from 0.0048 to 1"),
        (GOOD.replace("scale = 0.01", "scale = 0.001"), [], "below the minimum scale"),
        (GOOD, ["--scale", "2"], "--scale: expected a number from 0.0048 to 1, got 2"),
        (GOOD, ["--seed", "-1"], "--seed: expected a non-negative integer seed"),
        (GOOD, ["--scale", "abc"], "expected a number"),
        (GOOD.replace('end = "2015-06"', 'end = "2014-06"'), [], "key 'run.end'"),
        (GOOD.replace('end = "2015-06"', 'end = "2015-13"'), [], "YYYY-MM"),
        (GOOD.replace('start = "2015-01"', 'start = "2015-09"'), [], "before start"),
        (GOOD.replace('start = "2015-01"', 'start = "2010-01"'), [], "out of range"),
        (GOOD + "[parameters]\nwarp = 1\n", [], "unknown parameter"),
        (GOOD + "[parameters]\nseparation_rate = 3\n", [], "out of range"),
        (GOOD.replace("[run]", "[runs]"), [], "key 'runs'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, args, expected):
    path = tmp_path / "bad.toml"
    if text is not None:
        path.write_text(text)
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["bad.toml"] if text is not None else [])


def test_console_script_errors_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", str(tmp_path / "x.toml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "x.toml" in proc.stderr


def test_help_explains_every_option():
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0
    for option in ("--scale", "--seed", "--out", "--force", "--check", "--no-plots", "--quiet"):
        assert option in proc.stdout


def test_unwritable_output_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(
        [
            "run",
            str(ROOT / "scenarios/baseline.toml"),
            "--scale",
            str(minimum_scale()),
            "--seed",
            "1",
            "--out",
            str(blocker / "sub" / "out"),
            "--quiet",
            "--no-plots",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "cannot write" in err
    assert blocker.read_text() == "not a folder"


def test_the_cost_of_active_levers_is_recorded(baseline_result):
    from models.components.levers import SPEC_BY_CODE
    from models.experiments import scenario as scenarios

    d = baseline_result.indicators
    assert (d[(d["comune"] == "metro") & (d["indicator"] == "lever_cost_eur")]["value"] == 0).all()
    sc = scenarios.load(ROOT / "scenarios" / "governance.toml").with_run(scale=minimum_scale())
    d = simulate(sc).indicators
    cost = d[(d["comune"] == "metro") & (d["indicator"] == "lever_cost_eur")]
    full = sum(SPEC_BY_CODE[c].cost_eur for c in sc.levers) / 12
    assert cost["value"].iloc[0] == 0.0  # no project starts before 2016
    assert cost["value"].iloc[-1] == pytest.approx(full)
