"""The monthly loop: accounting identities and consistency of the agent tables."""

import mesa
import numpy as np
import pytest

from models import invariants
from models.codes import EMPLOYED
from models.flows import MOVES_IN
from models.indicators import INDEX
from models.model import MetroModel


@pytest.fixture(scope="module")
def stepped():
    """A model at scale 0.01 checked after each of 24 months (identities: models.invariants).

    Check mode is on too: every identity after every phase, raising at the first breach.
    """
    model = MetroModel(seed=3, scale=0.01, end="2016-12")
    model.check_mode = invariants.attach(model)
    checks = []
    while model.running:
        before = invariants.residents_by_comune(model)
        model.step()
        checks.append(
            {
                "population accounting": invariants.population_accounting(model, before),
                "moves cancel": invariants.moves_cancel(model),
                "employed at a live firm": invariants.employed_at_live_firms(model),
                "no job without work": invariants.no_job_without_work(model),
                "employees equal workers": invariants.employees_equal_workers(model),
                "indicators are numbers": invariants.indicators_are_numbers(
                    model, model.records[-1][1]
                ),
                "moves": model.flows[MOVES_IN, :38].sum(),
            }
        )
    return model, checks


def test_is_a_mesa_model_with_comuni_on_a_grid(stepped):
    model, _ = stepped
    assert isinstance(model, mesa.Model)
    assert len(model.comuni) == 38
    assert len(model.agents) == 38
    assert all(isinstance(c, mesa.Agent) and c.cell is not None for c in model.comuni)
    assert {"land_use", "housing_capacity", "rent", "transit_quality"} <= set(
        model.grid._mesa_property_layers
    )
    assert model.steps == 24


def test_population_accounting_holds_each_month_for_each_comune(stepped):
    _, checks = stepped
    for c in checks:
        assert c["population accounting"] is None
        assert c["moves cancel"] is None  # moves between comuni cancel for the metro area
    assert sum(c["moves"] for c in checks) > 0  # and there were moves


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
    for c in checks:
        assert c["employed at a live firm"] is None
        assert c["no job without work"] is None
        assert c["employees equal workers"] is None  # closed firms have none


def test_commuters_are_the_workers_and_students(stepped):
    model, checks = stepped
    # by home zone, right after the commuting phase (moves come after it in the month)
    assert model.check_mode.passed["commuters are workers and students"] == 24
    p = model.people
    commuting = (p.alive == 1) & np.isin(p.status, [EMPLOYED, 1])
    assert model.commute.commuters.sum() == commuting.sum()
    for c in checks:
        assert c["indicators are numbers"] is None


def test_check_mode_ran_every_identity_after_every_phase(stepped):
    model, _ = stepped
    phases = len(model.plan.phases)
    passed = model.check_mode.passed
    for identity in invariants.EVERY_PHASE:
        skipped = len(invariants.NOT_AFTER.get(identity, ()))
        assert passed[identity] == 1 + 24 * (phases - skipped), identity  # +1: at the start
    assert passed["indicators are numbers"] == 24


def test_the_identities_see_a_broken_state(stepped):
    model, _ = stepped
    p, f = model.people, model.firms
    worker = int(np.flatnonzero((p.alive == 1) & (p.status == EMPLOYED) & (p.zone == 0))[0])
    firm = int(p.job[worker])
    before = invariants.residents_by_comune(model)
    try:
        f.employees[firm] += 1
        assert "firm" in invariants.employees_equal_workers(model)
        f.employees[firm] -= 1
        p.alive[worker] = 0
        assert model.territory.codes[0] in invariants.population_accounting(model, before)
        p.alive[worker] = 1
        f.alive[firm] = 0
        assert "closed" in invariants.employed_at_live_firms(model)
    finally:
        f.alive[firm] = 1
        p.alive[worker] = 1
    assert invariants.employees_equal_workers(model) is None


def test_metro_values_are_full_scale_whatever_the_scale():
    a = MetroModel(seed=1, scale=0.006, end="2015-01")  # near the minimum scale, 0.0053
    b = MetroModel(seed=1, scale=0.02, end="2015-01")
    a.step()
    b.step()
    pa, pb = a.records[0][1], b.records[0][1]
    for name in ("population", "firms_active", "students", "jobs"):
        assert pa[INDEX[name], 38] == pytest.approx(pb[INDEX[name], 38], rel=0.02), name
