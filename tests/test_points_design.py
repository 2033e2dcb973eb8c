"""A batch's explicit design (``[design] kind = "points"``): a table of points run as it is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models.experiments.batchfile import load_batch
from models.experiments.expansion import expand

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "scenarios" / "piano-completo.toml"
BATCH = f"""name = "chosen"
[run]
start = "2015-01"
end = "2016-12"
scale = 0.005
seeds = 3

[[scenarios]]
file = "{PLAN}"

[design]
kind = "points"
file = "points.csv"
"""
SIX = (
    "A2__growth_drift,layoff_speed,B8.intensity,B4.start,B4.ramp_months\n"
    "0.001,0.2,0.0,2016-01,0\n"
    "0.002,0.25,0.5,2016-06,6\n"
    "0.003,0.3,1.0,2017-01,12\n"
    "0.001,0.35,0.25,2018-03,3\n"
    "0.002,0.4,0.75,2016-02,24\n"
    "0.0,0.3,1.0,2020-12,1\n"
)


def write(folder: Path, points: str, batch: str = BATCH, name: str = "points.csv") -> Path:
    (folder / name).write_text(points)
    path = folder / "chosen.toml"
    path.write_text(batch.replace("points.csv", name))
    return path


def test_six_points_run_six_times_the_seeds_not_a_factorial(tmp_path, capsys):
    batch = load_batch(write(tmp_path, SIX))
    expanded = expand(batch)
    assert len(expanded.points) == 6 and len(expanded.cells) == 6 * 3
    assert list(expanded.points.columns) == [
        "A2.growth_drift",
        "layoff_speed",
        "B8.intensity",
        "B4.start",
        "B4.ramp_months",
    ]
    assert expanded.points["B4.start"].tolist()[2] == "2017-01"  # after the run: inactive
    assert expanded.points["B4.ramp_months"].tolist() == [0, 6, 12, 3, 24, 1]
    run = expanded.runs[expanded.cells["run_id"][3]]  # point 1, seed 1
    assert run.levers["B8"].intensity == 0.5 and run.parameters["layoff_speed"] == 0.25
    assert main(["check", str(tmp_path / "chosen.toml"), "--scale", "0.01", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "design: points, 6 points" in out and "12 cells" in out and "scale 0.01" in out


def test_a_parquet_table_gives_the_same_points_as_the_csv(tmp_path):
    csv = load_batch(write(tmp_path, SIX))
    table = pd.read_csv(tmp_path / "points.csv", dtype={"B4.start": str})
    table.to_parquet(tmp_path / "points.parquet")
    (tmp_path / "chosen.toml").write_text(BATCH.replace("points.csv", "points.parquet"))
    parquet = load_batch(tmp_path / "chosen.toml")
    assert expand(parquet).cells.equals(expand(csv).cells)


BAD_TABLES = [
    ("A2.growth_drif,layoff_speed\n0.001,0.2\n", "did you mean 'A2.growth_drift'?"),
    ("B8.intensity\n3.5\n", "row 1 column B8.intensity': 3.5 is out of range (expected 0 to 1)"),
    ("B4.start\n2014-01\n", "out of range (expected 2015-01 to 2040-12)"),
    ("layoff_speed,B8.intensity\n0.2,\n", "row 1 column B8.intensity': missing value"),
    ("layoff_speed\nfast\n", "expected a number, got 'fast'"),
    ("B4.start\n7\n", 'expected a month as "YYYY-MM"'),
    ("B4.ramp_months\n1.5\n", "expected a whole number"),
    ("layoff_speed,layoff_speed\n0.2,0.3\n", "given twice"),
    ("B8__intensity,B8.intensity\n0.2,0.3\n", "given twice"),
    ("", "empty"),
    ("layoff_speed\n", "empty"),
    ("B21.intensity\n0.5\n", "active in none"),
]


@pytest.mark.parametrize("points, expected", BAD_TABLES)
def test_a_bad_table_of_points_is_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, points, expected
):
    path = write(tmp_path, points)
    if "B21" in points:
        path.write_text(BATCH.replace(f'file = "{PLAN}"', 'name = "B8"\nlevers.B8 = {}'))
    out = tmp_path / "store"
    code = main(["batch", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert str(path) in lines[0] and expected in lines[0]
    assert "Traceback" not in err and not out.exists()


def test_a_table_that_is_not_csv_or_parquet_or_missing_is_refused(tmp_path, capsys):
    path = write(tmp_path, SIX, name="points.xlsx")
    assert main(["check", str(path)]) == 2
    assert "expected a .csv or .parquet table of points" in capsys.readouterr().err
    path.write_text(BATCH.replace("points.csv", "nowhere.csv"))
    assert main(["check", str(path)]) == 2
    assert "no such table of points" in capsys.readouterr().err
    path.write_text(BATCH + "[uncertainties]\nlayoff_speed = {}\n")
    assert main(["check", str(path)]) == 2
    assert "put every varied name in the table" in capsys.readouterr().err


def test_a_lever_start_and_an_alias_are_accepted_under_uncertainties(tmp_path, capsys):
    """``CODE.start = {}`` was refused ("expected a month as YYYY-MM, got 24192")."""
    text = BATCH.replace('kind = "points"\nfile = "points.csv"', 'kind = "lhs"\nsamples = 4')
    path = tmp_path / "lhs.toml"
    path.write_text(text + "[uncertainties]\nB4.start = {}\nA2__growth_drift = {}\n")
    batch = load_batch(path)
    assert [u.name for u in batch.uncertainties] == ["B4.start", "A2.growth_drift"]
    start = batch.uncertainties[0]
    # B4 starts 2017-01 by default, after the run: its default range is that month (inactive)
    assert (start.low, start.high) == (24204.0, 24204.0)
    assert main(["check", str(path)]) == 0
    assert "B4.start months 2017-01 to 2017-01" in capsys.readouterr().out
