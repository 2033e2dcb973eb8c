"""The residents of January 2015: how many in each comune, and who they are.

Residents are allotted to the comuni by largest remainder (exact totals); their age,
sex, birthplace, education, status, months in that status and home are then drawn, in
that order, from the run's ``population`` stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
from models.components.education import draw_skill
from models.population.figures import (
    AGE_GROUP_SHARES,
    FOREIGN_SHARE_BELT,
    FOREIGN_SHARE_TORINO,
    LONG_TERM_SHARE,
    RESIDENTS_2015,
    STUDENTS_2015,
)
from models.population.placement import cell_weights, place_in_zones, weighted_sample
from models.territory.territory import Territory
from sim import fpmath
from sim.apportion import largest_remainder
from sim.random import geometric_array


@dataclass
class Residents:
    """The residents' draws, one entry per resident, before they go into the people table.

    Attributes:
        zone: comune index.
        age_months: age in months on the population's date.
        female, foreign: sex and foreign birth.
        education, skill: education level and skill index.
        status: activity status (:mod:`models.codes`).
        since: month the current status began.
        cell: flat index of the home cell.
    """

    zone: np.ndarray
    age_months: np.ndarray
    female: np.ndarray
    foreign: np.ndarray
    education: np.ndarray
    skill: np.ndarray
    status: np.ndarray
    since: np.ndarray
    cell: np.ndarray

    @property
    def count(self) -> int:
        """Number of residents."""
        return int(self.zone.size)


def draw_residents(
    territory: Territory,
    scale: float,
    rng: np.random.Generator,
    start_month: int,
    params: dict[str, float],
) -> Residents:
    """Residents by comune (exact totals), then who they are and where they live."""
    n_res = largest_remainder(territory.population, round(RESIDENTS_2015 * scale))
    zone = np.repeat(np.arange(territory.n_comuni), n_res)
    in_torino = zone == territory.torino
    age_months, female = draw_age_and_sex(rng, zone.size)
    age = age_months / 12.0
    foreign = draw_foreign(rng, territory, zone, age)
    education = draw_education(rng, age, in_torino, foreign)
    skill = draw_skill(rng, education)
    n_students = round(STUDENTS_2015 * scale * (1.0 - params["outside_students_share"]))
    status = draw_status(rng, age, education, in_torino, n_students)
    unemployed = draw_labour_force(
        rng, status, age, female, foreign, education, params["initial_unemployment_rate"]
    )
    since = draw_since(rng, status, unemployed, start_month)
    zone_of_cell = territory.cell_zone.ravel().astype(np.int64)
    cell = place_in_zones(rng, zone_of_cell, cell_weights(territory, centre_scale=0.8), zone)
    return Residents(zone, age_months, female, foreign, education, skill, status, since, cell)


def age_band(age: np.ndarray, bounds: tuple[int, ...]) -> np.ndarray:
    """Each age's band: how many of ``bounds`` (whole years, ascending) are at or below it.

    Band ``k`` is the first ``age < bounds[k]`` (``len(bounds)`` if none), as in
    ``np.select([age < b for b in bounds], ...)``. With whole-year bounds ``age < b`` exactly
    when ``floor(age) < b``, so one lookup by the age in whole years replaces a comparison a
    bound (ages are not negative: truncation is the floor).
    """
    years = age.astype(np.int64)
    band_of_year = np.searchsorted(np.asarray(bounds), np.arange(int(years.max()) + 1), "right")
    return band_of_year[years]


def draw_age_and_sex(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Age in months (by ISTAT's 5-year age groups) and sex (more women at older ages)."""
    age_group = rng.choice(20, size=n, p=AGE_GROUP_SHARES / AGE_GROUP_SHARES.sum())
    age_months = age_group * 60 + rng.integers(0, 60, size=n)
    age = age_months / 12.0
    p_female = np.where(age < 50, 0.49, np.where(age < 75, 0.53, 0.62))
    female = rng.random(n) < p_female
    return age_months, female


def draw_foreign(
    rng: np.random.Generator, territory: Territory, zone: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Foreign-born: younger, 15.3% in Torino (PLAN), FOREIGN_SHARE_BELT elsewhere.

    ``zone`` is in comune order (as :func:`draw_residents` makes it), so each comune's
    residents are one slice of rows.
    """
    age_factor = np.where((age >= 20) & (age < 50), 1.6, np.where(age >= 65, 0.2, 0.9))
    foreign = np.zeros(zone.size, dtype=bool)
    if np.any(zone[1:] < zone[:-1]):
        raise ValueError("draw_foreign: residents must be in comune order")
    bounds = np.searchsorted(zone, np.arange(territory.n_comuni + 1))
    for c in range(territory.n_comuni):
        idx = np.arange(bounds[c], bounds[c + 1])
        share = FOREIGN_SHARE_TORINO if c == territory.torino else FOREIGN_SHARE_BELT
        foreign[idx[weighted_sample(rng, age_factor[idx], round(share * idx.size))]] = True
    return foreign


def draw_education(
    rng: np.random.Generator, age: np.ndarray, in_torino: np.ndarray, foreign: np.ndarray
) -> np.ndarray:
    """Education by cohort (ISTAT 2015, Piedmont, tertiary and upper secondary shares)."""
    tertiary_p = np.array([0.0, 0.30, 0.24, 0.17, 0.13, 0.08])[age_band(age, (25, 35, 45, 55, 65))]
    upper_p = np.array([0.0, 0.80, 0.48, 0.45, 0.40, 0.35, 0.22])[
        age_band(age, (19, 25, 35, 45, 55, 65))
    ]
    tertiary_p = np.where(in_torino, tertiary_p * 1.15, tertiary_p)
    tertiary_p = np.where(foreign, tertiary_p * 0.6, tertiary_p)
    draw = rng.random(age.size)
    return np.where(
        draw < tertiary_p, TERTIARY, np.where(draw < tertiary_p + upper_p, UPPER_SECONDARY, 0)
    ).astype(np.int8)


def draw_status(
    rng: np.random.Generator,
    age: np.ndarray,
    education: np.ndarray,
    in_torino: np.ndarray,
    n_students: int,
) -> np.ndarray:
    """Children, the retired and the university students living in the area.

    The other adults are left ``CHILD`` for :func:`draw_labour_force`.
    """
    n = age.size
    status = np.full(n, CHILD, dtype=np.int8)
    adult = age >= 19
    retired_p = np.clip((age - 59.0) / 8.0, 0.0, 1.0) * 0.9 + (age >= 67) * 0.1
    status[adult & (rng.random(n) < retired_p)] = RETIRED
    eligible = (status == CHILD) & adult & (age < 30) & (education >= UPPER_SECONDARY)
    w = eligible * np.where(age < 25, 1.0, 0.25) * np.where(in_torino, 1.3, 1.0)
    status[weighted_sample(rng, w, n_students)] = STUDENT
    return status


def draw_labour_force(
    rng: np.random.Generator,
    status: np.ndarray,
    age: np.ndarray,
    female: np.ndarray,
    foreign: np.ndarray,
    education: np.ndarray,
    unemployment_rate: float,
) -> np.ndarray:
    """Labour force participation (ISTAT 2015, by age and sex) and unemployment.

    The adults :func:`draw_status` left ``CHILD`` become inactive, employed or unemployed
    (``status`` is changed in place); exactly ``unemployment_rate`` of the active are
    unemployed (parameter ``initial_unemployment_rate``).

    Returns:
        The rows of the unemployed, in the order they were drawn.
    """
    n = age.size
    rest = (status == CHILD) & (age >= 19)
    participation_by_sex = np.array([[0.50, 0.93, 0.66, 0.0], [0.50, 0.80, 0.52, 0.0]])
    particip = participation_by_sex[female.astype(np.intp), age_band(age, (25, 55, 67))]
    particip = np.where(foreign & female, particip * 0.8, particip)
    active = rest & (rng.random(n) < particip)
    status[rest & ~active] = INACTIVE
    risk = (
        np.array([2.7, 1.3, 0.8, 0.7])[age_band(age, (25, 35, 55))]
        * np.array([1.3, 0.9, 0.6])[education]
        * np.where(foreign, 1.6, 1.0)
    )
    active_idx = np.flatnonzero(active)
    n_unemployed = round(unemployment_rate * active_idx.size)
    unemployed_idx = active_idx[weighted_sample(rng, risk[active_idx], n_unemployed)]
    status[active_idx] = EMPLOYED
    status[unemployed_idx] = UNEMPLOYED
    return unemployed_idx


def draw_since(
    rng: np.random.Generator, status: np.ndarray, unemployed: np.ndarray, start_month: int
) -> np.ndarray:
    """Months in the current status.

    For the unemployed a geometric spell whose share over 12 months is LONG_TERM_SHARE;
    for students up to five and a half years; for the others up to ten years.
    """
    since = start_month - rng.integers(0, 120, size=status.size)
    spell_p = 1.0 - fpmath.power(LONG_TERM_SHARE, 1.0 / 12.0)
    since[unemployed] = start_month - (geometric_array(rng, spell_p, unemployed.size) - 1)
    students_idx = np.flatnonzero(status == STUDENT)
    since[students_idx] = start_month - rng.integers(0, 66, size=students_idx.size)
    return np.minimum(since, start_month)
