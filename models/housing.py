"""Housing: capacity and rents by cell, residential moves, arrivals' homes, construction.

Each cell has a housing capacity (residents it can hold) and a rent that rises when the
cell is fuller than the natural vacancy allows and falls otherwise. Adults who consider
moving compare their home with a few candidate cells by a logit over rent, green nearby,
distance to their job or university and the comune's attractiveness (a random-utility
residential choice, McFadden 1978).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from models.codes import CHILD, EMPLOYED, NO_MODE, STUDENT
from models.flows import MOVES_IN, MOVES_OUT
from models.territory import OUTSIDE
from sim.random import gumbel, uniform


@njit(cache=True)
def moves_kernel(
    key,
    uid,
    month,
    alive,
    zone,
    cell,
    born,
    status,
    job,
    mode,
    commute_km,
    firm_cell,
    university_cells,
    free_cdf,
    cell_zone,
    occupancy,
    rent,
    green_access,
    attractiveness,
    cell_x,
    cell_y,
    flows,
    move_monthly,
    rent_weight,
    green_weight,
    job_weight,
    circuity,
    cell_km,
    moving_cost,
    move_candidates,
):
    """Residential moves of adults for one month. Returns the number of moves."""
    n_cells = free_cdf.size
    moves = 0
    if n_cells == 0 or free_cdf[n_cells - 1] <= 0.0:
        return 0
    total = free_cdf[n_cells - 1]
    for i in range(alive.size):
        if alive[i] == 0 or zone[i] == OUTSIDE or status[i] == CHILD:
            continue
        age = (month - born[i]) / 12.0
        p = move_monthly * (2.0 if 20.0 <= age < 35.0 else 1.0)
        if uniform(key, uid[i], 0) >= p:
            continue
        place = -1
        if status[i] == EMPLOYED:
            place = firm_cell[job[i]]
        elif status[i] == STUDENT:
            place = university_cells[uid[i] % university_cells.size]
        here = cell[i]
        best = here
        best_u = -1e300
        for c in range(move_candidates + 1):
            if c == 0:
                cand = here
            else:
                r = uniform(key, uid[i], 1 + c) * total
                cand = np.searchsorted(free_cdf, r, side="right")
                if cand >= n_cells:
                    cand = n_cells - 1
            u = -rent_weight * rent[cand] + green_weight * green_access[cand]
            u += attractiveness[cell_zone[cand]]
            if place >= 0:
                d = circuity * math.hypot(
                    cell_x[cand] - cell_x[place], cell_y[cand] - cell_y[place]
                )
                u -= job_weight * d
            if c == 0:
                u += moving_cost
            u += gumbel(key, uid[i], 20 + c)
            if u > best_u:
                best_u = u
                best = cand
        if best == here:
            continue
        moves += 1
        occupancy[here] -= 1.0
        occupancy[best] += 1.0
        old_zone = zone[i]
        new_zone = cell_zone[best]
        cell[i] = best
        if new_zone != old_zone:
            flows[MOVES_OUT, old_zone] += 1.0
            flows[MOVES_IN, new_zone] += 1.0
            zone[i] = new_zone
        if place >= 0:
            commute_km[i] = (
                circuity * math.hypot(cell_x[best] - cell_x[place], cell_y[best] - cell_y[place])
                + 0.5 * cell_km
            )
            mode[i] = NO_MODE
    return moves


@njit(cache=True)
def count_residents(alive, zone, cell, occupancy):
    """Residents by cell, written into ``occupancy`` (outside people are not residents)."""
    occupancy[:] = 0.0
    for i in range(alive.size):
        if alive[i] == 1 and zone[i] != OUTSIDE:
            occupancy[cell[i]] += 1.0


def free_capacity_cdf(capacity: np.ndarray, occupancy: np.ndarray) -> np.ndarray:
    """Cumulative free capacity over cells (for drawing candidate homes ∝ free room)."""
    return np.cumsum(np.maximum(capacity - occupancy, 0.0))


def update_rents(
    rent: np.ndarray,
    base_rent: np.ndarray,
    capacity: np.ndarray,
    occupancy: np.ndarray,
    speed: float,
    elasticity: float,
    vacancy_target: float,
) -> None:
    """Move rents towards the market rent (partial adjustment).

    The market rent is above the 2015 rent where a cell is fuller than the natural vacancy
    allows and below it where it is emptier.
    """
    inhabited = capacity > 0
    pressure = np.where(inhabited, occupancy / np.maximum(capacity, 1e-9) - (1 - vacancy_target), 0)
    market = base_rent * np.exp(elasticity * np.clip(pressure, -0.5, 0.5))
    rent += speed * (market - rent)


def initial_rents(
    x_km: np.ndarray, y_km: np.ndarray, zone: np.ndarray, torino_xy: tuple[float, float]
) -> np.ndarray:
    """Rents (EUR/m²/month) by cell.

    About 10 in central Torino falling to 6 at the edge of the conurbation (OMI/Agenzia
    delle Entrate 2015 ranges; a smooth assumption).
    """
    d = np.hypot(x_km - torino_xy[0], y_km - torino_xy[1])
    rent = 5.5 + 5.0 * np.exp(-d / 6.0)
    return np.where(zone == OUTSIDE, 0.0, rent)
