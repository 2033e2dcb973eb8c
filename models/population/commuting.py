"""Who travels where in January 2015: commuting flows, the jobs that realise them, commutes.

Workers go from their zone of residence to the zones of the jobs by a doubly constrained
gravity model; the in-commuters from outside are as many as make the plan's 328,000 daily
commuters towards Torino hold. Each flow is then realised person by person (a worker of
the origin takes a job slot of the destination), and every commute is measured.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from models.codes import EMPLOYED, STUDENT
from models.population.figures import COMMUTERS_TO_TORINO_2015, UNIVERSITY_CELLS
from models.population.placement import town_centres
from models.population.residents import Residents
from models.territory.outside import draw_places, mean_distances
from models.territory.territory import Territory
from sim import fpmath, numpy_order
from sim.apportion import largest_remainder
from sim.tables import AgentTable

DECAY_PER_KM = 1.0 / 6.0
"""Assumption: an e-folding distance of commuting of 6 km (then checked)."""


def zone_distances(territory: Territory) -> np.ndarray:
    """Network distance (km) between zones: centroids, plus a typical trip within a zone.

    Row :data:`OUTSIDE` is the outside zone: the mean distance from the province's other
    comuni to each town centre, weighted as the origins of people from outside are
    (:func:`models.territory.outside.mean_distances`).
    """
    n = territory.n_comuni
    xy = town_centres(territory)
    d = fpmath.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, 0.5 * np.sqrt(territory.area_km2))
    out = np.empty((n + 1, n))
    out[:n] = d
    out[n] = mean_distances(territory, xy[:, 0], xy[:, 1])
    return out


def gravity_flows(
    origins: np.ndarray, destinations: np.ndarray, distance: np.ndarray, decay: float
) -> np.ndarray:
    """Doubly constrained gravity flows (Wilson 1967), fitted by iterative proportional fitting.

    Args:
        origins: workers by origin zone.
        destinations: jobs by destination zone (same total as ``origins``).
        distance: km, ``(len(origins), len(destinations))``.
        decay: exponential distance decay, 1/km.

    The 200 rounds of fitting run in one kernel (:func:`fit_gravity`), which sums in
    NumPy's order (:mod:`sim.numpy_order`): the same bits as the rounds in NumPy
    (:func:`fit_gravity_numpy`, used for a shape the kernel does not cover), at a tenth of
    the cost (a population's build fits 61 of them: 0.13 s of CPU in NumPy).
    """
    flows = fpmath.exp(-decay * distance) * np.outer(origins, destinations) + 1e-12
    origins = np.ascontiguousarray(origins, dtype=np.float64)
    destinations = np.ascontiguousarray(destinations, dtype=np.float64)
    if numpy_order.reproduces_numpy(flows):
        fit_gravity(flows, origins, destinations, GRAVITY_ROUNDS)
    else:
        fit_gravity_numpy(flows, origins, destinations, GRAVITY_ROUNDS)
    return flows


GRAVITY_ROUNDS = 200


def fit_gravity_numpy(
    flows: np.ndarray, origins: np.ndarray, destinations: np.ndarray, rounds: int
) -> None:
    """Iterative proportional fitting of ``flows`` to its margins, in place, in NumPy."""
    for _ in range(rounds):
        flows *= (origins / flows.sum(axis=1).clip(1e-12))[:, None]
        flows *= (destinations / flows.sum(axis=0).clip(1e-12))[None, :]


@njit(cache=True)
def fit_gravity(
    flows: np.ndarray, origins: np.ndarray, destinations: np.ndarray, rounds: int
) -> None:
    """:func:`fit_gravity_numpy` in one kernel, bit for bit (NumPy's summation order)."""
    rows = np.empty(flows.shape[0])
    cols = np.empty(flows.shape[1])
    for _ in range(rounds):
        numpy_order.row_sums(flows, rows)
        for i in range(flows.shape[0]):
            s = rows[i]
            factor = origins[i] / (1e-12 if s < 1e-12 else s)  # clip: NaN stays NaN
            for j in range(flows.shape[1]):
                flows[i, j] *= factor
        numpy_order.column_sums(flows, cols)
        for j in range(flows.shape[1]):
            s = cols[j]
            cols[j] = destinations[j] / (1e-12 if s < 1e-12 else s)
        for i in range(flows.shape[0]):
            for j in range(flows.shape[1]):
                flows[i, j] *= cols[j]


class Commuting(NamedTuple):
    """The workers' commuting flows of January 2015.

    Attributes:
        flows: workers by origin (the comuni, then :data:`OUTSIDE`) and destination comune,
            int64 ``(n_comuni + 1, n_comuni)``.
        outside_workers: in-commuters from outside (the sum of the last row).
    """

    flows: np.ndarray
    outside_workers: int


def commuting_flows(
    territory: Territory,
    residents: Residents,
    firms_by_zone: np.ndarray,
    scale: float,
    n_out_students: int,
) -> Commuting:
    """Workers' flows between zones, with the in-commuters that make the plan's figure hold.

    Employed residents by zone and jobs by zone (shared among the comuni as the firms
    are); the in-commuters from outside are solved by bisection so that the plan's 328,000
    commuters towards Torino hold, the students among them; then each origin's workers
    are apportioned to the destinations.
    """
    n_zones, torino = territory.n_comuni, territory.torino
    zone, status = residents.zone, residents.status
    employed = status == EMPLOYED
    workers_by_zone = np.bincount(zone[employed], minlength=n_zones).astype(np.float64)
    job_share = firms_by_zone / firms_by_zone.sum()
    distance = zone_distances(territory)
    students_res_to_torino = np.count_nonzero((status == STUDENT) & (zone != torino))
    target = COMMUTERS_TO_TORINO_2015 * scale - students_res_to_torino - n_out_students

    def commuters(outside_workers: float) -> tuple[float, np.ndarray]:
        origins = np.append(workers_by_zone, outside_workers)
        dest = job_share * origins.sum()
        flows = gravity_flows(origins, dest, distance, DECAY_PER_KM)
        return flows[:, torino].sum() - flows[torino, torino], flows

    low, high = 0.0, 2.0 * workers_by_zone.sum()
    for _ in range(60):
        mid = 0.5 * (low + high)
        if commuters(mid)[0] < target:
            low = mid
        else:
            high = mid
    flows = commuters(0.5 * (low + high))[1]
    origins = np.append(workers_by_zone, round(0.5 * (low + high))).astype(np.int64)
    int_flows = np.vstack([largest_remainder(flows[o], origins[o]) for o in range(n_zones + 1)])
    return Commuting(int_flows, int(origins[n_zones]))


def university_cells(territory: Territory) -> np.ndarray:
    """Flat indices of the cells hosting the universities: central Torino's, sorted."""
    zone_of_cell = territory.cell_zone.ravel().astype(np.int64)
    x, y = territory.x_km.ravel(), territory.y_km.ravel()
    tx, ty = town_centres(territory)[territory.torino]
    torino_cells = np.flatnonzero(zone_of_cell == territory.torino)
    central = torino_cells[
        np.argsort(fpmath.hypot(x[torino_cells] - tx, y[torino_cells] - ty), kind="stable")
    ]
    return np.sort(central[:UNIVERSITY_CELLS]).astype(np.int32)


def assign_jobs(
    rng: np.random.Generator,
    people: AgentTable,
    n: int,
    firms: AgentTable,
    commuting: Commuting,
) -> None:
    """Give the workers jobs that realise the commuting flows.

    For each (origin, destination) pair, that many workers of the origin take that many
    job slots (one per employee) of the destination's firms, both in random order. The
    ``n`` residents are the first rows of ``people``, the in-commuting workers next.
    """
    flows = commuting.flows
    n_zones = flows.shape[1]
    cols = people.columns
    job = cols["job"]
    employed = cols["status"][:n] == EMPLOYED
    zone = cols["zone"][:n]
    worker_rows = [rng.permutation(np.flatnonzero(employed & (zone == o))) for o in range(n_zones)]
    worker_rows.append(np.arange(n, n + commuting.outside_workers))
    slots_by_zone = []
    firm_zone, sizes = firms.zone, firms.employees
    firm_ids = np.arange(firms.count)
    for d in range(n_zones):
        in_zone = firm_ids[firm_zone == d]
        slots_by_zone.append(rng.permutation(np.repeat(in_zone, sizes[in_zone])))
    taken = np.zeros(n_zones, dtype=np.int64)
    for o in range(n_zones + 1):
        pos = 0
        for d in range(n_zones):
            k = int(flows[o, d])
            if k:
                job[worker_rows[o][pos : pos + k]] = slots_by_zone[d][taken[d] : taken[d] + k]
                pos += k
                taken[d] += k


def measure_commutes(
    rng: np.random.Generator,
    territory: Territory,
    people: AgentTable,
    n: int,
    firm_cell: np.ndarray,
    universities: np.ndarray,
    circuity: float,
) -> None:
    """Commute distances, and the homes of the people from outside.

    A worker travels to the firm's cell, a student to one of the universities. People from
    outside (the rows after the ``n`` residents) live in one of the province's other
    comuni, drawn given where they travel to (:func:`models.territory.outside.draw_places`).
    """
    cols = people.columns
    n_total = people.count
    job = cols["job"]
    has_job = job[:n_total] >= 0
    job_cell = np.where(has_job, firm_cell[np.maximum(job[:n_total], 0)], -1)
    place = np.where(has_job, job_cell, -1)
    is_student = cols["status"][:n_total] == STUDENT
    uni = universities[rng.integers(0, UNIVERSITY_CELLS, size=n_total)]
    place = np.where(is_student, uni, place)
    cols["cell"][n:n_total] = draw_places(rng, territory, place[n:])
    home = cols["cell"][:n_total]
    px, py = territory.place_x_km, territory.place_y_km
    km = np.where(
        place >= 0,
        circuity * fpmath.hypot(px[home] - px[place], py[home] - py[place])
        + 0.5 * territory.cell_km,
        0.0,
    )
    cols["commute_km"][:n_total] = km
