"""The labour market: separations and layoffs, vacancies, matching, wages.

Matches per month follow a Cobb-Douglas matching function ``M = A·U^η·V^(1-η)``
(Petrongolo and Pissarides 2001) over resident job seekers, outside job seekers and the
vacancies of firms below their employment target. A matched seeker compares a few
vacancies and takes the best by a logit over commuting distance and skill fit. Wages
follow a Mincer equation with sector and firm premia.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from models.codes import EMPLOYED, KNOWLEDGE, METRO, NO_MODE, OUTSIDE, TERTIARY, UNEMPLOYED
from models.components.education import draw_skill
from models.draws import LABOUR_DRAWS, OUTSIDE_HIRE_ATTEMPTS, OUTSIDE_HIRE_DRAWS
from models.flows import HIRES, SEPARATIONS
from models.territory.outside import draw_places
from sim import fpmath
from sim.components import Component, WorkArrays
from sim.fpmath import scalar as fm
from sim.random import gumbel, normal_array, poisson_count, standard_normal, uniform

if TYPE_CHECKING:
    from models.model import MetroModel

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
        out[i] = fm.exp(
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


class SeparationPeople(NamedTuple):
    """The people columns the separations kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    status: np.ndarray
    since: np.ndarray
    job: np.ndarray
    income: np.ndarray
    last_wage: np.ndarray
    mode: np.ndarray


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


class SeparationRules(NamedTuple):
    """The month's separation, wage and benefit rules (indexed, levers folded in).

    Attributes:
        separation_rate: monthly quits and dismissals.
        wage_growth: monthly growth of wages in a job.
        benefit_replacement: benefit over the last wage.
        benefit_cap: this month's cap on benefits, EUR/year.
        benefit_months: months of benefit.
        social_minimum: this month's income support after benefits end, EUR/year.
        long_term_efficiency: search efficiency after 12 months of unemployment.
    """

    separation_rate: float
    wage_growth: float
    benefit_replacement: float
    benefit_cap: float
    benefit_months: int
    social_minimum: float
    long_term_efficiency: float


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
def separations_kernel(key, month, people, firms, layoff_p, rules, draws, flows, seekers, effort):
    """Quits, dismissals, layoffs, closures; wage drift; end of benefits; the job seekers.

    Resident job seekers (after this month's separations) are written in row order to
    ``seekers``, with their search efficiency (1, or ``rules.long_term_efficiency`` after
    12 months of unemployment) in ``effort``.

    Args:
        key: the month's key of the ``labour`` stream.
        month: the month index.
        people: :class:`SeparationPeople`.
        firms: :class:`LabourFirms`.
        layoff_p: per firm, the probability that an employee is laid off this month.
        rules: :class:`SeparationRules`.
        draws: the stream's layout (:data:`models.draws.LABOUR_DRAWS`).
        flows: the month's flow counters.
        seekers: work array, filled with the job seekers' rows.
        effort: work array, filled with their search efficiency.

    Returns:
        The number of job seekers and the sum of their efficiencies.
    """
    alive, zone, status, since, job = (
        people.alive,
        people.zone,
        people.status,
        people.since,
        people.job,
    )
    income, employees = people.income, firms.employees
    n_seekers = 0
    total_effort = 0.0
    for i in range(alive.size):
        if alive[i] == 0:
            continue
        s = status[i]
        if s == EMPLOYED:
            f = job[i]
            leave = firms.alive[f] == 0
            if not leave:
                leave = (
                    uniform(key, people.uid[i], draws.separation)
                    < rules.separation_rate + layoff_p[f]
                )
            if leave:
                employees[f] -= 1
                job[i] = -1
                flows[SEPARATIONS, zone[i]] += 1.0
                if zone[i] == OUTSIDE:
                    alive[i] = 0
                    continue
                status[i] = UNEMPLOYED
                since[i] = month
                people.mode[i] = NO_MODE
                people.last_wage[i] = income[i]
                income[i] = min(rules.benefit_replacement * income[i], rules.benefit_cap)
            else:
                income[i] *= 1.0 + rules.wage_growth
        elif s == UNEMPLOYED and month - since[i] >= rules.benefit_months:
            income[i] = rules.social_minimum  # every month, so a change reaches all
        if status[i] == UNEMPLOYED and zone[i] != OUTSIDE:
            e = rules.long_term_efficiency if month - since[i] >= 12 else 1.0
            seekers[n_seekers] = i
            effort[n_seekers] = e
            n_seekers += 1
            total_effort += e
    return n_seekers, total_effort


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
    m = efficiency * fpmath.power(seekers, elasticity) * fpmath.power(vacancies, 1.0 - elasticity)
    return min(m, seekers, vacancies)


class LabourMarket(Component):
    """Separations and the job seekers (kernel), vacancies, matching, hires from outside.

    Each month: separations (quits, dismissals, layoffs of excess staff, closures) list
    the resident job seekers; firms below their employment target post vacancies; the
    matching function gives the month's matches over resident and outside seekers;
    matched residents choose among a few vacancies (kernel); outside seekers fill their
    share of the vacancies left, as new in-commuters (:meth:`add_outside_workers`).

    Attributes:
        wage_level: log wage constant of 2015 (calibrated by the synthetic population).
        neutral_outside_seekers: outside job seekers that give in-commuters their 2015
            share of hires, before ``outside_searchers_ratio``.
    """

    name = "labour"
    doc = "separations, vacancies, matching, wages"

    def __init__(self, model: MetroModel, wage_level: float) -> None:
        super().__init__(model)
        self.wage_level = wage_level
        people = model.people
        resident = people.zone != OUTSIDE
        outside_workers = np.count_nonzero(~resident & (people.status == EMPLOYED))
        resident_workers = np.count_nonzero(resident & (people.status == EMPLOYED))
        resident_seekers = np.count_nonzero(resident & (people.status == UNEMPLOYED))
        self.neutral_outside_seekers = resident_seekers * outside_workers / max(resident_workers, 1)
        self._work = WorkArrays()

    def wage_level_at(self, month: int) -> float:
        """The log wage level of new hires: the 2015 level grown at ``wage_growth``."""
        return self.wage_level + (month - self.model.first_month) / 12.0 * fpmath.log1p(
            self.model.params["wage_growth"]
        )

    def separation_rules(self, month: int) -> SeparationRules:
        """The month's separation and benefit rules, indexed to wages, levers folded in."""
        m = self.model
        p, hooks = m.params, m.hooks
        wage_index = m.indexation(month, p["wage_growth"])
        return SeparationRules(
            separation_rate=float(p["separation_rate"]),
            wage_growth=float(p["wage_growth"] / 12.0),
            benefit_replacement=float(p["unemployment_benefit_replacement"]),
            benefit_cap=float(p["unemployment_benefit_cap"] * wage_index),
            benefit_months=int(p["unemployment_benefit_months"]),
            social_minimum=float(
                (p["social_minimum_income"] + hooks.social_minimum[METRO]) * wage_index
            ),
            long_term_efficiency=float(
                p["long_term_search_efficiency"] * hooks.job_search_long_term[METRO]
            ),
        )

    def step(self, month: int) -> None:
        """Separations, matching of residents, then hires from outside."""
        m = self.model
        p, people, f, hooks = m.params, m.people, m.firms, m.hooks
        key = m.phase_key(self.name, month)
        firms = f.view(LabourFirms)
        layoff = layoff_probabilities(f.alive, f.employees, f.target, p["layoff_speed"])
        seeker_rows = self._work.get("seekers", people.count, np.int64)
        effort = self._work.get("effort", people.count, np.float64)
        n_seekers, resident_effort = separations_kernel(
            key,
            month,
            people.view(SeparationPeople),
            firms,
            layoff,
            self.separation_rules(month),
            LABOUR_DRAWS,
            m.flows,
            seeker_rows,
            effort,
        )
        slots = vacancy_slots(f.alive, f.employees, f.target)
        outside_seekers = p["outside_searchers_ratio"] * self.neutral_outside_seekers
        seekers = resident_effort + outside_seekers
        n_matches = matches(
            seekers,
            slots.size,
            p["matching_efficiency"] * hooks.matching[METRO],
            p["matching_elasticity"],
        )
        vacancies = Vacancies(slots, np.ones(slots.size, dtype=np.uint8))
        rng = m.phase_rng(self.name, month)
        rules = MatchingRules(
            p_per_effort=float(n_matches / seekers if seekers > 0 else 0.0),
            start=int(rng.integers(0, max(people.count, 1))),
            n_candidates=int(p["job_choice_candidates"]),
            distance_weight=float(p["commute_cost_per_km"]),
            skill_weight=float(p["skill_fit_weight"]),
            circuity=float(p["circuity"]),
            cell_km=float(m.territory.cell_km),
            wage_level=float(self.wage_level_at(month)),
        )
        matching_kernel(
            key,
            month,
            people.view(MatchingPeople),
            firms,
            JobSeekers(seeker_rows, effort, n_seekers),
            vacancies,
            m.space,
            rules,
            LABOUR_DRAWS,
            m.flows,
        )
        n_out = poisson_count(rng, n_matches * outside_seekers / seekers if seekers > 0 else 0.0)
        if n_out:
            chosen = np.empty(n_out, dtype=np.int32)
            filled = outside_hires_kernel(
                m.phase_key("outside-hires", month), n_out, vacancies, OUTSIDE_HIRE_DRAWS, chosen
            )
            self.add_outside_workers(rng, chosen[:filled], month)

    def add_outside_workers(
        self, rng: np.random.Generator, firm_rows: np.ndarray, month: int
    ) -> None:
        """New in-commuters hired by ``firm_rows``: people of the outside zone.

        Each lives in one of the province's other comuni, drawn given the job
        (:func:`models.territory.outside.draw_places`), and is 22-59, with an outside worker's
        education and a new hire's wage.
        """
        n = firm_rows.size
        if n == 0:
            return
        m = self.model
        f = m.firms
        rows = m.people.add(n)
        c = m.people.columns
        fc = f.cell[firm_rows]
        cells = draw_places(rng, m.territory, fc)  # a comune of the province
        age_months = rng.integers(22 * 12, 60 * 12, size=n)
        edu = np.where(rng.random(n) < 0.2, 2, 1).astype(np.int8)
        c["zone"][rows] = OUTSIDE
        c["cell"][rows] = cells
        c["born"][rows] = month - age_months
        c["female"][rows] = rng.random(n) < 0.45
        c["education"][rows] = edu
        c["skill"][rows] = draw_skill(rng, edu)
        c["foreign"][rows] = rng.random(n) < 0.08
        c["status"][rows] = EMPLOYED
        c["since"][rows] = month
        c["job"][rows] = firm_rows
        w = wages(
            self.wage_level_at(month),
            edu,
            age_months / 12.0,
            f.sector[firm_rows],
            f.productivity[firm_rows],
            normal_array(rng, n),
        )
        c["income"][rows] = w
        c["last_wage"][rows] = w
        c["commute_km"][rows] = m.km_between(cells, fc)
        np.add.at(f.columns["employees"], firm_rows, 1)
        m.flows[HIRES, OUTSIDE] += n  # in-commuters' hires, as their separations
