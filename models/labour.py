"""The labour market: separations and layoffs, vacancies, matching, wages.

Matches per month follow a Cobb-Douglas matching function ``M = A·U^η·V^(1-η)``
(Petrongolo and Pissarides 2001) over resident job seekers, outside job seekers and the
vacancies of firms below their employment target. A matched seeker compares a few
vacancies and takes the best by a logit over commuting distance and skill fit. Wages
follow a Mincer equation with sector and firm premia.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from models.codes import EMPLOYED, KNOWLEDGE, NO_MODE, TERTIARY, UNEMPLOYED
from models.flows import HIRES, SEPARATIONS
from models.territory import OUTSIDE
from sim.random import gumbel, standard_normal, uniform

EDUCATION_WAGE_PREMIUM = np.array([0.0, 0.18, 0.45])  # log points (Brunello et al. 2001)
SECTOR_WAGE_PREMIUM = np.array([0.05, -0.05, -0.08, -0.25, 0.15, -0.05])  # ISTAT RACLI
WAGE_NOISE = 0.25  # residual dispersion of log wages (ISTAT, about 0.25-0.35)


@njit(cache=True, inline="always")
def log_wage(level, education, age_years, sector_premium, productivity, noise):
    """Log annual wage: Mincer (1974) education and experience terms plus firm premia."""
    experience = min(max(age_years - 19.0, 0.0), 45.0)
    return (
        level
        + EDUCATION_WAGE_PREMIUM[education]
        + 0.03 * experience
        - 0.0005 * experience * experience
        + sector_premium
        + productivity
        + WAGE_NOISE * noise
    )


@njit(cache=True)
def wages(level, education, age_years, sector, productivity, noise):
    """Annual wages of many workers (used at initialisation)."""
    out = np.empty(education.size)
    for i in range(education.size):
        out[i] = math.exp(
            log_wage(
                level,
                education[i],
                age_years[i],
                SECTOR_WAGE_PREMIUM[sector[i]],
                productivity[i],
                noise[i],
            )
        )
    return out


@njit(cache=True)
def separations_kernel(
    key,
    uid,
    month,
    alive,
    zone,
    status,
    since,
    job,
    income,
    last_wage,
    mode,
    firm_alive,
    employees,
    layoff_p,
    flows,
    separation_rate,
    wage_growth_monthly,
    benefit_replacement,
    benefit_cap,
    benefit_months,
    social_minimum,
    long_term_efficiency,
    seekers,
    effort,
):
    """Quits, dismissals, layoffs, closures; wage drift; end of benefits; the job seekers.

    Resident job seekers (after this month's separations) are written in row order to
    ``seekers``, with their search efficiency (1, or ``long_term_efficiency`` after 12
    months of unemployment) in ``effort``.

    Returns:
        The number of job seekers and the sum of their efficiencies.
    """
    n_seekers = 0
    total_effort = 0.0
    for i in range(alive.size):
        if alive[i] == 0:
            continue
        s = status[i]
        if s == EMPLOYED:
            f = job[i]
            leave = firm_alive[f] == 0
            if not leave:
                leave = uniform(key, uid[i], 0) < separation_rate + layoff_p[f]
            if leave:
                employees[f] -= 1
                job[i] = -1
                flows[SEPARATIONS, zone[i]] += 1.0
                if zone[i] == OUTSIDE:
                    alive[i] = 0
                    continue
                status[i] = UNEMPLOYED
                since[i] = month
                mode[i] = NO_MODE
                last_wage[i] = income[i]
                income[i] = min(benefit_replacement * income[i], benefit_cap)
            else:
                income[i] *= 1.0 + wage_growth_monthly
        elif s == UNEMPLOYED and month - since[i] >= benefit_months:
            income[i] = social_minimum  # every month, so a change of the minimum reaches all
        if status[i] == UNEMPLOYED and zone[i] != OUTSIDE:
            e = long_term_efficiency if month - since[i] >= 12 else 1.0
            seekers[n_seekers] = i
            effort[n_seekers] = e
            n_seekers += 1
            total_effort += e
    return n_seekers, total_effort


@njit(cache=True)
def matching_kernel(
    key,
    uid,
    month,
    start,
    seekers,
    effort,
    n_seekers,
    p_per_effort,
    alive,
    zone,
    cell,
    born,
    status,
    since,
    job,
    education,
    skill,
    income,
    last_wage,
    mode,
    commute_km,
    slots,
    slot_open,
    firm_cell,
    firm_sector,
    firm_productivity,
    employees,
    cell_x,
    cell_y,
    flows,
    n_candidates,
    distance_weight,
    skill_weight,
    circuity,
    cell_km,
    wage_level,
):
    """Resident job seekers meet vacancies and choose among a few of them.

    Seekers (rows in increasing order, ``seekers[:n_seekers]``) are visited from the first
    at or after a random ``start`` row onwards, wrapping, so no row is always first.
    ``n_candidates`` is at most 30. Returns the number of hires.
    """
    n_slots = slots.size
    hires = 0
    if n_slots == 0 or n_seekers == 0:
        return 0
    first = np.searchsorted(seekers[:n_seekers], start)
    for k in range(n_seekers):
        j = (first + k) % n_seekers
        i = seekers[j]
        # draw numbers 1-99 here: draw 0 of this phase's key is the separation draw
        if uniform(key, uid[i], 1) >= effort[j] * p_per_effort:
            continue
        best = -1
        best_u = -1e300
        best_d = 0.0
        for c in range(n_candidates):
            s = int(uniform(key, uid[i], 2 + c) * n_slots)
            if slot_open[s] == 0:
                continue
            f = slots[s]
            fc = firm_cell[f]
            d = circuity * math.hypot(cell_x[cell[i]] - cell_x[fc], cell_y[cell[i]] - cell_y[fc])
            d += 0.5 * cell_km
            need = firm_productivity[f] + (0.25 if firm_sector[f] == KNOWLEDGE else 0.0)
            fit = -abs(math.log(skill[i]) - need)
            if education[i] == TERTIARY and firm_sector[f] == KNOWLEDGE:
                fit += 0.5
            u = -distance_weight * d + skill_weight * fit + gumbel(key, uid[i], 40 + c)
            if u > best_u:
                best_u = u
                best = s
                best_d = d
        if best < 0:
            continue
        f = slots[best]
        slot_open[best] = 0
        employees[f] += 1
        job[i] = f
        status[i] = EMPLOYED
        since[i] = month
        mode[i] = NO_MODE
        commute_km[i] = best_d
        age = (month - born[i]) / 12.0
        w = math.exp(
            log_wage(
                wage_level,
                education[i],
                age,
                SECTOR_WAGE_PREMIUM[firm_sector[f]],
                firm_productivity[f],
                standard_normal(key, uid[i], 35),
            )
        )
        income[i] = w
        last_wage[i] = w
        flows[HIRES, zone[i]] += 1.0
        hires += 1
    return hires


@njit(cache=True)
def outside_hires_kernel(key, n_hires, slots, slot_open, chosen):
    """Vacancies filled by job seekers from outside the area: random open slots.

    Returns the number filled; their firms are written to ``chosen``.
    """
    n_slots = slots.size
    filled = 0
    if n_slots == 0:
        return 0
    for h in range(n_hires):
        for attempt in range(16):
            s = int(uniform(key, h, attempt) * n_slots)
            if slot_open[s] == 1:
                slot_open[s] = 0
                chosen[filled] = slots[s]
                filled += 1
                break
    return filled


def vacancy_slots(alive: np.ndarray, employees: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One entry per vacancy, the firm's row, for firms below their employment target."""
    vacancies = np.where(alive == 1, np.maximum(np.rint(target) - employees, 0), 0)
    return np.repeat(np.arange(alive.size, dtype=np.int32), vacancies.astype(np.int64))


def layoff_probabilities(
    alive: np.ndarray, employees: np.ndarray, target: np.ndarray, speed: float
) -> np.ndarray:
    """Per firm, the monthly probability that an employee is laid off for excess staff."""
    excess = np.maximum(employees - np.rint(target), 0)
    return np.where((alive == 1) & (employees > 0), speed * excess / np.maximum(employees, 1), 0.0)


def matches(seekers: float, vacancies: float, efficiency: float, elasticity: float) -> float:
    """The matching function ``A·U^η·V^(1-η)``, capped by the smaller side."""
    if seekers <= 0 or vacancies <= 0:
        return 0.0
    m = efficiency * seekers**elasticity * vacancies ** (1.0 - elasticity)
    return min(m, seekers, vacancies)
