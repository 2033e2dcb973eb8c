"""Education and the life course: leaving school, university, graduation, retirement.

At 19 a resident leaves school (with an upper-secondary diploma or as an early leaver),
enrols at university or enters the labour force. Students drop out or graduate with
monthly hazards; graduates search for a job in the area, or, if they lived outside,
leave the model. Workers retire between 60 and 67 (INPS effective ages); inactive adults
re-enter the labour force and long-term unemployed may give up.
"""

from __future__ import annotations

from numba import njit

from models.codes import (
    CHILD,
    EMPLOYED,
    INACTIVE,
    RETIRED,
    STUDENT,
    TERTIARY,
    UNEMPLOYED,
    UPPER_SECONDARY,
)
from models.flows import GRADUATES
from models.territory import OUTSIDE
from sim.random import uniform

SCHOOL_LEAVING_MONTHS = 19 * 12
MIN_STUDY_MONTHS = 36  # a bachelor's degree takes at least three years
SOCIAL_PENSION = 5_800.0  # INPS assegno sociale 2015, EUR/year (indexed like pensions)
SKILL_PER_LEVEL = 1.284  # exp(0.25): the skill premium of one level of education


@njit(cache=True, inline="always")
def _leave_university(i, month, outside, alive, status, since, mode):
    """A graduate or drop-out: residents look for a job; outside students leave the model."""
    if outside:
        alive[i] = 0
    else:
        status[i] = UNEMPLOYED
        since[i] = month
        mode[i] = -1


@njit(cache=True)
def education_kernel(
    key,
    uid,
    month,
    alive,
    zone,
    born,
    status,
    since,
    job,
    education,
    skill,
    graduated,
    income,
    last_wage,
    mode,
    employees,
    flows,
    enrolment_rate,
    graduation_hazard,
    dropout_hazard,
    retirement_hazard,
    reentry_hazard,
    labour_exit_hazard,
    discouragement_hazard,
    enrolment_multiplier,
    pension_indexation_monthly,
    social_pension,
    early_leaver_share,
    labour_entry_share,
    pension_replacement,
):
    """Life-course transitions for one month.

    Returns:
        The number of residents who enrolled at university this month.
    """
    enrolled = 0
    for i in range(alive.size):
        if alive[i] == 0:
            continue
        s = status[i]
        z = zone[i]
        age_months = month - born[i]
        outside = z == OUTSIDE
        if s == CHILD:
            if age_months >= SCHOOL_LEAVING_MONTHS:
                if uniform(key, uid[i], 0) < early_leaver_share:
                    education[i] = 0
                else:
                    education[i] = UPPER_SECONDARY
                    skill[i] *= SKILL_PER_LEVEL  # as exp(0.25 * education) at initialisation
                since[i] = month
                if education[i] == UPPER_SECONDARY and uniform(key, uid[i], 1) < min(
                    1.0, enrolment_rate * enrolment_multiplier[z]
                ):
                    status[i] = STUDENT
                    enrolled += 1
                elif uniform(key, uid[i], 2) < labour_entry_share:
                    status[i] = UNEMPLOYED
                else:
                    status[i] = INACTIVE
        elif s == STUDENT:
            months = month - since[i]
            if months >= MIN_STUDY_MONTHS and uniform(key, uid[i], 3) < graduation_hazard:
                education[i] = TERTIARY
                graduated[i] = month
                skill[i] *= SKILL_PER_LEVEL
                flows[GRADUATES, z] += 1.0
                _leave_university(i, month, outside, alive, status, since, mode)
            elif uniform(key, uid[i], 4) < dropout_hazard:
                _leave_university(i, month, outside, alive, status, since, mode)
        elif s == RETIRED:
            income[i] *= 1.0 + pension_indexation_monthly
        elif s == EMPLOYED or s == UNEMPLOYED or s == INACTIVE:
            age = age_months / 12.0
            if age >= 60.0 and (age >= 67.0 or uniform(key, uid[i], 5) < retirement_hazard):
                if s == EMPLOYED and job[i] >= 0:
                    employees[job[i]] -= 1
                job[i] = -1
                if outside:
                    alive[i] = 0
                    continue
                status[i] = RETIRED
                since[i] = month
                mode[i] = -1
                wage = income[i] if s == EMPLOYED else last_wage[i]
                if wage > 0.0:
                    income[i] = max(pension_replacement * wage, social_pension)
                else:
                    income[i] = social_pension
            elif outside:
                continue
            elif s == INACTIVE and age < 60.0 and uniform(key, uid[i], 6) < reentry_hazard:
                status[i] = UNEMPLOYED
                since[i] = month
            elif (
                s != INACTIVE
                and age < 60.0
                and uniform(key, uid[i], 7)
                < labour_exit_hazard
                + (discouragement_hazard if s == UNEMPLOYED and month - since[i] >= 24 else 0.0)
            ):
                if s == EMPLOYED and job[i] >= 0:
                    employees[job[i]] -= 1
                    last_wage[i] = income[i]
                income[i] = 0.0  # no wage, and no benefit out of the labour force
                job[i] = -1
                status[i] = INACTIVE
                since[i] = month
                mode[i] = -1
    return enrolled
