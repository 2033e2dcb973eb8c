"""Education and the life course: leaving school, university, graduation, retirement.

At 19 a resident leaves school (with an upper-secondary diploma or as an early leaver),
enrols at university or enters the labour force. Students drop out or graduate with
monthly hazards; graduates search for a job in the area, or, if they lived outside,
leave the model. Workers retire between 60 and 67 (INPS effective ages); inactive adults
re-enter the labour force and long-term unemployed may give up.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import (
    CHILD,
    EMPLOYED,
    INACTIVE,
    OUTSIDE,
    RETIRED,
    STUDENT,
    TERTIARY,
    UNEMPLOYED,
    UPPER_SECONDARY,
)
from models.draws import EDUCATION_DRAWS, STUDENT_KIND_STREAM
from models.flows import GRADUATES
from models.territory.outside import draw_places
from models.trend_forms import geometric_or_logistic, within_capacity
from sim import chunks, fpmath
from sim.chunks import add_chunk_counts, chunk_rows, n_chunks, release_jobs
from sim.components import Component
from sim.random import normal_array, phase_key, poisson_count, uniform

SCHOOL_LEAVING_MONTHS = 19 * 12
MIN_STUDY_MONTHS = 36  # a bachelor's degree takes at least three years
SOCIAL_PENSION = 5_800.0  # INPS assegno sociale 2015, EUR/year (indexed like pensions)
SKILL_PER_LEVEL = 1.284  # exp(0.25): the skill premium of one level of education


def draw_skill(rng: np.random.Generator, education: np.ndarray) -> np.ndarray:
    """Skill index of people with the given education.

    ``exp(0.25·education + 0.3·N(0,1) - 0.045)``: a person of low education has mean skill
    1 (assumption: each level of education raises skill by 28%, with a lognormal spread
    of 0.3).
    """
    return fpmath.exp(0.25 * education + 0.3 * normal_array(rng, education.size) - 0.045).astype(
        np.float32
    )


class EducationPeople(NamedTuple):
    """The people columns the education kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    born: np.ndarray
    status: np.ndarray
    since: np.ndarray
    job: np.ndarray
    education: np.ndarray
    skill: np.ndarray
    graduated: np.ndarray
    income: np.ndarray
    last_wage: np.ndarray
    mode: np.ndarray


class EducationRules(NamedTuple):
    """The month's life-course rules (monthly hazards and shares; pensions indexed).

    Attributes:
        enrolment_rate: share of school leavers with a diploma who enrol.
        graduation_hazard, dropout_hazard: monthly, for students.
        late_student_share: share of students who are late (each person's kind is fixed:
            one draw of the month-less ``student-kind`` key).
        late_graduation_hazard: monthly, for late students.
        retirement_hazard: monthly, from 60 (everyone retires at 67).
        reentry_hazard: monthly, inactive adults under 60 joining the labour force.
        labour_exit_hazard: monthly, workers and job seekers under 60 leaving it.
        discouragement_hazard: extra exit hazard after 24 months of unemployment.
        pension_indexation: monthly growth of pensions.
        social_pension: this month's social pension, EUR/year.
        early_leaver_share: school leavers without a diploma.
        labour_entry_share: school leavers not enrolling who look for a job.
        pension_replacement: pension over the last wage.
    """

    enrolment_rate: float
    graduation_hazard: float
    late_student_share: float
    late_graduation_hazard: float
    dropout_hazard: float
    retirement_hazard: float
    reentry_hazard: float
    labour_exit_hazard: float
    discouragement_hazard: float
    pension_indexation: float
    social_pension: float
    early_leaver_share: float
    labour_entry_share: float
    pension_replacement: float


@njit(cache=True, inline="always")
def _leave_university(i, month, outside, alive, status, since, mode):
    """A graduate or drop-out: residents look for a job; outside students leave the model."""
    if outside:
        alive[i] = 0
    else:
        status[i] = UNEMPLOYED
        since[i] = month
        mode[i] = -1


@njit(cache=True, inline="always")
def _graduation_hazard(kind_key, uid, rules, draws):
    """A student's monthly graduation hazard: the late students' if the person is late.

    With no late students the kind is never drawn (``late_student_share`` 0: the process
    of model 1.4, draw for draw).
    """
    if (
        rules.late_student_share > 0.0
        and uniform(kind_key, uid, draws.late_student) < rules.late_student_share
    ):
        return rules.late_graduation_hazard
    return rules.graduation_hazard


@njit(cache=True, parallel=True)
def education_kernel(
    key, kind_key, month, people, employees, rules, enrolment_multiplier, draws, flows, chunk
):
    """Life-course transitions for one month.

    Args:
        key: the month's key of the ``education`` stream.
        kind_key: the key of the ``student-kind`` stream (no month): who is a late student.
        month: the month index.
        people: :class:`EducationPeople`.
        employees: the firms' employee counts (a retiring worker frees a job).
        rules: :class:`EducationRules`.
        enrolment_multiplier: the levers' ``enrolment`` hook, by zone.
        draws: the stream's layout (:data:`models.draws.EDUCATION_DRAWS`).
        flows: the month's flow counters.
        chunk: rows a chunk (:data:`sim.chunks.ROW_CHUNK`): parallel over fixed chunks,
            each with its own counts and list of freed jobs, combined in chunk order.
            (Inside the parallel loop columns are written through local names only:
            numba loses writes through a NamedTuple's attribute there.)

    Returns:
        The number of residents who enrolled at university this month.
    """
    alive, status, since, job = people.alive, people.status, people.since, people.job
    education, skill, income, mode = people.education, people.skill, people.income, people.mode
    uid, graduated, last_wage = people.uid, people.graduated, people.last_wage
    n = alive.size
    nc = n_chunks(n, chunk)
    flow_parts = np.zeros((nc, flows.shape[0], flows.shape[1]))
    enrolled_by_chunk = np.zeros(nc, dtype=np.int64)
    freed_by_chunk = np.zeros(nc, dtype=np.int64)
    freed = np.empty(n, dtype=np.int32)
    for c in prange(nc):
        start, end = chunk_rows(c, n, chunk)
        part = flow_parts[c]
        enrolled = 0
        n_freed = 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
            if alive[i] == 0:
                continue
            s = status[i]
            z = people.zone[i]
            age_months = month - people.born[i]
            outside = z == OUTSIDE
            if s == CHILD:
                if age_months >= SCHOOL_LEAVING_MONTHS:
                    if uniform(key, uid[i], draws.early_leaving) < rules.early_leaver_share:
                        education[i] = 0
                    else:
                        education[i] = UPPER_SECONDARY
                        skill[i] *= SKILL_PER_LEVEL  # as exp(0.25 * education) at initialisation
                    since[i] = month
                    if education[i] == UPPER_SECONDARY and uniform(
                        key, uid[i], draws.enrolment
                    ) < min(1.0, rules.enrolment_rate * enrolment_multiplier[z]):
                        status[i] = STUDENT
                        enrolled += 1
                    elif uniform(key, uid[i], draws.labour_entry) < rules.labour_entry_share:
                        status[i] = UNEMPLOYED
                    else:
                        status[i] = INACTIVE
            elif s == STUDENT:
                months = month - since[i]
                if months >= MIN_STUDY_MONTHS and uniform(
                    key, uid[i], draws.graduation
                ) < _graduation_hazard(kind_key, uid[i], rules, draws):
                    education[i] = TERTIARY
                    graduated[i] = month
                    skill[i] *= SKILL_PER_LEVEL
                    part[GRADUATES, z] += 1.0
                    _leave_university(i, month, outside, alive, status, since, mode)
                elif uniform(key, uid[i], draws.dropout) < rules.dropout_hazard:
                    _leave_university(i, month, outside, alive, status, since, mode)
            elif s == RETIRED:
                income[i] *= 1.0 + rules.pension_indexation
            elif s == EMPLOYED or s == UNEMPLOYED or s == INACTIVE:
                age = age_months / 12.0
                if age >= 60.0 and (
                    age >= 67.0 or uniform(key, uid[i], draws.retirement) < rules.retirement_hazard
                ):
                    if s == EMPLOYED and job[i] >= 0:
                        freed[start + n_freed] = job[i]
                        n_freed += 1
                    job[i] = -1
                    if outside:
                        alive[i] = 0
                        continue
                    status[i] = RETIRED
                    since[i] = month
                    mode[i] = -1
                    wage = income[i] if s == EMPLOYED else last_wage[i]
                    if wage > 0.0:
                        income[i] = max(rules.pension_replacement * wage, rules.social_pension)
                    else:
                        income[i] = rules.social_pension
                elif outside:
                    continue
                elif (
                    s == INACTIVE
                    and age < 60.0
                    and uniform(key, uid[i], draws.reentry) < rules.reentry_hazard
                ):
                    status[i] = UNEMPLOYED
                    since[i] = month
                elif (
                    s != INACTIVE
                    and age < 60.0
                    and uniform(key, uid[i], draws.labour_exit)
                    < rules.labour_exit_hazard
                    + (
                        rules.discouragement_hazard
                        if s == UNEMPLOYED and month - since[i] >= 24
                        else 0.0
                    )
                ):
                    if s == EMPLOYED and job[i] >= 0:
                        freed[start + n_freed] = job[i]
                        n_freed += 1
                        last_wage[i] = income[i]
                    income[i] = 0.0  # no wage, and no benefit out of the labour force
                    job[i] = -1
                    status[i] = INACTIVE
                    since[i] = month
                    mode[i] = -1
        enrolled_by_chunk[c] = enrolled
        freed_by_chunk[c] = n_freed
    release_jobs(employees, freed, freed_by_chunk, chunk)
    add_chunk_counts(flows, flow_parts)
    return enrolled_by_chunk.sum()


class Education(Component):
    """The life course (kernel) and the month's new students from outside the area.

    Outside students (``outside_student_intake`` a year, scaled, growing like the residents'
    enrolment probability, :meth:`intake_factor`) live in the outside zone,
    in a comune of the province drawn given their university (:mod:`models.territory.outside`), and
    commute to it until they graduate or drop out.
    """

    name = "education"
    doc = "school leaving, university, retirement; students from outside"

    def intake_factor(self, month: int) -> float:
        """University intake per cohort at ``month``, relative to 2015.

        It multiplies the residents' enrolment probability (so their intake is the resident
        cohort reaching 19 times a participation rate) and the outside intake (whose cohorts
        are taken as steady, an assumption). With ``enrolment_ceiling`` 0 it grows at
        ``intake_growth`` a year without bound (model 1.3.0); otherwise the participation rate
        rises logistically towards ``enrolment_ceiling`` (:mod:`models.trend_forms`).
        """
        p = self.model.params
        years = (month - self.model.first_month) / 12.0
        # the ceiling relative to 2015's rate; with no ceiling (0), or no enrolment at all
        # (the rate's lower bound, where the factor multiplies 0), today's geometric growth
        bounded = p["enrolment_ceiling"] > 0 and p["enrolment_rate"] > 0
        ceiling = p["enrolment_ceiling"] / p["enrolment_rate"] if bounded else 0.0
        return geometric_or_logistic(p["intake_growth"], ceiling, years)

    def rules(self, month: int) -> EducationRules:
        """The month's rules: hazards, shares and the indexed social pension."""
        p = self.model.params
        return EducationRules(
            enrolment_rate=float(p["enrolment_rate"] * self.intake_factor(month)),
            graduation_hazard=float(p["graduation_hazard"]),
            late_student_share=float(p["late_student_share"]),
            late_graduation_hazard=float(p["late_graduation_hazard"]),
            dropout_hazard=float(p["dropout_hazard"]),
            retirement_hazard=float(p["retirement_hazard"]),
            reentry_hazard=float(p["reentry_hazard"]),
            labour_exit_hazard=float(p["labour_exit_hazard"]),
            discouragement_hazard=float(p["discouragement_hazard"]),
            pension_indexation=float(p["pension_indexation"] / 12.0),
            social_pension=float(
                SOCIAL_PENSION * self.model.indexation(month, p["pension_indexation"])
            ),
            early_leaver_share=float(p["early_leaver_share"]),
            labour_entry_share=float(p["labour_entry_share"]),
            pension_replacement=float(p["pension_replacement"]),
        )

    def step(self, month: int) -> None:
        """Life-course transitions (kernel), then the outside students who enrol.

        With ``university_capacity`` set, residents enrol first and the outside intake fills
        what is left of the month's capacity (an assumption).
        """
        m = self.model
        enrolled = education_kernel(
            m.phase_key(self.stream, month),
            phase_key(m.seed, STUDENT_KIND_STREAM),
            month,
            m.people.view(EducationPeople),
            m.firms.employees,
            self.rules(month),
            m.hooks.enrolment,
            EDUCATION_DRAWS,
            m.flows,
            chunks.row_chunk(m.people.count),
        )
        rng = m.phase_rng(self.stream, month)
        intake = m.params["outside_student_intake"] * self.intake_factor(month)
        capacity = m.params["university_capacity"]
        monthly = within_capacity(intake / 12.0, capacity, enrolled / m.scale)
        n_out = poisson_count(rng, monthly * m.scale)
        if not n_out:
            return
        universities = m.university_cell(rng, n_out)
        cells = draw_places(rng, m.territory, universities)  # a comune of the province
        m.people.append(
            n_out,
            zone=OUTSIDE,
            cell=cells,
            born=month - rng.integers(19 * 12, 21 * 12, size=n_out),
            female=rng.random(n_out) < 0.5,
            education=UPPER_SECONDARY,
            skill=draw_skill(rng, np.full(n_out, UPPER_SECONDARY, dtype=np.int8)),
            status=STUDENT,
            since=month,
            commute_km=m.km_between(cells, universities),
        )
