"""``metropoli sensitivity``: Morris then Sobol through batch stores, with real runs and SALib.

Tiny analyses (scale 0.005, 2015-2016, three parameters, one seed) so the module takes
well under two minutes: the tables and plots are written, a second command is a no-op
with the same bytes, a SIGKILL in the middle then a resume gives the same tables as an
uninterrupted command, and bad input is one line, exit 2, nothing written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.sensitivity import load_sensitivity, morris_ranking
from metropoli.cli import main
from tests.batch_support import ROOT, start_metropoli

PARAMETERS = ["talent_exit_factor", "layoff_speed", "emigration_rate"]
TINY = """
name = "tiny"
seed = 3
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
top = 2
samples = 4
"""
LEVERS = TINY.replace('name = "tiny"', 'name = "tiny-levers"').replace(
    "samples = 4", 'samples = 4\nlevers = ["B8"]'
)
TABLES = ("morris.csv", "sobol.csv", "sobol_inputs.json", "sensitivity.json")
FILES = (*TABLES, "morris.png", "sobol.png")


def write(folder: Path, text: str, name: str = "sens.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def contents(out: Path, names=FILES) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in names}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sensitivity")
    path = write(folder, TINY)
    out = folder / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 0
    return path, out, contents(out)


def test_the_command_writes_its_tables_and_plots(reference):
    _, out, files = reference
    for name in FILES:
        assert (out / name).is_file(), name
    assert files["morris.png"].startswith(b"\x89PNG") and files["sobol.png"].startswith(b"\x89PNG")
    morris = pd.read_csv(out / "morris.csv")
    assert list(morris.columns) == ["output", "parameter", "mu", "mu_star", "sigma", "mu_star_conf"]
    assert morris["output"].nunique() >= 5  # targets the months cover, and the goals
    for _, rows in morris.groupby("output"):
        assert sorted(rows["parameter"]) == sorted(PARAMETERS)
    assert np.isfinite(morris["mu_star"]).all() and (morris["mu_star"] >= 0).all()
    sobol = pd.read_csv(out / "sobol.csv")
    assert list(sobol.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(sobol) and np.isfinite(sobol[["S1", "S1_conf", "ST", "ST_conf"]]).all().all()
    # the Sobol stage takes the top two by Morris, deterministically
    chosen = morris_ranking(morris)["parameter"].head(2).tolist()
    assert sorted(sobol["parameter"].unique()) == sorted(chosen)
    # both stages are batch stores: 2 x (3 + 1) Morris runs, 4 x (2 + 2) Sobol runs
    assert len(pd.read_parquet(out / "morris" / "runs.parquet")) == 8
    assert len(pd.read_parquet(out / "sobol" / "runs.parquet")) == 16


def test_running_again_is_a_no_op_with_the_same_bytes(reference, capsys):
    path, out, files = reference
    parts = sorted(p.name for p in out.rglob("part-*.parquet"))
    mtimes = {name: (out / name).stat().st_mtime_ns for name in FILES}
    assert main(["sensitivity", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "morris: all 8 runs already stored" in printed
    assert "sobol: all 16 runs already stored" in printed
    assert contents(out) == files
    assert {name: (out / name).stat().st_mtime_ns for name in FILES} == mtimes  # not rewritten
    assert sorted(p.name for p in out.rglob("part-*.parquet")) == parts


def start(path: Path, out: Path) -> subprocess.Popen:
    return start_metropoli("sensitivity", str(path), "--out", str(out), "--quiet")


def kill_when(proc: subprocess.Popen, folder: Path, parts: int, timeout: float = 120) -> bool:
    """SIGKILL the command once ``folder`` holds ``parts`` part files; true if it was killed."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if len(list((folder / "indicators").glob("part-*.parquet"))) >= parts:
            break
        time.sleep(0.01)
    killed = proc.poll() is None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return killed


def test_sigkill_in_either_stage_then_resume_gives_the_same_tables(reference, tmp_path):
    path, _, files = reference
    out = tmp_path / "out"
    assert kill_when(start(path, out), out / "morris", 3)  # in the Morris stage
    assert not (out / "morris.csv").exists()
    killed = kill_when(start(path, out), out / "sobol", 5)  # in the Sobol stage
    assert killed and not (out / "sobol.csv").exists()
    done = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "sensitivity", str(path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "morris: all 8 runs already stored" in done.stdout  # the killed stage was finished
    got = contents(out, TABLES[:3])
    assert got == {name: files[name] for name in TABLES[:3]}
    runs = pd.read_parquet(out / "sobol" / "runs.parquet")
    assert (runs["status"] == "ok").all() and runs["run_id"].is_unique


def test_levers_pair_the_plan_with_the_baseline(tmp_path):
    path = write(tmp_path, LEVERS)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 0
    sobol = pd.read_csv(out / "sobol.csv")
    assert "B8" in set(sobol["parameter"])  # B8's two effects as one group
    goals = sobol[sobol["output"].str.startswith("goal")]
    assert len(goals) and goals["output"].str.endswith(".diff").all()
    # a target is read on the baseline, which the lever does not touch
    target = sobol[sobol["output"].str.startswith("target.") & (sobol["parameter"] == "B8")]
    assert len(target) and (target[["S1", "ST"]] == 0).all().all()
    design = pd.read_parquet(out / "sobol" / "design.parquet")
    assert set(design["scenario"].str[:4]) == {"base", "plan"}
    # 4 x (2 + 1 + 2) = 20 rows; the plan runs once per row, the baseline once per parameter set
    runs = pd.read_parquet(out / "sobol" / "runs.parquet")
    assert len(design) == 40 and 20 < len(runs) < 40


BAD = [
    (TINY.replace('"layoff_speed"', '"no_such_parameter"'), "morris.parameters[1]", "unknown"),
    (TINY.replace('"layoff_speed"', '"move_candidates"'), "morris.parameters[1]", "whole"),
    (TINY.replace("trajectories = 2", "trajectories = 2\nspeed = 3"), "morris.speed", "unknown"),
    (TINY.replace("samples = 4", "samples = 6"), "sobol.samples", "power of 2"),
    (TINY.replace("top = 2", "top = 2\nlevers = ['Z9']"), "sobol.levers[0]", "unknown lever"),
    (TINY.replace("levels = 4", "levels = 3"), "morris.levels", "even"),
    (TINY.replace("[sobol]", "colour = 1\n[sobol]"), "morris.colour", "unknown"),
    (TINY + "\n[outputs]\ntargets = false\ngoals = false\n", "outputs", "at least one"),
    ("name = 'x'\n[run\n", None, "malformed TOML"),
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
    assert str(path) in lines[0] and expected in lines[0]
    if key is not None:
        assert f"key '{key}'" in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]


def test_a_folder_of_another_sensitivity_or_of_anything_else_is_refused(
    reference, tmp_path, capsys
):
    _, out, files = reference
    other = write(tmp_path, TINY.replace("seed = 3", "seed = 4"), "other.toml")
    assert main(["sensitivity", str(other), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a different sensitivity" in err[0]
    assert contents(out) == files
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert main(["sensitivity", str(other), "--out", str(foreign), "--quiet"]) == 2
    assert "holds no sensitivity" in capsys.readouterr().err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_the_shipped_files_are_valid():
    folder = ROOT / "calibration" / "examples"
    small = load_sensitivity(folder / "sensitivity-small.toml")
    assert len(small.skipped) == 4 and not set(small.skipped) & set(small.morris_parameters)
    goals = load_sensitivity(folder / "sensitivity-goals.toml")
    assert len(goals.levers) == 58 and len({n.split(".")[0] for n in goals.levers}) == 29
    assert goals.sobol_end == "2025-12" and goals.morris_end == "2018-12"


def test_the_package_keeps_one_concern_a_module_and_imports_nothing_of_the_command():
    """calibration/ sits left of metropoli/; the sensitivity's parts stay small."""
    import ast

    for path in sorted((ROOT / "calibration").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] != "metropoli", path
                assert not any(a.name.startswith("_") for a in node.names), (path, node.module)
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "metropoli" for a in node.names), path
    for path in sorted((ROOT / "calibration" / "sensitivity").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno + 1 <= 80, (path, node.name)
