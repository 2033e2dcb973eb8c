"""Incomes of January 2015: wages, pensions and benefits, and the wage level behind them.

The wage level (the constant of the log wage equation, :func:`models.components.wages.wages`)
is calibrated so that the mean income of the residents with an income is the plan's
25,400 EUR.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

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


def incomes(
    basis: IncomeBasis, level: float, params: dict[str, float], out: np.ndarray | None = None
) -> np.ndarray:
    """Everyone's income at log wage level ``level``, EUR/year (into ``out`` if given)."""
    inc = np.empty(basis.status.size) if out is None else out
    incomes_kernel(*_income_arguments(basis, level, params), inc)
    return inc


def _income_arguments(
    basis: IncomeBasis, level: float, params: dict[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float, float, float]:
    """The arguments of :func:`incomes_kernel` before its output.

    The benefit's factor is ``replacement * exp(level)``, multiplied in that order before
    it meets each last wage, as NumPy's left-to-right expression did.
    """
    wage_factor = float(fpmath.exp(level))
    return (
        basis.status,
        basis.on_benefit,
        basis.unit_wage,
        basis.unit_last,
        basis.pension,
        wage_factor,
        float(params["unemployment_benefit_replacement"] * wage_factor),
        float(params["unemployment_benefit_cap"]),
        float(params["social_minimum_income"]),
    )


@njit(cache=True)
def incomes_kernel(
    status,
    on_benefit,
    unit_wage,
    unit_last,
    pension,
    wage_factor,
    benefit_factor,
    cap,
    social_minimum,
    out,
):
    """Each person's income, in one pass: the same products and minimum as the rules say.

    Employed ``wage_factor * unit_wage``; retired their pension; unemployed on benefit
    ``min(benefit_factor * unit_last, cap)``, the others the social minimum; everyone else 0.
    Each value is one product (or none) of the same float64 numbers NumPy multiplied, so the
    same bits.
    """
    for i in range(status.size):
        st = status[i]
        value = 0.0
        if st == EMPLOYED:
            value = wage_factor * unit_wage[i]
        elif st == RETIRED:
            value = pension[i]
        elif st == UNEMPLOYED:
            if on_benefit[i]:
                value = min(benefit_factor * unit_last[i], cap)
            else:
                value = social_minimum
        out[i] = value


def mean_income(
    basis: IncomeBasis, level: float, params: dict[str, float], work: np.ndarray | None = None
) -> float:
    """The mean income of the residents with an income, at wage level ``level``.

    ``basis`` holds residents only (:func:`may_earn`); ``work`` is a float64 array of its
    size to reuse.
    """
    inc = incomes(basis, level, params, work)
    return float(inc[inc > 0.0].mean())


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
    work = np.empty(earners.status.size)
    for _ in range(50):
        gap = fpmath.log(MEAN_INCOME_2015 / mean_income(earners, level, params, work))
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
