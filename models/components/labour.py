"""The labour market: separations and layoffs, vacancies, matching, wages.

Separations (quits, dismissals, layoffs of excess staff, closures) and the month's list
of resident job seekers are here (:func:`separations_kernel`); vacancies, the matching
function and the seekers' choice among vacancies are in :mod:`models.components.matching`;
the Mincer wage equation with sector and firm premia is in :mod:`models.components.wages`.
:class:`LabourMarket`, the component of the phase ``labour``, runs them each month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import EMPLOYED, METRO, NO_MODE, OUTSIDE, UNEMPLOYED
from models.components.education import draw_skill
from models.components.matching import (
    JobSeekers,
    LabourFirms,
    MatchingPeople,
    MatchingRules,
    Vacancies,
    matches,
    matching_kernel,
    outside_hires_kernel,
    vacancy_slots,
)
from models.components.wages import wages
from models.draws import LABOUR_DRAWS, OUTSIDE_HIRE_DRAWS
from models.flows import HIRES, SEPARATIONS
from models.territory.outside import draw_places
from sim import chunks, fpmath
from sim.chunks import add_chunk_counts, chunk_rows, gather, n_chunks, release_jobs
from sim.components import Component, WorkArrays
from sim.random import normal_array, poisson_count, uniform

if TYPE_CHECKING:
    from models.model import MetroModel


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


@njit(cache=True, parallel=True)
def separations_kernel(key, month, people, firms, layoff_p, rules, draws, flows, seekers, chunk):
    """Quits, dismissals, layoffs, closures; wage drift; end of benefits; the job seekers.

    Resident job seekers (after this month's separations) are written in row order to
    ``seekers.rows``, with their search efficiency (1, or ``rules.long_term_efficiency``
    after 12 months of unemployment) in ``seekers.effort``. Parallel over fixed chunks of
    rows (:mod:`sim.chunks`): each chunk lists its seekers and the jobs it frees, combined
    in chunk order; the efficiencies are summed in row order after the loop, as one loop
    would.

    Args:
        key: the month's key of the ``labour`` stream.
        month: the month index.
        people: :class:`SeparationPeople`.
        firms: :class:`LabourFirms`.
        layoff_p: per firm, the probability that an employee is laid off this month.
        rules: :class:`SeparationRules`.
        draws: the stream's layout (:data:`models.draws.LABOUR_DRAWS`).
        flows: the month's flow counters.
        seekers: :class:`~models.components.matching.JobSeekers` of work arrays (rows,
            effort) to fill; its ``count`` is ignored.
        chunk: rows a chunk (:data:`sim.chunks.ROW_CHUNK`).

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
    income, last_wage, mode = people.income, people.last_wage, people.mode
    rows, effort = seekers.rows, seekers.effort
    n = alive.size
    nc = n_chunks(n, chunk)
    flow_parts = np.zeros((nc, flows.shape[0], flows.shape[1]))
    seekers_by_chunk = np.zeros(nc, dtype=np.int64)
    freed_by_chunk = np.zeros(nc, dtype=np.int64)
    freed = np.empty(n, dtype=np.int32)
    for c in prange(nc):
        start, end = chunk_rows(c, n, chunk)
        part = flow_parts[c]
        n_seekers = 0
        n_freed = 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
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
                    freed[start + n_freed] = f
                    n_freed += 1
                    job[i] = -1
                    part[SEPARATIONS, zone[i]] += 1.0
                    if zone[i] == OUTSIDE:
                        alive[i] = 0
                        continue
                    status[i] = UNEMPLOYED
                    since[i] = month
                    mode[i] = NO_MODE
                    last_wage[i] = income[i]
                    income[i] = min(rules.benefit_replacement * income[i], rules.benefit_cap)
                else:
                    income[i] *= 1.0 + rules.wage_growth
            elif s == UNEMPLOYED and month - since[i] >= rules.benefit_months:
                income[i] = rules.social_minimum  # every month, so a change reaches all
            if status[i] == UNEMPLOYED and zone[i] != OUTSIDE:
                rows[start + n_seekers] = i
                effort[start + n_seekers] = (
                    rules.long_term_efficiency if month - since[i] >= 12 else 1.0
                )
                n_seekers += 1
        seekers_by_chunk[c] = n_seekers
        freed_by_chunk[c] = n_freed
    release_jobs(firms.employees, freed, freed_by_chunk, chunk)
    add_chunk_counts(flows, flow_parts)
    gather(effort, seekers_by_chunk, chunk)
    n_seekers = gather(rows, seekers_by_chunk, chunk)
    total_effort = 0.0
    for k in range(n_seekers):  # in row order, as a serial loop adds them
        total_effort += effort[k]
    return n_seekers, total_effort


def layoff_probabilities(
    alive: np.ndarray, employees: np.ndarray, target: np.ndarray, speed: float
) -> np.ndarray:
    """Per firm, the monthly probability that an employee is laid off for excess staff."""
    excess = np.maximum(employees - np.rint(target), 0)
    return np.where((alive == 1) & (employees > 0), speed * excess / np.maximum(employees, 1), 0.0)


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

    name = "labour_market"
    stream = "labour"
    doc = "separations, vacancies, matching, wages"

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        self.wage_level = model.initial_wage_level
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
        key = m.phase_key(self.stream, month)
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
            JobSeekers(seeker_rows, effort, 0),
            chunks.row_chunk(people.count),
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
        rng = m.phase_rng(self.stream, month)
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
