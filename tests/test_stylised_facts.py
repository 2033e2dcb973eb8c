"""Stylised facts the baseline must reproduce (issue: behaviour grounded in evidence)."""

import numpy as np
import pytest
from scipy.stats import kurtosis

from models.codes import EMPLOYED, N_COMUNI, N_ZONES
from models.components import commuting, labour
from models.draws import COMMUTING_DRAWS, LABOUR_DRAWS
from models.model import MetroModel
from models.population import gravity_flows, zone_distances
from sim.random import phase_key


@pytest.fixture(scope="module")
def run_2021():
    """Baseline 2015-01 to 2021-12 at scale 0.05 (about 6,200 firms)."""
    model = MetroModel(seed=11, scale=0.05, end="2021-12")
    first_od = None
    while model.running:
        model.step()
        if first_od is None:
            first_od = model.commuting.tally.od.sum(axis=2).copy()
    return model, first_od


def test_upper_tail_of_firm_sizes_is_pareto_near_one(run_2021):
    """Axtell (2001): exponent 1.06. Discrete MLE (Clauset et al. 2009) above 10 employees."""
    model, _ = run_2021
    f = model.firms
    size = f.employees[(f.alive == 1) & (f.employees >= 10)]
    alpha = size.size / np.log(size / 9.5).sum()
    assert size.size > 300
    assert 0.8 <= alpha <= 1.3


def test_yearly_growth_rates_are_tent_shaped(run_2021):
    """Bottazzi, Cefis and Dosi (2002): Laplace growth rates, i.e. fat tails."""
    model, _ = run_2021
    snaps = model.indicators.firm_snapshots
    rates = []
    for (_, a), (_, b) in zip(snaps[:-1], snaps[1:], strict=True):
        size_a = dict(zip(a["firm_id"].tolist(), a["employees"].tolist(), strict=True))
        for fid, sb in zip(b["firm_id"].tolist(), b["employees"].tolist(), strict=True):
            sa = size_a.get(fid, 0)
            if sa >= 5 and sb > 0:  # firms large enough for a rate to be more than rounding
                rates.append(np.log(sb / sa))
    rates = np.array(rates)
    assert rates.size > 3000
    assert kurtosis(rates) > 1.0  # a normal law has 0; Laplace 3


def test_half_of_the_2016_startups_survive_five_years(run_2021):
    """ISTAT business demography: 5-year survival of Italian start-ups about 45-50%."""
    model, _ = run_2021
    f = model.firms
    founded, closed = f.founded, f.closed
    cohort = (founded >= 2016 * 12) & (founded < 2017 * 12) & (f.fdi == 0)
    survived = (closed == -1) | (closed >= founded + 60)
    assert cohort.sum() > 200
    assert 0.3 <= survived[cohort].mean() <= 0.7


def test_distance_decay_of_flows_stays_at_the_gravity_value(run_2021):
    """The decay fitted by a doubly constrained gravity model (Wilson 1967) to the 2021 flows
    is within 25% of the decay of the initial flows (0.16/km): job choice with
    commute_cost_per_km keeps the geography of commuting."""
    model, first_od = run_2021
    d = zone_distances(model.territory)

    def decay(od):
        target = (od * d).sum() / od.sum()
        low, high = 0.0, 2.0
        for _ in range(40):
            mid = 0.5 * (low + high)
            flows = gravity_flows(od.sum(1), od.sum(0), d, mid)
            if (flows * d).sum() / flows.sum() > target:
                low = mid
            else:
                high = mid
        return 0.5 * (low + high)

    start, end = decay(first_od), decay(model.commuting.tally.od.sum(axis=2))
    assert 0.12 < start < 0.2
    assert end == pytest.approx(start, rel=0.25)


def test_matches_follow_the_matching_function_and_its_elasticity():
    """Hires from the kernel equal A·U^η·V^(1-η) within binomial noise, so halving the job
    seekers multiplies hires by 0.5^η (Petrongolo and Pissarides 2001)."""
    model = MetroModel(seed=5, scale=0.05, end="2015-01", phases=())
    p, f = model.people, model.firms
    rng = np.random.default_rng(0)
    # 3,000 open vacancies at random firms; seekers: every employed resident, made unemployed
    slots = rng.choice(np.flatnonzero(f.alive == 1), size=3000).astype(np.int32)
    pool = np.flatnonzero((p.status == EMPLOYED) & (p.zone < N_COMUNI))
    eta = model.params["matching_elasticity"]
    hires = {}
    for n_seekers in (8000, 4000):
        people = {k: v.copy() for k, v in p.to_dict(live_only=False).items()}
        seekers = np.sort(pool[:n_seekers]).astype(np.int64)
        people["status"][seekers] = 3
        effort = np.ones(seekers.size)
        m = labour.matches(n_seekers, slots.size, 0.3, eta)
        rules = labour.MatchingRules(
            p_per_effort=m / n_seekers,
            start=0,
            n_candidates=30,
            distance_weight=0.38,
            skill_weight=1.0,
            circuity=1.3,
            cell_km=0.5,
            wage_level=model.labour_market.wage_level,
        )
        firms = labour.LabourFirms(f.alive, f.cell, f.sector, f.productivity, f.employees.copy())
        hires[n_seekers] = (
            labour.matching_kernel(
                phase_key(1, "test", n_seekers),
                model.month,
                labour.MatchingPeople(**{k: people[k] for k in labour.MatchingPeople._fields}),
                firms,
                labour.JobSeekers(seekers, effort, seekers.size),
                labour.Vacancies(slots, np.ones(slots.size, np.uint8)),
                model.space,
                rules,
                LABOUR_DRAWS,
                np.zeros_like(model.flows),
            )
            / m
        )
    # with 30 candidates nearly every matched seeker finds an open slot
    assert hires[8000] == pytest.approx(1.0, abs=0.06)
    ratio = hires[4000] / hires[8000]
    assert ratio == pytest.approx(1.0, abs=0.08)  # so hires(U/2)/hires(U) = 0.5^η


def test_mode_shares_are_the_logit_probabilities():
    """With every commuter choosing, realised shares equal the mean logit probabilities
    within three standard errors."""
    model = MetroModel(seed=2, scale=0.05, end="2015-01", phases=())
    p, f = model.people, model.firms
    par = model.params
    mode = np.full(p.count, -1, dtype=np.int8)
    counts = commuting.CommuteCounts(np.zeros((N_ZONES, N_COMUNI, 3)), np.zeros((N_ZONES, 3)))
    rules = model.commuting.rules()._replace(review_rate=1.0)
    assert rules.car_cost_km == par["car_cost_per_km"]  # neutral hooks: the parameters
    people = commuting.CommutingPeople(
        p.uid, p.alive, p.zone, p.cell, p.status, p.job, mode, p.commute_km
    )
    quality = model.commuting.transit_quality
    commuting.commuting_kernel(
        phase_key(2, "test", 0), people, f.zone, quality, rules, COMMUTING_DRAWS, counts
    )
    chosen = mode >= 0
    idx = np.flatnonzero(chosen)
    dest = np.where(p.status[idx] == EMPLOYED, f.zone[np.maximum(p.job[idx], 0)], model.torino)
    v = np.array(
        [
            commuting.mode_utilities(p.commute_km[i], quality[p.cell[i]], d == model.torino, rules)
            for i, d in zip(idx, dest, strict=True)
        ]
    )
    expected = commuting.logit_shares(v).mean(axis=0)
    realised = np.bincount(mode[chosen], minlength=3) / chosen.sum()
    se = np.sqrt(expected * (1 - expected) / chosen.sum())
    assert np.all(np.abs(realised - expected) < 3 * se + 1e-9)
