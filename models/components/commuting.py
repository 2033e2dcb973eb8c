"""Commuting: every worker's and student's daily trip, its mode and its emissions.

Mode choice is a multinomial logit over the generalised cost of car, transit and
bike-or-walk (McFadden 1974; Ben-Akiva and Lerman 1985). Commuters reconsider their mode
when they change job or home and otherwise about once a year (habit). Flows between
zones are counted by mode; emissions are trip kilometres times emission factors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import (
    ACTIVE,
    CAR,
    EMPLOYED,
    METRO,
    N_COMUNI,
    N_MODES,
    N_ZONES,
    NO_MODE,
    OUTSIDE,
    STUDENT,
    TRANSIT,
)
from models.draws import COMMUTING_DRAWS
from sim import chunks, fpmath
from sim.chunks import ROW_CHUNK, add_chunk_counts, chunk_rows, float32_sum_is_exact, n_chunks
from sim.components import Component
from sim.random import gumbel, uniform

if TYPE_CHECKING:
    from models.model import MetroModel

ACTIVE_MAX_KM = 15.0  # nobody walks or cycles a commute longer than this
OUTSIDE_TRANSIT_QUALITY = 0.3  # assumption: transit quality at homes outside the 38 comuni


class CommutingPeople(NamedTuple):
    """The people columns the commuting kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    cell: np.ndarray
    status: np.ndarray
    job: np.ndarray
    mode: np.ndarray
    commute_km: np.ndarray


class CommuteRules(NamedTuple):
    """The month's mode-choice rules (levers folded into the costs).

    Attributes:
        review_rate: monthly probability that a commuter reconsiders the mode.
        asc_transit, asc_active: alternative-specific constants (utility).
        time_value: utility per minute.
        cost_value: utility per EUR.
        car_speed, transit_speed, active_speed: km/h.
        transit_wait: minutes of waiting at transit quality 1.
        car_cost_km: EUR per car-km.
        parking_torino: EUR per trip to Torino by car.
        fare: EUR per transit trip.
        torino: Torino's zone index: where parking costs, and where the universities are
            (every student's destination).
    """

    review_rate: float
    asc_transit: float
    asc_active: float
    time_value: float
    cost_value: float
    car_speed: float
    transit_speed: float
    transit_wait: float
    active_speed: float
    car_cost_km: float
    parking_torino: float
    fare: float
    torino: int


class CommuteCounts(NamedTuple):
    """The kernel's counts: commuters ``od[origin, destination, mode]``, km ``[origin, mode]``."""

    od: np.ndarray
    km_by_mode: np.ndarray


@njit(cache=True, inline="always")
def mode_utilities(km, transit_quality, to_torino, rules):
    """Systematic utilities of car, transit and bike-or-walk for one trip."""
    v_car = -rules.time_value * (km / rules.car_speed * 60.0) - rules.cost_value * (
        rules.car_cost_km * km + (rules.parking_torino if to_torino else 0.0)
    )
    v_pt = (
        rules.asc_transit
        - rules.time_value
        * (rules.transit_wait / max(transit_quality, 0.05) + km / rules.transit_speed * 60.0)
        - rules.cost_value * rules.fare
    )
    if km <= ACTIVE_MAX_KM:
        v_act = rules.asc_active - rules.time_value * (km / rules.active_speed * 60.0)
    else:
        v_act = -1e9
    return v_car, v_pt, v_act


@njit(cache=True, inline="always")
def destination(i, people, firm_zone, torino):
    """A commuter's destination zone (the firm's, or Torino's for students); -1 if none."""
    s = people.status[i]
    if s == EMPLOYED:
        return firm_zone[people.job[i]]
    if s == STUDENT:
        return torino
    return -1


@njit(cache=True, parallel=True)
def commuting_kernel(
    key, people, firm_zone, transit_quality, rules, draws, counts, chunk=ROW_CHUNK
):
    """Choose or keep each commuter's mode; count trips and kilometres.

    Commuters by zone and mode, commuters towards Torino and emissions all follow from
    the counts (:meth:`CommuteTally.finish`). Parallel over fixed chunks of rows
    (:mod:`sim.chunks`), each with its own counts, added in chunk order: the trips are
    whole numbers, and the kilometres (float32) add up exactly in float64 when
    :func:`sim.chunks.float32_sum_is_exact` says so; otherwise they are added again in
    row order (:func:`km_in_row_order`), as one loop would.

    Args:
        key: the month's key of the ``commuting`` stream.
        people: :class:`CommutingPeople`.
        firm_zone: each firm's zone (a worker's destination).
        transit_quality: by place (at the commuter's home).
        rules: :class:`CommuteRules`.
        draws: the stream's layout (:data:`models.draws.COMMUTING_DRAWS`).
        counts: :class:`CommuteCounts`, added to.
        chunk: rows a chunk (by default :data:`sim.chunks.ROW_CHUNK`).
    """
    alive, mode, uid = people.alive, people.mode, people.uid
    od, km_by_mode = counts.od, counts.km_by_mode
    n = alive.size
    nc = n_chunks(n, chunk)
    od_parts = np.zeros((nc,) + od.shape)
    km_parts = np.zeros((nc,) + km_by_mode.shape)
    km_min = np.full(nc, np.inf)
    km_max = np.zeros(nc)
    trips = np.zeros(nc, dtype=np.int64)
    for c in prange(nc):
        start, end = chunk_rows(c, n, chunk)
        od_c, km_c = od_parts[c], km_parts[c]
        low, high, n_trips = np.inf, 0.0, 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
            if alive[i] == 0:
                continue
            dest = destination(i, people, firm_zone, rules.torino)
            if dest < 0:
                continue
            z = people.zone[i]
            km = people.commute_km[i]
            m = mode[i]
            if m == NO_MODE or uniform(key, uid[i], draws.mode_review) < rules.review_rate:
                q = transit_quality[people.cell[i]]
                v_car, v_pt, v_act = mode_utilities(km, q, dest == rules.torino, rules)
                u_car = v_car + gumbel(key, uid[i], draws.taste_car)
                u_pt = v_pt + gumbel(key, uid[i], draws.taste_transit)
                u_act = v_act + gumbel(key, uid[i], draws.taste_active)
                if u_car >= u_pt and u_car >= u_act:
                    m = CAR
                elif u_pt >= u_act:
                    m = TRANSIT
                else:
                    m = ACTIVE
                mode[i] = m
            od_c[z, dest, m] += 1.0
            km_c[z, m] += km
            a = abs(km)
            if a > 0.0:
                low = min(low, a)
                high = max(high, a)
            n_trips += 1
        km_min[c], km_max[c], trips[c] = low, high, n_trips
    add_chunk_counts(od, od_parts)
    bound = trips.sum() * km_max.max() * 1.000001 if nc > 0 else 0.0
    if nc == 0 or float32_sum_is_exact(km_min.min(), bound):
        add_chunk_counts(km_by_mode, km_parts)
    else:
        km_in_row_order(people, firm_zone, rules.torino, km_by_mode)


@njit(cache=True)
def km_in_row_order(people, firm_zone, torino, km_by_mode):
    """The commuters' kilometres added to ``km_by_mode[zone, mode]`` in row order."""
    for i in range(people.alive.size):
        if people.alive[i] == 0 or destination(i, people, firm_zone, torino) < 0:
            continue
        km_by_mode[people.zone[i], people.mode[i]] += people.commute_km[i]


class CommuteTally:
    """The month's commuting: flows by mode and what follows from them, by home zone.

    Attributes:
        od: commuters ``[origin zone, destination comune, mode]``.
        km_by_mode: one-way kilometres ``[origin zone, mode]``.
        commuters: commuters by home zone.
        by_mode: commuters ``[home zone, mode]``.
        to_torino: commuters towards Torino from outside it, by home zone.
        co2_kg: emissions of the month's commuting, kg, by home zone.
    """

    def __init__(self) -> None:
        self.od = np.zeros((N_ZONES, N_COMUNI, N_MODES))
        self.km_by_mode = np.zeros((N_ZONES, N_MODES))
        self.commuters = np.zeros(N_ZONES)
        self.by_mode = np.zeros((N_ZONES, N_MODES))
        self.to_torino = np.zeros(N_ZONES)
        self.co2_kg = np.zeros(N_ZONES)

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
    e = fpmath.exp(u)
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
    d = fpmath.hypot(x_km - torino_xy[0], y_km - torino_xy[1])
    q = 0.3 + 0.7 * fpmath.exp(-d / 8.0)
    q = np.where(zone == torino, np.maximum(q, 0.7), q)
    return np.where(zone == OUTSIDE, OUTSIDE_TRANSIT_QUALITY, q)


class Commuting(Component):
    """Transit quality from the levers, every commuter's mode (kernel), the month's tally.

    Transit quality is kept by place: the raster's cells (the model's layer
    ``transit_quality``), then the province's other comuni, where in-commuters live, at
    :data:`OUTSIDE_TRANSIT_QUALITY`.

    Attributes:
        base_transit_quality: the 2015 quality by place, before the levers.
        transit_quality: this month's quality by place.
        tally: the month's commuting (:class:`CommuteTally`).
    """

    name = "commuting"
    doc = "transit quality, mode choice, flows and emissions"

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        n_outside = model.place_zone.size - model.cell_zone.size
        self.base_transit_quality = np.append(
            model.layer["transit_quality"], np.full(n_outside, OUTSIDE_TRANSIT_QUALITY)
        )
        self.transit_quality = self.base_transit_quality.copy()
        self.tally = CommuteTally()

    def rules(self) -> CommuteRules:
        """The month's rules, with the levers' fare and car-cost hooks."""
        m = self.model
        p, hooks = m.params, m.hooks
        return CommuteRules(
            review_rate=float(p["mode_review_rate"]),
            asc_transit=float(p["asc_transit"]),
            asc_active=float(p["asc_active"]),
            time_value=float(p["time_value"]),
            cost_value=float(p["cost_value"]),
            car_speed=float(p["car_speed_kmh"]),
            transit_speed=float(p["transit_speed_kmh"]),
            transit_wait=float(p["transit_wait_min"]),
            active_speed=float(p["active_speed_kmh"]),
            car_cost_km=float(p["car_cost_per_km"] * hooks.car_cost[METRO]),
            parking_torino=float(p["parking_cost_torino"] * hooks.car_cost[METRO]),
            fare=float(p["transit_fare"] * hooks.transit_fare[METRO]),
            torino=int(m.torino),
        )

    def step(self, month: int) -> None:
        """The levers' transit quality, then mode choice and the month's counts."""
        m = self.model
        p = m.params
        quality = self.transit_quality
        quality[:] = np.minimum(
            self.base_transit_quality * m.hooks.transit_quality[m.place_zone], 1.5
        )
        m.layer["transit_quality"][:] = quality[: m.cell_zone.size]
        tally = self.tally
        tally.reset()
        commuting_kernel(
            m.phase_key(self.stream, month),
            m.people.view(CommutingPeople),
            m.firms.zone,
            quality,
            self.rules(),
            COMMUTING_DRAWS,
            CommuteCounts(tally.od, tally.km_by_mode),
            chunks.row_chunk(m.people.count),
        )
        co2 = np.array([p["co2_car_kg_km"], p["co2_transit_kg_km"], 0.0])
        tally.finish(m.torino, co2, p["working_days_per_month"])
