"""The out-of-sample check (calibration.holdout): the split of fitted and held-out targets,
the proof that held-out observations never reach the fit, the percentile/band/coverage
arithmetic, a tiny end-to-end run, and bad options."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.holdout import (
    DEFAULT_CALIBRATION,
    Budget,
    fit_spec,
    main,
    run_holdout,
    split_targets,
    target_year,
    targets_file,
)
from calibration.predictive import coverage, percentile_of, summary, with_observation_error
from calibration.spec import load_calibration
from calibration.targets import TARGETS_DIR
from sim.calendar import parse_month

TINY = """
name = "tiny-holdout"
seed = 11
[run]
start = "2015-01"
end = "2018-12"
scale = 0.0048
seeds = 1
[targets]
file = "{targets}"
use = ["tourist_arrivals_growth", "students_growth", "unemployment_change_2016",
       "unemployment_change"]
[parameters]
tourism_trend = {{}}
intake_growth = {{}}
[abc]
population = 3
generations = 1
"""


def copy_targets(folder: Path, factor_2018: float = 1.0) -> Path:
    """The shipped targets and observed series in ``folder``, every 2018 value times a factor."""
    shutil.copy(TARGETS_DIR / "observed-2015-2018.toml", folder / "targets.toml")
    shutil.copytree(TARGETS_DIR / "observed", folder / "observed")
    for csv in (folder / "observed").glob("*.csv"):
        rows = pd.read_csv(csv, dtype={"geo_code": str})
        rows["value"] = rows["value"].astype(float)
        rows.loc[rows["year"] == 2018, "value"] *= factor_2018
        rows.to_csv(csv, index=False)
    return folder / "targets.toml"


def tiny_file(folder: Path, factor_2018: float = 1.0) -> Path:
    """A tiny calibration file reading targets whose 2018 values are scaled by a factor."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = copy_targets(folder, factor_2018)
    path = folder / "tiny.toml"
    path.write_text(TINY.format(targets=targets.name), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- arithmetic
def test_percentile_counts_ties_half_and_is_0_or_100_outside() -> None:
    sample = np.arange(1.0, 11.0)  # 1..10
    assert percentile_of(sample, 5.5) == 50.0
    assert percentile_of(sample, 5.0) == 45.0  # 4 below, 1 equal: (4 + 0.5) / 10
    assert percentile_of(sample, 0.0) == 0.0
    assert percentile_of(sample, 11.0) == 100.0
    with pytest.raises(ValueError, match="non-empty"):
        percentile_of([], 1.0)


def test_bands_and_membership_on_known_numbers() -> None:
    sample = np.arange(0.0, 101.0)  # 0..100: the q-th percentile is q
    inside = summary(sample, 30.0)
    assert (inside["q05"], inside["q25"], inside["median"], inside["q75"], inside["q95"]) == (
        5.0,
        25.0,
        50.0,
        75.0,
        95.0,
    )
    assert inside["percentile"] == pytest.approx(100 * 30.5 / 101)
    assert inside["in_50"] and inside["in_90"]
    edge = summary(sample, 95.0)  # a band's end is inside
    assert not edge["in_50"] and edge["in_90"]
    out = summary(sample, 96.0)
    assert not out["in_50"] and not out["in_90"]


def test_coverage_is_the_share_inside() -> None:
    assert coverage([True, False, True, True]) == 0.75
    assert coverage([False, False]) == 0.0
    assert np.isnan(coverage([]))


def test_observation_error_is_seeded_and_has_the_target_sd() -> None:
    sample = np.zeros(20_000)
    a = with_observation_error(sample, 0.6, seed=3)
    assert np.array_equal(a, with_observation_error(sample, 0.6, seed=3))
    assert a.std() == pytest.approx(0.6, rel=0.02)


# ---------------------------------------------------------------------- the split
def test_split_fits_only_the_years_up_to_the_cut() -> None:
    spec = load_calibration(DEFAULT_CALIBRATION)
    split = split_targets(spec.targets, targets_file(DEFAULT_CALIBRATION), 2017)
    fitted = {t.name for t in split.fitted}
    held = {t.name for t in split.held_out}
    assert all(target_year(t) <= 2017 for t in split.fitted)
    assert all(target_year(t) == 2018 for t in split.held_out)
    assert {"jobs_growth_2017", "unemployment_change_2017", "students_growth_2016"} <= fitted
    assert {"unemployment_change", "jobs_growth", "population_growth", "firms_growth"} <= held
    assert not fitted & held
    # jobs 2015->2017 from INPS: 598,676 to 631,013 (the copied series)
    jobs = next(t for t in split.fitted if t.name == "jobs_growth_2017")
    assert (jobs.first, jobs.last) == ("2015", "2017")
    # a stated value or a series without the year cannot be recomputed: not fitted
    assert "firms_growth_2017" in split.dropped and "population_growth_2017" in split.dropped
    fit = fit_spec(spec, split, population=4, generations=1)
    assert fit.run.end == parse_month("2017-12")
    assert max(t.last_month for t in fit.targets) <= fit.run.end
    early = split_targets(spec.targets, targets_file(DEFAULT_CALIBRATION), 2016)
    assert {target_year(t) for t in early.held_out} == {2017, 2018}


def test_held_out_observations_do_not_reach_the_fit(tmp_path: Path) -> None:
    """The fit of a file whose 2018 observations are changed is the same calibration."""
    same = tiny_file(tmp_path / "same")
    moved = tiny_file(tmp_path / "moved", factor_2018=1.5)
    specs, splits = [], []
    for path in (same, moved):
        spec = load_calibration(path)
        split = split_targets(spec.targets, targets_file(path), 2017)
        splits.append(split)
        specs.append(fit_spec(spec, split, population=3, generations=1))
    assert specs[0].sha256 == specs[1].sha256  # targets, observed values, run, priors
    assert [t.observed for t in specs[0].targets] == [t.observed for t in specs[1].targets]
    held = [{t.name: t.observed for t in s.held_out} for s in splits]
    assert held[0]["tourist_arrivals_growth"] != held[1]["tourist_arrivals_growth"]


def test_tiny_holdout_end_to_end(tmp_path: Path) -> None:
    """Run twice on data whose 2018 differs: same fit, same forecasts, other observed values."""
    budget = Budget(population=3, generations=1, draws=2, seeds=1)
    results = []
    for name, factor in (("same", 1.0), ("moved", 1.5)):
        path = tiny_file(tmp_path / name, factor)
        table, document = run_holdout(path, 2017, budget, tmp_path / f"out-{name}", progress=False)
        results.append((tmp_path / f"out-{name}", table, document))
    (a, ta, da), (b, tb, db) = results
    assert (a / "fit" / "posterior.csv").read_bytes() == (b / "fit" / "posterior.csv").read_bytes()
    fitted = json.loads((a / "fit" / "calibration.json").read_text())
    assert set(fitted["observed"]) == set(da["fitted"])
    assert not set(fitted["observed"]) & set(da["held_out"])
    assert fitted["run"]["end"] == "2017-12"
    assert (a / "predictive.csv").read_bytes() == (b / "predictive.csv").read_bytes()
    held_a = ta[ta["role"] == "held-out"].set_index("target")
    held_b = tb[tb["role"] == "held-out"].set_index("target")
    assert (
        held_a.loc["tourist_arrivals_growth", "median"]
        == held_b.loc["tourist_arrivals_growth", "median"]
    )
    assert (
        held_a.loc["unemployment_change", "observed"]
        != held_b.loc["unemployment_change", "observed"]
    )
    assert set(held_a.index) == {
        "tourist_arrivals_growth",
        "students_growth",
        "unemployment_change",
    }
    assert len(pd.read_csv(a / "predictive.csv")) == 2  # draws x seeds
    assert da["coverage"]["held-out"]["targets"] == 3
    assert 0.0 <= da["coverage"]["held-out"]["in_90"] <= 1.0


# ---------------------------------------------------------------------- bad options
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--fit-until", "2018"], "--fit-until"),
        (["--fit-until", "2015"], "--fit-until"),
        (["--draws", "0"], "--draws"),
        (["--scale", "2"], "--scale"),
        (["--population", "1"], "--population"),
        (["--seeds", "x"], "--seeds"),
        (["--draws", "500"], "--draws"),
        (["no-such-file.toml"], "no-such-file.toml"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err
    assert not (tmp_path / "out").exists()
