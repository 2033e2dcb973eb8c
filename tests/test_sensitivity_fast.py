"""``[sobol] method = "rbd-fast"``: RBD-FAST first-order indices (SALib) in the Sobol stage.

The estimator on an analytic function with known indices; a tiny end-to-end command
(scale 0.005, 2015-2016, 16 rows, one project's two effects as one input, two seeds a
row) for the outputs' shape and determinism; the Saltelli default kept as it was (the
shipped files' settings hash, so their output folders stay theirs); bad input is one
line and exit 2.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from calibration.sensitivity import load_sensitivity, sobol_batch, sobol_sample
from calibration.sensitivity.fast import fast_indices, group_columns
from calibration.sensitivity.fast_sizing import linear_case
from calibration.sensitivity.stages import SobolInputs
from docs.sensitivity_tables import markdown
from metropoli.cli import main
from tests.batch_support import ROOT

FAST = """
name = "tiny-fast"
seed = 5
[run]
start = "2015-01"
end = "2016-12"
scale = 0.005
seeds = 1
[morris]
parameters = ["talent_exit_factor", "layoff_speed", "emigration_rate"]
trajectories = 2
levels = 4
[sobol]
top = 1
levers = ["B8"]
method = "rbd-fast"
samples = 16
harmonics = 2
seeds = 2
"""
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


def write(folder, text, name="fast.toml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_estimator_finds_a_linear_models_indices():
    """y = Σ a_i x_i, x_i ~ U(0, 1) independent: S1_i = a_i² / Σ a² (no noise)."""
    x, y, true = linear_case(rows=2000, inputs=6, lead=3.0, noise=0.0, seed=7)
    found = fast_indices(x, y, harmonics=10, resamples=100, conf_level=0.95, seed=1)
    # tolerance 0.03: RBD-FAST's error at 2,000 rows (fast_sizing: ~0.02 for 33 inputs)
    assert np.abs(found["S1"] - true).max() < 0.03
    assert abs(found["S1_sum"] - 1.0) < 0.05 and 0 < found["S1_sum_conf"] < 0.1
    assert (found["S1_conf"] > 0).all() and (2 * found["S1_conf"] < 0.1).all()
    again = fast_indices(x, y, harmonics=10, resamples=100, conf_level=0.95, seed=1)
    assert all(np.array_equal(found[k], again[k]) for k in found)  # seeded: deterministic


def test_a_projects_effects_are_one_latin_column(tmp_path):
    spec = load_sensitivity(write(tmp_path, FAST))
    assert spec.levers == ("B8.talent_exit", "B8.arrivals")
    inputs = SobolInputs(("layoff_speed", *spec.levers), ("layoff_speed", "B8", "B8"), {})
    unit = sobol_sample(spec, inputs)
    assert unit.shape == (16, 3) and np.array_equal(unit[:, 1], unit[:, 2])
    assert group_columns(inputs.groups) == [0, 1]
    # a Latin hypercube: each column has one value in each sixteenth of [0, 1]
    for j in (0, 1):
        assert sorted(np.floor(unit[:, j] * 16).astype(int)) == list(range(16))
    assert np.array_equal(unit, sobol_sample(spec, inputs))  # the same file, the same design


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    path = write(folder, FAST)
    out = folder / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 0
    return path, out


def test_the_command_writes_first_order_indices_and_no_total_index(fast_run):
    _, out = fast_run
    sobol = pd.read_csv(out / "sobol.csv")
    assert list(sobol.columns) == SOBOL_COLUMNS
    assert (
        set(sobol["parameter"]) == {sobol["parameter"].iloc[0], "B8"}
        and sobol["parameter"].nunique() == 2
    )
    assert np.isfinite(sobol["S1"]).all()
    # an interval is undefined (empty) only if a bootstrap resample of 8 rows of 16 had no
    # variance: with so few rows it happens to an output of a few distinct values
    assert (sobol["S1_conf"].dropna() > 0).all() and sobol["S1_conf"].notna().mean() > 0.5
    assert sobol[["ST", "ST_conf"]].isna().all().all()  # not estimated, not zero
    inputs = json.loads((out / "sobol_inputs.json").read_text())
    assert inputs["sample"]["rows"] == 16 and "not available" in inputs["sample"]["total_order"]
    for name in sobol["output"].unique():
        entry = inputs["outputs"][name]
        assert np.isfinite(entry["S1_sum"])
        assert entry["S1_sum_conf"] is None or entry["S1_sum_conf"] > 0
        assert entry["seed_noise_share"] is not None  # two seeds a row: noise is measured
    # 16 rows x (baseline, plan) x 2 seeds; every row has its own parameters: no sharing
    design = pd.read_parquet(out / "sobol" / "design.parquet")
    runs = pd.read_parquet(out / "sobol" / "runs.parquet")
    assert len(design) == 64 and len(runs) == 64 and (runs["status"] == "ok").all()
    assert (out / "sobol.png").read_bytes().startswith(b"\x89PNG")


def test_a_second_command_gives_the_same_bytes_and_the_same_design(fast_run, capsys):
    path, out = fast_run
    names = ("sobol.csv", "sobol_inputs.json", "sobol.png", "sensitivity.json")
    before = {n: (out / n).read_bytes() for n in names}
    assert main(["sensitivity", str(path), "--out", str(out)]) == 0
    assert "sobol: all 64 runs already stored" in capsys.readouterr().out
    assert {n: (out / n).read_bytes() for n in names} == before
    spec = load_sensitivity(path)
    inputs = SobolInputs(("layoff_speed", *spec.levers), ("layoff_speed", "B8", "B8"), {})
    first = sobol_batch(spec, inputs, sobol_sample(spec, inputs))
    assert first == sobol_batch(spec, inputs, sobol_sample(spec, inputs))


def test_the_table_says_st_is_not_available(fast_run):
    _, out = fast_run
    text = markdown(out)
    assert "ST not available from RBD-FAST" in text.splitlines()[0]
    rows = text.splitlines()[2:]
    assert rows and all(" S1 " in r and " ST " not in r and "nan" not in r for r in rows)
    sobol = pd.read_csv(out / "sobol.csv")
    assert len(rows) == sobol["output"].str.startswith("goal").groupby(sobol["output"]).any().sum()


def test_saltelli_is_the_default_and_its_settings_are_unchanged():
    """The shipped Saltelli files hash as before RBD-FAST: their output folders stay valid."""
    folder = ROOT / "calibration" / "examples"
    small = load_sensitivity(folder / "sensitivity-small.toml")
    goals = load_sensitivity(folder / "sensitivity-goals.toml")
    assert small.method == goals.method == "saltelli"
    assert "method" not in goals.settings() and "harmonics" not in goals.settings()
    assert small.sha256 == "8e4ae71f15f991f41b8fa0d8cb693f81dd74883966caa52a54b8f6ad529b2dbf"
    assert goals.sha256 == "26e3bfafbab6daed280a0c32cf2672242afe1a766066d6ee89dc8475544011b1"


def test_the_shipped_fast_file_has_the_goals_inputs():
    folder = ROOT / "calibration" / "examples"
    fast = load_sensitivity(folder / "sensitivity-goals-fast.toml")
    goals = load_sensitivity(folder / "sensitivity-goals.toml")
    assert fast.method == "rbd-fast" and fast.samples >= 8 * fast.harmonics
    for key in ("levers", "group", "top", "forced", "morris_parameters", "sobol_end"):
        assert getattr(fast, key) == getattr(goals, key), key
    assert len(fast.sobol_seeds) >= 2  # the seed noise is measured


BAD = [
    (FAST.replace('"rbd-fast"', '"fast99"'), "sobol.method", "expected one of saltelli"),
    (FAST.replace("samples = 16", "samples = 15"), "sobol.samples", "at least 8 x harmonics"),
    (FAST.replace("harmonics = 2", "harmonics = 0"), "sobol.harmonics", "whole number"),
    (
        FAST.replace('method = "rbd-fast"\n', "").replace("samples = 16", "samples = 4"),
        "sobol.harmonics",
        "rbd-fast",
    ),
    (
        FAST.replace("harmonics = 2", "harmonics = 2\nsecond_order = true"),
        "sobol.second_order",
        "unknown",
    ),
]


@pytest.mark.parametrize("text, key, expected", BAD)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, key, expected):
    path = write(tmp_path, text, "bad.toml")
    out = tmp_path / "out"
    code = main(["sensitivity", str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert str(path) in lines[0] and expected in lines[0] and f"key '{key}'" in lines[0]
    assert "Traceback" not in captured.err and not out.exists()
