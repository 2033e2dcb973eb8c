"""Where people and firms are placed: weighted draws of cells within each comune."""

from __future__ import annotations

import numpy as np

from models.territory.land_use import BUILT
from models.territory.territory import Territory
from sim import fpmath
from sim.random import exponential_array


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` items drawn without replacement with probability ∝ ``weights``.

    Efraimidis and Spirakis (2006): keep the ``k`` smallest ``Exp(1)/w``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = min(k, int(np.count_nonzero(weights > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = exponential_array(rng, len(weights)) / weights
    return smallest_stable(keys, k)


def smallest_stable(keys: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` of ``np.argsort(keys, kind="stable")``, without sorting every key.

    The ``k``-th smallest key (a value: :func:`numpy.partition` gives it on every CPU) is
    the threshold; the keys below it and the first of those equal to it, in index order,
    are the ``k`` smallest, sorted stably among themselves. Not argpartition: NumPy's
    AVX-512 selection returns the indices in another order than its plain one.
    """
    if k >= keys.size:
        return np.argsort(keys, kind="stable")[:k]
    threshold = np.partition(keys, k - 1)[k - 1]
    if np.isnan(threshold):  # NaNs sort last: they are among the k
        return np.argsort(keys, kind="stable")[:k]
    below = np.flatnonzero(keys < threshold)
    ties = np.flatnonzero(keys == threshold)[: k - below.size]
    chosen = np.concatenate([below, ties]) if ties.size else below
    chosen.sort()  # index order, so the stable sort below breaks ties as the full one
    return chosen[np.argsort(keys[chosen], kind="stable")]


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
