"""Derived parameters: a calibration samples (growth_drift, recovery_years, the 2015-2018 mean
growth of labour demand) and hands the model recovery_drift (calibration.derived)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.abc import prior_distribution
from calibration.derived import (
    WINDOW_GROWTH,
    derived_point,
    model_values,
    out_of_range,
    with_derived,
)
from calibration.recovery_split import split
from calibration.spec import load_calibration
from calibration.targets import TARGETS_DIR
from metropoli.cli import main
from models.parameters import bounds
from sim.experiments.posterior import load_posterior, point_estimate, sample_points

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "calibration" / "examples" / "observed-2015-2018.toml"
POSTERIOR = ROOT / "calibration" / "posterior" / "observed-2015-2018.toml"
POSTERIOR_1_4 = ROOT / "calibration" / "posterior" / "model-1.4-observed-2015-2018.toml"

TINY = """
name = "tiny-derived"
seed = 11
[run]
start = "2015-01"
end = "2018-12"
scale = 0.0048
seeds = 1
[targets]
file = "{targets}"
use = ["jobs_growth"]
[parameters]
growth_drift = {{ low = -0.01, high = 0.03 }}
recovery_years = {{ low = 1.0, high = 3.0 }}
labour_demand_growth_2015_2018 = {{ low = 0.025, high = 0.06 }}
[derived]
recovery_drift = "recovery_drift_from_window_growth"
[abc]
population = 3
generations = 1
[optimize]
trials = 2
"""


def tiny_file(folder: Path, text: str = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.toml"
    path.write_text(text.format(targets=TARGETS_DIR / "observed-2015-2018.toml"), encoding="utf-8")
    return path


def test_the_derivation_through_the_spec_round_trips_the_posterior_median(tmp_path):
    spec = load_calibration(tiny_file(tmp_path))
    (derived,) = spec.derived
    point = tomllib.loads(POSTERIOR.read_text(encoding="utf-8"))["parameters"]
    g, r, tau = (point[k] for k in ("growth_drift", "recovery_drift", "recovery_years"))
    a = float(split(np.array([g]), np.array([r]), np.array([tau]))["window_growth"][0])
    sampled = {"growth_drift": g, "recovery_years": tau, WINDOW_GROWTH: a}
    assert derived.value(sampled) == pytest.approx(r, rel=1e-12)
    model = model_values(sampled, spec.derived)
    assert set(model) == {"growth_drift", "recovery_years", "recovery_drift"}
    assert model["recovery_drift"] == pytest.approx(r, rel=1e-12)
    assert (derived.low, derived.high) == (0.0, 0.1)  # recovery_drift's plausible range
    assert spec.names == ["growth_drift", "recovery_years", WINDOW_GROWTH]
    assert spec.parameter_names == ["growth_drift", "recovery_years", "recovery_drift"]
    assert spec.coordinate_names == [WINDOW_GROWTH]


def test_the_example_samples_the_window_growth_and_derives_recovery_drift():
    spec = load_calibration(EXAMPLE)
    assert [d.parameter for d in spec.derived] == ["recovery_drift"]
    priors = {p.name: (p.low, p.high) for p in spec.priors}
    assert priors[WINDOW_GROWTH] == (0.025, 0.06)
    assert priors["recovery_years"] == (1.0, 3.0)
    assert "recovery_drift" not in priors


def test_a_calibration_without_derived_keeps_its_identity(tmp_path):
    """Model 1.4's calibration, written out again, hashes to its posterior's calibration_sha256.

    The example is model 1.6.0's; model 1.4's had the seven parameters below, no
    ``[derived]``, no 2015 level among its targets and ran at scale 0.02 (1.6.0's at 0.05).
    ``[derived]`` enters the hash only when present, so the older calibration keeps its
    identity.
    """
    text = re.sub(r"\nscale = 0\.05[^\n]*", "\nscale = 0.02", EXAMPLE.read_text(encoding="utf-8"))
    start = text.index("[parameters]")
    text = text[:start] + MODEL_1_4_PARAMETERS + text[text.index("[abc]") :]
    text = text.replace('    "unemployment_2015",\n', "")
    path = EXAMPLE.parent / f".{tmp_path.name}-old.toml"  # its targets path is relative
    try:
        path.write_text(text, encoding="utf-8")
        sha = load_calibration(path).sha256
    finally:
        path.unlink()
    assert sha == tomllib.loads(POSTERIOR_1_4.read_text(encoding="utf-8"))["calibration_sha256"]


MODEL_1_4_PARAMETERS = """[parameters]
growth_drift = { low = -0.01, high = 0.03 }
recovery_drift = {}
recovery_years = {}
intake_growth = {}
outside_student_intake = {}
graduation_hazard = {}
tourism_trend = {}

"""


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('"recovery_drift_from_window_growth"', '"nonsense"'), "derived.recovery_drift"),
        (
            ("[derived]\n", "[derived]\nrecovery_years = 'recovery_drift_from_window_growth'\n"),
            "derived.recovery_years",
        ),
        (
            ("recovery_years = {{ low", "recovery_drift = {{}}\nrecovery_years = {{ low"),
            "derived.recovery_drift",
        ),
        (('recovery_drift = "recovery_drift_from_window_growth"\n', ""), WINDOW_GROWTH),
        (("recovery_years = {{ low = 1.0, high = 3.0 }}\n", ""), "derived.recovery_drift"),
        (("[derived]\n", "[derived]\nnonsense = 'x'\n"), "derived.nonsense"),
        (
            (
                '"recovery_drift_from_window_growth"',
                '{{ derivation = "recovery_drift_from_window_growth", high = 0.9 }}',
            ),
            "derived.recovery_drift.high",
        ),  # fmt: skip
        (
            (
                '"recovery_drift_from_window_growth"',
                '{{ derivation = "recovery_drift_from_window_growth", low = 0.3, high = 0.5 }}',
            ),
            ("derived.recovery_drift", "every one of 4096 prior points"),
        ),  # fmt: skip
        (
            ("labour_demand_growth_2015_2018 =", "labour_demand_growth_2015_2019 ="),
            "parameters.labour_demand_growth_2015_2019",
        ),
    ],
)
def test_a_bad_derived_entry_is_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, edit, expected
):
    text = TINY.replace(*edit)
    assert text != TINY
    path = tiny_file(tmp_path, text)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert str(path) in err, err
    assert all(e in err for e in ((expected,) if isinstance(expected, str) else expected)), err
    assert not out.exists()


def test_the_abc_prior_holds_only_admissible_points(tmp_path):
    spec = load_calibration(tiny_file(tmp_path))
    prior = prior_distribution(spec.priors, spec.derived)
    np.random.seed(3)
    draws = [prior.rvs() for _ in range(300)]
    assert all(out_of_range(d, spec.derived) is None for d in draws)
    assert all(prior.pdf(d) > 0 for d in draws)
    # A - g = 4.9 points over a 1-year recovery: recovery_drift 0.2, above its range [0, 0.1]
    outside = {"growth_drift": 0.0, "recovery_years": 1.0, WINDOW_GROWTH: 0.049}
    assert out_of_range(outside, spec.derived) is not None
    assert prior.pdf(outside) == 0.0
    assert prior_distribution(spec.priors).pdf(outside) > 0  # without [derived]: in the box


def _check_posterior_holds_recovery_drift(out: Path, spec) -> dict:
    doc = load_posterior(out / "posterior.toml", bounds())
    assert list(doc["parameters"]) == spec.parameter_names
    assert list(doc["coordinates"]) == [WINDOW_GROWTH]
    # scenarios and batches read the model's parameters as they always have
    assert "recovery_drift" in point_estimate(out / "posterior.toml", bounds())
    return doc


def test_a_tiny_abc_calibration_writes_the_derived_recovery_drift(tmp_path):
    path = tiny_file(tmp_path)
    spec = load_calibration(path)
    out = tmp_path / "abc"
    assert main(["calibrate", str(path), "--method", "abc", "--out", str(out), "--quiet"]) == 0
    doc = _check_posterior_holds_recovery_drift(out, spec)
    sample = sample_points(out / "posterior.toml", bounds())
    assert list(sample.columns) == spec.parameter_names and len(sample) == 100
    drawn = pd.DataFrame(doc["coordinate_sample"])
    assert len(drawn) == 100
    # each draw's recovery_drift is its own point's derivation, inside [0, 0.1]
    rows = pd.concat([sample, drawn], axis=1)
    expected = spec.derived[0].value(rows)
    assert np.allclose(sample["recovery_drift"], expected, rtol=1e-12, atol=0)
    assert sample["recovery_drift"].between(0.0, 0.1).all()
    particles = pd.read_csv(out / "posterior.csv")
    assert {WINDOW_GROWTH, "recovery_drift"} <= set(particles.columns)
    # the point's recovery_drift is derived from the point: it gives the median A back
    point = {**doc["parameters"], **doc["coordinates"]}
    assert out_of_range(point, spec.derived) is None
    assert point["recovery_drift"] == pytest.approx(spec.derived[0].value(point), rel=1e-12)
    window = split(
        *(np.array([point[k]]) for k in ("growth_drift", "recovery_drift", "recovery_years"))
    )
    assert window["window_growth"][0] == pytest.approx(point[WINDOW_GROWTH], rel=1e-12)


def test_an_inadmissible_median_point_takes_the_derived_columns_median(tmp_path):
    spec = load_calibration(tiny_file(tmp_path))
    table = pd.DataFrame(
        {"growth_drift": [0.01, 0.02, 0.01], "recovery_years": [1.0, 3.0, 2.0],
         WINDOW_GROWTH: [0.03, 0.05, 0.04], "weight": [0.2, 0.5, 0.3]}
    )  # fmt: skip
    table = with_derived(table, spec.derived)
    assert table["recovery_drift"].between(0.0, 0.1).all()
    outside = {"growth_drift": 0.0, "recovery_years": 1.0, WINDOW_GROWTH: 0.049}
    assert derived_point(outside, table, spec.derived) == {
        "recovery_drift": float(table["recovery_drift"].iloc[1])  # half the weight or more
    }
    inside = {"growth_drift": 0.01, "recovery_years": 2.0, WINDOW_GROWTH: 0.04}
    assert derived_point(inside, table, spec.derived)["recovery_drift"] == pytest.approx(
        0.03 * 4 / (2.0 * (1 - np.exp(-2.0))), rel=1e-12
    )


def test_a_tiny_optimisation_rejects_inadmissible_trials_without_a_run(tmp_path):
    narrow = TINY.replace(
        '"recovery_drift_from_window_growth"',
        '{{ derivation = "recovery_drift_from_window_growth", high = 0.04 }}',
    )
    path = tiny_file(tmp_path, narrow)
    spec = load_calibration(path)
    out = tmp_path / "optimize"
    assert main(["calibrate", str(path), "--method", "optimize", "--out", str(out), "--quiet"]) == 0
    doc = _check_posterior_holds_recovery_drift(out, spec)
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 2 and trials["recovery_drift"].between(0.0, 0.04).all()
    best = trials.loc[trials["distance"].idxmin()]
    assert doc["parameters"]["recovery_drift"] == pytest.approx(best["recovery_drift"], rel=1e-9)
    assert doc["coordinates"][WINDOW_GROWTH] == pytest.approx(best[WINDOW_GROWTH], rel=1e-9)
    journal = (out / "optuna.journal").read_text(encoding="utf-8")
    assert journal.count('"rejected"') >= 1  # some proposals were out of range, told failed
    # a study resumed after its first trial proposes what the uninterrupted one did: the
    # sampler's seed counts the rejected trials the journal holds
    part = tmp_path / "part"
    first = tiny_file(tmp_path / "first", narrow.replace("trials = 2", "trials = 1"))
    for step in (first, path):
        assert (
            main(["calibrate", str(step), "--method", "optimize", "--out", str(part), "--quiet"])
            == 0
        )
    for name in ("trials.csv", "posterior.toml"):
        assert (part / name).read_bytes() == (out / name).read_bytes(), name


DERIVED_POSTERIOR = """name = "p"
method = "abc"
model_version = "x"
calibration_sha256 = "0"
[parameters]
growth_drift = 0.012
recovery_years = 2.0
recovery_drift = 0.06
[sample]
growth_drift = [0.01, 0.014]
recovery_years = [2.0, 2.5]
recovery_drift = [0.05, 0.07]
[coordinates]
labour_demand_growth_2015_2018 = 0.04
[coordinate_sample]
labour_demand_growth_2015_2018 = [0.035, 0.045]
"""


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("", ""), None),
        (("= 0.04\n", '= "a"\n'), "coordinates.labour_demand_growth_2015_2018"),
        (("= [0.035, 0.045]", "= 0.04"), "coordinate_sample.labour_demand_growth_2015_2018"),
    ],
)
def test_a_scenario_reads_a_derived_posterior_and_a_bad_coordinate_is_one_line(
    tmp_path, capsys, edit, expected
):
    (tmp_path / "posterior.toml").write_text(DERIVED_POSTERIOR.replace(*edit), encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[run]\nstart = "2015-01"\nend = "2015-03"\nseed = 1\nscale = 0.0048\n'
        '[parameters]\nfrom = "posterior.toml"\n',
        encoding="utf-8",
    )
    code = main(["check", str(scenario)])
    err = capsys.readouterr().err.strip()
    if expected is None:
        assert code == 0, err
        point = point_estimate(tmp_path / "posterior.toml", bounds())
        assert point == {"growth_drift": 0.012, "recovery_years": 2.0, "recovery_drift": 0.06}
        return
    assert code == 2
    assert len(err.splitlines()) == 1 and expected in err and "posterior.toml" in err, err
