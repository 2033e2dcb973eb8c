"""The Mesa reference implementation against the numba kernels (labour market, commuting).

Over 20 seeds at scale 0.01 and 12 months (January-December 2015), MetroModel run with
``phases=INDICATOR_PHASES`` and :class:`ReferenceModel` are compared
month by month on the aggregate outcomes of :data:`models.reference.OUTCOMES`.

With the same seed the two make the same random draws (counter-based, keyed by uid and
draw number, plus the same ``phase_rng("labour")`` stream) and visit job seekers in the
same order, so they agree **exactly**: every outcome, every month, every seed, and every
person's and firm's final state. That is what is asserted first.

The statistical contract, which is what "same rules" means if the exact mirroring of the
visiting order is ever given up (say, for a parallel matching kernel), is asserted too:

* per seed and month, the unemployment rate within 0.5 percentage points and the transit
  share within 1 point;
* across the 20 seeds, the mean difference of each outcome (averaged over the months)
  within 3 standard errors of zero.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest
from mesa.agent import AgentSet

from models.codes import EMPLOYED, METRO_COLUMN
from models.components.indicators import INDEX
from models.model import MetroModel
from models.reference import (
    OUTCOMES,
    Firm,
    Person,
    ReferenceModel,
    run_metro,
    run_reference,
    time_per_agent_month,
)
from models.territory.territory import load_territory

SEEDS = range(1, 21)
SCALE = 0.01
END = "2015-12"  # 12 months
LONG_SEED, LONG_END = 7, "2017-01"  # 25 months: two yearly compactions of the people table

INDICATORS = ("unemployment_rate", "transit_share", "bike_walk_share", "commute_co2_t")
UNEMPLOYMENT_TOLERANCE = 0.005  # per seed and month: 0.5 percentage points
TRANSIT_TOLERANCE = 0.01  # per seed and month: 1 percentage point
STANDARD_ERRORS = 3.0  # across seeds: mean difference within 3 SE of zero


def metro_state(model):
    """Live people by uid: (status, job row, mode, since, income, last wage, km); employees."""
    p, f = model.people, model.firms
    live = np.flatnonzero(p.alive == 1)
    people = {
        int(p.uid[i]): (
            int(p.status[i]),
            int(p.job[i]),
            int(p.mode[i]),
            int(p.since[i]),
            float(p.income[i]),
            float(p.last_wage[i]),
            float(p.commute_km[i]),
        )
        for i in live
    }
    return people, [int(e) for e in f.employees[f.alive == 1]]


def reference_state(model):
    """The same as :func:`metro_state`, from the reference's agents."""
    people = {
        a.uid: (
            a.status,
            a.job.row if a.job is not None else -1,
            a.mode,
            a.since,
            a.income,
            a.last_wage,
            a.commute_km,
        )
        for a in model.agents_by_type[Person]
    }
    return people, [f.employees for f in model.agents_by_type[Firm]]


def compare(seed, end, territory):
    metro, metro_records = run_metro(seed, SCALE, end, territory)
    ref, ref_records = run_reference(seed, SCALE, end, territory)
    return {
        "metro": metro_records,
        "metro_indicators": [
            {"month": month, **{name: values[INDEX[name], METRO_COLUMN] for name in INDICATORS}}
            for month, values in metro.indicators.records
        ],
        "reference": ref_records,
        "metro_state": metro_state(metro),
        "reference_state": reference_state(ref),
    }


@pytest.fixture(scope="module")
def territory():
    return load_territory()


@pytest.fixture(scope="module")
def runs(territory):
    """Both implementations over 20 seeds, 12 months each."""
    return {seed: compare(seed, END, territory) for seed in SEEDS}


def test_reference_is_a_mesa_model_of_person_and_firm_agents(territory):
    model = ReferenceModel(seed=1, scale=SCALE, end="2015-01", territory=territory)
    metro, _ = run_metro(1, SCALE, "2015-01", territory)
    assert isinstance(model, mesa.Model)
    persons, firms = model.agents_by_type[Person], model.agents_by_type[Firm]
    assert isinstance(persons, AgentSet) and isinstance(firms, AgentSet)
    assert all(isinstance(a, mesa.Agent) for a in model.agents)
    # one agent per live row of the initial tables, in row order
    assert len(firms) == metro.firms.count
    assert [f.row for f in firms] == list(range(metro.firms.count))
    source = MetroModel(seed=1, scale=SCALE, end="2015-01", territory=territory).people
    live = source.alive == 1
    assert persons.get("uid") == source.uid[live].tolist()  # in the table's row order
    assert len(persons) == len(model.rows)
    assert all((a.job is not None) == (a.status == EMPLOYED) for a in persons)


def test_same_outcomes_exactly_every_month_every_seed(runs):
    for seed, run in runs.items():
        assert len(run["metro"]) == len(run["reference"]) == 12
        for m, r in zip(run["metro"], run["reference"], strict=True):
            assert m["month"] == r["month"]
            for name in OUTCOMES:
                assert r[name] == m[name], (seed, m["month"], name, r[name], m[name])


def test_outcomes_are_metromodels_own_indicators(runs):
    for run in runs.values():
        for m, ind in zip(run["metro"], run["metro_indicators"], strict=True):
            assert m["month"] == ind["month"]
            for name in INDICATORS:
                assert m[name] == ind[name], (m["month"], name)


def test_same_decisions_person_by_person(runs):
    for seed, run in runs.items():
        metro_people, metro_employees = run["metro_state"]
        ref_people, ref_employees = run["reference_state"]
        assert ref_people.keys() == metro_people.keys(), seed
        differ = [uid for uid in metro_people if ref_people[uid] != metro_people[uid]]
        assert not differ, (seed, differ[:5], [metro_people[u] for u in differ[:5]])
        assert ref_employees == metro_employees, seed


def test_outcomes_agree_within_stated_tolerance(runs):
    for seed, run in runs.items():
        for m, r in zip(run["metro"], run["reference"], strict=True):
            du = abs(r["unemployment_rate"] - m["unemployment_rate"])
            dt = abs(r["transit_share"] - m["transit_share"])
            assert du <= UNEMPLOYMENT_TOLERANCE, (seed, m["month"], du)
            assert dt <= TRANSIT_TOLERANCE, (seed, m["month"], dt)
    for name in OUTCOMES:
        per_seed = np.array(
            [
                np.mean(
                    [r[name] - m[name] for m, r in zip(run["metro"], run["reference"], strict=True)]
                )
                for run in runs.values()
            ]
        )
        mean = per_seed.mean()
        se = per_seed.std(ddof=1) / math.sqrt(per_seed.size)
        scale = max(1.0, abs(np.mean([run["metro"][0][name] for run in runs.values()])))
        assert abs(mean) <= STANDARD_ERRORS * se + 1e-9 * scale, (name, mean, se)


def test_exact_through_yearly_compactions(territory):
    run = compare(LONG_SEED, LONG_END, territory)
    assert len(run["reference"]) == 25
    for m, r in zip(run["metro"], run["reference"], strict=True):
        for name in OUTCOMES:
            assert r[name] == m[name], (m["month"], name, r[name], m[name])
    assert run["reference_state"] == run["metro_state"]


def test_time_per_agent_month_reports_both_implementations():
    t = time_per_agent_month(scale=SCALE, months=1, seed=2)
    assert t["agent_months"] > 0
    for key in ("numba", "mesa", "ratio"):
        assert math.isfinite(t[key]) and t[key] > 0
