"""Commuting: every worker's and student's daily trip, its mode and its emissions.

Mode choice is a multinomial logit over the generalised cost of car, transit and
bike-or-walk (McFadden 1974; Ben-Akiva and Lerman 1985). Commuters reconsider their mode
when they change job or home and otherwise about once a year (habit). Flows between
zones are counted by mode; emissions are trip kilometres times emission factors.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from models.codes import ACTIVE, CAR, EMPLOYED, N_MODES, NO_MODE, STUDENT, TRANSIT
from models.territory import OUTSIDE
from sim.random import gumbel, uniform

ACTIVE_MAX_KM = 15.0  # nobody walks or cycles a commute longer than this


@njit(cache=True, inline="always")
def mode_utilities(
    km,
    transit_quality,
    to_torino,
    asc_transit,
    asc_active,
    time_value,
    cost_value,
    car_speed,
    transit_speed,
    transit_wait,
    active_speed,
    car_cost_km,
    parking_torino,
    fare,
):
    """Systematic utilities of car, transit and bike-or-walk for one trip."""
    v_car = -time_value * (km / car_speed * 60.0) - cost_value * (
        car_cost_km * km + (parking_torino if to_torino else 0.0)
    )
    v_pt = (
        asc_transit
        - time_value * (transit_wait / max(transit_quality, 0.05) + km / transit_speed * 60.0)
        - cost_value * fare
    )
    if km <= ACTIVE_MAX_KM:
        v_act = asc_active - time_value * (km / active_speed * 60.0)
    else:
        v_act = -1e9
    return v_car, v_pt, v_act


@njit(cache=True)
def commuting_kernel(
    key,
    uid,
    alive,
    zone,
    cell,
    status,
    job,
    mode,
    commute_km,
    firm_cell,
    firm_zone,
    university_zone,
    transit_quality,
    torino,
    review_rate,
    asc_transit,
    asc_active,
    time_value,
    cost_value,
    car_speed,
    transit_speed,
    transit_wait,
    active_speed,
    car_cost_km,
    parking_torino,
    fare,
    co2_factors,
    trips_per_month,
    od,
    commuters,
    to_torino,
    by_mode,
    co2_kg,
):
    """Choose or keep each commuter's mode and count flows, modes and emissions by home zone.

    ``od[origin, destination, mode]``, ``commuters[zone]``, ``to_torino[zone]``,
    ``by_mode[zone, mode]``, and ``co2_kg[zone]`` are added to.
    """
    for i in range(alive.size):
        if alive[i] == 0:
            continue
        s = status[i]
        if s == EMPLOYED:
            dest = firm_zone[job[i]]
        elif s == STUDENT:
            dest = university_zone
        else:
            continue
        z = zone[i]
        km = commute_km[i]
        m = mode[i]
        if m == NO_MODE or uniform(key, uid[i], 0) < review_rate:
            q = transit_quality[cell[i]]
            v_car, v_pt, v_act = mode_utilities(
                km,
                q,
                dest == torino,
                asc_transit,
                asc_active,
                time_value,
                cost_value,
                car_speed,
                transit_speed,
                transit_wait,
                active_speed,
                car_cost_km,
                parking_torino,
                fare,
            )
            u_car = v_car + gumbel(key, uid[i], 1)
            u_pt = v_pt + gumbel(key, uid[i], 2)
            u_act = v_act + gumbel(key, uid[i], 3)
            if u_car >= u_pt and u_car >= u_act:
                m = CAR
            elif u_pt >= u_act:
                m = TRANSIT
            else:
                m = ACTIVE
            mode[i] = m
        od[z, dest, m] += 1.0
        commuters[z] += 1.0
        by_mode[z, m] += 1.0
        if dest == torino and z != torino:
            to_torino[z] += 1.0
        co2_kg[z] += 2.0 * km * trips_per_month * co2_factors[m]


def logit_shares(utilities: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities for rows of systematic utilities."""
    u = utilities - utilities.max(axis=-1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(axis=-1, keepdims=True)


def initial_transit_quality(
    x_km: np.ndarray,
    y_km: np.ndarray,
    zone: np.ndarray,
    torino_xy: tuple[float, float],
    torino: int,
) -> np.ndarray:
    """Transit service quality of each cell in (0, 1].

    The GTT network is densest in central Torino and thins with distance (assumption: an
    e-folding of 8 km; 0.3 outside).
    """
    d = np.hypot(x_km - torino_xy[0], y_km - torino_xy[1])
    q = 0.3 + 0.7 * np.exp(-d / 8.0)
    q = np.where(zone == torino, np.maximum(q, 0.7), q)
    return np.where(zone == OUTSIDE, 0.3, q)


__all__ = [
    "N_MODES",
    "commuting_kernel",
    "logit_shares",
    "mode_utilities",
    "initial_transit_quality",
    "math",
]
