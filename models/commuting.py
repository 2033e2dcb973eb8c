"""Commuting: every worker's and student's daily trip, its mode and its emissions.

Mode choice is a multinomial logit over the generalised cost of car, transit and
bike-or-walk (McFadden 1974; Ben-Akiva and Lerman 1985). Commuters reconsider their mode
when they change job or home and otherwise about once a year (habit). Flows between
zones are counted by mode; emissions are trip kilometres times emission factors.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from models.codes import ACTIVE, CAR, EMPLOYED, N_MODES, NO_MODE, STUDENT, TRANSIT
from models.territory import OUTSIDE
from sim.random import gumbel, uniform

ACTIVE_MAX_KM = 15.0  # nobody walks or cycles a commute longer than this
OUTSIDE_TRANSIT_QUALITY = 0.3  # assumption: transit quality at homes outside the 38 comuni


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
    od,
    km_by_mode,
):
    """Choose or keep each commuter's mode; count trips and kilometres.

    ``od[origin, destination, mode]`` counts commuters and ``km_by_mode[origin, mode]``
    their one-way kilometres; commuters by zone and mode, commuters towards Torino and
    emissions all follow from these two (:meth:`CommuteTally.finish`).
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
        km_by_mode[z, m] += km


class CommuteTally:
    """The month's commuting: flows by mode and what follows from them, by home zone.

    Attributes:
        od: commuters ``[origin zone (39), destination comune (38), mode]``.
        km_by_mode: one-way kilometres ``[origin zone, mode]``.
        commuters: commuters by home zone.
        by_mode: commuters ``[home zone, mode]``.
        to_torino: commuters towards Torino from outside it, by home zone.
        co2_kg: emissions of the month's commuting, kg, by home zone.
    """

    def __init__(self, n_zones: int = 39, n_comuni: int = 38) -> None:
        self.od = np.zeros((n_zones, n_comuni, N_MODES))
        self.km_by_mode = np.zeros((n_zones, N_MODES))
        self.commuters = np.zeros(n_zones)
        self.by_mode = np.zeros((n_zones, N_MODES))
        self.to_torino = np.zeros(n_zones)
        self.co2_kg = np.zeros(n_zones)

    def reset(self) -> None:
        """Zero the counts before the month's kernel."""
        self.od[...] = 0.0
        self.km_by_mode[...] = 0.0

    def finish(self, torino: int, co2_kg_per_km: np.ndarray, trips_per_month: float) -> None:
        """Derive the by-zone tallies from the OD matrix and kilometres (two trips a day)."""
        self.by_mode = self.od.sum(axis=1)
        self.commuters = self.by_mode.sum(axis=1)
        self.to_torino = self.od[:, torino, :].sum(axis=1)
        self.to_torino[torino] = 0.0
        self.co2_kg = 2.0 * trips_per_month * (self.km_by_mode * co2_kg_per_km).sum(axis=1)


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
    return np.where(zone == OUTSIDE, OUTSIDE_TRANSIT_QUALITY, q)
