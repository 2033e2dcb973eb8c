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


def pareto_sizes(u: np.ndarray, exponent: float) -> np.ndarray:
    """Firm sizes at the uniform points ``u``: the discrete Pareto law, 1 to ``MAX_FIRM_SIZE``."""
    sizes = np.minimum(np.floor(fpmath.power(1.0 - u, -1.0 / exponent)), MAX_FIRM_SIZE)
    return np.maximum(sizes.astype(np.int64), 1)


def fit_to_jobs(sizes: np.ndarray, jobs: int) -> np.ndarray:
    """The sizes rescaled to add up to ``jobs`` (at least one employee per firm).

    The upper decile is rescaled by a common factor (a shift of the tail that keeps its
    exponent); if that cannot reach ``jobs``, the whole distribution is.
    """
    sizes = sizes.copy()
    n = sizes.size
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
    return sizes


def cap_sizes(sizes: np.ndarray, cap: int) -> np.ndarray:
    """The sizes with none above ``cap``: same number of firms, same jobs.

    The jobs above the cap go to the largest firms below it, each filled up to the cap in
    turn: what the 1:1 law draws above the cap is held by firms at the cap, as the plants
    of a large employer would be. The cap is raised to the comune's mean size if it is
    below it (the jobs must fit).
    """
    cap = max(int(cap), -(-int(sizes.sum()) // max(sizes.size, 1)))
    excess = int(np.maximum(sizes - cap, 0).sum())
    sizes = np.minimum(sizes, cap)
    order = np.argsort(-sizes, kind="stable")
    room = cap - sizes[order]
    before = np.cumsum(room) - room  # the room of the larger firms, filled first
    sizes[order] += np.clip(excess - before, 0, room)
    return sizes


def firm_sizes(
    rng: np.random.Generator,
    n: int,
    jobs: int,
    exponent: float,
    cap: int | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Employees of ``n`` firms summing to ``jobs``: a sample of the 1:1 discrete Pareto law.

    The 1:1 law of the zone is the Pareto (Zipf-like) quantiles at ``n / scale``
    stratified uniform points (one per firm of the full-scale zone, jittered within its
    stratum; the top stratum at its midpoint). A random ``n`` of them are kept, one from
    each of ``n`` equal blocks of strata, so the law, its tail included, is the same at
    every scale and the sum varies little between seeds. The sizes are then fitted to the
    zone's jobs (:func:`fit_to_jobs`) and, if ``cap`` is given, no firm has more than
    ``cap`` employees (:func:`cap_sizes`).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    n_full = max(n, round(n / scale))
    stratum = np.arange(n)
    if n_full > n:  # one full-scale stratum from each block of about 1 / scale
        lo = np.arange(n) * n_full // n
        hi = (np.arange(n) + 1) * n_full // n
        stratum = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
    jitter = rng.random(n)
    jitter[stratum == n_full - 1] = 0.5  # the top stratum at its midpoint: no unbounded draw
    u = (stratum + jitter) / n_full
    sizes = fit_to_jobs(pareto_sizes(u, exponent), jobs)
    if cap is not None:
        sizes = cap_sizes(sizes, cap)
    return rng.permutation(sizes)


def largest_firm_share(
    counts: np.ndarray, jobs_by_zone: np.ndarray, scale: float, exponent: float
) -> float:
    """The largest firm's share of the area's jobs at 1:1, from the 1:1 law.

    Each comune's firms and jobs at full scale (``counts / scale``, ``jobs_by_zone /
    scale``), sized as :func:`firm_sizes` sizes them with every stratum at its midpoint:
    about 1.4% (11,000 of 800,000 jobs).
    """
    largest = 1
    for n, jobs in zip(counts, jobs_by_zone, strict=True):
        n_full = round(int(n) / scale)
        if n_full:
            u = (np.arange(n_full) + 0.5) / n_full
            full = fit_to_jobs(pareto_sizes(u, exponent), round(int(jobs) / scale))
            largest = max(largest, int(full.max()))
    return largest / max(round(int(np.sum(jobs_by_zone)) / scale), 1)


def firm_size_cap(
    counts: np.ndarray, jobs_by_zone: np.ndarray, scale: float, exponent: float
) -> int | None:
    """The most employees one firm may have at ``scale`` (None at 1:1).

    At scale ``s`` a firm stands for ``1/s`` firms of its size: without a cap, one firm of
    the 1:1 law can hold 14% of the jobs at 0.005, and its shrinking or exit moves the
    area's employment as no firm does at 1:1. So no firm holds a larger share of the jobs
    than the largest one holds at 1:1 (:func:`largest_firm_share`).
    """
    if scale >= 1.0:
        return None
    share = largest_firm_share(counts, jobs_by_zone, scale, exponent)
    return max(1, int(share * int(np.sum(jobs_by_zone))))


def draw_firms(
    rng: np.random.Generator,
    territory: Territory,
    counts: np.ndarray,
    jobs_by_zone: np.ndarray,
    start_month: int,
    params: dict[str, float],
    scale: float = 1.0,
) -> AgentTable:
    """The firms table: ``counts`` firms per comune whose sizes add up to its jobs.

    At ``scale`` below 1 no firm holds a larger share of the jobs than the largest firm
    holds at 1:1 (:func:`firm_size_cap`).

    Sectors follow the shares of micro firms or of larger ones; firms are placed near the
    town centres; ages, productivity, innovation and university links are drawn.
    """
    n_zones = territory.n_comuni
    firm_zone = np.repeat(np.arange(n_zones), counts)
    exponent = params["firm_size_exponent"]
    cap = firm_size_cap(counts, jobs_by_zone, scale, exponent)
    sizes = np.concatenate(
        [
            firm_sizes(rng, int(counts[c]), int(jobs_by_zone[c]), exponent, cap, scale)
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
