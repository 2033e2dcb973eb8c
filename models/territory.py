"""The territory of the Turin conurbation as a raster of square cells.

The 38 comuni are read from ``models/data/comuni.csv`` (2015 boundaries, see
``models/data/README.md``). There is no boundary geometry in the inputs, only a town-centre
coordinate and an area per comune, so the map is *synthetic*: each comune grows from its
town centre until it covers as many cells as its area, and the regions tile a compact
patch surrounded by a ring of "outside" cells (the rest of the province and beyond, zone
:data:`OUTSIDE`). Land use is then laid out inside each comune: built-up cells nearest the
town centre, agricultural cells further out, other green (parks, woods, river strips,
protected land) on the outer edge, in the exact proportions of the table.

Array convention: rasters are indexed ``[row, col]``; row 0 is the *southern* edge and
column 0 the *western* edge, so ``x_km`` grows with the column and ``y_km`` with the row
(plot with ``origin="lower"``). Everything is deterministic; nothing runs at import time.

Example:
    >>> from models.territory import load_territory
    >>> t = load_territory()
    >>> t.n_comuni, t.names[t.torino]
    (38, 'Torino')
"""

from __future__ import annotations

import csv
import functools
import heapq
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from models.codes import N_COMUNI, N_ZONES, OUTSIDE

BUILT, AGRICULTURAL, GREEN = 0, 1, 2
"""Land-use codes of comune cells; outside cells have land use ``-1``."""

LAND_USE_NAMES: tuple[str, str, str] = ("built", "agricultural", "green")
"""Names of the land-use codes, by code."""

TORINO_CODE: str = "001272"
EARTH_RADIUS_KM: float = 6371.0088
"""Mean Earth radius used by the equirectangular projection."""

DEFAULT_CSV: Path = Path(__file__).resolve().parent / "data" / "comuni.csv"
"""The comuni table shipped with the package."""

_GROWTH_PAD_KM = 16.0  # room around the town centres for the regions to grow into
_MARGIN_KM = 3.0  # width of the ring of outside cells kept around the comuni
_MAX_WEIGHT_ROUNDS = 40  # rounds of weight adjustment for comuni that got boxed in


@dataclass(frozen=True, eq=False)
class Territory:
    """The 38 comuni, their attributes and the cell raster.

    Arrays are read-only; copy them before changing land use in a simulation.

    Attributes:
        codes: ISTAT codes (6-character text), in table order; index ``i`` is comune ``i``.
        names: Comune names, same order.
        population: Residents in 2015, int64 ``(38,)``.
        area_km2: Official area in km² at 2015 boundaries, float64 ``(38,)``.
        lat: Town-centre latitude, degrees, float64 ``(38,)``.
        lon: Town-centre longitude, degrees, float64 ``(38,)``.
        land_shares: Built-up, agricultural and other-green shares of each comune's area,
            float64 ``(38, 3)``, rows sum to 1 (columns follow :data:`BUILT`,
            :data:`AGRICULTURAL`, :data:`GREEN`).
        cell_km: Side of a square cell, km.
        cell_zone: Zone of each cell, int16 ``(height, width)``: ``0..37`` is the comune
            index, :data:`OUTSIDE` a cell of no comune.
        land_use: Land-use code of each cell, int8 ``(height, width)``; ``-1`` outside.
        x_km: Cell-centre easting, km from the grid's south-west corner, float64
            ``(height, width)``.
        y_km: Cell-centre northing, km from the grid's south-west corner, float64
            ``(height, width)``.
        torino: Index of Torino.
        seed_cell: ``(row, col)`` of the cell each comune grew from (its town centre, or
            the nearest free cell when two centres fall in one cell), int64 ``(38, 2)``.
        ref_lat: Latitude (degrees) at which the projection is true to scale.
        corner_lat: Latitude (degrees) of the grid's south-west corner.
        corner_lon: Longitude (degrees) of the grid's south-west corner.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    population: np.ndarray
    area_km2: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    land_shares: np.ndarray
    cell_km: float
    cell_zone: np.ndarray
    land_use: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    torino: int
    seed_cell: np.ndarray
    ref_lat: float
    corner_lat: float
    corner_lon: float

    @property
    def n_comuni(self) -> int:
        """Number of comuni (38)."""
        return len(self.codes)

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
    def cell_area_km2(self) -> float:
        """Area of one cell, km²."""
        return self.cell_km * self.cell_km

    @property
    def outside_mask(self) -> np.ndarray:
        """Boolean raster, True for cells of the outside zone."""
        return self.cell_zone == OUTSIDE

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
        """Project geographic coordinates to grid kilometres.

        Args:
            lat: Latitude(s), degrees.
            lon: Longitude(s), degrees.

        Returns:
            ``(x_km, y_km)`` measured from the grid's south-west corner.
        """
        return _project(
            np.asarray(lat, dtype=np.float64),
            np.asarray(lon, dtype=np.float64),
            self.ref_lat,
            self.corner_lat,
            self.corner_lon,
        )

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
    """Read the comuni table and build the raster territory.

    The result is deterministic and cached per ``(cell_km, csv_path)``: repeated calls
    return the same immutable object (:func:`build_territory` always builds a new one).

    Args:
        cell_km: Side of a cell, km (0.5 km gives about 3,400 comune cells). Each
            comune's cell count is within 5 % of its area at 0.5 km and finer; on coarser
            grids rounding alone can exceed that for the smallest comuni.
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
    return build_territory(cell_km, path)


def build_territory(cell_km: float = 0.5, csv_path: str | Path = DEFAULT_CSV) -> Territory:
    """Build a territory without the cache (see :func:`load_territory`).

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
    codes, names = table["codes"], table["names"]
    lat, lon, area = table["lat"], table["lon"], table["area_km2"]
    shares = table["land_shares"]
    n = len(codes)

    targets = np.maximum(np.rint(area / cell_km**2).astype(np.int64), 1)
    ref_lat = float(lat.mean())

    # Provisional grid: the town centres' bounding box padded so regions can grow freely;
    # then crop to the comuni plus a margin ring of outside cells.
    margin = int(math.ceil(_MARGIN_KM / cell_km))
    pad = _GROWTH_PAD_KM
    while True:
        south = float(lat.min()) - math.degrees(pad / EARTH_RADIUS_KM)
        west = float(lon.min()) - math.degrees(
            pad / (EARTH_RADIUS_KM * math.cos(math.radians(ref_lat)))
        )
        sx_km, sy_km = _project(lat, lon, ref_lat, south, west)
        width = int(math.ceil((sx_km.max() + pad) / cell_km))
        height = int(math.ceil((sy_km.max() + pad) / cell_km))
        zone, seeds = _grow_regions(sx_km / cell_km, sy_km / cell_km, targets, height, width)
        if zone is not None:
            rows, cols = np.nonzero(zone != OUTSIDE)
            r0, r1 = int(rows.min()) - margin, int(rows.max()) + margin + 1
            c0, c1 = int(cols.min()) - margin, int(cols.max()) + margin + 1
            if r0 >= 0 and c0 >= 0 and r1 <= height and c1 <= width:
                break
        pad *= 2.0  # a region came too close to the provisional border: more room

    zone = zone[r0:r1, c0:c1]
    seeds = seeds - np.array([r0, c0])
    height, width = zone.shape
    corner_lat = south + math.degrees(r0 * cell_km / EARTH_RADIUS_KM)
    corner_lon = west + math.degrees(
        c0 * cell_km / (EARTH_RADIUS_KM * math.cos(math.radians(ref_lat)))
    )
    sx_km, sy_km = _project(lat, lon, ref_lat, corner_lat, corner_lon)

    col_idx = np.arange(width, dtype=np.float64)
    row_idx = np.arange(height, dtype=np.float64)
    x_km = np.broadcast_to((col_idx + 0.5) * cell_km, (height, width)).copy()
    y_km = np.broadcast_to(((row_idx + 0.5) * cell_km)[:, None], (height, width)).copy()

    land_use = _lay_out_land_use(zone, shares, sx_km, sy_km, x_km, y_km, n)

    arrays = {
        "population": table["population"],
        "area_km2": area,
        "lat": lat,
        "lon": lon,
        "land_shares": shares,
        "cell_zone": zone.astype(np.int16),
        "land_use": land_use,
        "x_km": x_km,
        "y_km": y_km,
        "seed_cell": seeds.astype(np.int64),
    }
    for arr in arrays.values():
        arr.setflags(write=False)
    return Territory(
        codes=codes,
        names=names,
        cell_km=float(cell_km),
        torino=codes.index(TORINO_CODE),
        ref_lat=ref_lat,
        corner_lat=float(corner_lat),
        corner_lon=float(corner_lon),
        **arrays,
    )


# ---------------------------------------------------------------------------------------
# helpers


def _project(
    lat: np.ndarray, lon: np.ndarray, ref_lat: float, corner_lat: float, corner_lon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection, true to scale at ``ref_lat``, origin at the corner."""
    x = EARTH_RADIUS_KM * math.cos(math.radians(ref_lat)) * np.radians(lon - corner_lon)
    y = EARTH_RADIUS_KM * np.radians(lat - corner_lat)
    return x, y


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


def _place_seeds(sx: np.ndarray, sy: np.ndarray, height: int, width: int) -> list[int]:
    """Flat cell index of each comune's seed: the cell holding its town centre.

    When that cell already holds an earlier comune's seed (coarse grids), the nearest cell
    not yet used as a seed is taken instead (ties by cell index), so every comune starts
    from its own cell.
    """
    used: set[int] = set()
    seeds = []
    for x, y in zip(sx, sy, strict=True):
        col = min(max(int(math.floor(x)), 1), width - 2)
        row = min(max(int(math.floor(y)), 1), height - 2)
        cell = row * width + col
        if cell in used:
            r = np.arange(1, height - 1)[:, None]
            c = np.arange(1, width - 1)[None, :]
            d2 = ((c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2).ravel()
            flat = (r * width + c).ravel()
            for k in np.lexsort((flat, d2)):
                if int(flat[k]) not in used:
                    cell = int(flat[k])
                    break
        used.add(cell)
        seeds.append(cell)
    return seeds


def _grow_once(
    seeds: list[int],
    sx: np.ndarray,
    sy: np.ndarray,
    weights: np.ndarray,
    targets: np.ndarray,
    height: int,
    width: int,
) -> tuple[list[int], list[int], bool]:
    """One capacitated multi-source growth.

    All comuni grow at once from their seeds through 4-neighbours. A free cell ``c`` is
    offered to comune ``i`` with priority ``d_i(c)**2 - weights[i]`` (``d_i`` the distance
    from ``c``'s centre to the town centre, in cells): the smallest key is served first,
    so with ``weights = r_i**2`` every comune grows like a disc of its own size and
    neighbours meet on power-diagram lines. A comune stops when it has ``targets[i]``
    cells. Cells on the grid border are never taken.

    Returns:
        ``(zone, counts, touched_border)``: flat zone list (``-1`` free), cells per
        comune, and whether some region wanted to grow past the border.
    """
    n_cells = height * width
    zone = [-1] * n_cells
    counts = [0] * len(targets)
    tgt = [int(t) for t in targets]
    px = [float(v) for v in sx]
    py = [float(v) for v in sy]
    w = [float(v) for v in weights]
    heap: list[tuple[float, int, int]] = []
    touched_border = False

    def push_neighbours(i: int, cell: int) -> None:
        nonlocal touched_border
        row, col = divmod(cell, width)
        for nr, nc in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
            if nr <= 0 or nc <= 0 or nr >= height - 1 or nc >= width - 1:
                touched_border = True
                continue
            nb = nr * width + nc
            if zone[nb] == -1:
                dx = nc + 0.5 - px[i]
                dy = nr + 0.5 - py[i]
                heapq.heappush(heap, (dx * dx + dy * dy - w[i], i, nb))

    for i, cell in enumerate(seeds):
        zone[cell] = i
        counts[i] = 1
    for i, cell in enumerate(seeds):
        if counts[i] < tgt[i]:
            push_neighbours(i, cell)
    pop = heapq.heappop
    while heap:
        _, i, cell = pop(heap)
        if zone[cell] != -1 or counts[i] >= tgt[i]:
            continue
        zone[cell] = i
        counts[i] += 1
        if counts[i] < tgt[i]:
            push_neighbours(i, cell)
    return zone, counts, touched_border


def _fill_holes(zone: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Give enclosed pockets of free cells to a neighbouring comune.

    A pocket is a 4-connected group of free cells that does not reach the grid border.
    It goes whole to the adjacent comune whose cell count ends closest to its target, in
    relative terms (ties: lowest index); that comune stays one 4-connected patch.
    """
    free = zone < 0
    labels, n_labels = ndimage.label(free)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    counts = np.bincount(zone[zone >= 0], minlength=len(targets)).astype(np.int64)
    for lab in range(1, n_labels + 1):
        if lab in border:
            continue
        pocket = labels == lab
        ring = ndimage.binary_dilation(pocket) & ~pocket
        neighbours = np.unique(zone[ring])
        neighbours = neighbours[neighbours >= 0]
        size = int(pocket.sum())
        error = np.abs(counts[neighbours] + size - targets[neighbours]) / targets[neighbours]
        owner = int(neighbours[np.argmin(error)])  # argmin: first of the ties
        zone[pocket] = owner
        counts[owner] += size
    return zone


def _grow_regions(
    sx: np.ndarray, sy: np.ndarray, targets: np.ndarray, height: int, width: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """Grow the 38 regions on a provisional grid (coordinates in cell units).

    Starts with ``weights = area / pi`` (every comune a disc of its own area) and, while
    some comune is boxed in by its neighbours before reaching its cell count, raises that
    comune's weight in proportion to its shortfall and grows again, keeping the best round
    (smallest worst relative shortfall, then fewest missing cells). Pockets of free cells
    left inside the patch are then filled.

    Returns:
        ``(zone, seed_rc)``: zone raster (``OUTSIDE`` for free cells) and the seeds'
        ``(row, col)``; ``zone`` is None if a region reached the provisional border.
    """
    seeds = _place_seeds(sx, sy, height, width)
    weights = targets / math.pi
    best: tuple[tuple[float, int], list[int]] | None = None
    for _ in range(_MAX_WEIGHT_ROUNDS):
        zone, counts, touched = _grow_once(seeds, sx, sy, weights, targets, height, width)
        if touched:
            return None, np.empty((0, 2), dtype=np.int64)
        shortfall = targets - np.asarray(counts)
        score = (float((shortfall / targets).max()), int(shortfall.sum()))
        if best is None or score < best[0]:
            best = (score, zone)
        if shortfall.sum() == 0:
            break
        weights = (
            weights + 1.5 * (shortfall / targets) * (targets / math.pi) + 2.0 * (shortfall > 0)
        )
    assert best is not None
    grid = np.asarray(best[1], dtype=np.int64).reshape(height, width)
    grid = _fill_holes(grid, targets)
    grid[grid < 0] = OUTSIDE
    seed_rc = np.array([divmod(s, width) for s in seeds], dtype=np.int64)
    return grid, seed_rc


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total``: floors plus one for the largest remainders."""
    floors = np.floor(values).astype(np.int64)
    missing = int(total - floors.sum())
    if missing > 0:
        order = np.lexsort((np.arange(len(values)), -(values - floors)))
        floors[order[:missing]] += 1
    return floors


def _lay_out_land_use(
    zone: np.ndarray,
    shares: np.ndarray,
    sx_km: np.ndarray,
    sy_km: np.ndarray,
    x_km: np.ndarray,
    y_km: np.ndarray,
    n: int,
) -> np.ndarray:
    """Land use per cell: in each comune, cells ordered by distance to the town centre.

    The nearest cells are built-up, the next ones agricultural, the furthest other green;
    the counts are the comune's shares times its cells, rounded by largest remainder.
    """
    land_use = np.full(zone.shape, -1, dtype=np.int8)
    flat_zone = zone.ravel()
    flat_lu = land_use.ravel()
    xs, ys = x_km.ravel(), y_km.ravel()
    for i in range(n):
        cells = np.flatnonzero(flat_zone == i)
        d2 = (xs[cells] - sx_km[i]) ** 2 + (ys[cells] - sy_km[i]) ** 2
        cells = cells[np.lexsort((cells, d2))]
        n_built, n_agri, _ = _largest_remainder(shares[i] * len(cells), len(cells))
        flat_lu[cells[:n_built]] = BUILT
        flat_lu[cells[n_built : n_built + n_agri]] = AGRICULTURAL
        flat_lu[cells[n_built + n_agri :]] = GREEN
    return land_use
