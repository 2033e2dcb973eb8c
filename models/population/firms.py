"""The firms of January 2015: how many in each comune, their sizes, sectors and places.

Firm counts follow the plan (65.8% in Torino, the rest in proportion to residents); the
employees of a comune's firms add up to the jobs the commuting flows give it
(:mod:`models.population.commuting`).
"""

from __future__ import annotations

import numpy as np

from models.codes import KNOWLEDGE, MANUFACTURING, N_SECTORS
from models.population.figures import (
    FIRMS_TORINO_SHARE,
    MAX_FIRM_SIZE,
    SECTOR_SHARES_LARGER,
    SECTOR_SHARES_MICRO,
)
from models.population.placement import cell_weights, place_in_zones
from models.territory.territory import Territory
from sim import fpmath
from sim.apportion import largest_remainder
from sim.random import exponential_array, normal_array
from sim.tables import AgentTable

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


def firm_counts(territory: Territory, total: int) -> np.ndarray:
    """Firms per comune: the plan's 65.8% in Torino, the rest in proportion to residents."""
    torino = territory.torino
    counts = np.zeros(territory.n_comuni, dtype=np.int64)
    counts[torino] = round(FIRMS_TORINO_SHARE * total)
    others = np.arange(territory.n_comuni) != torino
    counts[others] = largest_remainder(territory.population[others], total - counts[torino])
    return counts


def firm_sizes(rng: np.random.Generator, n: int, jobs: int, exponent: float) -> np.ndarray:
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


def draw_firms(
    rng: np.random.Generator,
    territory: Territory,
    counts: np.ndarray,
    jobs_by_zone: np.ndarray,
    start_month: int,
    params: dict[str, float],
) -> AgentTable:
    """The firms table: ``counts`` firms per comune whose sizes add up to its jobs.

    Sectors follow the shares of micro firms or of larger ones; firms are placed near the
    town centres; ages, productivity, innovation and university links are drawn.
    """
    n_zones = territory.n_comuni
    firm_zone = np.repeat(np.arange(n_zones), counts)
    sizes = np.concatenate(
        [
            firm_sizes(rng, int(counts[c]), int(jobs_by_zone[c]), params["firm_size_exponent"])
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
    zone_of_cell = territory.cell_zone.ravel().astype(np.int64)
    firm_weights = cell_weights(territory, centre_scale=0.6)
    firm_cell = place_in_zones(rng, zone_of_cell, firm_weights, firm_zone)
    firm_age_months = np.minimum(exponential_array(rng, n_firms, 12.0 * 12), 12 * 60).astype(
        np.int64
    )
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
    firms = AgentTable("firms", FIRM_SCHEMA, capacity=int(n_firms * 1.6) + 64)
    firms.append(
        n_firms,
        zone=firm_zone,
        cell=firm_cell,
        sector=sector,
        founded=start_month - firm_age_months - 1,
        employees=sizes,
        target=sizes,
        productivity=productivity,
        innovative=innovative,
        university_link=link,
    )
    return firms
