"""The monthly loop: accounting identities and consistency of the agent tables."""

import mesa
import numpy as np
import pytest

from models.codes import EMPLOYED, METRO_COLUMN, N_COMUNI, N_ZONES, OUTSIDE, STUDENT
from models.indicators import INDEX
from models.model import MetroModel


@pytest.fixture(scope="module")
def stepped():
    """A model at scale 0.01 checked after each of 24 months."""
    model = MetroModel(seed=3, scale=0.01, end="2016-12")
    checks = []
    while model.running:
        before = _population_by_zone(model)
        model.step()
        checks.append((before, _population_by_zone(model), model.flows.copy(), _consistency(model)))
    return model, checks


def _population_by_zone(model):
    p = model.people
    resident = (p.alive == 1) & (p.zone != OUTSIDE)
    return np.bincount(p.zone[resident], minlength=N_ZONES)[:N_COMUNI]


def _consistency(model):
    p, f = model.people, model.firms
    employed = (p.alive == 1) & (p.status == EMPLOYED)
    jobs = np.bincount(p.job[employed], minlength=f.count)
    return {
        "employed_have_live_firm": bool(np.all(f.alive[p.job[employed]] == 1)),
        "employees_match": bool(np.array_equal(jobs, f.employees)),
        "dead_firms_empty": bool(np.all(f.employees[f.alive == 0] == 0)),
        "nonworkers_no_job": bool(np.all(p.job[(p.alive == 1) & (p.status != EMPLOYED)] == -1)),
        "commuters": model.commuting.tally.commuters.sum(),
        "od_total": model.commuting.tally.od.sum(),
    }


def test_is_a_mesa_model_with_comuni_on_a_grid(stepped):
    model, _ = stepped
    assert isinstance(model, mesa.Model)
    assert len(model.comuni) == 38
    assert len(model.agents) == 38
    assert all(isinstance(c, mesa.Agent) and c.cell is not None for c in model.comuni)
    for name in ("land_use", "housing_capacity", "rent", "transit_quality"):
        layer = getattr(model.grid, name)  # Mesa's public access to a property layer
        assert layer.data.reshape(-1) is not None
        assert np.shares_memory(layer.data, model.layer[name])
    assert model.steps == 24


def test_population_accounting_holds_each_month_for_each_comune(stepped):
    from models.flows import BIRTHS, DEATHS, EMIGRANTS, IMMIGRANTS, MOVES_IN, MOVES_OUT

    _, checks = stepped
    for before, after, flows, _ in checks:
        expected = (
            before
            + flows[BIRTHS, :N_COMUNI]
            - flows[DEATHS, :N_COMUNI]
            + flows[IMMIGRANTS, :N_COMUNI]
            + flows[MOVES_IN, :N_COMUNI]
            - flows[EMIGRANTS, :N_COMUNI]
            - flows[MOVES_OUT, :N_COMUNI]
        )
        assert np.array_equal(after, expected)
        # moves between comuni cancel for the metro area
        assert flows[MOVES_IN, :N_COMUNI].sum() == flows[MOVES_OUT, :N_COMUNI].sum()


def test_population_accounting_in_the_indicator_table(baseline_result):
    d = baseline_result.indicators
    metro = d[d["comune"] == "metro"].pivot(index="date", columns="indicator", values="value")
    change = metro["population"].diff().iloc[1:]
    flows = (metro["births"] - metro["deaths"] + metro["immigrants"] - metro["emigrants"]).iloc[1:]
    assert np.allclose(change.to_numpy(), flows.to_numpy())
    comuni = d[d["comune"] != "metro"]
    for code, g in comuni.groupby("comune"):
        w = g.pivot(index="date", columns="indicator", values="value")
        change = w["population"].diff().iloc[1:]
        flows = (w["births"] - w["deaths"] + w["immigrants"] - w["emigrants"]).iloc[1:]
        assert np.allclose(change.to_numpy(), flows.to_numpy()), code


def test_jobs_and_firms_stay_consistent(stepped):
    _, checks = stepped
    for _, _, _, c in checks:
        assert c["employed_have_live_firm"]
        assert c["employees_match"]
        assert c["dead_firms_empty"]
        assert c["nonworkers_no_job"]
        assert c["commuters"] == c["od_total"]


def test_commuters_are_the_workers_and_students(stepped):
    model, _ = stepped
    p = model.people
    commuting = (p.alive == 1) & np.isin(p.status, [EMPLOYED, STUDENT])
    assert model.commuting.tally.commuters.sum() == commuting.sum()


def test_metro_values_are_full_scale_whatever_the_scale():
    a = MetroModel(seed=1, scale=0.005, end="2015-01")
    b = MetroModel(seed=1, scale=0.02, end="2015-01")
    a.step()
    b.step()
    pa, pb = a.indicators.records[0][1], b.indicators.records[0][1]
    for name in ("population", "firms_active", "students", "jobs"):
        assert pa[INDEX[name], METRO_COLUMN] == pytest.approx(
            pb[INDEX[name], METRO_COLUMN], rel=0.02
        ), name


def test_mesa_batch_run_collects_the_metro_reporters_and_the_comuni():
    records = mesa.batch_run(
        MetroModel,
        parameters={"seed": [1, 2], "scale": [0.005]},
        max_steps=12,
        number_processes=1,
        display_progress=False,
    )
    assert len(records) == 2 * N_COMUNI  # the last step, one record per comune and run
    by_run = {}
    for r in records:
        assert r["Step"] == 12
        by_run.setdefault(r["seed"], []).append(r)
    assert sorted(by_run) == [1, 2]
    for seed, rows in by_run.items():
        assert len({r["code"] for r in rows}) == N_COMUNI
        assert 1.5e6 < rows[0]["population"] < 1.7e6, seed
        assert 0.0 < rows[0]["unemployment_rate"] < 0.3, seed
        assert rows[0]["service_cost_per_capita"] > 0
    assert by_run[1][0]["population"] != by_run[2][0]["population"]


def test_the_data_collector_holds_the_indicators_of_every_month(stepped):
    model, _ = stepped
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.steps + 1  # the initial state, then each month
    recorded = [values[INDEX["population"], METRO_COLUMN] for _, values in model.indicators.records]
    assert frame["population"].iloc[1:].tolist() == recorded
    comuni = model.datacollector.get_agent_vars_dataframe()
    assert len(comuni) == (model.steps + 1) * N_COMUNI


def test_a_plan_without_a_phase_another_needs_is_refused():
    with pytest.raises(ValueError, match="needs the phases"):
        MetroModel(seed=1, scale=0.005, phases=("labour", "indicators"))
