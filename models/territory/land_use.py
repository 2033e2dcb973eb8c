"""Land use inside the comuni: the protected areas of the plan and the layout of each comune.

Each comune's cells are built-up, agricultural or other green in the proportions of its
land-use shares (``models/data/comuni.csv``); :func:`lay_out_land_use` places them around
the town centre, the protected areas (:data:`PROTECTED_AREAS`) first given to green.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from models.codes import OUTSIDE
from models.territory import geography
from sim.apportion import round_quotas

BUILT, AGRICULTURAL, GREEN = 0, 1, 2
"""Land-use codes of comune cells; outside cells have land use ``-1``."""

LAND_USE_NAMES: tuple[str, str, str] = ("built", "agricultural", "green")
"""Names of the land-use codes, by code."""


@dataclass(frozen=True)
class ProtectedArea:
    """A protected area of the plan, placed by approximate coordinates.

    Attributes:
        name: The plan's name.
        points: ``(lon, lat)`` of its centre (a park) or of points along it (a river strip).
        radius_km: Radius of the disc around the centre, or half-width of the strip.
    """

    name: str
    points: tuple[tuple[float, float], ...]
    radius_km: float


PROTECTED_AREAS: tuple[ProtectedArea, ...] = (
    # Parco naturale di Stupinigi, 17 km² around the hunting lodge: a disc of that area.
    ProtectedArea("Stupinigi", ((7.600, 44.985),), 2.35),
    # Parco La Mandria: the walled estate (about 30 km²) north-west of Venaria Reale.
    ProtectedArea("La Mandria", ((7.575, 45.160),), 3.1),
    # Parco naturale della Collina di Superga, 7.5 km² around the basilica.
    ProtectedArea("Superga hill park", ((7.767, 45.080),), 1.55),
    # Riserva naturale di Monte San Giorgio, 3.7 km² above Piossasco.
    ProtectedArea("Monte San Giorgio", ((7.437, 44.977),), 1.1),
    # The Po from La Loggia through Moncalieri, Torino and San Mauro to Brandizzo.
    ProtectedArea(
        "Po strip",
        (
            (7.665, 44.955),
            (7.688, 44.995),
            (7.687, 45.050),
            (7.700, 45.063),
            (7.715, 45.085),
            (7.760, 45.100),
            (7.800, 45.120),
            (7.830, 45.130),
            (7.850, 45.150),
            (7.870, 45.180),
        ),
        0.4,
    ),
    # The Sangone from Bruino through Rivalta, Orbassano, Beinasco and Nichelino to the Po.
    ProtectedArea(
        "Sangone strip",
        ((7.470, 45.015), (7.520, 45.025), (7.575, 45.018), (7.625, 45.015), (7.672, 45.005)),
        0.3,
    ),
)
"""The six protected areas of the plan. Coordinates are approximate (read off general maps,
not a GIS layer of the parks); docs/ODD.md and models/data/README.md say so."""


def protected_cells(
    zone: np.ndarray, west_m: float, south_m: float, x_km: np.ndarray, y_km: np.ndarray
) -> np.ndarray:
    """True for the comune cells whose centre lies in one of :data:`PROTECTED_AREAS`."""
    shapes = []
    for area in PROTECTED_AREAS:
        lon, lat = np.array(area.points).T
        x, y = geography.lonlat_to_utm(lon, lat)
        base = shapely.points(x, y)[0] if x.size == 1 else shapely.linestrings(x, y)
        shapes.append(shapely.buffer(base, area.radius_km * 1000.0))
    region = shapely.union_all(shapes)
    inside = shapely.contains_xy(region, west_m + 1000.0 * x_km, south_m + 1000.0 * y_km)
    return inside & (zone != OUTSIDE)


def lay_out_land_use(
    zone: np.ndarray,
    shares: np.ndarray,
    tx: np.ndarray,
    ty: np.ndarray,
    x_km: np.ndarray,
    y_km: np.ndarray,
    protected: np.ndarray,
) -> np.ndarray:
    """Land use per cell, in each comune's proportions of ``shares``.

    In each comune the counts are its shares times its cells (largest remainder). Built-up
    cells are the unprotected cells nearest the town centre (``tx, ty``); other green goes
    first to the protected cells, then to the cells furthest from the town centre; the
    rest is agricultural (so protected cells beyond the comune's green count are farmland,
    as in Stupinigi and La Mandria). A protected cell is built only if a comune has fewer
    unprotected cells than built-up ones.
    """
    land_use = np.full(zone.shape, -1, dtype=np.int8)
    flat_zone, flat_lu = zone.ravel(), land_use.ravel()
    flat_protected = protected.ravel()
    xs, ys = x_km.ravel(), y_km.ravel()
    for i in range(len(tx)):
        cells = np.flatnonzero(flat_zone == i)
        d2 = (xs[cells] - tx[i]) ** 2 + (ys[cells] - ty[i]) ** 2
        prot = flat_protected[cells]
        n_built, _, n_green = round_quotas(shares[i] * len(cells), len(cells))
        order = np.lexsort((cells, d2, prot))  # unprotected first, nearest first
        built, rest = cells[order[:n_built]], order[n_built:]
        flat_lu[built] = BUILT
        rest = rest[np.lexsort((cells[rest], -d2[rest], ~prot[rest]))]  # protected, furthest
        flat_lu[cells[rest[:n_green]]] = GREEN
        flat_lu[cells[rest[n_green:]]] = AGRICULTURAL
    return land_use
