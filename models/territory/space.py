"""Distances on the model's map: cell coordinates and the commuting distance between cells.

A trip's length is the straight line between two cell centres times a circuity factor
(roads are longer than the crow flies), plus half a cell for the trip inside the cells.
The same rule is used by job choice, moves, arrivals and every new agent's commute.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim import fpmath


class CellCoordinates(NamedTuple):
    """Coordinates, km, of every place (``x`` east, ``y`` north).

    The raster's cell centres (flat), then the centroids of the province's other comuni.
    """

    x: np.ndarray
    y: np.ndarray


def km_between(
    space: CellCoordinates, a: np.ndarray, b: np.ndarray, circuity: float, cell_km: float
) -> np.ndarray:
    """Commuting distance between cells ``a`` and ``b``: straight line × circuity + half a cell."""
    d = fpmath.hypot(space.x[a] - space.x[b], space.y[a] - space.y[b])
    return circuity * d + 0.5 * cell_km
