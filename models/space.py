"""Distances on the model's map: cell coordinates and the commuting distance between cells.

A trip's length is the straight line between two cell centres times a circuity factor
(roads are longer than the crow flies), plus half a cell for the trip inside the cells.
The same rule is used by job choice, moves, arrivals and every new agent's commute.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

OUTSIDE_EXTRA_KM_MEAN = 12.0
"""Mean distance, km, from an outside home's cell to the home itself (assumption): people of
the outside zone live beyond the raster's ring of outside cells."""


class CellCoordinates(NamedTuple):
    """Cell-centre coordinates, km, flat over the raster (``x`` east, ``y`` north)."""

    x: np.ndarray
    y: np.ndarray


def km_between(
    space: CellCoordinates, a: np.ndarray, b: np.ndarray, circuity: float, cell_km: float
) -> np.ndarray:
    """Commuting distance between cells ``a`` and ``b``: straight line × circuity + half a cell."""
    d = np.hypot(space.x[a] - space.x[b], space.y[a] - space.y[b])
    return circuity * d + 0.5 * cell_km
