"""The model as a library (models.experiments.api, docs/api.md): named points from Python.

The acceptance test drives the model from EMA Workbench's ``perform_experiments`` (the
docs' own example) and checks its outcomes bit-identical to :func:`evaluate` and to
``metropoli batch`` with a ``points`` design of the same points.
"""

from __future__ import annotations

import keyword
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.components.lever_settings import inactive
from models.experiments import (
    alias,
    canonical,
    evaluate,
    metro_outcomes,
    outcomes,
    run_point,
    uncertainties,
)
from models.experiments import scenario as scenarios
from sim.errors import InputError
from sim.experiments.analysis import Batch

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "scenarios" / "piano-completo.toml"
DOC = ROOT / "docs" / "api.md"


def doc_blocks() -> list[str]:
    """The Python code blocks of docs/api.md, in order."""
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def docs_namespace():
    """Every example of docs/api.md run in order, in one namespace, from the repository root."""
    namespace: dict = {}
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        for block in doc_blocks():
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the docs' own code
    finally:
        os.chdir(before)
    return namespace


def test_every_example_in_docs_api_runs(docs_namespace):
    assert len(doc_blocks()) == 4
    assert set(metro_outcomes(docs_namespace["result"])) == set(outcomes()["name"])
    assert len(docs_namespace["indices"]["ST"]) == 2
    assert len(docs_namespace["runs"]) == 2 * (2 + 2)  # Saltelli: N (d + 2) points


def test_ema_workbench_gives_the_outcomes_of_evaluate_and_of_a_points_batch(
    docs_namespace, tmp_path
):
    """EMA's perform_experiments (4 points, scale 0.005, 2015-01..2016-12) = evaluate = batch."""
    from metropoli.cli import main

    experiments, ema = docs_namespace["experiments"], docs_namespace["outcomes"]
    names = docs_namespace["names"]
    assert len(experiments) == 4
    points = experiments[names]
    table = evaluate(PLAN, points, seeds=[1], scale=0.005, start="2015-01", end="2016-12")
    points.to_csv(tmp_path / "points.csv", index=False, float_format="%.17g")
    (tmp_path / "ema.toml").write_text(
        'name = "ema"\n[run]\nstart = "2015-01"\nend = "2016-12"\nscale = 0.005\nseeds = [1]\n'
        f'[[scenarios]]\nfile = "{PLAN}"\n[design]\nkind = "points"\nfile = "points.csv"\n'
    )
    assert main(["batch", str(tmp_path / "ema.toml"), "--out", str(tmp_path / "s"), "--quiet"]) == 0
    store = Batch.open(tmp_path / "s")
    stored = store.cells(comune="metro", dates=("2016-12", "2016-12"))
    for name in ("jobs", "population", "talents"):
        assert np.array_equal(table[name].to_numpy(), ema[name])  # evaluate == EMA, bit for bit
        by_point = stored[stored["indicator"] == name].sort_values("point")
        assert np.array_equal(by_point["value"].to_numpy(), ema[name])  # batch == EMA
    assert table["run_id"].tolist() == store.design().sort_values("point")["run_id"].tolist()


def test_every_name_has_one_identifier_alias():
    table = uncertainties()
    assert table["name"].is_unique and table["alias"].is_unique
    for name, short in zip(table["name"], table["alias"], strict=True):
        assert short.isidentifier() and not keyword.iskeyword(short)
        assert alias(name) == short and canonical(short) == name
    row = table.set_index("name").loc["A2.growth_drift"]
    assert row["alias"] == "A2__growth_drift" and row["prior"] == "uniform"
    assert row["low"] < row["high"] and row["source"]
    assert table.set_index("name").loc["B4.start", "kind"] == "month"
    assert set(outcomes().columns) == {"name", "goal", "unit", "measured"}
    assert "jobs" in set(outcomes()["name"])


def test_a_point_is_applied_as_a_batch_applies_it_and_checked():
    from models.experiments.expansion import apply_point

    sc = scenarios.load(PLAN).with_run(start="2015-01", end="2015-03")
    dotted, _ = apply_point(sc, {"A2.growth_drift": 0.003, "B8.intensity": 0.5}, "t")
    assert dotted.levers["A2"].sizes == {"growth_drift": 0.003}
    assert dotted.levers["B8"].intensity == 0.5
    with pytest.raises(InputError, match=r"did you mean 'layoff_speed'\?"):
        run_point(PLAN, {"layof_speed": 0.3}, seed=1, scale=0.005, end="2015-02")
    with pytest.raises(InputError, match="out of range"):
        run_point(PLAN, {"B8__intensity": 7.0}, seed=1, scale=0.005, end="2015-02")
    baseline = ROOT / "scenarios" / "baseline.toml"
    with pytest.raises(InputError, match="lever B8 is not in scenario baseline"):
        run_point(baseline, {"B8.intensity": 0.5}, seed=1, scale=0.005, end="2015-02")


def test_piano_completo_runs_2015_to_2016_with_its_later_levers_inactive(capsys):
    from metropoli.cli import main

    sc = scenarios.load(PLAN).with_run(start="2015-01", end="2016-12", scale=0.005)
    later = [c for c, s in sc.levers.items() if s.start > sc.end]
    line = inactive(sc.levers, sc.end)
    assert later and f"{len(later)} levers, " in line and "\n" not in line
    assert all(f"{code} (" in line for code in later)
    assert sc.months == 24 and len(sc.levers) == 29
    assert main(["check", str(PLAN)]) == 0  # its own months: every lever starts in the run
    assert "inactive" not in capsys.readouterr().out
    with pytest.raises(InputError, match="--end"):
        sc.with_run(end="2014-12")


def test_a_lever_starting_after_the_end_is_inactive_in_the_run(tmp_path, capsys):
    """2015-01..2015-03 with B8 from 2016-01: the baseline's tables, one line saying so."""
    from metropoli.cli import main

    base = ROOT / "scenarios" / "baseline.toml"
    text = base.read_text().replace('end = "2025-12"', 'end = "2015-03"')
    (tmp_path / "late.toml").write_text(text + '\n[levers.B8]\nstart = "2016-01"\n')
    (tmp_path / "base.toml").write_text(text)
    assert (
        main(
            [
                "run",
                str(tmp_path / "late.toml"),
                "--out",
                str(tmp_path / "a"),
                "--scale",
                "0.005",
                "--no-plots",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "inactive in this run, starting after its end 2015-03: 1 lever, B8 (2016-01)" in out
    assert (
        main(
            [
                "run",
                str(tmp_path / "base.toml"),
                "--out",
                str(tmp_path / "b"),
                "--scale",
                "0.005",
                "--no-plots",
                "--quiet",
            ]
        )
        == 0
    )
    late = pd.read_parquet(tmp_path / "a" / "indicators.parquet")
    plain = pd.read_parquet(tmp_path / "b" / "indicators.parquet")
    keep = late["indicator"] != "lever_cost_eur"
    assert (
        late[keep]
        .reset_index(drop=True)
        .equals(plain[plain["indicator"] != "lever_cost_eur"].reset_index(drop=True))
    )


def test_an_installed_package_records_the_commit_it_was_built_from(tmp_path):
    """setup.py writes models/build_commit.txt from git; models.version reads it back."""
    import importlib.util

    from models.version import build_commit

    spec = importlib.util.spec_from_file_location("setup_hook", ROOT / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines the hook; setup() runs only as a script
    (tmp_path / "models").mkdir()
    assert module.write_commit(tmp_path / "models", ROOT)
    commit = build_commit(tmp_path / "models" / "build_commit.txt")
    assert re.fullmatch(r"[0-9a-f]{12}(\.dirty)?", commit)
    assert module.git_commit(tmp_path) == ""  # not a checkout: no commit, no file
    assert build_commit(tmp_path / "nothing.txt") == ""


def test_run_point_equals_evaluate_when_the_batch_forks(tmp_path):
    """Two points differing only in a lever share the stretch before it; still bit-identical."""
    points = [{"B8.intensity": 0.5}, {"B8__intensity": 1.0}]
    months = {"start": "2015-01", "end": "2016-03"}
    table = evaluate(PLAN, points, seeds=[2], scale=0.005, store=tmp_path / "s", **months)
    forked = Batch.open(tmp_path / "s").runs()
    assert (forked["forked_at"] == "2016-01").all()  # the plan's first levers start 2016-01
    for i, point in enumerate(points):
        alone = metro_outcomes(run_point(PLAN, point, seed=2, scale=0.005, **months))
        assert alone == {k: table.loc[i, k] for k in alone}
    again = evaluate(PLAN, points, seeds=[2], scale=0.005, store=tmp_path / "s", **months)
    assert again.equals(table)  # read back from the store: every run already stored
    assert Batch.open(tmp_path / "s").runs()["finished_utc"].equals(forked["finished_utc"])
