"""Demography: deaths, births and departures of residents (kernel); arrivals (Python).

Deaths follow a Gompertz hazard, births an age-specific fertility schedule with the
region's total fertility rate, departures an age-shaped migration schedule (Rogers and
Castro 1981) pushed up by unemployment and pulled down by the comune's attractiveness.
Arrivals from outside (:class:`Demography`, Python) are drawn by :func:`draw_immigrants`
and placed where housing is free, weighted by the comuni's attractiveness.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import (
    CHILD,
    EMPLOYED,
    INACTIVE,
    METRO,
    N_COMUNI,
    N_ZONES,
    OUTSIDE,
    RETIRED,
    STUDENT,
    TERTIARY,
    UNEMPLOYED,
    UPPER_SECONDARY,
)
from models.components.education import draw_skill
from models.components.housing import free_room
from models.draws import DEMOGRAPHY_DRAWS
from models.flows import BIRTHS, DEATHS, EMIGRANTS, IMMIGRANTS, TALENT_IN, TALENT_OUT
from sim import chunks, fpmath
from sim.chunks import add_chunk_counts, chunk_rows, gather, n_chunks, release_jobs
from sim.components import Component, WorkArrays
from sim.random import poisson_count, uniform

if TYPE_CHECKING:
    from models.model import MetroModel

# Age structure of arrivals from outside (ISTAT registrations 2015, shares): 0-14, 15-18,
# 19-26, 27-34, 35-49, 50-66, 67-84.
ARRIVAL_AGE_BOUNDS = np.array([0, 15, 19, 27, 35, 50, 67, 85])
ARRIVAL_AGE_SHARES = np.array([0.14, 0.04, 0.22, 0.24, 0.22, 0.09, 0.05])


class DemographyPeople(NamedTuple):
    """The people columns the demography kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    born: np.ndarray
    female: np.ndarray
    status: np.ndarray
    job: np.ndarray
    foreign: np.ndarray
    education: np.ndarray


class DemographyRules(NamedTuple):
    """The month's departure rules (monthly rates and multipliers, levers folded in).

    Attributes:
        emigration: monthly departure rate of a resident before multipliers.
        young_factor: multiplier at ages 20-34.
        foreign_factor: multiplier for the foreign-born.
        talent_factor: extra multiplier for graduates aged 20-34 (with the levers').
        unemployed_factor: multiplier for the unemployed.
        leave_max: an upper bound of anyone's departure probability this month.
    """

    emigration: float
    young_factor: float
    foreign_factor: float
    talent_factor: float
    unemployed_factor: float
    leave_max: float


class DemographyTables(NamedTuple):
    """Monthly probabilities by age in months, and the departure multiplier by zone."""

    death_p: np.ndarray
    birth_p: np.ndarray
    exit_multiplier: np.ndarray


@njit(cache=True, parallel=True)
def demography_kernel(key, month, people, employees, rules, tables, draws, flows, mothers, chunk):
    """Deaths, departures and births of residents for one month.

    Death and departure are competing risks read off one draw: ``u < p_death`` dies,
    ``p_death <= u < p_death + p_leave`` leaves. ``rules.leave_max`` bounds ``p_leave``
    from above, so the departure probability is worked out only when the draw could fall
    under it (about 1% of residents a month); the result is the same.

    Parallel over fixed chunks of rows (:mod:`sim.chunks`): each chunk counts its own
    flows, lists its mothers and the jobs its leavers free; they are combined in chunk
    order, so the results do not depend on the number of threads.

    Args:
        key: the month's key of the ``demography`` stream.
        month: the month index.
        people: :class:`DemographyPeople`.
        employees: the firms' employee counts (a worker who dies or leaves frees a job).
        rules: :class:`DemographyRules`.
        tables: :class:`DemographyTables`.
        draws: the stream's layout (:data:`models.draws.DEMOGRAPHY_DRAWS`).
        flows: the month's flow counters (:mod:`models.flows`).
        mothers: work array: the mothers' rows are written to ``mothers[:n_births]``,
            in row order.
        chunk: rows a chunk (:data:`sim.chunks.ROW_CHUNK`).

    Returns:
        The number of births and the number of residents who stayed (before the births).
    """
    alive, zone, born, status, job = (
        people.alive,
        people.zone,
        people.born,
        people.status,
        people.job,
    )
    death_p, birth_p = tables.death_p, tables.birth_p
    last_age = death_p.size - 1
    n = alive.size
    nc = n_chunks(n, chunk)
    flow_parts = np.zeros((nc, flows.shape[0], flows.shape[1]))
    births_by_chunk = np.zeros(nc, dtype=np.int64)
    stayed_by_chunk = np.zeros(nc, dtype=np.int64)
    freed_by_chunk = np.zeros(nc, dtype=np.int64)
    freed = np.empty(n, dtype=np.int32)
    for c in prange(nc):
        start, end = chunk_rows(c, n, chunk)
        part = flow_parts[c]
        n_births = 0
        stayed = 0
        n_freed = 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
            if alive[i] == 0 or zone[i] == OUTSIDE:
                continue
            z = zone[i]
            age_months = min(month - born[i], last_age)
            age = age_months / 12.0
            p_death = death_p[age_months]
            left = False
            u = uniform(key, people.uid[i], draws.death_or_departure)
            if u < p_death:
                part[DEATHS, z] += 1.0
                left = True
            elif u < p_death + rules.leave_max:
                p = rules.emigration * tables.exit_multiplier[z]
                if 20.0 <= age < 35.0:
                    p *= rules.young_factor
                    if people.education[i] == TERTIARY:
                        p *= rules.talent_factor
                if people.foreign[i]:
                    p *= rules.foreign_factor
                if status[i] == UNEMPLOYED:
                    p *= rules.unemployed_factor
                if status[i] == CHILD and age < 15.0:
                    p *= 0.6
                if u < p_death + p:
                    part[EMIGRANTS, z] += 1.0
                    if people.education[i] == TERTIARY and 25.0 <= age < 65.0:
                        part[TALENT_OUT, z] += 1.0
                    left = True
            if left:
                alive[i] = 0
                if status[i] == EMPLOYED and job[i] >= 0:
                    freed[start + n_freed] = job[i]
                    n_freed += 1
                job[i] = -1
                continue
            stayed += 1
            if people.female[i] and birth_p[age_months] > 0.0:
                if uniform(key, people.uid[i], draws.birth) < birth_p[age_months]:
                    mothers[start + n_births] = i
                    n_births += 1
                    part[BIRTHS, z] += 1.0
        births_by_chunk[c] = n_births
        stayed_by_chunk[c] = stayed
        freed_by_chunk[c] = n_freed
    release_jobs(employees, freed, freed_by_chunk, chunk)
    add_chunk_counts(flows, flow_parts)
    return gather(mothers, births_by_chunk, chunk), stayed_by_chunk.sum()


def monthly_tables(
    mortality_a: float, mortality_b: float, tfr: float, mean_age: float, sd: float = 5.5
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly death and birth probabilities by age in months (0 to 110 years).

    Deaths: Gompertz annual hazard ``q = exp(a + b·age)`` turned monthly,
    ``1 - (1 - q)^(1/12)``. Births: a normal fertility schedule over ages 15-49 with mean
    ``mean_age``, spread ``sd`` and total ``tfr``, divided by 12.
    """
    age = np.arange(110 * 12 + 1) / 12.0
    q = np.minimum(fpmath.exp(mortality_a + mortality_b * age), 1.0)
    death = 1.0 - fpmath.power(1.0 - q, 1.0 / 12.0)
    x = (age - mean_age) / sd
    birth = tfr / (sd * math.sqrt(2.0 * math.pi)) * fpmath.exp(-0.5 * x * x) / 12.0
    birth[(age < 15.0) | (age >= 50.0)] = 0.0
    return death, birth


def draw_immigrants(
    rng: np.random.Generator, n: int, month: int, params: dict[str, float]
) -> dict[str, np.ndarray]:
    """Attributes of ``n`` arrivals from outside the area (homes are chosen by housing)."""
    group = rng.choice(len(ARRIVAL_AGE_SHARES), size=n, p=ARRIVAL_AGE_SHARES)
    lo, hi = ARRIVAL_AGE_BOUNDS[group], ARRIVAL_AGE_BOUNDS[group + 1]
    age_months = (lo * 12 + rng.random(n) * (hi - lo) * 12).astype(np.int32)
    age = age_months / 12.0
    foreign = rng.random(n) < params["arrival_foreign_share"]
    draw = rng.random(n)
    tertiary_p = np.where(
        age >= 23, params["arrival_tertiary_share"] * np.where(foreign, 0.6, 1.2), 0.0
    )
    education = np.where(
        draw < tertiary_p,
        TERTIARY,
        np.where((age >= 19) & (draw < tertiary_p + 0.45), UPPER_SECONDARY, 0),
    )
    status = np.full(n, CHILD, dtype=np.int8)
    adult = age >= 19
    student = adult & (age < 27) & (rng.random(n) < params["arrival_student_share"])
    education = np.where(student, UPPER_SECONDARY, education).astype(np.int8)
    status[adult] = np.where(rng.random(int(adult.sum())) < 0.8, UNEMPLOYED, INACTIVE)
    status[student] = STUDENT
    status[age >= 67] = RETIRED
    return {
        "born": (month - age_months).astype(np.int32),
        "female": (rng.random(n) < 0.5).astype(np.uint8),
        "foreign": foreign.astype(np.uint8),
        "education": education,
        "skill": draw_skill(rng, education),
        "status": status,
        "income": np.where(status == RETIRED, params["arrival_pension"], 0.0).astype(np.float32),
    }


class Demography(Component):
    """Deaths, births and departures of residents (kernel); arrivals from outside.

    Arrivals: residents × ``immigration_rate`` × the comuni's mean attractiveness (and the
    levers' ``arrivals`` hook), drawn as a Poisson count; each arrival's attributes come
    from :func:`draw_immigrants` and their home is a cell drawn in proportion to its free
    housing times its comune's attractiveness.

    Attributes:
        death_p, birth_p: monthly probabilities by age in months (:func:`monthly_tables`).
    """

    name = "demography"
    doc = "deaths, births, departures and arrivals"
    needs = ("census", "comuni_services")

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        p = model.params
        self.death_p, self.birth_p = monthly_tables(
            p["mortality_a"], p["mortality_b"], p["fertility_tfr"], p["fertility_mean_age"]
        )
        self._work = WorkArrays()

    def rules(self, exit_multiplier: np.ndarray) -> DemographyRules:
        """The month's departure rules, with the levers' hooks folded in."""
        p, hooks = self.model.params, self.model.hooks
        talent_factor = p["talent_exit_factor"] * hooks.talent_exit[METRO]
        leave_max = (  # every multiplier at its largest
            p["emigration_rate"]
            / 12.0
            * exit_multiplier.max()
            * max(p["migration_young_factor"], 1.0)
            * max(talent_factor, 1.0)
            * max(p["migration_foreign_factor"], 1.0)
            * max(p["unemployed_exit_factor"], 1.0)
        )
        return DemographyRules(
            emigration=float(p["emigration_rate"] / 12.0),
            young_factor=float(p["migration_young_factor"]),
            foreign_factor=float(p["migration_foreign_factor"]),
            talent_factor=float(talent_factor),
            unemployed_factor=float(p["unemployed_exit_factor"]),
            leave_max=float(leave_max),
        )

    def step(self, month: int) -> None:
        """Deaths, departures and births (kernel), then the newborn and the arrivals."""
        m = self.model
        p, people, hooks = m.params, m.people, m.hooks
        attractiveness = m.comuni_services.attractiveness
        mothers = self._work.get("mothers", people.count, np.int64)
        exit_multiplier = hooks.departures * fpmath.exp(
            -p["attractiveness_migration_elasticity"] * attractiveness
        )
        n_births, stayed = demography_kernel(
            m.phase_key(self.stream, month),
            month,
            people.view(DemographyPeople),
            m.firms.employees,
            self.rules(exit_multiplier),
            DemographyTables(self.death_p, self.birth_p, exit_multiplier),
            DEMOGRAPHY_DRAWS,
            m.flows,
            mothers,
            chunks.row_chunk(people.count),
        )
        rng = m.phase_rng(self.stream, month)
        if n_births:
            mothers = mothers[:n_births]
            people.append(
                n_births,
                zone=people.zone[mothers],
                cell=people.cell[mothers],
                born=month,
                female=rng.random(n_births) < 0.486,  # ISTAT sex ratio at birth 1.06
                foreign=people.foreign[mothers],
                skill=draw_skill(rng, np.zeros(n_births, dtype=np.int8)),
                since=month,
            )
        self._arrivals(rng, month, float(stayed + n_births), attractiveness)

    def _arrivals(
        self, rng: np.random.Generator, month: int, residents: float, attractiveness: np.ndarray
    ) -> None:
        """Arrivals from outside, placed where there is free housing."""
        m = self.model
        p = m.params
        attract = fpmath.exp(p["attractiveness_migration_elasticity"] * attractiveness)
        mean_attract = float(
            np.average(attract[:N_COMUNI], weights=m.census.zone_population[:N_COMUNI] + 1e-9)
        )
        expected = p["immigration_rate"] / 12.0 * residents * mean_attract * m.hooks.arrivals[METRO]
        n_in = poisson_count(rng, expected)
        if not n_in:
            return
        attrs = draw_immigrants(rng, n_in, month, p)
        free = free_room(m.layer["housing_capacity"], m.layer["residents"], m.cell_zone)
        weights = free * attract[m.cell_zone]
        cdf = np.cumsum(weights)
        cells = (
            np.searchsorted(cdf, rng.random(n_in) * cdf[-1], side="right")
            .clip(0, cdf.size - 1)
            .astype(np.int32)
        )
        zones = m.cell_zone[cells]
        rows = m.people.append(n_in, **attrs, cell=cells, zone=zones, since=month)
        m.flows[IMMIGRANTS] += np.bincount(zones, minlength=N_ZONES)
        talent = (
            (attrs["education"] == TERTIARY)
            & (month - attrs["born"] >= 25 * 12)
            & (month - attrs["born"] < 65 * 12)
        )
        m.flows[TALENT_IN] += np.bincount(zones[talent], minlength=N_ZONES)
        students = attrs["status"] == STUDENT
        m.people.columns["commute_km"][rows] = np.where(
            students, m.km_between(cells, m.university_cell(rng, n_in)), 0.0
        )
