"""The territory of the Turin conurbation: ISTAT's comuni on a raster, and the province around.

The 38 comuni are read from ``models/data/comuni.csv`` (2015 figures, see
``models/data/README.md``) and placed on a grid of square cells aligned with UTM zone 32N
(EPSG:32632). Which comune each cell belongs to comes from ISTAT's boundaries
(:mod:`models.territory.geography`): the committed raster ``models/data/territory_grid.json`` is
written by ``models/data/make_territory.py``; each comune has as many cells as its official
area, and the cells it gets are those its polygon covers most. Cells of no comune are the
zone :data:`OUTSIDE`. Land use is laid out inside each comune (:func:`lay_out_land_use`).

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

Example:
    >>> from models.territory.territory import load_territory
    >>> t = load_territory()
    >>> t.n_comuni, t.names[t.torino], t.n_outside
    (38, 'Torino', 273)
"""

from __future__ import annotations

import csv
import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from models.codes import N_COMUNI, N_ZONES, OUTSIDE
from models.territory import geography
from sim.apportion import round_quotas

BUILT, AGRICULTURAL, GREEN = 0, 1, 2
"""Land-use codes of comune cells; outside cells have land use ``-1``."""

LAND_USE_NAMES: tuple[str, str, str] = ("built", "agricultural", "green")
"""Names of the land-use codes, by code."""

TORINO_CODE: str = "001272"

DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CSV: Path = DATA_DIR / "comuni.csv"
"""The comuni table shipped with the package."""
GRID_JSON: Path = DATA_DIR / "territory_grid.json"
"""The committed raster of the 38 comuni (written by ``make_territory.py``)."""
OUTSIDE_CSV: Path = DATA_DIR / "outside_comuni.csv"
"""The other comuni of the province (written by ``make_territory.py``)."""

ZONE_SYMBOLS: str = "0123456789abcdefghijklmnopqrstuvwxyzAB"
"""One character per comune index in ``territory_grid.json``; ``.`` is outside."""


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
            float64 ``(38, 3)``, rows sum to 1 (columns follow :data:`BUILT`,
            :data:`AGRICULTURAL`, :data:`GREEN`).
        cell_km: Side of a square cell, km.
        cell_zone: Zone of each cell, int16 ``(height, width)``: ``0..37`` is the comune
            index, :data:`OUTSIDE` a cell of no comune.
        land_use: Land-use code of each cell, int8 ``(height, width)``; ``-1`` outside.
        protected: True for comune cells in one of :data:`PROTECTED_AREAS`, bool
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
    :data:`GRID_JSON` (so results never depend on the version of the geometry or
    optimisation libraries); otherwise it is built by :func:`models.territory.geography.rasterise`.
    The result is cached per ``(cell_km, csv_path)``: repeated calls return the same
    immutable object (:func:`build_territory` always builds a new one).

    Args:
        cell_km: Side of a cell, km (0.5 km gives about 3,440 comune cells).
        csv_path: Comuni table to read; defaults to :data:`DEFAULT_CSV`.

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
            return _assemble(_read_table(path), raster, projected)
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
    table = _read_table(Path(csv_path))
    raster = geography.rasterise(
        geography.read_boundaries(), table["codes"], table["area_km2"], cell_km
    )
    return _assemble(table, raster, project_places(table, raster))


@dataclass(frozen=True, eq=False)
class ProjectedPlaces:
    """What the territory takes from map projection and polygon geometry, besides the raster.

    PROJ and GEOS call the C library's trigonometric functions, whose last bit depends on
    the host CPU (glibc picks an FMA build where the CPU has one): these are therefore
    computed once, when the data are built, and read from :data:`GRID_JSON` at run time.

    Attributes:
        centres_m: UTM 32N easting and northing of each comune's town centre, m, rounded to
            the centimetre, float64 ``(n_comuni, 2)``.
        protected: True for comune cells in one of :data:`PROTECTED_AREAS`, bool
            ``(height, width)``, row 0 the southern row.
    """

    centres_m: np.ndarray
    protected: np.ndarray


def project_places(table: dict, raster: geography.Raster) -> ProjectedPlaces:
    """Project the town centres and lay the protected areas on ``raster`` (pyproj, shapely)."""
    x, y = geography.lonlat_to_utm(table["lon"], table["lat"])
    height, width = raster.zone.shape
    x_km, y_km = cell_centres_km(height, width, raster.cell_km)
    return ProjectedPlaces(
        centres_m=np.round(np.column_stack([x, y]), 2),
        protected=protected_cells(raster.zone, raster.west_m, raster.south_m, x_km, y_km),
    )


def read_grid(path: Path = GRID_JSON) -> geography.Raster:
    """Read the committed raster (format: :func:`grid_document`)."""
    return read_grid_document(path)[0]


def read_grid_document(path: Path = GRID_JSON) -> tuple[geography.Raster, ProjectedPlaces]:
    """Read the committed raster and its projected places (format: :func:`grid_document`)."""
    with Path(path).open(encoding="utf-8") as fh:
        doc = json.load(fh)
    symbols = {s: i for i, s in enumerate(ZONE_SYMBOLS)} | {".": OUTSIDE}
    rows = [[symbols[ch] for ch in line] for line in reversed(doc["rows_north_to_south"])]
    zone = np.array(rows, dtype=np.int16)
    if zone.shape != (doc["height"], doc["width"]):
        raise ValueError(f"{path}: raster is {zone.shape}, header says otherwise")
    protected = np.array(
        [[ch == "#" for ch in line] for line in reversed(doc["protected_north_to_south"])]
    )
    raster = geography.Raster(zone, float(doc["west_m"]), float(doc["south_m"]), doc["cell_km"])
    places = ProjectedPlaces(np.array(doc["town_centres_m"], dtype=np.float64), protected)
    return raster, places


def grid_document(
    raster: geography.Raster, codes: tuple[str, ...], places: ProjectedPlaces
) -> dict:
    """The raster and its projected places as the JSON document :func:`read_grid` reads.

    Rows are written north first, one character per cell (:data:`ZONE_SYMBOLS`, ``.``
    outside; ``#`` a protected cell in the protected rows), so the file reads as a map.
    """
    rows = ["".join(ZONE_SYMBOLS[z] if z < OUTSIDE else "." for z in r) for r in raster.zone]
    protected = ["".join("#" if p else "." for p in r) for r in places.protected]
    return {
        "crs": geography.CRS,
        "cell_km": raster.cell_km,
        "west_m": raster.west_m,
        "south_m": raster.south_m,
        "height": int(raster.zone.shape[0]),
        "width": int(raster.zone.shape[1]),
        "codes": list(codes),
        "town_centres_m": [[float(x), float(y)] for x, y in places.centres_m],
        "rows_north_to_south": rows[::-1],
        "protected_north_to_south": protected[::-1],
    }


def read_outside(path: Path = OUTSIDE_CSV) -> dict:
    """Read the table of the province's other comuni."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "codes": tuple(r["istat_code"] for r in rows),
        "names": tuple(r["name"] for r in rows),
        "population": np.array([int(r["population_2023"]) for r in rows], dtype=np.int64),
        "area_km2": np.array([float(r["area_km2"]) for r in rows]),
        "easting_m": np.array([float(r["easting_m"]) for r in rows]),
        "northing_m": np.array([float(r["northing_m"]) for r in rows]),
    }


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


# ---------------------------------------------------------------------------------------
# helpers


def cell_centres_km(height: int, width: int, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre easting and northing, km from the grid's south-west corner."""
    x_km = np.broadcast_to((np.arange(width) + 0.5) * cell_km, (height, width)).copy()
    y_km = np.broadcast_to(((np.arange(height) + 0.5) * cell_km)[:, None], (height, width)).copy()
    return x_km, y_km


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


def _read_table(path: Path) -> dict:
    """Read ``comuni.csv`` into tuples and numpy arrays, checking its shape."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) != N_COMUNI:
        raise ValueError(f"{path}: expected {N_COMUNI} comuni, found {len(rows)}")
    codes = tuple(r["istat_code"] for r in rows)
    if any(len(c) != 6 or not c.isdigit() for c in codes) or len(set(codes)) != N_COMUNI:
        raise ValueError(f"{path}: ISTAT codes must be 38 distinct 6-digit strings")
    if TORINO_CODE not in codes:
        raise ValueError(f"{path}: Torino ({TORINO_CODE}) is missing")
    shares = np.array(
        [
            [float(r["built_share"]), float(r["agricultural_share"]), float(r["green_share_other"])]
            for r in rows
        ]
    )
    if (shares < 0).any() or not np.allclose(shares.sum(axis=1), 1.0, atol=1e-5):
        raise ValueError(f"{path}: land-use shares must be non-negative and sum to 1")
    area = np.array([float(r["area_km2"]) for r in rows])
    if (area <= 0).any():
        raise ValueError(f"{path}: areas must be positive")
    return {
        "codes": codes,
        "names": tuple(r["name"] for r in rows),
        "population": np.array([int(r["population_2015"]) for r in rows], dtype=np.int64),
        "area_km2": area,
        "lat": np.array([float(r["lat"]) for r in rows]),
        "lon": np.array([float(r["lon"]) for r in rows]),
        "land_shares": shares,
    }
