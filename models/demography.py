"""Demography: deaths, births and departures of residents (kernel); arrivals (Python).

Deaths follow a Gompertz hazard, births an age-specific fertility schedule with the
region's total fertility rate, departures an age-shaped migration schedule (Rogers and
Castro 1981) pushed up by unemployment and pulled down by the comune's attractiveness.
Arrivals are drawn in :func:`draw_immigrants` and placed by :mod:`models.housing`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from models.codes import CHILD, EMPLOYED, RETIRED, STUDENT, TERTIARY, UNEMPLOYED, UPPER_SECONDARY
from models.flows import BIRTHS, DEATHS, EMIGRANTS, TALENT_OUT
from models.territory import OUTSIDE
from sim.random import uniform

# Age structure of arrivals from outside (ISTAT registrations 2015, shares): 0-14, 15-18,
# 19-26, 27-34, 35-49, 50-66, 67-84.
ARRIVAL_AGE_BOUNDS = np.array([0, 15, 19, 27, 35, 50, 67, 85])
ARRIVAL_AGE_SHARES = np.array([0.14, 0.04, 0.22, 0.24, 0.22, 0.09, 0.05])
ARRIVAL_FOREIGN_SHARE = 0.5  # ISTAT: about half of registrations from outside are foreign
ARRIVAL_TERTIARY_SHARE = 0.26  # assumption: internal migrants to a university city
ARRIVAL_STUDENT_SHARE = 0.5  # assumption: share of arrivals aged 19-26 who come to study


@njit(cache=True)
def demography_kernel(
    key,
    month,
    alive,
    zone,
    born,
    female,
    status,
    job,
    foreign,
    education,
    employees,
    flows,
    mothers,
    mortality_a,
    mortality_b,
    tfr,
    fertility_mean_age,
    emigration_monthly,
    young_factor,
    foreign_factor,
    talent_factor,
    unemployed_factor,
    exit_multiplier,
):
    """Deaths, departures and births of residents for one month.

    Returns:
        The number of births; the mothers' rows are written to ``mothers[:n]``.
    """
    n_births = 0
    sd = 5.5
    norm = tfr / (sd * math.sqrt(2.0 * math.pi)) / 12.0
    for i in range(alive.size):
        if alive[i] == 0 or zone[i] == OUTSIDE:
            continue
        z = zone[i]
        age = (month - born[i]) / 12.0
        q = math.exp(mortality_a + mortality_b * age)
        p_death = 1.0 - (1.0 - min(q, 1.0)) ** (1.0 / 12.0)
        left = False
        if uniform(key, i, 0) < p_death:
            flows[DEATHS, z] += 1.0
            left = True
        else:
            p = emigration_monthly * exit_multiplier[z]
            if 20.0 <= age < 35.0:
                p *= young_factor
                if education[i] == TERTIARY:
                    p *= talent_factor
            if foreign[i]:
                p *= foreign_factor
            if status[i] == UNEMPLOYED:
                p *= unemployed_factor
            if status[i] == CHILD and age < 15.0:
                p *= 0.6
            if uniform(key, i, 1) < p:
                flows[EMIGRANTS, z] += 1.0
                if education[i] == TERTIARY and 25.0 <= age < 65.0:
                    flows[TALENT_OUT, z] += 1.0
                left = True
        if left:
            alive[i] = 0
            if status[i] == EMPLOYED and job[i] >= 0:
                employees[job[i]] -= 1
            job[i] = -1
            continue
        if female[i] and 15.0 <= age < 50.0:
            x = (age - fertility_mean_age) / sd
            if uniform(key, i, 2) < norm * math.exp(-0.5 * x * x):
                mothers[n_births] = i
                n_births += 1
                flows[BIRTHS, z] += 1.0
    return n_births


def draw_immigrants(rng: np.random.Generator, n: int, month: int) -> dict[str, np.ndarray]:
    """Attributes of ``n`` arrivals from outside the area (homes are chosen by housing)."""
    group = rng.choice(len(ARRIVAL_AGE_SHARES), size=n, p=ARRIVAL_AGE_SHARES)
    lo, hi = ARRIVAL_AGE_BOUNDS[group], ARRIVAL_AGE_BOUNDS[group + 1]
    age_months = (lo * 12 + rng.random(n) * (hi - lo) * 12).astype(np.int32)
    age = age_months / 12.0
    foreign = rng.random(n) < ARRIVAL_FOREIGN_SHARE
    draw = rng.random(n)
    tertiary_p = np.where(age >= 23, ARRIVAL_TERTIARY_SHARE * np.where(foreign, 0.6, 1.2), 0.0)
    education = np.where(
        draw < tertiary_p,
        TERTIARY,
        np.where((age >= 19) & (draw < tertiary_p + 0.45), UPPER_SECONDARY, 0),
    )
    status = np.full(n, CHILD, dtype=np.int8)
    adult = age >= 19
    student = adult & (age < 27) & (rng.random(n) < ARRIVAL_STUDENT_SHARE)
    education = np.where(student, UPPER_SECONDARY, education).astype(np.int8)
    status[adult] = np.where(rng.random(int(adult.sum())) < 0.8, UNEMPLOYED, 4)
    status[student] = STUDENT
    status[age >= 67] = RETIRED
    return {
        "born": (month - age_months).astype(np.int32),
        "female": (rng.random(n) < 0.5).astype(np.uint8),
        "foreign": foreign.astype(np.uint8),
        "education": education,
        "skill": np.exp(0.25 * education + 0.3 * rng.standard_normal(n) - 0.045).astype(np.float32),
        "status": status,
        "income": np.where(status == RETIRED, 9000.0, 0.0).astype(np.float32),
    }
