"""The synthetic population of January 2015 against the plan's figures."""

import numpy as np
import pytest

from models.codes import EMPLOYED, METRO_COLUMN, OUTSIDE, RETIRED, STUDENT, UNEMPLOYED
from models.model import MetroModel
from models.parameters import defaults
from models.population import (
    POPULATION_PARAMETERS,
    PopulationCache,
    build_population,
    largest_remainder,
    people_order,
)
from models.population.incomes import IncomeBasis, incomes, mean_income
from models.population.residents import age_band
from models.territory.territory import load_territory
from sim import fpmath
from sim.random import phase_generator

START = 2015 * 12


def synthesize(scale, seed=1):
    t = load_territory()
    return t, build_population(t, scale, phase_generator(seed, "population"), START, defaults())


def plan_figures(territory, pop, scale):
    p, f = pop.people, pop.firms
    resident = (p.alive == 1) & (p.zone != OUTSIDE)
    employed = p.job >= 0
    works_in_torino = np.zeros(p.count, dtype=bool)
    works_in_torino[employed] = f.zone[p.job[employed]] == territory.torino
    to_torino = (works_in_torino | (p.status == STUDENT)) & (p.zone != territory.torino)
    income = p.income[resident]
    return {
        "residents": resident.sum() / scale,
        "torino_share": (p.zone[resident] == territory.torino).mean(),
        "firms": f.count / scale,
        "firms_torino_share": (f.zone == territory.torino).mean(),
        "students": (p.status == STUDENT).sum() / scale,
        "mean_income": income[income > 0].mean(),
        "commuters_to_torino": to_torino.sum() / scale,
    }


def check_plan(fig):
    assert fig["residents"] == pytest.approx(1_586_000, rel=0.005)
    assert fig["torino_share"] == pytest.approx(0.56, abs=0.01)
    assert fig["firms"] == pytest.approx(124_600, rel=0.01)
    assert fig["firms_torino_share"] == pytest.approx(0.658, abs=0.02)
    assert fig["students"] == pytest.approx(94_000, rel=0.02)
    assert fig["mean_income"] == pytest.approx(25_400, rel=0.02)
    assert fig["commuters_to_torino"] == pytest.approx(328_000, rel=0.03)


@pytest.mark.parametrize("scale", [0.002, 0.01, 0.05])
def test_plan_totals_at_small_scales(scale):
    t, pop = synthesize(scale)
    check_plan(plan_figures(t, pop, scale))


def test_plan_totals_at_full_scale():
    t, pop = synthesize(1.0)
    check_plan(plan_figures(t, pop, 1.0))


def test_jobs_link_workers_to_firms():
    t, pop = synthesize(0.02)
    p, f = pop.people, pop.firms
    employed = p.status == EMPLOYED
    assert np.all(p.job[employed] >= 0)
    assert np.all(p.job[~employed] == -1)
    assert np.array_equal(np.bincount(p.job[employed], minlength=f.count), f.employees)
    assert f.employees.min() >= 1


def test_firm_sizes_heavy_tailed_most_micro():
    t, pop = synthesize(0.2)
    size = pop.firms.employees
    assert (size < 10).mean() > 0.85  # Italy: about 95% of firms have under 10 employees
    assert size.max() > 100 * np.median(size)


def test_unemployment_and_age_structure_are_plausible():
    t, pop = synthesize(0.02)
    p = pop.people
    resident = p.zone != OUTSIDE
    lf = resident & np.isin(p.status, [EMPLOYED, UNEMPLOYED])
    u = (p.status[lf] == UNEMPLOYED).mean()
    # the January-2015 stock reconciled with ISTAT's survey (model 1.5.0, docs/calibration.md)
    assert u == pytest.approx(0.13, abs=0.005)
    age = (START - p.born[resident]) / 12
    assert 0.20 < (age >= 65).mean() < 0.28  # Piedmont 2015: about 24% aged 65+


def test_largest_remainder_is_exact():
    counts = largest_remainder(np.array([1.0, 2.0, 3.0]), 100)
    assert counts.sum() == 100 and list(counts) == [17, 33, 50]


def test_indicators_of_january_2015_match_the_plan_at_full_scale():
    model = MetroModel(seed=1, scale=1.0, end="2015-01")
    model.step()
    ((month, values),) = model.indicators.records
    from models.components.indicators import INDEX

    metro = METRO_COLUMN
    assert values[INDEX["population"], metro] == pytest.approx(1_586_000, rel=0.005)
    torino = values[INDEX["population"], model.torino] / values[INDEX["population"], metro]
    assert torino == pytest.approx(0.56, abs=0.01)
    assert values[INDEX["firms_active"], metro] == pytest.approx(124_600, rel=0.01)
    firms_torino = (
        values[INDEX["firms_active"], model.torino] / values[INDEX["firms_active"], metro]
    )
    assert firms_torino == pytest.approx(0.658, abs=0.02)
    assert values[INDEX["students"], metro] == pytest.approx(94_000, rel=0.02)
    assert values[INDEX["mean_income_eur"], metro] == pytest.approx(25_400, rel=0.02)
    assert values[INDEX["commuters_to_torino"], metro] == pytest.approx(328_000, rel=0.03)
    assert not model.running


class RecordingParameters(dict):
    """A parameter dictionary that remembers which names were read."""

    def __init__(self, values):
        super().__init__(values)
        self.read = set()

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)


def test_population_parameters_are_exactly_those_the_build_reads():
    params = RecordingParameters(defaults())
    t = load_territory()
    build_population(t, 0.005, phase_generator(1, "population"), START, params)
    assert params.read == set(POPULATION_PARAMETERS)


def tables_equal(a, b):
    assert a.count == b.count and a.next_uid == b.next_uid
    for name, column in a.columns.items():
        np.testing.assert_array_equal(column[: a.count], b.columns[name][: b.count])


def test_population_cache_hands_out_equal_independent_copies():
    t, fresh = synthesize(0.005, seed=3)
    cache = PopulationCache(max_entries=1)
    first = cache.get(t, 0.005, 3, START, defaults())
    first.people.columns["income"][:] = -1.0  # a run changes its copy ...
    second = cache.get(t, 0.005, 3, START, {**defaults(), "growth_drift": 0.5})
    assert (cache.misses, cache.hits) == (1, 1)  # a parameter the build does not read
    tables_equal(second.people, fresh.people)  # ... and the next run does not see it
    tables_equal(second.firms, fresh.firms)
    assert second.wage_level == fresh.wage_level
    cache.get(t, 0.005, 4, START, defaults())  # another seed: built, the first dropped
    cache.get(t, 0.005, 3, START, {**defaults(), "circuity": 1.4})
    assert (cache.misses, cache.hits) == (3, 1)


def test_a_model_on_a_cached_population_runs_as_one_built_afresh():
    cache = PopulationCache()
    MetroModel(seed=2, scale=0.005, end="2015-01", populations=cache)
    runs = []
    for populations in (None, cache):
        model = MetroModel(seed=2, scale=0.005, end="2015-06", populations=populations)
        while model.running:
            model.step()
        runs.append(model.datacollector.get_model_vars_dataframe())
    assert cache.hits == 1
    assert runs[0].equals(runs[1])


def test_people_rows_are_in_people_order_when_built():
    _, pop = synthesize(0.005)
    key = people_order(pop.people, START)
    assert np.all(np.diff(key) >= 0)
    assert np.unique(key).size > 500  # residence, status, sex and age: many blocks
    outside = pop.people.zone == OUTSIDE
    assert outside[-1] and not outside[0] and np.all(np.diff(outside.astype(int)) >= 0)


def test_incomes_kernel_gives_numpy_rules_bits_and_mean():
    """The incomes' one-pass kernel against the rules written as NumPy masks, bit for bit."""

    rng = np.random.default_rng(7)
    n = 50_000
    status = rng.integers(0, 6, n).astype(np.int8)
    basis = IncomeBasis(
        status=status,
        unit_wage=rng.lognormal(0.0, 0.5, n),
        unit_last=rng.lognormal(0.0, 0.5, n),
        pension=rng.lognormal(9.7, 0.4, n),
        on_benefit=(status == UNEMPLOYED) & (rng.random(n) < 0.5),
        resident=np.ones(n, dtype=bool),
    )
    params = defaults()
    for level in (9.5, 10.137, 11.0):
        e = fpmath.exp(level)
        expected = np.zeros(n)
        expected[status == EMPLOYED] = (e * basis.unit_wage)[status == EMPLOYED]
        expected[status == RETIRED] = basis.pension[status == RETIRED]
        benefit = np.minimum(
            params["unemployment_benefit_replacement"] * e * basis.unit_last,
            params["unemployment_benefit_cap"],
        )
        expected[basis.on_benefit] = benefit[basis.on_benefit]
        expected[(status == UNEMPLOYED) & ~basis.on_benefit] = params["social_minimum_income"]
        got = incomes(basis, level, params)
        assert got.tobytes() == expected.tobytes()
        assert mean_income(basis, level, params) == expected[expected > 0].mean()


def test_age_band_is_the_first_true_condition_of_a_select():
    age = np.arange(0, 1200) / 12.0  # every age in months the population draws
    for bounds in ((25, 35, 45, 55, 65), (19, 25, 35, 45, 55, 65), (25, 55, 67)):
        expected = np.select([age < b for b in bounds], list(range(len(bounds))), len(bounds))
        assert np.array_equal(age_band(age, bounds), expected)
