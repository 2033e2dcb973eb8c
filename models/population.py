"""The synthetic population of January 2015, at any scale in (0, 1].

Residents, university students (resident or commuting from outside), in-commuting
workers from the outside zone (the province's other comuni, :mod:`models.territory.outside`),
firms and the jobs that link workers to firms are drawn so
that, at scale 1, the initial state matches the plan's figures (PLAN.md, "Territory and
actors"): 1,586,000 residents (56% in Torino), 124,600 firms (65.8% in Torino), 94,000
students, mean income 25,400 EUR and 328,000 daily commuters towards Torino.

Counts that must match the plan are allotted by largest-remainder rounding, not drawn,
so totals hold exactly at every seed and scale; who gets what is drawn from the run's
``population`` random stream. Every share below that is not a plan figure is named with
its source in ``docs/ODD.md`` ("Initialisation").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.codes import (
    CHILD,
    EMPLOYED,
    INACTIVE,
    KNOWLEDGE,
    MANUFACTURING,
    N_SECTORS,
    NO_MODE,
    OUTSIDE,
    RETIRED,
    STUDENT,
    TERTIARY,
    UNEMPLOYED,
    UPPER_SECONDARY,
)
from models.components.education import draw_skill
from models.components.labour import wages
from models.territory.outside import draw_places, mean_distances
from models.territory.territory import BUILT, Territory
from sim import fpmath
from sim.apportion import largest_remainder
from sim.random import exponential_array, geometric_array, normal_array, phase_generator
from sim.tables import AgentTable

# --- the plan's figures (PLAN.md) --------------------------------------------------------
RESIDENTS_2015 = 1_586_000
FIRMS_2015 = 124_600
FIRMS_TORINO_SHARE = 0.658
STUDENTS_2015 = 94_000
MEAN_INCOME_2015 = 25_400.0
COMMUTERS_TO_TORINO_2015 = 328_000
FOREIGN_SHARE_TORINO = 0.153

# --- other initial shares (sources in docs/ODD.md, Initialisation) -----------------------
# ISTAT, Piemonte 1 January 2015, shares of residents by 5-year age group (0-4 ... 95-99).
AGE_GROUP_SHARES = np.array(
    [
        4.1,
        4.5,
        4.5,
        4.4,
        4.5,
        4.8,
        5.4,
        6.6,
        7.9,
        8.3,
        8.0,
        7.1,
        6.4,
        6.5,
        5.5,
        5.3,
        4.0,
        2.6,
        1.0,
        0.3,
    ]
)
FOREIGN_SHARE_BELT = 0.065  # assumption: foreign-born share in the other 37 comuni
UNEMPLOYMENT_2015 = 0.11  # ISTAT labour force survey, Città metropolitana di Torino 2015
LONG_TERM_SHARE = 0.55  # ISTAT: share of unemployed searching for over 12 months (Italy 2015)
MAX_FIRM_SIZE = 15_000  # assumption: the largest establishment (FCA's Turin plants)
SECTOR_SHARES_MICRO = np.array([0.05, 0.13, 0.27, 0.07, 0.22, 0.26])
SECTOR_SHARES_LARGER = np.array([0.30, 0.10, 0.18, 0.05, 0.22, 0.15])
CAPITAL_PER_WORKER = np.array([160e3, 60e3, 70e3, 50e3, 90e3, 60e3])  # EUR, ISTAT K/L
UNIVERSITY_CELLS = 6  # cells of central Torino hosting the universities


@dataclass
class Population:
    """The initial agent tables and the quantities fixed by initialisation.

    Attributes:
        people: residents, students and in-commuters (``zone == OUTSIDE`` for the latter,
            whose ``cell`` is the place index of their outside comune).
        firms: active firms.
        wage_level: log wage constant calibrated so the mean income is the plan's.
        university_cells: flat indices of the cells hosting the universities.
    """

    people: AgentTable
    firms: AgentTable
    wage_level: float
    university_cells: np.ndarray


POPULATION_PARAMETERS: tuple[str, ...] = (
    "outside_students_share",
    "firm_size_exponent",
    "circuity",
    "unemployment_benefit_months",
    "unemployment_benefit_replacement",
    "unemployment_benefit_cap",
    "social_minimum_income",
)
"""The model parameters :func:`build_population` reads; no other parameter changes the
population of January 2015 (``tests/test_population.py`` checks the list)."""


class PopulationCache:
    """Populations already built, for the runs of a batch that share them.

    The synthetic population of January 2015 depends only on the territory, the scale,
    the seed, the start month and the :data:`POPULATION_PARAMETERS`; the runs of a batch
    that differ in other parameters, in lever effects or in their scenario share it. Each
    call hands out a copy, so no run sees another's changes. At most ``max_entries``
    populations are kept, the least recently used dropped first.

    Args:
        max_entries: populations kept (each holds its two tables: about 25 MB at scale
            0.1, 250 MB at 1:1).
    """

    def __init__(self, max_entries: int = 2) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], tuple[Territory, Population]] = {}
        self.hits = 0
        self.misses = 0

    def get(
        self,
        territory: Territory,
        scale: float,
        seed: int,
        start_month: int,
        params: dict[str, float],
    ) -> Population:
        """The population :func:`build_population` would build, as a fresh copy."""
        key = (id(territory), float(scale), int(seed), int(start_month)) + tuple(
            float(params[name]) for name in POPULATION_PARAMETERS
        )
        entry = self._entries.pop(key, None)
        if entry is None or entry[0] is not territory:
            self.misses += 1
            rng = phase_generator(seed, "population")
            entry = (territory, build_population(territory, scale, rng, start_month, params))
        else:
            self.hits += 1
        self._entries[key] = entry  # most recently used last
        while len(self._entries) > self.max_entries:
            del self._entries[next(iter(self._entries))]
        built = entry[1]
        return Population(
            built.people.copy(),
            built.firms.copy(),
            built.wage_level,
            built.university_cells.copy(),
        )


PEOPLE_SCHEMA = {
    "alive": (np.uint8, 0),
    "uid": (np.int64, -1),
    "zone": (np.int8, OUTSIDE),
    "cell": (np.int32, -1),
    "born": (np.int32, 0),
    "female": (np.uint8, 0),
    "education": (np.int8, 0),
    "skill": (np.float32, 1.0),
    "foreign": (np.uint8, 0),
    "status": (np.int8, CHILD),
    "since": (np.int32, 0),
    "job": (np.int32, -1),
    "income": (np.float32, 0.0),
    "last_wage": (np.float32, 0.0),
    "mode": (np.int8, NO_MODE),
    "commute_km": (np.float32, 0.0),
    "graduated": (np.int32, -1),
}

FIRM_SCHEMA = {
    "alive": (np.uint8, 0),
    "zone": (np.int8, 0),
    "cell": (np.int32, -1),
    "sector": (np.int8, 0),
    "founded": (np.int32, 0),
    "employees": (np.int32, 0),
    "target": (np.float32, 1.0),
    "productivity": (np.float32, 0.0),
    "innovative": (np.uint8, 0),
    "university_link": (np.uint8, 0),
    "fdi": (np.uint8, 0),
    "empty_since": (np.int32, -1),
    "closed": (np.int32, -1),
}


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` items drawn without replacement with probability ∝ ``weights``.

    Efraimidis and Spirakis (2006): keep the ``k`` smallest ``Exp(1)/w``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = min(k, int(np.count_nonzero(weights > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = exponential_array(rng, len(weights)) / weights
    # a stable sort, not argpartition: NumPy's AVX-512 selection returns the k smallest in
    # another order than its plain one, and ties would be broken differently
    return np.argsort(keys, kind="stable")[:k]


def town_centres(territory: Territory) -> np.ndarray:
    """Town-centre coordinates (km on the grid) of the comuni, ``(38, 2)``."""
    return np.column_stack([territory.centre_x_km, territory.centre_y_km])


def cell_weights(territory: Territory, centre_scale: float) -> np.ndarray:
    """Weight of each flat cell for placing homes or firms in its comune.

    Built-up cells weigh most, more so near the town centre (a density gradient with
    length ``centre_scale`` times the comune's radius); agricultural and green cells host
    scattered homes. Outside cells weigh 0.
    """
    zone = territory.cell_zone.ravel()
    land = territory.land_use.ravel()
    x, y = territory.x_km.ravel(), territory.y_km.ravel()
    weights = np.zeros(zone.size)
    centres = town_centres(territory)
    for c in range(territory.n_comuni):
        cells = np.flatnonzero(zone == c)
        cx, cy = centres[c]
        radius = np.sqrt(territory.area_km2[c] / np.pi)
        dist = fpmath.hypot(x[cells] - cx, y[cells] - cy)
        gradient = fpmath.exp(-dist / (centre_scale * radius))
        base = np.where(land[cells] == BUILT, 1.0, np.where(land[cells] == 1, 0.03, 0.005))
        weights[cells] = base * gradient
    return weights


def place_in_zones(
    rng: np.random.Generator, zone_of_cell: np.ndarray, weights: np.ndarray, zones: np.ndarray
) -> np.ndarray:
    """A cell for each item, drawn within its zone with probability ∝ ``weights``."""
    cells = np.empty(len(zones), dtype=np.int32)
    order = np.argsort(zones, kind="stable")
    bounds = np.searchsorted(zones[order], np.arange(zone_of_cell.max() + 2))
    for z in range(len(bounds) - 1):
        idx = order[bounds[z] : bounds[z + 1]]
        if idx.size == 0:
            continue
        candidates = np.flatnonzero(zone_of_cell == z)
        w = weights[candidates]
        cdf = np.cumsum(w) / w.sum()
        cells[idx] = candidates[
            np.searchsorted(cdf, rng.random(idx.size), side="right").clip(0, candidates.size - 1)
        ]
    return cells


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
    """
    flows = fpmath.exp(-decay * distance) * np.outer(origins, destinations) + 1e-12
    for _ in range(200):
        flows *= (origins / flows.sum(axis=1).clip(1e-12))[:, None]
        flows *= (destinations / flows.sum(axis=0).clip(1e-12))[None, :]
    return flows


def build_population(
    territory: Territory,
    scale: float,
    rng: np.random.Generator,
    start_month: int,
    params: dict[str, float],
) -> Population:
    """Draw the synthetic population of January 2015.

    Args:
        territory: the comuni and raster.
        scale: agents per real person or firm, in (0, 1].
        rng: the run's ``population`` stream.
        start_month: month index of January 2015 (the population's date).
        params: resolved model parameters.
    """
    n_zones = territory.n_comuni
    torino = territory.torino
    zone_of_cell = territory.cell_zone.ravel().astype(np.int64)

    # Residents by comune: exact totals.
    n_res = largest_remainder(territory.population, round(RESIDENTS_2015 * scale))
    zone = np.repeat(np.arange(n_zones), n_res)
    n = zone.size

    # Age, sex.
    age_group = rng.choice(20, size=n, p=AGE_GROUP_SHARES / AGE_GROUP_SHARES.sum())
    age_months = age_group * 60 + rng.integers(0, 60, size=n)
    age = age_months / 12.0
    p_female = np.where(age < 50, 0.49, np.where(age < 75, 0.53, 0.62))
    female = rng.random(n) < p_female

    # Foreign-born: younger, 15.3% in Torino (PLAN), FOREIGN_SHARE_BELT elsewhere.
    age_factor = np.where((age >= 20) & (age < 50), 1.6, np.where(age >= 65, 0.2, 0.9))
    foreign = np.zeros(n, dtype=bool)
    for c in range(n_zones):
        idx = np.flatnonzero(zone == c)
        share = FOREIGN_SHARE_TORINO if c == torino else FOREIGN_SHARE_BELT
        foreign[idx[weighted_sample(rng, age_factor[idx], round(share * idx.size))]] = True

    # Education by cohort (ISTAT 2015, Piedmont, tertiary and upper secondary shares).
    tertiary_p = np.select(
        [age < 25, age < 35, age < 45, age < 55, age < 65], [0.0, 0.30, 0.24, 0.17, 0.13], 0.08
    )
    upper_p = np.select(
        [age < 19, age < 25, age < 35, age < 45, age < 55, age < 65],
        [0.0, 0.80, 0.48, 0.45, 0.40, 0.35],
        0.22,
    )
    tertiary_p = np.where(zone == torino, tertiary_p * 1.15, tertiary_p)
    tertiary_p = np.where(foreign, tertiary_p * 0.6, tertiary_p)
    draw = rng.random(n)
    education = np.where(
        draw < tertiary_p, TERTIARY, np.where(draw < tertiary_p + upper_p, UPPER_SECONDARY, 0)
    ).astype(np.int8)
    skill = draw_skill(rng, education)

    # Status.
    status = np.full(n, CHILD, dtype=np.int8)
    adult = age >= 19
    retired_p = np.clip((age - 59.0) / 8.0, 0.0, 1.0) * 0.9 + (age >= 67) * 0.1
    status[adult & (rng.random(n) < retired_p)] = RETIRED
    # University students living in the area.
    n_students_res = round(STUDENTS_2015 * scale * (1.0 - params["outside_students_share"]))
    eligible = (status == CHILD) & adult & (age < 30) & (education >= UPPER_SECONDARY)
    w = eligible * np.where(age < 25, 1.0, 0.25) * np.where(zone == torino, 1.3, 1.0)
    status[weighted_sample(rng, w, n_students_res)] = STUDENT
    # Labour force participation (ISTAT 2015, by age and sex) and unemployment.
    rest = (status == CHILD) & adult
    particip = np.select(
        [age < 25, age < 55, age < 67],
        [0.50, np.where(female, 0.80, 0.93), np.where(female, 0.52, 0.66)],
        0.0,
    )
    particip = np.where(foreign & female, particip * 0.8, particip)
    active = rest & (rng.random(n) < particip)
    status[rest & ~active] = INACTIVE
    risk = (
        np.select([age < 25, age < 35, age < 55], [2.7, 1.3, 0.8], 0.7)
        * np.array([1.3, 0.9, 0.6])[education]
        * np.where(foreign, 1.6, 1.0)
    )
    active_idx = np.flatnonzero(active)
    n_unemployed = round(UNEMPLOYMENT_2015 * active_idx.size)
    unemployed_idx = active_idx[weighted_sample(rng, risk[active_idx], n_unemployed)]
    status[active_idx] = EMPLOYED
    status[unemployed_idx] = UNEMPLOYED

    # Months in the current status; for the unemployed a geometric spell whose share over
    # 12 months is LONG_TERM_SHARE.
    since = start_month - rng.integers(0, 120, size=n)
    spell_p = 1.0 - fpmath.power(LONG_TERM_SHARE, 1.0 / 12.0)
    since[unemployed_idx] = start_month - (geometric_array(rng, spell_p, unemployed_idx.size) - 1)
    students_idx = np.flatnonzero(status == STUDENT)
    since[students_idx] = start_month - rng.integers(0, 66, size=students_idx.size)
    since = np.minimum(since, start_month)

    # Homes.
    home_weights = cell_weights(territory, centre_scale=0.8)
    cell = place_in_zones(rng, zone_of_cell, home_weights, zone)

    # Students living outside, and the universities.
    x, y = territory.x_km.ravel(), territory.y_km.ravel()
    tx, ty = town_centres(territory)[torino]
    torino_cells = np.flatnonzero(zone_of_cell == torino)
    central = torino_cells[
        np.argsort(fpmath.hypot(x[torino_cells] - tx, y[torino_cells] - ty), kind="stable")
    ]
    university_cells = np.sort(central[:UNIVERSITY_CELLS]).astype(np.int32)
    n_students_out = round(STUDENTS_2015 * scale) - int(np.count_nonzero(status == STUDENT))

    # Commuting: employed residents by zone, jobs by zone, in-commuters from outside solved
    # so that the plan's 328,000 commuters towards Torino hold.
    employed = status == EMPLOYED
    workers_by_zone = np.bincount(zone[employed], minlength=n_zones).astype(np.float64)
    firm_counts = _firm_counts(territory, round(FIRMS_2015 * scale))
    job_share = firm_counts / firm_counts.sum()
    distance = zone_distances(territory)
    decay = 1.0 / 6.0  # assumption: e-folding distance of commuting of 6 km, then checked
    students_res_to_torino = np.count_nonzero((status == STUDENT) & (zone != torino))
    target = COMMUTERS_TO_TORINO_2015 * scale - students_res_to_torino - n_students_out

    def commuters(outside_workers: float) -> tuple[float, np.ndarray]:
        origins = np.append(workers_by_zone, outside_workers)
        dest = job_share * origins.sum()
        flows = gravity_flows(origins, dest, distance, decay)
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
    jobs_by_zone = int_flows.sum(axis=0)

    # Firms: counts and sizes per zone (sizes sum to the jobs of the zone).
    firm_zone = np.repeat(np.arange(n_zones), firm_counts)
    sizes = np.concatenate(
        [
            _firm_sizes(
                rng, int(firm_counts[c]), int(jobs_by_zone[c]), params["firm_size_exponent"]
            )
            for c in range(n_zones)
        ]
    )
    n_firms = sizes.size
    is_large = sizes >= 10
    sector = np.where(
        is_large,
        rng.choice(N_SECTORS, size=n_firms, p=SECTOR_SHARES_LARGER),
        rng.choice(N_SECTORS, size=n_firms, p=SECTOR_SHARES_MICRO),
    ).astype(np.int8)
    firm_weights = cell_weights(territory, centre_scale=0.6)
    firm_cell = place_in_zones(rng, zone_of_cell, firm_weights, firm_zone)
    firm_age_months = np.minimum(exponential_array(rng, n_firms, 12.0 * 12), 12 * 60).astype(
        np.int64
    )
    founded = start_month - firm_age_months - 1
    productivity = (0.2 * normal_array(rng, n_firms) + 0.05 * fpmath.log(sizes)).astype(np.float32)
    innov_p = np.clip(
        0.03
        + 0.08 * (fpmath.log(sizes) / fpmath.log(10.0))
        + 0.08 * (sector == KNOWLEDGE)
        + 0.04 * (sector == MANUFACTURING),
        0.0,
        0.9,
    )
    innovative = rng.random(n_firms) < innov_p
    link = innovative & (rng.random(n_firms) < 0.3)

    # Workers: outside in-commuters.
    n_out_workers = int(origins[OUTSIDE])
    n_total = n + n_out_workers + n_students_out
    people = AgentTable("people", PEOPLE_SCHEMA, capacity=int(n_total * 1.6) + 64)
    rows = people.add(n_total)
    cols = people.columns
    cols["zone"][:n] = zone
    cols["cell"][:n] = cell
    cols["born"][:n] = start_month - age_months
    cols["female"][:n] = female
    cols["education"][:n] = education
    cols["skill"][:n] = skill
    cols["foreign"][:n] = foreign
    cols["status"][:n] = status
    cols["since"][:n] = since
    # the residents' draws are in the table now: free them before jobs and incomes are drawn
    # (this halves the peak memory of a 1:1 initialisation)
    del age_group, age_months, age, p_female, female, age_factor, foreign, tertiary_p, upper_p
    del draw, education, skill, retired_p, eligible, w, rest, particip, active, risk, since
    del cell, home_weights, status, adult, active_idx, unemployed_idx, students_idx
    # Outside people: in-commuting workers, then commuting students.
    out = slice(n, n_total)
    n_out = n_total - n
    out_age_months = rng.integers(20 * 12, 64 * 12, size=n_out)
    out_age_months[n_out_workers:] = rng.integers(19 * 12, 27 * 12, size=n_students_out)
    cols["zone"][out] = OUTSIDE
    cols["born"][out] = start_month - out_age_months
    cols["female"][out] = rng.random(n_out) < 0.45
    out_edu = np.where(rng.random(n_out) < 0.2, TERTIARY, UPPER_SECONDARY).astype(np.int8)
    cols["education"][out] = out_edu
    cols["skill"][out] = draw_skill(rng, out_edu)
    cols["foreign"][out] = rng.random(n_out) < 0.08
    cols["status"][n : n + n_out_workers] = EMPLOYED
    cols["status"][n + n_out_workers : n_total] = STUDENT
    cols["since"][out] = start_month - rng.integers(0, 66, size=n_out)

    # Jobs: for each (origin, destination) pair, that many workers of the origin take that
    # many job slots of the destination, both in random order.
    job = cols["job"]
    worker_rows = [rng.permutation(np.flatnonzero(employed & (zone == o))) for o in range(n_zones)]
    worker_rows.append(np.arange(n, n + n_out_workers))
    slots_by_zone = []
    firm_ids = np.arange(n_firms)
    for d in range(n_zones):
        in_zone = firm_ids[firm_zone == d]
        slots_by_zone.append(rng.permutation(np.repeat(in_zone, sizes[in_zone])))
    taken = np.zeros(n_zones, dtype=np.int64)
    for o in range(n_zones + 1):
        pos = 0
        for d in range(n_zones):
            k = int(int_flows[o, d])
            if k:
                job[worker_rows[o][pos : pos + k]] = slots_by_zone[d][taken[d] : taken[d] + k]
                pos += k
                taken[d] += k

    # Commute distances, and the homes of people from outside: one of the province's
    # other comuni, drawn given where they travel to (models.territory.outside).
    circuity = params["circuity"]
    has_job = job[:n_total] >= 0
    job_cell = np.where(has_job, firm_cell[np.maximum(job[:n_total], 0)], -1)
    place = np.where(has_job, job_cell, -1)
    is_student = cols["status"][:n_total] == STUDENT
    uni = university_cells[rng.integers(0, UNIVERSITY_CELLS, size=n_total)]
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

    # Incomes: wages, pensions, benefits; the wage level is calibrated so the mean income
    # of residents with an income is the plan's 25,400 EUR.
    ages_all = (start_month - cols["born"][:n_total]) / 12.0
    wage_noise = normal_array(rng, n_total)
    fsector = sector[np.maximum(job[:n_total], 0)]
    fprod = productivity[np.maximum(job[:n_total], 0)]
    unit_wage = wages(0.0, cols["education"][:n_total], ages_all, fsector, fprod, wage_noise)
    # the unemployed's last wage: as if at an average firm of a random sector
    rand_sector = rng.choice(N_SECTORS, size=n_total, p=SECTOR_SHARES_MICRO)
    unit_last = wages(
        0.0,
        cols["education"][:n_total],
        ages_all,
        rand_sector,
        np.zeros(n_total, dtype=np.float32),
        wage_noise,
    )
    pension = 17_500.0 * fpmath.exp(0.4 * normal_array(rng, n_total) - 0.08)
    st = cols["status"][:n_total]
    resident = np.arange(n_total) < n
    months_unemployed = start_month - cols["since"][:n_total]
    on_benefit = (st == UNEMPLOYED) & (months_unemployed < params["unemployment_benefit_months"])

    def incomes(level: float) -> np.ndarray:
        inc = np.zeros(n_total)
        inc[st == EMPLOYED] = (fpmath.exp(level) * unit_wage)[st == EMPLOYED]
        inc[st == RETIRED] = pension[st == RETIRED]
        benefit = np.minimum(
            params["unemployment_benefit_replacement"] * fpmath.exp(level) * unit_last,
            params["unemployment_benefit_cap"],
        )
        inc[on_benefit] = benefit[on_benefit]
        inc[(st == UNEMPLOYED) & ~on_benefit] = params["social_minimum_income"]
        return inc

    def mean_income(level: float) -> float:
        inc = incomes(level)
        earners = resident & (inc > 0)
        return float(inc[earners].mean())

    level = fpmath.log(MEAN_INCOME_2015 / np.mean(unit_wage[st == EMPLOYED]))
    for _ in range(50):  # fixed point; benefits are capped, so iterate
        gap = fpmath.log(MEAN_INCOME_2015 / mean_income(level))
        if abs(gap) < 1e-9:
            break
        level += gap * 1.3
    income = incomes(level)
    cols["income"][:n_total] = income
    last = fpmath.exp(level) * np.where(st == EMPLOYED, unit_wage, unit_last)
    cols["last_wage"][:n_total] = np.where((st == EMPLOYED) | (st == UNEMPLOYED), last, 0.0)

    firms = AgentTable("firms", FIRM_SCHEMA, capacity=int(n_firms * 1.6) + 64)
    firms.add(n_firms)
    fc = firms.columns
    fc["zone"][:n_firms] = firm_zone
    fc["cell"][:n_firms] = firm_cell
    fc["sector"][:n_firms] = sector
    fc["founded"][:n_firms] = founded
    fc["employees"][:n_firms] = sizes
    fc["target"][:n_firms] = sizes
    fc["productivity"][:n_firms] = productivity
    fc["innovative"][:n_firms] = innovative
    fc["university_link"][:n_firms] = link
    del rows
    people.compact(people_order(people, start_month))
    return Population(
        people=people, firms=firms, wage_level=float(level), university_cells=university_cells
    )


def people_order(people: AgentTable, month: int) -> np.ndarray:
    """The order the people table's rows are kept in: by place, status, sex and age.

    The key is ``outside << 11 | status << 8 | female << 7 | age in years (0-127)``: the
    people from outside after the residents, and within each the statuses, sexes and ages
    in blocks, so the branches the kernels take on them (who can die, give birth, leave
    school, look for a job, commute) run in long predictable stretches. The table is put
    in this order when the population is built and at each yearly compaction; random draws
    key on ``uid``, not on the row, but rules that visit people in turn (matching, moves,
    the order of births) follow the rows.

    Args:
        people: the people table.
        month: the month the ages are taken at.

    Returns:
        int32 key per row in use.
    """
    age = np.clip((month - people.born) // 12, 0, 127).astype(np.int32)
    outside = (people.zone == OUTSIDE).astype(np.int32)
    return (
        (outside << 11)
        | (people.status.astype(np.int32) << 8)
        | (people.female.astype(np.int32) << 7)
        | age
    )


def _firm_counts(territory: Territory, total: int) -> np.ndarray:
    """Firms per comune: the plan's 65.8% in Torino, the rest in proportion to residents."""
    torino = territory.torino
    counts = np.zeros(territory.n_comuni, dtype=np.int64)
    counts[torino] = round(FIRMS_TORINO_SHARE * total)
    others = np.arange(territory.n_comuni) != torino
    counts[others] = largest_remainder(territory.population[others], total - counts[torino])
    return counts


def _firm_sizes(rng: np.random.Generator, n: int, jobs: int, exponent: float) -> np.ndarray:
    """Employees of ``n`` firms summing to ``jobs``: a discrete Pareto (Zipf-like) law.

    Sizes are the Pareto quantiles at stratified uniform points (one per firm, jittered
    within its stratum; the top stratum at its midpoint), so the distribution holds at any
    seed; the upper decile is then rescaled by a common
    factor so the sizes add up to the zone's jobs (a shift of the tail that keeps its
    exponent).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    jitter = rng.random(n)
    jitter[-1] = 0.5  # the top stratum at its midpoint: no unbounded draw from the tail
    u = (np.arange(n) + jitter) / n
    sizes = np.minimum(np.floor(fpmath.power(1.0 - u, -1.0 / exponent)), MAX_FIRM_SIZE).astype(
        np.int64
    )
    sizes = np.maximum(sizes, 1)
    jobs = max(jobs, n)
    order = np.argsort(-sizes, kind="stable")
    for k in (max(1, n // 10), n):
        top = order[:k]
        rest = sizes.sum() - sizes[top].sum()
        need = jobs - rest
        if need >= k:
            scaled = sizes[top] * (need / sizes[top].sum())
            sizes[top] = np.maximum(largest_remainder(scaled, need), 1)
            break
    diff = jobs - sizes.sum()
    if diff and sizes[order[0]] + diff >= 1:
        sizes[order[0]] += diff  # at most a few jobs of rounding, on the largest firm
    elif diff:  # a tail so heavy (small exponent) that the rescaling overshoots: share the
        # jobs beyond one per firm in proportion to the drawn sizes instead
        sizes = 1 + largest_remainder(sizes - 1, jobs - n)
    return rng.permutation(sizes)
