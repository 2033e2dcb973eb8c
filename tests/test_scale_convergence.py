"""The scale-convergence study: its statistics on constructed data, its command on a tiny
configuration, its bad input, and the warning the commands print below the recommended
scale."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration import scale_convergence
from calibration.convergence_table import (
    BEYOND,
    FEW,
    NO_BIAS,
    REFERENCE,
    WITHIN,
    Use,
    bias_interval,
    convergence_table,
    recommended_scales,
    verdict,
)
from models.components.indicators import HEADLINE_INDICATORS
from models.minimum_scale import RECOMMENDED_SCALE, minimum_scale, scale_warning

ROOT = Path(__file__).resolve().parent.parent


def _values(by_scale: dict[float, list[float]], quantity: str = "baseline") -> pd.DataFrame:
    rows = [
        {"quantity": quantity, "indicator": "jobs", "scale": s, "seed": k + 1, "value": v}
        for s, values in by_scale.items()
        for k, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_the_bias_interval_is_welchs_interval_of_the_difference_of_means():
    a, b = [10.0, 12.0, 14.0, 16.0], [1.0, 2.0, 3.0]
    bias, low, high = bias_interval(a, b)
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 3
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)  # Welch-Satterthwaite
    from scipy.stats import t

    half = t.ppf(0.975, dof) * se
    assert bias == pytest.approx(13.0 - 2.0)
    assert low == pytest.approx(11.0 - half) and high == pytest.approx(11.0 + half)


def test_samples_without_spread_give_the_exact_difference_and_one_seed_gives_no_interval():
    assert bias_interval([5.0, 5.0], [3.0, 3.0, 3.0]) == (2.0, 2.0, 2.0)
    bias, low, high = bias_interval([5.0], [3.0, 4.0])
    assert bias == 1.5 and math.isnan(low) and math.isnan(high)


def test_verdicts():
    assert verdict(1.0, -0.5, 2.5, sd=3.0) == NO_BIAS
    assert verdict(1.0, 0.5, 1.5, sd=3.0) == WITHIN
    assert verdict(4.0, 3.0, 5.0, sd=3.0) == BEYOND
    assert verdict(4.0, math.nan, math.nan, sd=3.0) == FEW


def test_the_table_has_zero_bias_at_the_reference_and_the_constructed_biases_elsewhere():
    values = _values(
        {
            0.01: [110.0, 111.0, 109.0, 110.0],  # biased by +10, sd 0.8: beyond the spread
            0.1: [100.5, 99.5, 101.0, 99.0],  # unbiased
            1.0: [100.0, 100.2, 99.8],
        }
    )
    table = convergence_table(values, reference=1.0).set_index("scale")
    assert list(table.index) == [0.01, 0.1, 1.0]
    assert table.loc[1.0, "bias"] == 0 and table.loc[1.0, "verdict"] == REFERENCE
    assert table.loc[1.0, "bias_low"] == 0 and table.loc[1.0, "bias_high"] == 0
    assert table.loc[0.01, "bias"] == pytest.approx(10.0)
    assert table.loc[0.01, "verdict"] == BEYOND
    assert table.loc[0.1, "verdict"] == NO_BIAS
    assert table.loc[0.01, "seeds"] == 4 and table.loc[1.0, "seeds"] == 3
    assert table.loc[0.01, "sd"] == pytest.approx(np.std([110, 111, 109, 110], ddof=1))
    uses = [Use("run", ("baseline",), 1), Use("other", ("effect",), 1)]
    assert recommended_scales(convergence_table(values, 1.0), uses) == {"run": 0.1, "other": 0.01}


def test_a_batch_averaging_seeds_needs_a_larger_scale_than_a_single_run():
    # bias 1 with seed sd 2: within one run's noise, beyond the noise of 8 seeds' mean
    rng = np.random.default_rng(3)
    small = 101.0 + 2.0 * (rng.standard_normal(400) - 0.0)
    small = small - small.mean() + 101.0
    values = _values({0.01: list(small), 1.0: [100.0, 100.01, 99.99, 100.0]})
    table = convergence_table(values, 1.0)
    assert table.set_index("scale").loc[0.01, "verdict"] == WITHIN
    uses = [Use("run", ("baseline",), 1), Use("batch", ("baseline",), 8)]
    assert recommended_scales(table, uses) == {"run": 0.01, "batch": 1.0}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The command on two small scales, two seeds each, three months (levers inactive)."""
    out = tmp_path_factory.mktemp("scale") / "study"
    argv = ["--scales", "0.01", "0.005", "--seeds", "2", "--end", "2015-03", "--out", str(out)]
    code = scale_convergence.main([*argv, "--quiet"])
    return code, out, argv


def test_the_command_writes_the_table_of_every_quantity_indicator_and_scale(tiny):
    code, out, _ = tiny
    assert code == 0
    assert {"values.csv", "convergence.csv", "convergence.md", "convergence.json"} <= {
        p.name for p in out.iterdir()
    }
    table = pd.read_csv(out / "convergence.csv")
    assert len(table) == 3 * len(HEADLINE_INDICATORS) * 2
    assert set(table["quantity"]) == {"baseline", "piano-completo", "effect"}
    assert list(table["indicator"].unique()) == list(HEADLINE_INDICATORS.values())
    ref = table[table["scale"] == 0.01]
    assert (ref["bias"] == 0).all() and (ref["verdict"] == REFERENCE).all()
    assert (table["seeds"] == 2).all()
    # every project starts in 2016 or later: in 2015 the plan is the baseline, pair by pair
    effect = table[table["quantity"] == "effect"]
    assert (effect["mean"] == 0).all() and (effect["sd"] == 0).all()
    assert (effect["bias"] == 0).all()
    values = pd.read_csv(out / "values.csv")
    assert len(values) == 3 * len(HEADLINE_INDICATORS) * 2 * 2
    tourism = table[table["indicator"] == "tourist_arrivals"]
    assert (tourism["sd"] == 0).all()  # computed at full scale, without randomness
    page = (out / "convergence.md").read_text()
    assert "| quantity | indicator | 0.005 | 0.01 |" in page  # the overview, scales ascending
    assert page.count("| effect | `talents` | ") == 1 + 2  # overview row, then one per scale


def test_running_the_command_again_resumes_and_gives_the_same_table(tiny):
    code, out, argv = tiny
    before = (out / "convergence.csv").read_bytes()
    assert scale_convergence.main([*argv, "--quiet"]) == 0
    assert (out / "convergence.csv").read_bytes() == before


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--scales", "0.001", "0.01"], "below the minimum scale"),
        (["--scales", "0.01"], "at least two distinct scales"),
        (["--scales", "0.005", "0.01", "--seeds", "0.02=3"], "not in --scales"),
        (["--scales", "0.005", "0.01", "--seeds", "1"], "at least 2 seeds"),
        (["--scales", "0.005", "0.01", "--seeds", "many"], "expected N or SCALE=N"),
        (["--scales", "0.005", "0.01", "--end", "2015-13"], "2015-13"),
        (["--scales", "0.005", "0.01", "--workers", "0"], "worker"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, says):
    out = tmp_path / "out"
    assert scale_convergence.main([*argv, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    argv = ["--scales", "0.005", "0.01", "--out", str(blocker), "--quiet"]
    assert scale_convergence.main(argv) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "mine"


def test_the_warning_names_the_use_and_its_recommended_scale():
    for use, least in RECOMMENDED_SCALE.items():
        assert least >= minimum_scale()
        assert scale_warning(least, use) is None and scale_warning(1.0, use) is None
        line = scale_warning(least * 0.99, use)
        assert line is not None and "\n" not in line
        assert f"recommended scale {least:g}" in line and "docs/scale-convergence.md" in line


def _short(tmp_path: Path, scale: float) -> Path:
    path = tmp_path / f"short-{scale:g}.toml"
    path.write_text(
        f'name = "short"\n[run]\nstart = "2015-01"\nend = "2015-01"\nseed = 1\nscale = {scale}\n'
    )
    return path


def test_metropoli_run_warns_in_one_line_below_the_recommended_scale(tmp_path, capsys):
    from metropoli.cli import main

    low = minimum_scale()
    assert low < RECOMMENDED_SCALE["run"]
    argv = ["run", str(_short(tmp_path, low)), "--out", str(tmp_path / "a"), "--quiet"]
    assert main([*argv, "--no-plots"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"metropoli: {scale_warning(low, 'run')}"]
    at = RECOMMENDED_SCALE["run"]
    argv = ["run", str(_short(tmp_path, at)), "--out", str(tmp_path / "b"), "--quiet"]
    assert main([*argv, "--no-plots"]) == 0
    assert capsys.readouterr().err == ""


def test_metropoli_batch_warns_in_one_line_below_the_recommended_scale(tmp_path, capsys):
    from metropoli.cli import main

    low = minimum_scale()
    path = tmp_path / "b.toml"
    path.write_text(
        f'name = "b"\n[run]\nstart = "2015-01"\nend = "2015-01"\nscale = {low}\nseeds = 1\n'
        '[[scenarios]]\nname = "baseline"\n'
    )
    assert main(["batch", str(path), "--out", str(tmp_path / "store"), "--quiet"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"metropoli: {scale_warning(low, 'batch')}"]


def test_metropoli_check_warns_before_anything_runs(tmp_path, capsys):
    from metropoli.cli import main

    low = minimum_scale()
    assert main(["check", str(_short(tmp_path, low))]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("OK: ")
    assert captured.err.strip().splitlines() == [f"metropoli: {scale_warning(low, 'run')}"]


def test_metropoli_sensitivity_warns_in_one_line_below_the_recommended_scale(tmp_path, capsys):
    from metropoli.cli import main

    low = minimum_scale()
    path = tmp_path / "sens.toml"
    path.write_text(
        f'name = "s"\nseed = 3\n[run]\nstart = "2015-01"\nend = "2015-02"\nscale = {low}\n'
        'seeds = 1\n[morris]\nparameters = ["layoff_speed", "emigration_rate"]\n'
        "trajectories = 2\nlevels = 4\n[sobol]\ntop = 1\nsamples = 2\n"
    )
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"metropoli: {scale_warning(low, 'sensitivity')}"]


def test_metropoli_portfolio_warns_in_one_line_below_the_recommended_scale(tmp_path, capsys):
    from metropoli.cli import main

    low = minimum_scale()
    small = ROOT / "scenarios" / "portfolios" / "small.toml"
    argv = ["portfolio", str(small), "--scale", str(low), "--out", str(tmp_path / "p"), "--quiet"]
    assert main(argv) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"metropoli: {scale_warning(low, 'portfolio')}"]
