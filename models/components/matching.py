"""Matching on the labour market: vacancies, the matching function, the job choice.

Matches per month follow a Cobb-Douglas matching function ``M = A·U^η·V^(1-η)``
(Petrongolo and Pissarides 2001) over resident job seekers, outside job seekers and the
vacancies of firms below their employment target (:func:`matches`). A matched seeker
compares a few vacancies and takes the best by a logit over commuting distance and skill
fit (:func:`matching_kernel`); outside seekers fill random vacancies left open
(:func:`outside_hires_kernel`). The month's order of these is
:class:`models.components.labour.LabourMarket`'s.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from models.codes import EMPLOYED, KNOWLEDGE, NO_MODE, TERTIARY
from models.components.wages import SECTOR_WAGE_PREMIUM, log_wage
from models.draws import OUTSIDE_HIRE_ATTEMPTS
from models.flows import HIRES
from sim import fpmath
from sim.fpmath import scalar as fm
from sim.random import gumbel, standard_normal, uniform


class MatchingPeople(NamedTuple):
    """The people columns the matching kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    cell: np.ndarray
    born: np.ndarray
    status: np.ndarray
    since: np.ndarray
    job: np.ndarray
    education: np.ndarray
    skill: np.ndarray
    income: np.ndarray
    last_wage: np.ndarray
    mode: np.ndarray
    commute_km: np.ndarray


class LabourFirms(NamedTuple):
    """The firm columns the labour kernels read and write."""

    alive: np.ndarray
    cell: np.ndarray
    sector: np.ndarray
    productivity: np.ndarray
    employees: np.ndarray


class MatchingRules(NamedTuple):
    """The month's matching rules.

    Attributes:
        p_per_effort: probability that a seeker of search efficiency 1 is matched.
        start: the row from which job seekers are visited (drawn each month).
        n_candidates: vacancies a matched seeker compares (at most 30).
        distance_weight: utility per commuting km.
        skill_weight: utility per unit of skill fit.
        circuity: road distance over straight-line distance.
        cell_km: side of a cell, km.
        wage_level: log wage level of this month's hires.
    """

    p_per_effort: float
    start: int
    n_candidates: int
    distance_weight: float
    skill_weight: float
    circuity: float
    cell_km: float
    wage_level: float


class Vacancies(NamedTuple):
    """The month's vacancies: the firm row of each slot, and whether it is still open."""

    slots: np.ndarray
    open: np.ndarray


class JobSeekers(NamedTuple):
    """Resident job seekers in row order (``rows[:count]``) with their search efficiency."""

    rows: np.ndarray
    effort: np.ndarray
    count: int


@njit(cache=True)
def matching_kernel(key, month, people, firms, seekers, vacancies, space, rules, draws, flows):
    """Resident job seekers meet vacancies and choose among a few of them.

    Seekers (rows in increasing order) are visited from the first at or after the row
    ``rules.start`` onwards, wrapping, so no row is always first.

    Args:
        key: the month's key of the ``labour`` stream.
        month: the month index.
        people: :class:`MatchingPeople`.
        firms: :class:`LabourFirms`.
        seekers: :class:`JobSeekers`.
        vacancies: :class:`Vacancies` (a slot taken is closed to later seekers).
        space: :class:`~models.model.CellCoordinates` (km).
        rules: :class:`MatchingRules`.
        draws: the stream's layout (:data:`models.draws.LABOUR_DRAWS`).
        flows: the month's flow counters.

    Returns:
        The number of hires.
    """
    slots, slot_open = vacancies.slots, vacancies.open
    cell, skill, education = people.cell, people.skill, people.education
    cell_x, cell_y = space.x, space.y
    n_slots = slots.size
    n_seekers = seekers.count
    uid = people.uid
    hires = 0
    if n_slots == 0 or n_seekers == 0:
        return 0
    first = np.searchsorted(seekers.rows[:n_seekers], rules.start)
    for k in range(n_seekers):
        j = (first + k) % n_seekers
        i = seekers.rows[j]
        if uniform(key, uid[i], draws.matched) >= seekers.effort[j] * rules.p_per_effort:
            continue
        best = -1
        best_u = -1e300
        best_d = 0.0
        for c in range(rules.n_candidates):
            s = int(uniform(key, uid[i], draws.vacancy_candidate + c) * n_slots)
            if slot_open[s] == 0:
                continue
            f = slots[s]
            fc = firms.cell[f]
            d = rules.circuity * fm.hypot(
                cell_x[cell[i]] - cell_x[fc], cell_y[cell[i]] - cell_y[fc]
            )
            d += 0.5 * rules.cell_km
            need = firms.productivity[f] + (0.25 if firms.sector[f] == KNOWLEDGE else 0.0)
            fit = -abs(fm.log(skill[i]) - need)
            if education[i] == TERTIARY and firms.sector[f] == KNOWLEDGE:
                fit += 0.5
            u = (
                -rules.distance_weight * d
                + rules.skill_weight * fit
                + gumbel(key, uid[i], draws.vacancy_taste + c)
            )
            if u > best_u:
                best_u = u
                best = s
                best_d = d
        if best < 0:
            continue
        f = slots[best]
        slot_open[best] = 0
        firms.employees[f] += 1
        people.job[i] = f
        people.status[i] = EMPLOYED
        people.since[i] = month
        people.mode[i] = NO_MODE
        people.commute_km[i] = best_d
        age = (month - people.born[i]) / 12.0
        w = fm.exp(
            log_wage(
                rules.wage_level,
                education[i],
                age,
                SECTOR_WAGE_PREMIUM[firms.sector[f]],
                firms.productivity[f],
                standard_normal(key, uid[i], draws.wage_noise),
            )
        )
        people.income[i] = w
        people.last_wage[i] = w
        flows[HIRES, people.zone[i]] += 1.0
        hires += 1
    return hires


@njit(cache=True)
def outside_hires_kernel(key, n_hires, vacancies, draws, chosen):
    """Vacancies filled by job seekers from outside the area: random open slots.

    Args:
        key: the month's key of the ``outside-hires`` stream (draws by hire number).
        n_hires: hires from outside this month.
        vacancies: :class:`Vacancies` left open by the residents' matching.
        draws: the stream's layout (:data:`models.draws.OUTSIDE_HIRE_DRAWS`).
        chosen: work array: the firms hiring are written to ``chosen[:filled]``.

    Returns:
        The number of vacancies filled.
    """
    slots, slot_open = vacancies.slots, vacancies.open
    n_slots = slots.size
    filled = 0
    if n_slots == 0:
        return 0
    for h in range(n_hires):
        for attempt in range(OUTSIDE_HIRE_ATTEMPTS):
            s = int(uniform(key, h, draws.vacancy_attempt + attempt) * n_slots)
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


def matches(seekers: float, vacancies: float, efficiency: float, elasticity: float) -> float:
    """The matching function ``A·U^η·V^(1-η)``, capped by the smaller side."""
    if seekers <= 0 or vacancies <= 0:
        return 0.0
    m = efficiency * fpmath.power(seekers, elasticity) * fpmath.power(vacancies, 1.0 - elasticity)
    return min(m, seekers, vacancies)
