"""Where people from outside the 38 comuni live: the province's other comuni.

In-commuting workers and university students who live outside the area live in one of the
province's other 273 comuni (:attr:`models.territory.territory.Territory.outside_codes`), at its
centroid. The comune is drawn for each of them given where they travel to (their job's or
university's cell): comune ``j`` is chosen with probability proportional to

    ``population_j · exp(-d_j / ORIGIN_DECAY_KM)``,

``d_j`` the straight-line distance (km) from ``j``'s centroid to the destination — a
gravity weight with ISTAT's resident population as the mass (Wilson 1967). Their place
index is ``territory.n_cells + j``, so the kernels measure their trips like anyone's.
"""

from __future__ import annotations

import weakref

import numpy as np

from models.territory.territory import Territory
from sim import fpmath

ORIGIN_DECAY_KM: float = 10.0
"""Assumption: e-folding distance (km) of the origin weights of people from outside. Longer
than the 6 km of commuting within the area because trips from the outer province follow
the rail and road corridors into the conurbation; with it the population-weighted mean
straight-line distance from the outside origins to Torino's centre is 23 km (5 km: 20 km;
20 km: 26 km; no decay: 31 km)."""


def origin_weights(
    territory: Territory, x_km: np.ndarray, y_km: np.ndarray, decay_km: float = ORIGIN_DECAY_KM
) -> np.ndarray:
    """Weights of the outside comuni as origins of trips to each destination point.

    Args:
        territory: The territory (its outside places).
        x_km: Destination eastings, km on the grid, shape ``(n,)``.
        y_km: Destination northings, km on the grid, shape ``(n,)``.
        decay_km: E-folding distance of the weights.

    Returns:
        Unnormalised weights, float64 ``(n, n_outside)``.
    """
    d = fpmath.hypot(
        territory.outside_x_km[None, :] - np.asarray(x_km, dtype=np.float64)[:, None],
        territory.outside_y_km[None, :] - np.asarray(y_km, dtype=np.float64)[:, None],
    )
    return territory.outside_population[None, :] * fpmath.exp(-d / decay_km)


class OriginCdfs:
    """The cumulative origin weights of :func:`origin_weights`, by destination cell.

    Rows are worked out the first time a cell is a destination and kept: the territory
    never changes, and a run draws outside homes for the same few hundred cells every
    month. Each row is computed by the same operations as it would be on its own, so the
    cache changes no draw.
    """

    def __init__(self, territory: Territory) -> None:
        # The territory is held weakly: the cache is the value of a WeakKeyDictionary keyed
        # by it, and a strong reference back would keep both alive forever (every forked run
        # deep-copies the model, so a batch's worker grew by about 15 MB a forked run).
        self.territory = weakref.ref(territory)
        n_cells = territory.cell_zone.size
        self.rows = np.zeros((n_cells, territory.n_outside))
        self.known = np.zeros(n_cells, dtype=bool)

    def __call__(self, cells: np.ndarray) -> np.ndarray:
        """Normalised cumulative weights for each of ``cells`` (unique flat cells)."""
        missing = cells[~self.known[cells]]
        if missing.size:
            t = self.territory()
            cdf = np.cumsum(
                origin_weights(t, t.x_km.ravel()[missing], t.y_km.ravel()[missing]), axis=1
            )
            cdf /= cdf[:, -1:]
            self.rows[missing] = cdf
            self.known[missing] = True
        return self.rows[cells]


_ORIGIN_CDFS: weakref.WeakKeyDictionary[Territory, OriginCdfs] = weakref.WeakKeyDictionary()


def origin_cdfs(territory: Territory) -> OriginCdfs:
    """The territory's cache of origin weights (one per territory object, made on first use)."""
    cache = _ORIGIN_CDFS.get(territory)
    if cache is None:
        cache = _ORIGIN_CDFS[territory] = OriginCdfs(territory)
    return cache


def draw_places(
    rng: np.random.Generator, territory: Territory, destinations: np.ndarray
) -> np.ndarray:
    """A home place among the outside comuni for each person travelling to a cell.

    One uniform number per person is drawn from ``rng`` (in the order of
    ``destinations``), and inverted on the origin weights of the person's destination.

    Args:
        rng: The stream to draw from.
        territory: The territory.
        destinations: Flat raster cell of each person's job or university.

    Returns:
        Place indices ``territory.n_cells + j``, int32, shaped like ``destinations``.
    """
    destinations = np.asarray(destinations, dtype=np.int64)
    u = rng.random(destinations.size)
    if destinations.size == 0:
        return np.zeros(0, dtype=np.int32)
    cells, inverse = np.unique(destinations, return_inverse=True)
    cdf = origin_cdfs(territory)(cells)
    # row k of the cdfs shifted by k: one increasing array, searched for u + k at once
    stacked = (cdf + np.arange(cells.size)[:, None]).ravel()
    chosen = np.searchsorted(stacked, u + inverse, side="right") - inverse * territory.n_outside
    chosen = np.minimum(chosen, territory.n_outside - 1)
    return (territory.n_cells + chosen).astype(np.int32)


def mean_distances(territory: Territory, x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    """Mean straight-line distance (km) from the outside origins to each destination point.

    The mean is over the origin weights of :func:`origin_weights`: the distance the
    outside zone is from each destination, as one zone of a gravity model.
    """
    w = origin_weights(territory, x_km, y_km)
    d = fpmath.hypot(
        territory.outside_x_km[None, :] - np.asarray(x_km, dtype=np.float64)[:, None],
        territory.outside_y_km[None, :] - np.asarray(y_km, dtype=np.float64)[:, None],
    )
    return (w * d).sum(axis=1) / w.sum(axis=1)
