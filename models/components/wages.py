"""Wages: a Mincer equation with sector and firm premia.

The log annual wage is a level (calibrated by the synthetic population to the plan's mean
income of 2015 and grown with ``wage_growth``), plus the returns to education and
experience (Mincer 1974), the sector's premium, the firm's productivity and a residual.
Used by the labour market's hires (:mod:`models.components.matching`,
:mod:`models.components.labour`) and at initialisation (:mod:`models.population.incomes`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.fpmath import scalar as fm

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
