"""Demography: deaths, births and departures of residents (kernel); arrivals (Python).

Deaths follow a Gompertz hazard, births an age-specific fertility schedule with the
region's total fertility rate, departures an age-shaped migration schedule (Rogers and
Castro 1981) pushed up by unemployment and pulled down by the comune's attractiveness.
Arrivals are drawn in :func:`draw_immigrants`; the model places them where housing is
free, weighted by the comuni's attractiveness.
"""

from __future__ import annotations

import math

import numpy as np
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
from models.flows import BIRTHS, DEATHS, EMIGRANTS, TALENT_OUT
from models.population import draw_skill
from models.territory import OUTSIDE
from sim.random import uniform

# Age structure of arrivals from outside (ISTAT registrations 2015, shares): 0-14, 15-18,
# 19-26, 27-34, 35-49, 50-66, 67-84.
ARRIVAL_AGE_BOUNDS = np.array([0, 15, 19, 27, 35, 50, 67, 85])
ARRIVAL_AGE_SHARES = np.array([0.14, 0.04, 0.22, 0.24, 0.22, 0.09, 0.05])


@njit(cache=True)
def demography_kernel(
    key,
    uid,
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
    death_p,
    birth_p,
    emigration_monthly,
    young_factor,
    foreign_factor,
    talent_factor,
    unemployed_factor,
    exit_multiplier,
    leave_max,
):
    """Deaths, departures and births of residents for one month.

    Death and departure are competing risks read off one draw: ``u < p_death`` dies,
    ``p_death <= u < p_death + p_leave`` leaves. ``leave_max`` bounds ``p_leave`` from
    above, so the departure probability is worked out only when the draw could fall
    under it (about 1% of residents a month); the result is the same. ``death_p`` and
    ``birth_p`` are monthly probabilities by age in months (:func:`monthly_tables`).

    Returns:
        The number of births (the mothers' rows are written to ``mothers[:n]``) and the
        number of residents who stayed (before the births).
    """
    n_births = 0
    stayed = 0
    last_age = death_p.size - 1
    for i in range(alive.size):
        if alive[i] == 0 or zone[i] == OUTSIDE:
            continue
        z = zone[i]
        age_months = min(month - born[i], last_age)
        age = age_months / 12.0
        p_death = death_p[age_months]
        left = False
        u = uniform(key, uid[i], 0)
        if u < p_death:
            flows[DEATHS, z] += 1.0
            left = True
        elif u < p_death + leave_max:
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
            if u < p_death + p:
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
        stayed += 1
        if female[i] and birth_p[age_months] > 0.0:
            if uniform(key, uid[i], 1) < birth_p[age_months]:
                mothers[n_births] = i
                n_births += 1
                flows[BIRTHS, z] += 1.0
    return n_births, stayed


def monthly_tables(
    mortality_a: float, mortality_b: float, tfr: float, mean_age: float, sd: float = 5.5
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly death and birth probabilities by age in months (0 to 110 years).

    Deaths: Gompertz annual hazard ``q = exp(a + b·age)`` turned monthly,
    ``1 - (1 - q)^(1/12)``. Births: a normal fertility schedule over ages 15-49 with mean
    ``mean_age``, spread ``sd`` and total ``tfr``, divided by 12.
    """
    age = np.arange(110 * 12 + 1) / 12.0
    q = np.minimum(np.exp(mortality_a + mortality_b * age), 1.0)
    death = 1.0 - (1.0 - q) ** (1.0 / 12.0)
    x = (age - mean_age) / sd
    birth = tfr / (sd * math.sqrt(2.0 * math.pi)) * np.exp(-0.5 * x * x) / 12.0
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
