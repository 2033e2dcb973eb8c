"""Scenario batches: lever effect sizes, run keys, designs, the store, resume, forking."""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

import models.experiments.batch as mb
import models.experiments.batchfile as mf
import models.experiments.expansion as mx
from metropoli.cli import main
from models.components.lever_settings import check_levers
from models.components.levers import SPEC_BY_CODE
from models.experiments.run import simulate
from sim.errors import InputError
from sim.experiments import Batch
from sim.experiments.designs import Design, expand_design, sample_points
from sim.experiments.uncertainties import Addressable, declare
from sim.results import cpu_class
from tests.batch_support import LHS, SMALL, canonical, write
from tests.conftest import make_scenario

SHORT = '[run]\nstart = "2015-01"\nend = "2015-09"\nseed = 2\nscale = 0.005\n'


# ---------------------------------------------------------------- effect sizes in scenarios
def test_no_effects_key_leaves_the_normalised_levers_as_they_were():
    sc = make_scenario(SHORT + '[levers.B8]\nstart = "2015-03"\n')
    assert sc.levers["B8"].effects is None


def test_effects_at_their_defaults_give_identical_tables_and_other_sizes_move_them():
    plain = simulate(make_scenario(SHORT + '[levers.B8]\nstart = "2015-03"\n'))
    same = simulate(
        make_scenario(SHORT + '[levers.B8]\nstart = "2015-03"\neffects = { talent_exit = -0.2 }\n')
    )
    pd.testing.assert_frame_equal(plain.indicators, same.indicators)
    other = simulate(
        make_scenario(SHORT + '[levers.B8]\nstart = "2015-03"\neffects = { talent_exit = -1.0 }\n')
    )
    talents = other.indicators.query("comune == 'metro' and indicator == 'emigrants'")["value"]
    before = plain.indicators.query("comune == 'metro' and indicator == 'emigrants'")["value"]
    assert not np.array_equal(talents.to_numpy(), before.to_numpy())


@pytest.mark.parametrize(
    "effects, key, expected",
    [
        ("{ startups = 0.1 }", "levers.B8.effects.startups", "B8 does not move this hook"),
        ("{ talent_exit = -1.5 }", "levers.B8.effects.talent_exit", "expected a size >= -1"),
        ("{ talent_exit = nan }", "levers.B8.effects.talent_exit", "expected a finite number"),
        ("{ talent_exit = inf }", "levers.B8.effects.talent_exit", "expected a finite number"),
        ('{ talent_exit = "big" }', "levers.B8.effects.talent_exit", "expected a finite number"),
        ("0.5", "levers.B8.effects", "expected a table of hook = size"),
    ],
)
def test_bad_effects_name_the_key(effects, key, expected):
    with pytest.raises(InputError) as err:
        make_scenario(SHORT + f"[levers.B8]\neffects = {effects}\n")
    assert err.value.key == key
    assert expected in str(err.value)


def test_an_additive_hook_may_take_a_negative_size_below_minus_one():
    out = check_levers({"B9": {"effects": {"amenity": -2.0}}}, "<t>", 24180, 24311)
    assert out["B9"].sizes == {"amenity": -2.0}


# ---------------------------------------------------------------- run keys
def _sc(text=SHORT, **run):
    return make_scenario(text, **run)


def test_run_id_is_stable_and_follows_what_determines_the_run(monkeypatch):
    base = _sc()
    assert mx.run_id(base) == mx.run_id(_sc())
    assert mx.run_id(base) != mx.run_id(_sc(seed=3))
    assert mx.run_id(base) != mx.run_id(_sc(scale=0.01))
    with_param = _sc(SHORT + "[parameters]\nlayoff_speed = 0.3\n")
    assert mx.run_id(base) != mx.run_id(with_param)
    # an override equal to the default is the same run; so is the name and the text
    default = _sc(SHORT + "[parameters]\nlayoff_speed = 0.25\n")
    assert mx.run_id(base) == mx.run_id(default)
    # an effect size equal to the default is the same run
    a = _sc(SHORT + '[levers.B8]\nstart = "2015-03"\n')
    b = _sc(SHORT + '[levers.B8]\nstart = "2015-03"\neffects = { talent_exit = -0.2 }\n')
    assert mx.run_id(a) == mx.run_id(b)
    monkeypatch.setattr(mx, "MODEL_VERSION", "999.0.0")
    patched = mx.run_id(base)
    monkeypatch.undo()
    assert patched != mx.run_id(base)


def test_the_baseline_is_one_run_per_seed_across_lever_effect_points(tmp_path):
    batch = mf.load_batch(write(tmp_path, LHS))
    expanded = mx.expand(batch)
    cells = expanded.cells
    assert len(cells) == 2 * 2 * 2  # scenarios x points x seeds
    base = cells[cells["scenario"] == "baseline"]
    assert base.groupby("seed")["run_id"].nunique().tolist() == [1, 1]
    assert base["B8.talent_exit"].isna().all()  # the effect does not apply to the baseline
    b8 = cells[cells["scenario"] == "B8"]
    assert b8["run_id"].nunique() == 4
    low, high = SPEC_BY_CODE["B8"].effects[0].prior
    assert b8["B8.talent_exit"].between(low, high).all()
    assert len(expanded.runs) == 6


# ---------------------------------------------------------------- designs
def _unc(name, kind="real", low=0.0, high=1.0, **spec):
    return declare(name, spec, Addressable(name, kind, low, high, (-1e9, 1e9)), "<t>", name)


def test_lhs_is_reproducible_stratified_and_within_range():
    u = [_unc("a", low=2.0, high=4.0), _unc("b", kind="integer", low=1, high=5)]
    d = Design("lhs", samples=10, seed=5)
    points = sample_points(d, u)
    pd.testing.assert_frame_equal(points, sample_points(d, u))
    assert points["a"].between(2.0, 4.0).all()
    # one point in each tenth of the range: the Latin hypercube's stratification
    assert sorted(np.floor((points["a"] - 2.0) / 0.2).astype(int)) == list(range(10))
    assert set(points["b"]) <= {1, 2, 3, 4, 5}


def test_salib_sobol_and_morris_give_their_documented_sizes():
    u = [_unc("a"), _unc("b"), _unc("c")]
    assert len(sample_points(Design("sobol", samples=8, seed=1), u)) == 8 * (3 + 2)
    assert len(sample_points(Design("sobol", samples=8, seed=1, second_order=True), u)) == 8 * 8
    morris = sample_points(Design("morris", samples=4, seed=1, levels=4), u)
    assert len(morris) == 4 * (3 + 1)
    assert set(np.round(morris["a"] * 3, 9)) <= {0, 1, 2, 3}


def test_factorial_crosses_values_and_levers_cross_the_sample():
    u = [_unc("a", values=[1.0, 2.0]), _unc("b", values=[3.0, 4.0, 5.0])]
    assert len(sample_points(Design("factorial"), u)) == 6
    lever = declare(
        "B8.intensity",
        {"values": [0.5, 1.0]},
        Addressable("B8.intensity", "real", 0, 1, (0, 1), True),
        "<t>",
        "levers.B8.intensity",
        role="lever",
    )
    points = expand_design(Design("lhs", samples=3, seed=2), [_unc("a")], [lever])
    assert len(points) == 6 and list(points.columns) == ["B8.intensity", "a"]
    assert points["B8.intensity"].tolist() == [0.5] * 3 + [1.0] * 3


def test_a_month_uncertainty_samples_months_within_its_range():
    u = declare(
        "B8.start",
        {"low": "2016-01", "high": "2016-12"},
        Addressable("B8.start", "month", 0, 10**6, (24180, 24311), True),
        "<t>",
        "uncertainties.B8.start",
    )
    months = sample_points(Design("lhs", samples=12, seed=0), [u])["B8.start"]
    assert sorted(months) == [f"2016-{m:02d}" for m in range(1, 13)]


# ---------------------------------------------------------------- the store, end to end
@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    path = write(folder, SMALL)
    out = folder / "store"
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 0
    return path, out


def test_the_store_holds_every_run_once_and_three_readers_agree(small_store):
    _, out = small_store
    assert {p.name for p in out.iterdir()} >= {
        "batch.json",
        "design.parquet",
        "runs.parquet",
        "indicators",
    }
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 8 and runs["run_id"].is_unique
    assert (runs["status"] == "ok").all()
    assert set(runs["scenario"]) == {"baseline", "B8-april", "A6-july", "both"}
    # each run names the CPU class it ran on, so a store filled by several hosts shows it
    assert set(runs["cpu_class"]) == {cpu_class()}, set(runs["cpu_class"])
    table = pd.read_parquet(out / "indicators")
    assert list(table.columns) == ["run_id", "date", "comune", "indicator", "value"]
    assert set(table["run_id"]) == set(runs["run_id"])
    glob = str(out / "indicators" / "**" / "*.parquet")
    con = duckdb.connect()
    n, n_runs = con.execute(
        f"select count(*), count(distinct run_id) from read_parquet('{glob}')"
    ).fetchone()
    assert (n, n_runs) == (len(table), 8)
    frame = pl.read_parquet(str(out / "indicators" / "*.parquet"))
    assert frame.height == len(table)
    # monthly metro rows and yearly comune rows
    metro = table[table["comune"] == "metro"]
    assert metro["date"].str.len().eq(7).all() and metro["date"].nunique() == 12
    comuni = table[table["comune"] != "metro"]
    assert comuni["date"].eq("2015").all() and comuni["comune"].nunique() == 38
    # no duplicated row
    assert not table.duplicated(["run_id", "date", "comune", "indicator"]).any()


def test_yearly_comune_values_are_the_mean_of_the_months(small_store):
    path, out = small_store
    runs = pd.read_parquet(out / "runs.parquet")
    row = runs[runs["scenario"] == "B8-april"].iloc[0]
    batch = mf.load_batch(path)
    sc = mx.expand(batch).runs[row["run_id"]]
    full = simulate(sc).indicators
    torino = full[(full["comune"] == "001272") & (full["indicator"] == "talents")]
    stored = Batch.open(out).indicators(indicator="talents", comune="001272")
    stored = stored[stored["run_id"] == row["run_id"]]
    assert stored["value"].tolist() == [torino["value"].mean()]
    metro = full[(full["comune"] == "metro") & (full["indicator"] == "talents")]
    monthly = Batch.open(out).indicators(indicator="talents", comune="metro")
    monthly = monthly[monthly["run_id"] == row["run_id"]].sort_values("date")
    assert monthly["value"].tolist() == metro["value"].tolist()


def test_batch_json_records_the_batch(small_store):
    path, out = small_store
    doc = json.loads((out / "batch.json").read_text())
    assert doc["text"] == path.read_text()
    assert doc["model_version"] == mx.MODEL_VERSION
    assert doc["run"]["seeds"] == [1, 2]
    assert doc["runs"] == 8 and doc["cells"] == 8
    assert {"dask", "SALib", "numba"} <= set(doc["packages"])


def test_running_again_skips_everything_and_changes_nothing(small_store, capsys):
    path, out = small_store
    before = {p.name: p.stat().st_mtime_ns for p in (out / "indicators").iterdir()}
    assert main(["batch", str(path), "--out", str(out)]) == 0
    assert "all 8 runs already stored" in capsys.readouterr().out
    after = {p.name: p.stat().st_mtime_ns for p in (out / "indicators").iterdir()}
    assert before == after


def test_a_folder_holding_another_batch_is_refused(small_store, tmp_path, capsys):
    path, out = small_store
    runs_before = (out / "runs.parquet").read_bytes()
    code = main(["batch", str(path), "--out", str(out), "--seeds", "3", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert str(out) in err[0] and "holds a different batch" in err[0]
    assert (out / "runs.parquet").read_bytes() == runs_before


def test_a_folder_with_other_files_is_refused(tmp_path, capsys):
    path = write(tmp_path, SMALL)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(["batch", str(path), "--out", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not empty and holds no batch" in err[0]
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_paired_differences_are_zero_until_the_lever_starts(small_store):
    _, out = small_store
    batch = Batch.open(out)
    d = batch.differences(indicator=["talents", "employed", "admin_burden_days"], comune="metro")
    assert set(d["scenario"]) == {"B8-april", "A6-july", "both"}
    # common random numbers: the paths agree exactly before the first lever acts
    before = d[(d["scenario"] == "A6-july") & (d["date"] < "2015-07")]
    assert len(before) == 2 * 3 * 6 and (before["difference"] == 0.0).all()
    after = d[(d["scenario"] == "A6-july") & (d["date"] >= "2015-08")]
    assert (after.query("indicator == 'admin_burden_days'")["difference"] < 0.0).all()
    bands = Batch.bands(d, over=("seed",))
    assert (bands["n"] == 2).all()
    assert (bands["q0.05"] <= bands["q0.5"]).all() and (bands["q0.5"] <= bands["q0.95"]).all()


# ---------------------------------------------------------------- forking
@pytest.mark.parametrize("start", ["2015-04", "2015-07", "2015-11"])
def test_a_forked_run_equals_the_same_run_from_scratch(start):
    text = (
        '[run]\nstart = "2015-01"\nend = "2015-12"\nseed = 4\nscale = 0.005\n'
        f'[levers.B8]\nstart = "{start}"\nramp_months = 1\n[levers.A6]\nstart = "{start}"\n'
    )
    sc = make_scenario(text)
    month = mb.first_lever_month(sc)
    shared = make_scenario(text.split("[levers")[0])
    snapshots = mb.simulate_stretches(shared, [month - 1, month])
    scratch = mb.finish_run(None, 0, sc, "x").table
    for index in (0, 1):  # from the month of the lever's start, and the month before
        forked = mb.finish_run(snapshots, index, sc, "x").table
        assert forked.equals(scratch)


def test_a_forked_batch_equals_the_unforked_batch(small_store, tmp_path):
    path, out = small_store
    plain = tmp_path / "plain"
    assert main(["batch", str(path), "--out", str(plain), "--no-fork", "--quiet"]) == 0
    pd.testing.assert_frame_equal(canonical(out), canonical(plain))
    forked = pd.read_parquet(out / "runs.parquet")
    assert set(forked["forked_at"]) == {"2015-04", "2015-05", "2015-07"}
    assert set(pd.read_parquet(plain / "runs.parquet")["forked_at"]) == {""}


def test_fork_plan_forks_each_run_at_its_first_lever_month(small_store):
    path, _ = small_store
    runs = mx.expand(mf.load_batch(path)).runs
    plan = mb.fork_plan(runs)
    assert len(plan) == 2  # one group per seed
    for _, months, by_month in plan:
        assert months == [
            mb.parse_month("2015-04"),
            mb.parse_month("2015-05"),
            mb.parse_month("2015-07"),
        ]
        names = {m: sorted(runs[r].name for r in rids) for m, rids in by_month.items()}
        assert names[mb.parse_month("2015-04")] == ["B8-april"]
        assert names[mb.parse_month("2015-05")] == ["both"]
        assert names[mb.parse_month("2015-07")] == ["A6-july", "baseline"]


# ---------------------------------------------------------------- a run that fails
def test_a_failing_run_is_recorded_the_others_complete_and_resume_finishes(
    tmp_path, monkeypatch, capsys
):
    path = write(tmp_path, SMALL)
    out = tmp_path / "store"
    real = mb.finish_run

    def sometimes_broken(snapshots, index, sc, rid):
        if sc.name == "A6-july" and sc.seed == 2:
            raise RuntimeError("broken on purpose")
        return real(snapshots, index, sc, rid)

    monkeypatch.setattr(mb, "finish_run", sometimes_broken)
    assert main(["batch", str(path), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "7 ok, 1 failed" in text and "RuntimeError: broken on purpose" in text
    runs = pd.read_parquet(out / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 1 and failed.iloc[0]["scenario"] == "A6-july"
    assert failed.iloc[0]["error"] == "RuntimeError: broken on purpose"
    assert (runs["status"] == "ok").sum() == 7
    assert len(list((out / "failures").glob("*.json"))) == 1
    monkeypatch.setattr(mb, "finish_run", real)
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 8
    assert not list((out / "failures").glob("*.json"))
    assert not canonical(out).duplicated(["run_id", "date", "comune", "indicator"]).any()


def test_check_describes_a_batch(tmp_path, capsys):
    path = write(tmp_path, LHS)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: batch small-lhs")
    assert "design: lhs, 2 points" in out
    assert "8 cells (scenarios x points x seeds), 6 distinct runs (2 shared)" in out
    assert "estimated time" in out
    # what forking shares, and the time forked against --no-fork (docs/batches.md)
    assert "forking at the policy month: 6 of 6 runs continue from a shared stretch" in out
    assert "with --no-fork" in out
    assert not (tmp_path / "results").exists()


def test_estimates_grow_with_runs_and_scale():
    from metropoli.batch import estimate_seconds

    one = estimate_seconds(0.1, 132, 0, 10, 1)
    assert estimate_seconds(0.1, 132, 0, 20, 1) == pytest.approx(2 * one)
    assert estimate_seconds(0.5, 132, 0, 10, 1) > one
    assert estimate_seconds(0.1, 132, 0, 10, 2) < one
    assert math.isfinite(one)


def test_a_snapshot_shares_the_territory_copies_the_state_and_never_changes():
    text = '[run]\nstart = "2015-01"\nend = "2015-08"\nseed = 5\nscale = 0.005\n'
    sc = make_scenario(text + '[levers.B8]\nstart = "2015-05"\n')
    (snapshot,) = mb.simulate_stretches(make_scenario(text), [mb.first_lever_month(sc)])
    thawed = snapshot.thaw()
    assert thawed.territory is snapshot.state.territory  # read-only: shared
    assert thawed.people.columns["cell"] is not snapshot.state.people.columns["cell"]
    assert not np.shares_memory(thawed.layer["residents"], snapshot.state.layer["residents"])
    # the grid is rebuilt on first use, over the copy's own layers, comuni on their cells
    assert np.shares_memory(thawed.grid.residents.data, thawed.layer["residents"])
    assert [c.cell.coordinate for c in thawed.comuni] == [
        tuple(int(v) for v in cell) for cell in thawed.territory.seed_cell
    ]
    forked = mb.finish_run([snapshot], 0, sc, "x").table
    again = mb.finish_run([snapshot], 0, sc, "x").table  # the snapshot did not change
    assert forked.equals(mb.finish_run(None, 0, sc, "x").table) and again.equals(forked)
