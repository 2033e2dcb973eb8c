"""Incomes of January 2015: wages, pensions and benefits, and the wage level behind them.

The wage level (the constant of the log wage equation, :func:`models.components.wages.wages`)
is calibrated so that the mean income of the residents with an income is the plan's
25,400 EUR.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from models.codes import EMPLOYED, N_SECTORS, RETIRED, UNEMPLOYED
from models.components.wages import wages
from models.population.figures import MEAN_INCOME_2015, SECTOR_SHARES_MICRO
from sim import fpmath
from sim.random import normal_array
from sim.tables import AgentTable


class IncomeBasis(NamedTuple):
    """Each person's income before the wage level is known.

    Attributes:
        status: activity status.
        unit_wage: the wage at log wage level 0 (at the person's firm, if any).
        unit_last: an unemployed's last wage at level 0 (an average firm of a random
            sector).
        pension: the pension, EUR/year.
        on_benefit: unemployed for fewer than the benefit's months.
        resident: True for residents (the first rows).
    """

    status: np.ndarray
    unit_wage: np.ndarray
    unit_last: np.ndarray
    pension: np.ndarray
    on_benefit: np.ndarray
    resident: np.ndarray


def income_basis(
    rng: np.random.Generator,
    people: AgentTable,
    n: int,
    firms: AgentTable,
    start_month: int,
    params: dict[str, float],
) -> IncomeBasis:
    """Draw the wages at level 0 and the pensions of everyone in ``people`` (``n`` residents)."""
    cols = people.columns
    n_total = people.count
    job = cols["job"]
    ages_all = (start_month - cols["born"][:n_total]) / 12.0
    wage_noise = normal_array(rng, n_total)
    fsector = firms.sector[np.maximum(job[:n_total], 0)]
    fprod = firms.productivity[np.maximum(job[:n_total], 0)]
    unit_wage = wages(0.0, cols["education"][:n_total], ages_all, fsector, fprod, wage_noise)
    # the unemployed's last wage: as if at an average firm of a random sector
    rand_sector = rng.choice(N_SECTORS, size=n_total, p=SECTOR_SHARES_MICRO)
    unit_last = wages(
        0.0,
        cols["education"][:n_total],
        ages_all,
        rand_sector,
        np.zeros(n_total, dtype=np.float32),
        wage_noise,
    )
    pension = 17_500.0 * fpmath.exp(0.4 * normal_array(rng, n_total) - 0.08)
    st = cols["status"][:n_total]
    resident = np.arange(n_total) < n
    months_unemployed = start_month - cols["since"][:n_total]
    on_benefit = (st == UNEMPLOYED) & (months_unemployed < params["unemployment_benefit_months"])
    return IncomeBasis(st, unit_wage, unit_last, pension, on_benefit, resident)


def incomes(basis: IncomeBasis, level: float, params: dict[str, float]) -> np.ndarray:
    """Everyone's income at log wage level ``level``, EUR/year."""
    st, on_benefit = basis.status, basis.on_benefit
    inc = np.zeros(st.size)
    inc[st == EMPLOYED] = (fpmath.exp(level) * basis.unit_wage)[st == EMPLOYED]
    inc[st == RETIRED] = basis.pension[st == RETIRED]
    benefit = np.minimum(
        params["unemployment_benefit_replacement"] * fpmath.exp(level) * basis.unit_last,
        params["unemployment_benefit_cap"],
    )
    inc[on_benefit] = benefit[on_benefit]
    inc[(st == UNEMPLOYED) & ~on_benefit] = params["social_minimum_income"]
    return inc


def mean_income(basis: IncomeBasis, level: float, params: dict[str, float]) -> float:
    """The mean income of the residents with an income, at wage level ``level``."""
    inc = incomes(basis, level, params)
    earners = basis.resident & (inc > 0)
    return float(inc[earners].mean())


def may_earn(basis: IncomeBasis) -> IncomeBasis:
    """The residents who may have an income (employed, unemployed, retired), in row order.

    Everyone else's income is 0 at any wage level, so :func:`mean_income` of this subset
    is that of everyone, with the same bits: the same incomes, in the same order, averaged
    by the same sum.
    """
    rows = np.flatnonzero(
        basis.resident
        & ((basis.status == EMPLOYED) | (basis.status == UNEMPLOYED) | (basis.status == RETIRED))
    )
    return IncomeBasis(*(column[rows] for column in basis))


def calibrate_wage_level(basis: IncomeBasis, params: dict[str, float]) -> float:
    """The log wage level at which the residents' mean income is the plan's.

    A fixed point, iterated: benefits are capped, so the mean is not proportional to the
    wage level's exponential.
    """
    level = fpmath.log(MEAN_INCOME_2015 / np.mean(basis.unit_wage[basis.status == EMPLOYED]))
    earners = may_earn(basis)
    for _ in range(50):
        gap = fpmath.log(MEAN_INCOME_2015 / mean_income(earners, level, params))
        if abs(gap) < 1e-9:
            break
        level += gap * 1.3
    return level


def draw_incomes(
    rng: np.random.Generator,
    people: AgentTable,
    n: int,
    firms: AgentTable,
    start_month: int,
    params: dict[str, float],
) -> float:
    """Write everyone's income and last wage; return the calibrated log wage level.

    ``people`` holds ``n`` residents and then the people from outside, with their jobs.
    """
    basis = income_basis(rng, people, n, firms, start_month, params)
    level = calibrate_wage_level(basis, params)
    cols = people.columns
    n_total = people.count
    st = basis.status
    cols["income"][:n_total] = incomes(basis, level, params)
    last = fpmath.exp(level) * np.where(st == EMPLOYED, basis.unit_wage, basis.unit_last)
    cols["last_wage"][:n_total] = np.where((st == EMPLOYED) | (st == UNEMPLOYED), last, 0.0)
    return float(level)
