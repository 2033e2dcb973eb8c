"""Housing: capacity and rents by cell, residential moves, arrivals' homes, construction.

Each cell has a housing capacity (residents it can hold) and a rent. The market is the
comune's: its free room is its capacity less its residents, spread over its cells as its
housing stock; its rents rise when the comune is fuller than the natural vacancy allows and
fall otherwise, and it builds when it is tight. Adults who consider moving compare their home
with a few candidate cells by a logit over rent, green nearby, distance to their job or
university and the comune's attractiveness (a random-utility residential choice, McFadden
1978).

Why by comune and not by cell: a cell is 0.5 km wide and holds about 800 residents at 1:1,
4 agents at scale 0.005. A per-cell rule that clips or bends those few agents' counts
(``max(K - O, 0)``, a threshold, a ratio in an exponential) reads their noise as room or
pressure, more so the fewer they are: at small scales it moved residents from Torino to the
small comuni (docs/scale-convergence.md, model 1.6.0). A comune's totals are linear in the
counts and hold 16-4,400 agents even at 0.005 (at least 15 at the minimum scale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import CHILD, EMPLOYED, N_COMUNI, N_ZONES, NO_MODE, OUTSIDE, STUDENT
from models.draws import HOUSING_DRAWS
from models.flows import MOVES_IN, MOVES_OUT
from models.territory.land_use import BUILT
from sim import chunks, fpmath
from sim.chunks import chunk_rows, gather, n_chunks
from sim.components import Component
from sim.fpmath import scalar as fm
from sim.random import gumbel, uniform

if TYPE_CHECKING:
    from models.model import MetroModel

# assumption: room of every built cell beyond its 2015 residents, in full-scale residents
# (0.05 of a resident: a little room where nobody lived in 2015, so people can settle there)
BUILT_CELL_ROOM = 0.05


class MovesPeople(NamedTuple):
    """The people columns the moves kernel reads and writes."""

    uid: np.ndarray
    alive: np.ndarray
    zone: np.ndarray
    cell: np.ndarray
    born: np.ndarray
    status: np.ndarray
    job: np.ndarray
    mode: np.ndarray
    commute_km: np.ndarray


class HousingMarket(NamedTuple):
    """The month's housing market by cell, and where the commuters' places are.

    Attributes:
        free_cdf: cumulative free capacity over cells (candidate homes are drawn ∝ room).
        cell_zone: each cell's zone.
        occupancy: residents by cell (updated as people move).
        rent: rent by cell as residents pay it (the levers' ``rent`` hook applied).
        green_access: share of green land around each cell.
        attractiveness: by zone, with the outside zone unattractive.
        firm_cell: each firm's cell (a worker's place).
        university_cells: the universities' cells (a student's place).
    """

    free_cdf: np.ndarray
    cell_zone: np.ndarray
    occupancy: np.ndarray
    rent: np.ndarray
    green_access: np.ndarray
    attractiveness: np.ndarray
    firm_cell: np.ndarray
    university_cells: np.ndarray


class MoveRules(NamedTuple):
    """The month's residential-choice rules.

    Attributes:
        move_rate: monthly probability that an adult considers moving (doubled at 20-34).
        rent_weight, green_weight, job_weight: utility per EUR/m², per green share, per km.
        moving_cost: utility of staying put.
        candidates: candidate homes compared.
        circuity: road over straight-line distance.
        cell_km: side of a cell, km.
    """

    move_rate: float
    rent_weight: float
    green_weight: float
    job_weight: float
    moving_cost: float
    candidates: int
    circuity: float
    cell_km: float


@njit(cache=True, inline="always")
def candidate_draw(draws, c):
    """The draw number of candidate home ``c`` (1, 2, ...): see :class:`HousingDraws`."""
    if c <= draws.candidate_count:
        return draws.candidate + c - 1
    return draws.candidate_overflow + c - draws.candidate_count - 1


@njit(cache=True, inline="always")
def choose_home(key, i, month, people, market, space, rules, draws):
    """The home an adult chooses this month (-1 if it does not consider moving); its place.

    The place is where it commutes to (its firm's or university's cell), or -1. The home
    is read only for those who consider moving (about 1% a month).
    """
    uid = people.uid
    age = (month - people.born[i]) / 12.0
    p = rules.move_rate * (2.0 if 20.0 <= age < 35.0 else 1.0)
    if uniform(key, uid[i], draws.move) >= p:
        return -1, -1
    here = people.cell[i]
    free_cdf, cell_x, cell_y = market.free_cdf, space.x, space.y
    n_cells = free_cdf.size
    total = free_cdf[n_cells - 1]
    place = -1
    if people.status[i] == EMPLOYED:
        place = market.firm_cell[people.job[i]]
    elif people.status[i] == STUDENT:
        place = market.university_cells[uid[i] % market.university_cells.size]
    best = here
    best_u = -1e300
    for c in range(rules.candidates + 1):
        if c == 0:
            cand = here
        else:
            r = uniform(key, uid[i], candidate_draw(draws, c)) * total
            cand = np.searchsorted(free_cdf, r, side="right")
            if cand >= n_cells:
                cand = n_cells - 1
        u = -rules.rent_weight * market.rent[cand] + rules.green_weight * market.green_access[cand]
        u += market.attractiveness[market.cell_zone[cand]]
        if place >= 0:
            d = rules.circuity * fm.hypot(
                cell_x[cand] - cell_x[place], cell_y[cand] - cell_y[place]
            )
            u -= rules.job_weight * d
        if c == 0:
            u += rules.moving_cost
        u += gumbel(key, uid[i], draws.taste + c)
        if u > best_u:
            best_u = u
            best = cand
    return best, place


@njit(cache=True, parallel=True)
def moves_kernel(key, month, people, market, space, rules, draws, flows, chunk):
    """Residential moves of adults for one month.

    Parallel over fixed chunks of rows (:mod:`sim.chunks`): a mover's choice reads
    nothing another mover changes this month; each chunk lists its movers, and the
    occupancy and flows are updated from the lists in row order after the loop.

    Args:
        key: the month's key of the ``housing`` stream.
        month: the month index.
        people: :class:`MovesPeople`.
        market: :class:`HousingMarket`.
        space: :class:`~models.territory.space.CellCoordinates` (km).
        rules: :class:`MoveRules`.
        draws: the stream's layout (:data:`models.draws.HOUSING_DRAWS`).
        flows: the month's flow counters.
        chunk: rows a chunk (:data:`sim.chunks.ROW_CHUNK`).

    Returns:
        The number of moves.
    """
    free_cdf, occupancy, cell_zone = market.free_cdf, market.occupancy, market.cell_zone
    alive, zone, cell, status = people.alive, people.zone, people.cell, people.status
    commute_km, mode = people.commute_km, people.mode
    cell_x, cell_y = space.x, space.y
    n_cells = free_cdf.size
    if n_cells == 0 or free_cdf[n_cells - 1] <= 0.0:
        return 0
    n = alive.size
    nc = n_chunks(n, chunk)
    movers = np.empty(n, dtype=np.int64)
    left_cell = np.empty(n, dtype=np.int32)
    movers_by_chunk = np.zeros(nc, dtype=np.int64)
    for c in prange(nc):
        start, end = chunk_rows(c, n, chunk)
        n_movers = 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
            if alive[i] == 0 or zone[i] == OUTSIDE or status[i] == CHILD:
                continue
            best, place = choose_home(key, i, month, people, market, space, rules, draws)
            if best < 0:
                continue
            here = cell[i]
            if best == here:
                continue
            movers[start + n_movers] = i
            left_cell[start + n_movers] = here
            n_movers += 1
            cell[i] = best
            if place >= 0:
                commute_km[i] = (
                    rules.circuity
                    * fm.hypot(cell_x[best] - cell_x[place], cell_y[best] - cell_y[place])
                    + 0.5 * rules.cell_km
                )
                mode[i] = NO_MODE
        movers_by_chunk[c] = n_movers
    gather(left_cell, movers_by_chunk, chunk)
    moves = gather(movers, movers_by_chunk, chunk)
    for k in range(moves):  # in row order
        i = movers[k]
        here, best = left_cell[k], cell[i]
        occupancy[here] -= 1.0
        occupancy[best] += 1.0
        old_zone = zone[i]
        new_zone = cell_zone[best]
        if new_zone != old_zone:
            flows[MOVES_OUT, old_zone] += 1.0
            flows[MOVES_IN, new_zone] += 1.0
            zone[i] = new_zone
    return moves


@njit(cache=True)
def count_residents(alive, zone, cell, occupancy):
    """Residents by cell, written into ``occupancy`` (outside people are not residents)."""
    occupancy[:] = 0.0
    for i in range(alive.size):
        if alive[i] == 1 and zone[i] != OUTSIDE:
            occupancy[cell[i]] += 1.0


def by_zone(layer: np.ndarray, cell_zone: np.ndarray) -> np.ndarray:
    """A by-cell layer summed by zone (``N_ZONES`` entries, cells in order)."""
    return np.bincount(cell_zone, weights=layer, minlength=N_ZONES)


def fullness(capacity: np.ndarray, occupancy: np.ndarray, cell_zone: np.ndarray) -> np.ndarray:
    """Each zone's residents over its capacity (0 where it has none)."""
    capacity_z = by_zone(capacity, cell_zone)
    occupancy_z = by_zone(occupancy, cell_zone)
    return np.divide(occupancy_z, capacity_z, out=np.zeros(N_ZONES), where=capacity_z > 0)


def free_room(capacity: np.ndarray, occupancy: np.ndarray, cell_zone: np.ndarray) -> np.ndarray:
    """Free room by cell: its comune's free room, shared over its cells as their capacity.

    A comune's free room is ``max(ΣK − ΣO, 0)`` over its cells; a cell's part of it is
    ``K_c / ΣK``. Where candidate homes and arrivals are drawn (∝ free room).
    """
    free_share = np.maximum(1.0 - fullness(capacity, occupancy, cell_zone), 0.0)
    return capacity * free_share[cell_zone]


def free_capacity_cdf(
    capacity: np.ndarray, occupancy: np.ndarray, cell_zone: np.ndarray
) -> np.ndarray:
    """Cumulative free room over cells (for drawing candidate homes ∝ free room)."""
    return np.cumsum(free_room(capacity, occupancy, cell_zone))


def tight_cells(
    capacity: np.ndarray, occupancy: np.ndarray, cell_zone: np.ndarray, vacancy_target: float
) -> np.ndarray:
    """Cells of comuni fuller than half the natural vacancy allows (where building happens)."""
    tight = fullness(capacity, occupancy, cell_zone) > 1.0 - 0.5 * vacancy_target
    return tight[cell_zone]


def update_rents(
    rent: np.ndarray,
    base_rent: np.ndarray,
    capacity: np.ndarray,
    occupancy: np.ndarray,
    cell_zone: np.ndarray,
    speed: float,
    elasticity: float,
    vacancy_target: float,
) -> None:
    """Move rents towards the market rent (partial adjustment).

    The market rent is above the 2015 rent in the cells of a comune fuller than the natural
    vacancy allows and below it in an emptier one's (cells without capacity keep theirs).
    """
    pressure = fullness(capacity, occupancy, cell_zone)[cell_zone] - (1 - vacancy_target)
    pressure = np.where(capacity > 0, pressure, 0.0)
    market = base_rent * fpmath.exp(elasticity * np.clip(pressure, -0.5, 0.5))
    rent += speed * (market - rent)


def initial_rents(
    x_km: np.ndarray, y_km: np.ndarray, zone: np.ndarray, torino_xy: tuple[float, float]
) -> np.ndarray:
    """Rents (EUR/m²/month) by cell.

    About 10 in central Torino falling to 6 at the edge of the conurbation (OMI/Agenzia
    delle Entrate 2015 ranges; a smooth assumption).
    """
    d = fpmath.hypot(x_km - torino_xy[0], y_km - torino_xy[1])
    rent = 5.5 + 5.0 * fpmath.exp(-d / 6.0)
    return np.where(zone == OUTSIDE, 0.0, rent)


class Housing(Component):
    """Occupancy, construction, rents and residential moves.

    Each January after the first, the cells of comuni fuller than half the natural vacancy
    allows gain ``construction_rate`` of their capacity. Rents move towards the market rent
    (:func:`update_rents`), then adults who consider moving choose a home (kernel).

    Attributes:
        base_rent: the 2015 rent by cell.
    """

    name = "housing"
    doc = "rents, moves, construction"
    needs = ("comuni_services",)

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        self.base_rent = model.layer["rent"].copy()
        people = model.people
        resident = people.zone != OUTSIDE
        occupancy = np.bincount(people.cell[resident], minlength=model.cell_zone.size)
        model.layer["residents"][:] = occupancy
        vacancy = model.params["vacancy_target"]
        built = model.layer["land_use"] == BUILT
        # capacity in residents (agents): the 2015 occupancy plus the natural vacancy; every
        # built cell gets a little room, in full-scale residents (times the scale in agents),
        # so the periphery's share of the free room is the same at any scale
        room = BUILT_CELL_ROOM * model.scale * built
        model.layer["housing_capacity"][:] = np.where(
            model.cell_zone != OUTSIDE, occupancy / (1.0 - vacancy) + room, 0.0
        )

    def rules(self) -> MoveRules:
        """The month's residential-choice rules."""
        m = self.model
        p = m.params
        return MoveRules(
            move_rate=float(p["move_rate"] / 12.0),
            rent_weight=float(p["rent_weight"]),
            green_weight=float(p["green_weight"]),
            job_weight=float(p["job_access_weight"]),
            moving_cost=float(p["moving_cost"]),
            candidates=int(p["move_candidates"]),
            circuity=float(p["circuity"]),
            cell_km=float(m.territory.cell_km),
        )

    def step(self, month: int) -> None:
        """Occupancy, construction (each January), rents, then moves."""
        m = self.model
        p, people = m.params, m.people
        occupancy = m.layer["residents"]
        count_residents(people.alive, people.zone, people.cell, occupancy)
        capacity = m.layer["housing_capacity"]
        if month % 12 == 0 and month > m.first_month:
            tight = tight_cells(capacity, occupancy, m.cell_zone, p["vacancy_target"])
            capacity += np.where(tight, capacity * p["construction_rate"], 0.0)
        update_rents(
            m.layer["rent"],
            self.base_rent,
            capacity,
            occupancy,
            m.cell_zone,
            p["rent_adjustment"],
            p["rent_occupancy_elasticity"],
            p["vacancy_target"],
        )
        market = HousingMarket(
            free_cdf=free_capacity_cdf(capacity, occupancy, m.cell_zone),
            cell_zone=m.cell_zone,
            occupancy=occupancy,
            rent=m.layer["rent"] * m.hooks.rent[m.cell_zone],
            green_access=m.layer["green_access"],
            attractiveness=np.append(m.comuni_services.attractiveness[:N_COMUNI], -50.0),
            firm_cell=m.firms.cell,
            university_cells=m.university_cells,
        )
        moves_kernel(
            m.phase_key(self.stream, month),
            month,
            people.view(MovesPeople),
            market,
            m.space,
            self.rules(),
            HOUSING_DRAWS,
            m.flows,
            chunks.row_chunk(people.count),
        )
