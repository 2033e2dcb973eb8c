"""The territory of the Turin conurbation: ISTAT's comuni on a raster, and the province around.

The 38 comuni are read from ``models/data/comuni.csv`` (2015 figures, see
``models/data/README.md``) and placed on a grid of square cells aligned with UTM zone 32N
(EPSG:32632). Which comune each cell belongs to comes from ISTAT's boundaries
(:mod:`models.territory.geography`): the committed raster ``models/data/territory_grid.json`` is
written by ``models/data/make_territory.py``; each comune has as many cells as its official
area, and the cells it gets are those its polygon covers most. Cells of no comune are the
zone :data:`OUTSIDE`. Land use is laid out inside each comune
(:func:`models.territory.land_use.lay_out_land_use`).

The other 273 comuni of the province (312 less the 38 and Mappano) are the real places
where in-commuters and students from outside live: ``models/data/outside_comuni.csv``
gives each its ISTAT population and the position of its centroid. They are *places*,
not cells: a person living outside has ``zone == OUTSIDE`` and a place index
``n_cells + j`` (outside comune ``j``), and
:attr:`Territory.place_x_km` / :attr:`Territory.place_y_km` hold the coordinates of the
cells followed by those of the outside places, so distances are computed alike for both.

Array convention: rasters are indexed ``[row, col]``; row 0 is the *southern* edge and
column 0 the *western* edge, so ``x_km`` grows with the column and ``y_km`` with the row
(plot with ``origin="lower"``). Kilometres are UTM 32N metres / 1000 measured from the
grid's south-west corner. Everything is deterministic; nothing runs at import time.

This module holds :class:`Territory` and its loading; the parts it is assembled from are
the comuni tables (:mod:`models.territory.comuni`), the committed raster document
(:mod:`models.territory.grid`) and the land-use layout (:mod:`models.territory.land_use`).

Example:
    >>> from models.territory.territory import load_territory
    >>> t = load_territory()
    >>> t.n_comuni, t.names[t.torino], t.n_outside
    (38, 'Torino', 273)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.codes import N_ZONES, OUTSIDE
from models.territory import geography
from models.territory.comuni import DEFAULT_CSV, TORINO_CODE, read_comuni_table, read_outside
from models.territory.grid import (
    ProjectedPlaces,
    cell_centres_km,
    project_places,
    read_grid_document,
)
from models.territory.land_use import lay_out_land_use


@dataclass(frozen=True, eq=False)
class Territory:
    """The 38 comuni, their attributes, the cell raster and the outside places.

    Arrays are read-only; copy them before changing land use in a simulation.

    Attributes:
        codes: ISTAT codes (6-character text), in table order; index ``i`` is comune ``i``.
        names: Comune names, same order.
        population: Residents in 2015, int64 ``(38,)``.
        area_km2: Official area in km² at 2015 boundaries, float64 ``(38,)``.
        lat: Town-centre latitude, degrees, float64 ``(38,)``.
        lon: Town-centre longitude, degrees, float64 ``(38,)``.
        centre_x_km: Town-centre easting, km from the grid's south-west corner (UTM 32N,
            projected when the data were built), float64 ``(38,)``.
        centre_y_km: Town-centre northing, km from the grid's south-west corner, float64
            ``(38,)``.
        land_shares: Built-up, agricultural and other-green shares of each comune's area,
            float64 ``(38, 3)``, rows sum to 1 (columns follow the land-use codes
            of :mod:`models.territory.land_use`).
        cell_km: Side of a square cell, km.
        cell_zone: Zone of each cell, int16 ``(height, width)``: ``0..37`` is the comune
            index, :data:`OUTSIDE` a cell of no comune.
        land_use: Land-use code of each cell, int8 ``(height, width)``; ``-1`` outside.
        protected: True for comune cells in one of the plan's protected areas, bool
            ``(height, width)``.
        x_km: Cell-centre easting, km from the grid's south-west corner, float64
            ``(height, width)``.
        y_km: Cell-centre northing, km from the grid's south-west corner, float64
            ``(height, width)``.
        torino: Index of Torino.
        seed_cell: ``(row, col)`` of each comune's town-centre cell: the cell holding the
            town centre, or the comune's cell nearest to it, int64 ``(38, 2)``.
        west_m: UTM 32N easting of the grid's western edge, m.
        south_m: UTM 32N northing of the grid's southern edge, m.
        outside_codes: ISTAT codes of the other comuni of the province.
        outside_names: Their names.
        outside_population: Their residents (ISTAT, 2023), int64 ``(n_outside,)``.
        outside_area_km2: Their areas, km², float64 ``(n_outside,)``.
        outside_x_km: Easting of their centroids, km from the grid's corner.
        outside_y_km: Northing of their centroids, km from the grid's corner.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    population: np.ndarray
    area_km2: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    centre_x_km: np.ndarray
    centre_y_km: np.ndarray
    land_shares: np.ndarray
    cell_km: float
    cell_zone: np.ndarray
    land_use: np.ndarray
    protected: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    torino: int
    seed_cell: np.ndarray
    west_m: float
    south_m: float
    outside_codes: tuple[str, ...]
    outside_names: tuple[str, ...]
    outside_population: np.ndarray
    outside_area_km2: np.ndarray
    outside_x_km: np.ndarray
    outside_y_km: np.ndarray

    @property
    def n_comuni(self) -> int:
        """Number of comuni (38)."""
        return len(self.codes)

    @property
    def n_outside(self) -> int:
        """Number of outside places (the province's other comuni)."""
        return len(self.outside_codes)

    @property
    def height(self) -> int:
        """Number of cell rows (south to north)."""
        return int(self.cell_zone.shape[0])

    @property
    def width(self) -> int:
        """Number of cell columns (west to east)."""
        return int(self.cell_zone.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """Raster shape ``(height, width)``."""
        return self.height, self.width

    @property
    def n_cells(self) -> int:
        """Number of raster cells; outside place ``j`` has place index ``n_cells + j``."""
        return self.height * self.width

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell, km²."""
        return self.cell_km * self.cell_km

    @property
    def outside_mask(self) -> np.ndarray:
        """Boolean raster, True for cells of the outside zone."""
        return self.cell_zone == OUTSIDE

    @property
    def place_x_km(self) -> np.ndarray:
        """Easting of every place, km: the raster cells (flat), then the outside places."""
        return np.concatenate([self.x_km.ravel(), self.outside_x_km])

    @property
    def place_y_km(self) -> np.ndarray:
        """Northing of every place, km: the raster cells (flat), then the outside places."""
        return np.concatenate([self.y_km.ravel(), self.outside_y_km])

    def index_of(self, key: str) -> int:
        """Index of a comune given its ISTAT code or its name.

        Args:
            key: ISTAT code (``"001272"``) or name (``"Torino"``).

        Returns:
            The comune index.

        Raises:
            KeyError: If no comune has that code or name.
        """
        if key in self.codes:
            return self.codes.index(key)
        if key in self.names:
            return self.names.index(key)
        raise KeyError(key)

    def comune_mask(self, i: int) -> np.ndarray:
        """Boolean raster, True for the cells of comune ``i``."""
        return self.cell_zone == i

    def cells_per_comune(self) -> np.ndarray:
        """Count the cells of each comune, int64 ``(38,)``."""
        return np.bincount(self.cell_zone.ravel(), minlength=N_ZONES)[: self.n_comuni].astype(
            np.int64
        )

    def land_use_counts(self) -> np.ndarray:
        """Count the cells of each land use in each comune, int64 ``(38, 3)``."""
        inside = self.cell_zone != OUTSIDE
        flat = self.cell_zone[inside].astype(np.int64) * 3 + self.land_use[inside]
        return np.bincount(flat, minlength=self.n_comuni * 3).reshape(self.n_comuni, 3)

    def centroid_cell(self, i: int) -> tuple[int, int]:
        """Return the cell of comune ``i`` nearest the centroid of its cells.

        Args:
            i: Comune index.

        Returns:
            ``(row, col)`` of a cell that belongs to comune ``i``.
        """
        rows, cols = np.nonzero(self.cell_zone == i)
        d2 = (rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2
        k = int(np.argmin(d2))  # first minimum in row-major order: deterministic
        return int(rows[k]), int(cols[k])

    def project(
        self, lat: np.ndarray | float, lon: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Project geographic coordinates (WGS84) to grid kilometres (UTM 32N).

        Args:
            lat: Latitude(s), degrees.
            lon: Longitude(s), degrees.

        Returns:
            ``(x_km, y_km)`` measured from the grid's south-west corner.
        """
        x, y = geography.lonlat_to_utm(lon, lat)
        return (x - self.west_m) / 1000.0, (y - self.south_m) / 1000.0

    def cell_lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 longitude and latitude of every cell centre, degrees.

        Returns:
            ``(lon, lat)``, two float64 arrays shaped like the raster ``(height, width)``.
        """
        lon, lat = geography.utm_to_lonlat(
            self.west_m + 1000.0 * self.x_km, self.south_m + 1000.0 * self.y_km
        )
        return lon.reshape(self.shape), lat.reshape(self.shape)

    def cell_of(self, x_km: float, y_km: float) -> tuple[int, int]:
        """Return the ``(row, col)`` of the cell holding a point, clipped to the grid.

        Args:
            x_km: Easting from the grid's south-west corner, km.
            y_km: Northing from the grid's south-west corner, km.

        Returns:
            ``(row, col)``.
        """
        col = min(max(int(math.floor(x_km / self.cell_km)), 0), self.width - 1)
        row = min(max(int(math.floor(y_km / self.cell_km)), 0), self.height - 1)
        return row, col


def load_territory(cell_km: float = 0.5, *, csv_path: str | Path | None = None) -> Territory:
    """The territory: the committed raster at 0.5 km, or one built from the boundaries.

    At the default cell size and comuni table the raster is read from
    :data:`~models.territory.grid.GRID_JSON` (so results never depend on the version of the
    geometry or optimisation libraries); otherwise it is built by
    :func:`models.territory.geography.rasterise`.
    The result is cached per ``(cell_km, csv_path)``: repeated calls return the same
    immutable object (:func:`build_territory` always builds a new one).

    Args:
        cell_km: Side of a cell, km (0.5 km gives about 3,440 comune cells).
        csv_path: Comuni table to read; defaults to
            :data:`~models.territory.comuni.DEFAULT_CSV`.

    Returns:
        The territory.

    Raises:
        ValueError: If ``cell_km`` is not positive or the table is malformed.
    """
    path = Path(csv_path) if csv_path is not None else DEFAULT_CSV
    return _load_cached(float(cell_km), path.resolve())


@functools.lru_cache(maxsize=8)
def _load_cached(cell_km: float, path: Path) -> Territory:
    if path == DEFAULT_CSV.resolve():
        raster, projected = read_grid_document()
        if raster.cell_km == cell_km:
            return _assemble(read_comuni_table(path), raster, projected)
    return build_territory(cell_km, path)


def build_territory(cell_km: float = 0.5, csv_path: str | Path = DEFAULT_CSV) -> Territory:
    """Build a territory from the boundaries, without the cache or the committed raster.

    Args:
        cell_km: Side of a cell, km.
        csv_path: Comuni table to read.

    Returns:
        A new territory.

    Raises:
        ValueError: If ``cell_km`` is not positive or the table is malformed.
    """
    if not cell_km > 0:
        raise ValueError(f"cell_km must be positive, got {cell_km}")
    table = read_comuni_table(Path(csv_path))
    raster = geography.rasterise(
        geography.read_boundaries(), table["codes"], table["area_km2"], cell_km
    )
    return _assemble(table, raster, project_places(table, raster))


def town_cells(
    zone: np.ndarray, x_km: np.ndarray, y_km: np.ndarray, tx: np.ndarray, ty: np.ndarray
) -> np.ndarray:
    """``(row, col)`` of each comune's cell holding its town centre, or nearest to it."""
    out = np.empty((len(tx), 2), dtype=np.int64)
    for i, (x, y) in enumerate(zip(tx, ty, strict=True)):
        rows, cols = np.nonzero(zone == i)
        d2 = (x_km[rows, cols] - x) ** 2 + (y_km[rows, cols] - y) ** 2
        k = int(np.argmin(d2))  # the cell holding the point is nearest; first of ties
        out[i] = rows[k], cols[k]
    return out


def _assemble(table: dict, raster: geography.Raster, places: ProjectedPlaces) -> Territory:
    """The territory from the comuni table, a raster and its projected places."""
    zone = raster.zone
    height, width = zone.shape
    cell_km = raster.cell_km
    x_km, y_km = cell_centres_km(height, width, cell_km)
    tx = (places.centres_m[:, 0] - raster.west_m) / 1000.0
    ty = (places.centres_m[:, 1] - raster.south_m) / 1000.0
    protected = places.protected
    land_use = lay_out_land_use(zone, table["land_shares"], tx, ty, x_km, y_km, protected)
    outside = read_outside()
    arrays = {
        "population": table["population"],
        "area_km2": table["area_km2"],
        "lat": table["lat"],
        "lon": table["lon"],
        "centre_x_km": tx,
        "centre_y_km": ty,
        "land_shares": table["land_shares"],
        "cell_zone": zone.astype(np.int16),
        "land_use": land_use,
        "protected": protected,
        "x_km": x_km,
        "y_km": y_km,
        "seed_cell": town_cells(zone, x_km, y_km, tx, ty),
        "outside_population": outside["population"],
        "outside_area_km2": outside["area_km2"],
        "outside_x_km": (outside["easting_m"] - raster.west_m) / 1000.0,
        "outside_y_km": (outside["northing_m"] - raster.south_m) / 1000.0,
    }
    for arr in arrays.values():
        arr.setflags(write=False)
    return Territory(
        codes=table["codes"],
        names=table["names"],
        cell_km=float(cell_km),
        torino=table["codes"].index(TORINO_CODE),
        west_m=raster.west_m,
        south_m=raster.south_m,
        outside_codes=outside["codes"],
        outside_names=outside["names"],
        **arrays,
    )
