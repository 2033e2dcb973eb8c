"""calibration.version_figures: two versions' baseline figures side by side; its bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibration.version_figures import comparison, main


def figures(path: Path, version: str, values: list[float]) -> Path:
    """A figures file of one indicator in one month, one row per seed."""
    rows = [
        {"version": version, "seed": s, "date": "2025-12", "indicator": "jobs", "value": v}
        for s, v in enumerate(values, start=1)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_compare_gives_the_difference_its_interval_and_whether_it_is_within_the_spread(tmp_path):
    old = pd.read_csv(figures(tmp_path / "old.csv", "1.4.0", [100.0, 102.0, 98.0]))
    new = pd.read_csv(figures(tmp_path / "new.csv", "1.5.0", [110.0, 112.0, 108.0]))
    row = comparison(old, new, ["2025-12"]).iloc[0]
    assert row["difference"] == pytest.approx(10.0)
    assert row["low"] < 10.0 < row["high"]
    assert row["old_sd"] == pytest.approx(2.0) and not row["within_spread"]


def test_compare_prints_the_table(tmp_path, capsys):
    old = figures(tmp_path / "old.csv", "1.4.0", [100.0, 102.0, 98.0])
    new = figures(tmp_path / "new.csv", "1.5.0", [101.0, 99.0, 100.0])
    assert main(["compare", str(old), str(new), "--months", "2025-12"]) == 0
    out = capsys.readouterr().out
    assert "| 1.4.0 | 1.5.0 |" in out and "| `jobs` | 2025-12 |" in out and "| yes |" in out


@pytest.mark.parametrize("content", [None, "version,seed\n1.4.0,1\n"])
def test_a_missing_or_malformed_figures_file_is_one_line_and_exit_2(tmp_path, capsys, content):
    bad = tmp_path / "bad.csv"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    good = figures(tmp_path / "good.csv", "1.5.0", [1.0, 2.0])
    with pytest.raises(SystemExit) as stop:
        main(["compare", str(bad), str(good)])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]


def test_fewer_than_two_seeds_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "figures.csv"
    assert main(["run", "--seeds", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seeds" in err[0]
    assert list(tmp_path.iterdir()) == []
