"""Firms: exit, Gibrat growth with Laplace shocks, investment, innovation; entry and FDI.

* Exit: a monthly hazard that falls with age (liability of newness) and size.
* Growth: once a year, on its anniversary, a firm's employment target moves by a
  log-growth drawn from a Laplace law whose scale falls with size (Bottazzi, Cefis and
  Dosi 2002; Stanley et al. 1996). Hiring and firing towards the target happen in the
  labour market.
* Investment: replacement of depreciated capital plus capital for the growth of targets.
* Innovation: firms become innovative and link with the universities at small hazards.
* Entry: start-ups by comune (:func:`entry_weights`) and sector, and foreign plants
  (drawn in ``MetroModel.firm_dynamics``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from models.codes import KNOWLEDGE
from models.flows import FIRM_DEATHS, INVESTMENT
from sim.random import laplace, uniform


@njit(cache=True)
def firms_kernel(
    key,
    month,
    alive,
    zone,
    sector,
    founded,
    employees,
    target,
    innovative,
    university_link,
    empty_since,
    closed,
    flows,
    capital_per_worker,
    sector_drift,
    exit_hazard,
    exit_young_factor,
    exit_young_years,
    exit_size_exponent,
    exit_multiplier,
    young_exit_multiplier,
    growth_drift,
    growth_scale,
    growth_size_exponent,
    depreciation_monthly,
    innovation_hazard,
    innovation_lapse,
    innovation_multiplier,
    link_rate,
    link_multiplier,
    empty_months_to_exit,
):
    """Exit, growth, investment and innovation of every live firm for one month."""
    for f in range(alive.size):
        if alive[f] == 0:
            continue
        z = zone[f]
        age = (month - founded[f]) / 12.0
        size = max(employees[f], 1)
        young = math.exp(-age / exit_young_years)
        hazard = (
            exit_hazard
            * (1.0 + exit_young_factor * young * young_exit_multiplier[z])
            * size ** (-exit_size_exponent)
            * exit_multiplier[z]
        )
        if employees[f] == 0:
            if empty_since[f] < 0:
                empty_since[f] = month
        else:
            empty_since[f] = -1
        if uniform(key, f, 0) < hazard or (
            empty_since[f] >= 0 and month - empty_since[f] >= empty_months_to_exit
        ):
            alive[f] = 0
            closed[f] = month
            flows[FIRM_DEATHS, z] += 1.0
            continue
        k = capital_per_worker[sector[f]]
        flows[INVESTMENT, z] += k * depreciation_monthly * employees[f]
        if month > founded[f] and (month - founded[f]) % 12 == 0:
            b = min(growth_scale * size ** (-growth_size_exponent), 0.9)
            # centred so that E[exp(g)] = exp(drift): E[exp(Laplace(b))] = 1 / (1 - b²)
            g = (
                growth_drift
                + sector_drift[sector[f]]
                + math.log(1.0 - b * b)
                + laplace(key, f, 1, b)
            )
            new_target = max(target[f] * math.exp(g), 1.0)
            if new_target > target[f]:
                flows[INVESTMENT, z] += k * (new_target - target[f])
            target[f] = new_target
        if innovative[f] == 0:
            h = innovation_hazard * innovation_multiplier[z]
            if sector[f] == KNOWLEDGE:
                h *= 3.0
            if uniform(key, f, 2) < h:
                innovative[f] = 1
        elif uniform(key, f, 2) < innovation_lapse:
            innovative[f] = 0
        if university_link[f] == 0 and (innovative[f] == 1 or sector[f] == KNOWLEDGE):
            if uniform(key, f, 3) < link_rate * link_multiplier[z]:
                university_link[f] = 1


def entry_weights(
    initial_firms: np.ndarray,
    residents: np.ndarray,
    initial_residents: np.ndarray,
    admin_burden: np.ndarray,
    admin_burden_0: float,
    elasticity: float,
    startup_multiplier: np.ndarray,
) -> np.ndarray:
    """Relative start-up rate of each comune.

    Proportional to the comune's initial firms (its entrepreneurial base) scaled by its
    population change, lowered by administrative burden with the given elasticity
    (Klapper, Laeven and Rajan 2006), raised by start-up support.
    """
    growth = residents / np.maximum(initial_residents, 1)
    burden = (admin_burden / admin_burden_0) ** (-elasticity)
    return initial_firms * growth * burden * startup_multiplier
