"""Forecasts that carry the calibration's uncertainty: ``metropoli run --posterior``, the
batch's posterior design with the shipped posterior, and the observed 2015-2018 path drawn on
a posterior batch's baseline fans; a plain ``metropoli run`` unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from calibration.observed_path import observed_points
from calibration.targets import load_targets
from metropoli.cli import main
from models.experiments.batchfile import load_batch
from models.experiments.report import content
from models.experiments.report.figures import OBSERVED_LABEL, draw_observed
from models.parameters import CALIBRATED_POSTERIOR, bounds
from sim.experiments import Batch
from sim.experiments.posterior import sample_points
from sim.fingerprint import tables_fingerprint
from tests.test_fingerprint import PINNED

ROOT = Path(__file__).resolve().parent.parent


def test_a_plain_run_still_gives_the_pinned_tables(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["run", str(ROOT / "scenarios" / "piano-completo.toml"), "--seed", "1"]
    assert main([*argv, "--scale", "0.005", "--out", str(out), "--no-plots", "--quiet"]) == 0
    tables = {n: pd.read_parquet(out / f"{n}.parquet") for n in ("indicators", "od", "firms")}
    assert tables_fingerprint(tables) == PINNED[("piano-completo", 1, 0.005)]


def test_run_with_posterior_draws_the_shipped_sample_beside_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "forecast"
    argv = ["run", str(ROOT / "scenarios" / "piano-completo.toml"), "--posterior"]
    argv += ["--draws", "2", "--seeds", "2", "--scale", "0.0048", "--end", "2015-03"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "over 4 runs (draws x seeds)" in printed and "unemployment_rate" in printed
    batch = Batch.open(out)
    assert batch.document["design"]["kind"] == "posterior"
    assert batch.document["design"]["file"] == str(CALIBRATED_POSTERIOR)
    design = batch.design()
    assert sorted(design["scenario"].unique()) == ["baseline", "piano-completo"]
    assert sorted(design["seed"].unique()) == [1, 2]
    draws = sample_points(CALIBRATED_POSTERIOR, bounds(), 2)
    for name in draws.columns:
        by_point = design.groupby("point")[name].first().to_numpy()
        assert np.array_equal(by_point, draws[name].to_numpy())
    assert (batch.runs()["status"] == "ok").all() and len(batch.runs()) == 8


def test_a_baseline_forecast_runs_the_baseline_alone(tmp_path: Path) -> None:
    out = tmp_path / "forecast"
    argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--posterior", "--draws", "1"]
    assert main([*argv, "--scale", "0.0048", "--end", "2015-02", "--out", str(out)]) == 0
    assert list(Batch.open(out).design()["scenario"].unique()) == ["baseline"]


def test_a_posterior_of_another_model_version_is_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CALIBRATED_POSTERIOR.read_text(encoding="utf-8")
    old = tmp_path / "old.toml"
    old.write_text(re.sub(r'model_version = "[^"]*"', 'model_version = "0.9.0"', text))
    argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--posterior", str(old)]
    argv += ["--draws", "1", "--scale", "0.0048", "--end", "2015-01", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    assert "fitted with model 0.9.0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--draws", "3"], "--draws is for a forecast"),
        (["--seeds", "3"], "--seeds is for a forecast"),
        (["--posterior", "--check"], "--check is for a single run"),
        (["--posterior", "--force"], "--force is for a single run"),
        (["--posterior", "--draws", "0"], "--draws"),
        (["--posterior", "--draws", "101"], "fewer than the 101"),
        (["--posterior", "no-such.toml"], "no such posterior file"),
    ],
)
def test_bad_forecast_options_exit_2_in_one_line(
    extra: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), *extra, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err
    assert not out.exists()


def test_a_posterior_design_without_a_file_draws_the_shipped_posterior(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(
        '[run]\nstart = "2015-01"\nend = "2015-03"\nscale = 0.0048\nseeds = 1\n'
        f'[[scenarios]]\nfile = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        '[design]\nkind = "posterior"\nsamples = 3\n',
        encoding="utf-8",
    )
    rows = load_batch(path).design.rows
    expected = sample_points(CALIBRATED_POSTERIOR, bounds(), 3)
    assert np.array_equal(np.array(rows), expected.to_numpy())


# ---------------------------------------------------------------------- observed on the fans
def test_observed_points_are_the_targets_changes_in_model_units() -> None:
    points = observed_points().set_index("target")
    targets = {t.name: t for t in load_targets()}
    assert points.loc["jobs_growth", "value"] == targets["jobs_growth"].observed
    assert points.loc["unemployment_change", "value"] == pytest.approx(-0.027018, abs=1e-6)
    assert points.loc["jobs_growth_2016", ["first", "last"]].tolist() == ["2015", "2016"]
    assert "unemployment_2015" not in points.index  # a level: province vs conurbation
    assert max(int(d[:4]) for d in points["last"]) == 2018


def fan_levels(indicator: str, values: dict[str, float]) -> pd.DataFrame:
    """Bands of a baseline whose median is ``values[year]`` every month of that year."""
    rows = []
    for year, v in values.items():
        for m in range(1, 13):
            q = dict.fromkeys(("q0.05", "q0.25", "q0.5", "q0.75", "q0.95"), v)
            rows.append(
                {"scenario": "baseline", "indicator": indicator, "date": f"{year}-{m:02d}", **q}
            )
    return pd.DataFrame(rows)


def test_observed_points_are_anchored_at_the_baseline_median() -> None:
    points = pd.DataFrame(
        [
            ["g", "jobs", "growth", "2015", "2016", 0.10],
            ["c", "unemployment_rate", "change", "2015", "2017", -0.02],
            ["late", "jobs", "growth", "2015", "2019", 0.5],  # after the fan's end: not drawn
        ],
        columns=["target", "indicator", "statistic", "first", "last", "value"],
    )
    ax = Figure().subplots()
    draw_observed(
        ax,
        points[points["indicator"] == "jobs"],
        fan_levels("jobs", {2015: 100.0, 2016: 1.0, 2017: 1.0}),
        "baseline",
        1.0,
    )
    (line,) = ax.lines
    assert line.get_label() == OBSERVED_LABEL
    assert line.get_ydata().tolist() == pytest.approx([100.0, 110.0])
    ax = Figure().subplots()
    rates = fan_levels("unemployment_rate", {2015: 0.10, 2016: 0.5, 2017: 0.5})
    draw_observed(ax, points[points["indicator"] == "unemployment_rate"], rates, "baseline", 100.0)
    assert ax.lines[0].get_ydata().tolist() == pytest.approx([10.0, 8.0])


def test_only_a_posterior_batch_draws_the_observed_points() -> None:
    points = observed_points()

    def store(kind: str) -> content.Store:
        document = {"design": {"kind": kind}}
        return content.Store(
            None, "baseline", [], "2025", ("2025-01", "2025-12"), (), None, document
        )

    assert content.observed_on_fans(store("posterior"), points) is points
    assert content.observed_on_fans(store("lhs"), points) is None
    assert content.observed_on_fans(store("replicates"), points) is None
