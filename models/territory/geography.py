"""ISTAT's boundaries of the province of Turin, projected, and the raster built from them.

The boundaries are ISTAT's administrative limits of the 312 comuni of the province
(``data/sources/limits_P_1_municipalities.geojson``, WGS84; provenance and licence in
``models/data/README.md``: "Confini amministrativi: ISTAT, CC BY 4.0, via Openpolis
(openpolis/geojson-italy)"). They are projected to UTM zone 32N (EPSG:32632) with pyproj:
a conformal projection whose scale error over the province is below 0.1 %, so areas,
distances and shapes are kept.

The limits are of 2023. The plan's 38 comuni are those of 2015, before Mappano (001316,
created in 2017 out of Borgaro Torinese, Caselle Torinese, Leinì and Settimo Torinese),
so the raster gives Mappano's land back to those four (rule in :func:`rasterise`).

This module is used by ``models/data/make_territory.py``, which writes the committed
raster and the table of the other comuni, and by :mod:`models.experiments.maps`, which draws the
comuni's outlines. Nothing runs at import time.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"
BOUNDARIES: Path = DATA_DIR / "sources" / "limits_P_1_municipalities.geojson"
"""ISTAT's limits of the 312 comuni of the province (verbatim copy)."""

CRS: str = "EPSG:32632"
"""The projected coordinate system of the model's grid: WGS84 / UTM zone 32N."""

MAPPANO: str = "001316"
MAPPANO_PARENTS: tuple[str, ...] = ("001028", "001063", "001130", "001265")
"""Borgaro Torinese, Caselle Torinese, Leinì and Settimo Torinese: Mappano's land in 2015."""

MARGIN_KM: float = 3.0
"""Width of the band of outside cells kept around the 38 comuni on the grid."""

CENTRE_BONUS: float = 0.25
"""Value (in cells) of a cell whose centre lies in the comune, in the allocation."""

UNALLOCATED_COST: float = 2.0
"""Cost, per share of the cell inside the comuni's union, of leaving a cell to no comune."""

OFFSET_STEP_M: float = 50.0
"""Step of the grid shifts tried by :func:`grid_offset`, m."""

MAPPANO_DISTANCE_PENALTY: float = 0.1
"""Loss of value per km between a Mappano cell and the parent comune's own polygon."""


@functools.lru_cache(maxsize=1)
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


@functools.lru_cache(maxsize=1)
def _to_lonlat() -> Transformer:
    return Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def lonlat_to_utm(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude and latitude (degrees) to UTM 32N easting and northing (m)."""
    x, y = _to_utm().transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def utm_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_utm`: UTM 32N metres to longitude and latitude."""
    lon, lat = _to_lonlat().transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _project(geometry: np.ndarray) -> np.ndarray:
    def forward(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(lonlat_to_utm(coords[:, 0], coords[:, 1]))

    return shapely.transform(geometry, forward)


@dataclass(frozen=True)
class Boundaries:
    """The comuni of the province as projected polygons (UTM 32N, metres).

    Attributes:
        codes: ISTAT codes (6 characters), in the file's order.
        names: Names, same order.
        polygons: shapely (Multi)Polygons, same order.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    polygons: tuple[shapely.Geometry, ...]

    def polygon(self, code: str) -> shapely.Geometry:
        """The polygon of the comune with ISTAT code ``code``."""
        return self.polygons[self.codes.index(code)]


@functools.lru_cache(maxsize=2)
def read_boundaries(path: Path = BOUNDARIES) -> Boundaries:
    """Read the GeoJSON of the province's comuni and project it to UTM 32N.

    Args:
        path: A GeoJSON FeatureCollection whose features carry ``com_istat_code`` and
            ``name`` properties.

    Returns:
        The comuni in the file's order.
    """
    with Path(path).open(encoding="utf-8") as fh:
        collection = json.load(fh)
    features = collection["features"]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    projected = _project(geoms)  # one pyproj call for every vertex of the province
    valid = shapely.is_valid(projected)
    projected[~valid] = shapely.make_valid(projected[~valid])
    return Boundaries(
        codes=tuple(f["properties"]["com_istat_code"] for f in features),
        names=tuple(f["properties"]["name"] for f in features),
        polygons=tuple(projected),
    )


@dataclass(frozen=True)
class Raster:
    """The comuni on a square grid aligned with UTM 32N.

    Attributes:
        zone: Comune index of each cell (``len(codes)`` for a cell of no comune), int16
            ``(height, width)``, row 0 the southern row.
        west_m: Easting of the grid's western edge, m.
        south_m: Northing of the grid's southern edge, m.
        cell_km: Side of a cell, km.
    """

    zone: np.ndarray
    west_m: float
    south_m: float
    cell_km: float


def cell_boxes(
    west_m: float, south_m: float, cell_km: float, height: int, width: int
) -> np.ndarray:
    """The cells of a grid as shapely boxes, flat in row-major order (row 0 south)."""
    side = cell_km * 1000.0
    col, row = np.meshgrid(np.arange(width), np.arange(height))
    x0 = west_m + col.ravel() * side
    y0 = south_m + row.ravel() * side
    return shapely.box(x0, y0, x0 + side, y0 + side)


def rasterise(
    boundaries: Boundaries,
    codes: tuple[str, ...],
    area_km2: np.ndarray,
    cell_km: float,
) -> Raster:
    """Allocate the cells of a grid to the comuni so each gets as many cells as its area.

    The grid is aligned with UTM 32N, shifted by :func:`grid_offset`, and covers the comuni
    plus :data:`MARGIN_KM`. Cells are allocated by a transportation problem solved
    exactly with HiGHS (``scipy.optimize.linprog``): each cell goes to at most one comune,
    comune ``k`` gets exactly ``max(round(area_km2[k] / cell_km²), 1)`` cells, and the
    total value is the largest possible. The value of cell ``c`` for comune ``k`` is the
    share of the cell inside ``k``'s polygon plus :data:`CENTRE_BONUS` if the cell's
    centre is inside it; leaving a cell to no comune costs :data:`UNALLOCATED_COST` times
    the share of it inside the comuni's union (more than any cell is worth to a comune),
    so no hole is left inside the conurbation. So cells go to the comune that covers most
    of them, and where a comune's official area exceeds (falls short of) its polygon, its
    boundary cells of largest (smallest) overlap are added (dropped).

    Mappano's polygon counts, for each of its four parent comuni, at its overlap share
    times ``1 - MAPPANO_DISTANCE_PENALTY * d`` (``d`` the distance, km, from the cell's
    centre to the parent's own polygon): each parent takes the Mappano cells nearest to
    it, as many as its 2015 area (which includes its part of Mappano) requires.

    Args:
        boundaries: The projected polygons (must include every code and Mappano).
        codes: ISTAT codes of the comuni, in the model's order.
        area_km2: Official area of each comune at 2015 boundaries.
        cell_km: Side of a cell, km.

    Returns:
        The raster.

    Raises:
        ValueError: If ``cell_km`` is not positive or the allocation is infeasible.
    """
    if not cell_km > 0:
        raise ValueError(f"cell_km must be positive, got {cell_km}")
    side = cell_km * 1000.0
    own = [boundaries.polygon(c) for c in codes]
    mappano = boundaries.polygon(MAPPANO)
    parents = [codes.index(c) for c in MAPPANO_PARENTS]
    targets = np.maximum(np.rint(np.asarray(area_km2) / cell_km**2), 1).astype(np.int64)
    union = shapely.union_all([*own, mappano])
    west, south, height, width = grid_frame(own, mappano, parents, targets, union.bounds, side)
    boxes = cell_boxes(west, south, cell_km, height, width)
    cell, zone, value = cell_values(boxes, own, mappano, parents, side)
    chosen = allocate_cells(cell, zone, value, targets, boxes, union, side)
    grid = np.full(height * width, len(codes), dtype=np.int16)
    grid[cell[chosen]] = zone[chosen]
    return Raster(grid.reshape(height, width), float(west), float(south), float(cell_km))


def grid_frame(
    own: list[shapely.Geometry],
    mappano: shapely.Geometry,
    parents: list[int],
    targets: np.ndarray,
    bounds: tuple[float, float, float, float],
    side: float,
) -> tuple[float, float, int, int]:
    """Where the grid lies: ``(west_m, south_m, height, width)``.

    The comuni's ``bounds`` plus :data:`MARGIN_KM`, on the UTM multiples of the cell
    ``side`` (m) shifted by :func:`grid_offset`.
    """
    minx, miny, maxx, maxy = bounds
    margin = MARGIN_KM * 1000.0
    off_x, off_y = grid_offset(own, mappano, parents, targets, bounds, side)
    west = np.floor((minx - margin - off_x) / side) * side + off_x
    south = np.floor((miny - margin - off_y) / side) * side + off_y
    width = int(np.ceil((maxx + margin - west) / side))
    height = int(np.ceil((maxy + margin - south) / side))
    return west, south, height, width


def cell_values(
    boxes: np.ndarray,
    own: list[shapely.Geometry],
    mappano: shapely.Geometry,
    parents: list[int],
    side: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value of each (cell, comune) pair a comune's polygon touches (rule in :func:`rasterise`).

    Returns:
        ``(cell, zone, value)``, one entry per pair, sorted by cell then comune: a Mappano
        cell's value for a parent adds to the parent's own overlap with that cell, and a
        deterministic tie-break far below any real difference of value is added.
    """
    n = len(own)
    centres = shapely.centroid(boxes)
    tree = shapely.STRtree(boxes)
    pair_cell: list[np.ndarray] = []
    pair_zone: list[np.ndarray] = []
    pair_value: list[np.ndarray] = []
    for k, poly in enumerate(own):
        cells = tree.query(poly, predicate="intersects")
        share = shapely.area(shapely.intersection(boxes[cells], poly)) / side**2
        inside = shapely.contains_xy(poly, *shapely.get_coordinates(centres[cells]).T)
        pair_cell.append(cells)
        pair_zone.append(np.full(cells.size, k))
        pair_value.append(share + CENTRE_BONUS * inside)
    m_cells = tree.query(mappano, predicate="intersects")
    m_share = shapely.area(shapely.intersection(boxes[m_cells], mappano)) / side**2
    m_inside = shapely.contains_xy(mappano, *shapely.get_coordinates(centres[m_cells]).T)
    for k in parents:
        d_km = shapely.distance(centres[m_cells], own[k]) / 1000.0
        weight = np.clip(1.0 - MAPPANO_DISTANCE_PENALTY * d_km, 0.0, 1.0)
        pair_cell.append(m_cells)
        pair_zone.append(np.full(m_cells.size, k))
        pair_value.append(weight * (m_share + CENTRE_BONUS * m_inside))

    cell = np.concatenate(pair_cell)
    zone = np.concatenate(pair_zone)
    value = np.concatenate(pair_value)
    # one variable per (cell, comune) pair: a Mappano cell's value for a parent adds to
    # the parent's own overlap with that cell
    key = cell * (n + 1) + zone
    key, inverse = np.unique(key, return_inverse=True)
    value = np.bincount(inverse, weights=value)
    cell, zone = key // (n + 1), key % (n + 1)
    # a deterministic tie-break far below any real difference of value
    value = value + 1e-7 * ((cell * 7919 + zone * 104729) % 1000) / 1000.0
    return cell, zone, value


def allocate_cells(
    cell: np.ndarray,
    zone: np.ndarray,
    value: np.ndarray,
    targets: np.ndarray,
    boxes: np.ndarray,
    union: shapely.Geometry,
    side: float,
) -> np.ndarray:
    """Which (cell, comune) pairs are chosen: the transportation problem of :func:`rasterise`.

    Each cell goes to at most one comune, comune ``k`` gets exactly ``targets[k]`` cells,
    and the total value less the cost of the cells left to no comune is the largest
    possible (HiGHS, ``scipy.optimize.linprog``).

    Returns:
        A boolean per pair.

    Raises:
        ValueError: If the allocation is infeasible.
    """
    n = targets.size
    candidates, cell_row = np.unique(cell, return_inverse=True)
    n_pairs, n_cand = cell.size, candidates.size
    # variables: the pairs, then one "no comune" slack per candidate cell
    rows = np.concatenate([cell_row, np.arange(n_cand), n_cand + zone])
    cols = np.concatenate([np.arange(n_pairs), n_pairs + np.arange(n_cand), np.arange(n_pairs)])
    a_eq = coo_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n_cand + n, n_pairs + n_cand)
    ).tocsr()
    b_eq = np.concatenate([np.ones(n_cand), targets.astype(float)])
    # leaving a cell to no comune costs the share of it that lies in the comuni' union,
    # so the cells left out are on the outer edge, never holes inside the conurbation
    covered = shapely.area(shapely.intersection(boxes[candidates], union)) / side**2
    cost = np.concatenate([-value, UNALLOCATED_COST * covered])
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0.0, 1.0), method="highs-ds")
    if result.status != 0:
        raise ValueError(f"cell allocation failed: {result.message}")
    chosen = result.x[:n_pairs] > 0.5
    if not np.allclose(result.x[:n_pairs], chosen, atol=1e-6):
        raise ValueError("cell allocation is not integral")  # cannot happen (unimodular)
    return chosen


def grid_offset(
    own: list[shapely.Geometry],
    mappano: shapely.Geometry,
    parents: list[int],
    targets: np.ndarray,
    bounds: tuple[float, float, float, float],
    side: float,
) -> tuple[float, float]:
    """The shift of the grid (m, east and north of the UTM multiples of the cell side).

    A cell's centre can only be inside its comune if enough centres fall inside the
    polygon; with small comuni that depends on where the grid lies. Shifts in steps of
    :data:`OFFSET_STEP_M` are tried and the one is kept that maximises the smallest ratio,
    over the comuni, of the cell centres inside the polygon to the comune's cell count
    (Mappano's parents are counted as one, with Mappano); ties go to the smallest shift.
    """
    polys = [p for k, p in enumerate(own) if k not in parents]
    need = [int(t) for k, t in enumerate(targets) if k not in parents]
    polys.append(shapely.union_all([*(own[k] for k in parents), mappano]))
    need.append(int(sum(targets[k] for k in parents)))
    minx, miny, maxx, maxy = bounds
    best: tuple[float, float, float] | None = None
    steps = np.arange(0.0, side, OFFSET_STEP_M)
    for off_x in steps:
        for off_y in steps:
            x = np.arange(np.floor((minx - off_x) / side) * side + off_x, maxx + side, side)
            y = np.arange(np.floor((miny - off_y) / side) * side + off_y, maxy + side, side)
            cx, cy = np.meshgrid(x + side / 2, y + side / 2)
            cx, cy = cx.ravel(), cy.ravel()
            score = min(
                np.count_nonzero(shapely.contains_xy(p, cx, cy)) / t
                for p, t in zip(polys, need, strict=True)
            )
            if best is None or score > best[0]:
                best = (score, float(off_x), float(off_y))
    assert best is not None
    return best[1], best[2]


def polygons_2015(
    boundaries: Boundaries, codes: tuple[str, ...], raster: Raster
) -> list[shapely.Geometry]:
    """The comuni's polygons at 2015 boundaries, in the model's order (UTM 32N, m).

    The four parents of Mappano get back the part of Mappano's polygon that lies in the
    cells the raster gave them; a piece of Mappano in a cell of another comune (or of no
    comune) goes to the parent nearest to that cell's centre. Every other comune is its
    own polygon.
    """
    own = [boundaries.polygon(c) for c in codes]
    mappano = boundaries.polygon(MAPPANO)
    height, width = raster.zone.shape
    boxes = cell_boxes(raster.west_m, raster.south_m, raster.cell_km, height, width)
    cells = shapely.STRtree(boxes).query(mappano, predicate="intersects")
    owner = raster.zone.ravel()[cells]
    parents = [codes.index(c) for c in MAPPANO_PARENTS]
    centres = shapely.centroid(boxes[cells])
    nearest = np.array(parents)[
        np.argmin(np.column_stack([shapely.distance(centres, own[k]) for k in parents]), axis=1)
    ]
    owner = np.where(np.isin(owner, parents), owner, nearest)
    out = list(own)
    for k in parents:
        piece = shapely.intersection(shapely.union_all(boxes[cells[owner == k]]), mappano)
        out[k] = shapely.union_all([own[k], piece])
    return out


def other_comuni(
    boundaries: Boundaries, codes: tuple[str, ...]
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The province's comuni that are not among ``codes`` (nor Mappano).

    Returns:
        ``(codes, names, centroid_xy_m (n, 2), area_km2 (n,))`` in the file's order; the
        representative point is the polygon's centroid, or a point on its surface when the
        centroid falls outside it.
    """
    keep = [i for i, c in enumerate(boundaries.codes) if c not in codes and c != MAPPANO]
    polys = np.array([boundaries.polygons[i] for i in keep], dtype=object)
    points = shapely.centroid(polys)
    outside = ~shapely.contains(polys, points)
    points[outside] = shapely.point_on_surface(polys[outside])
    return (
        [boundaries.codes[i] for i in keep],
        [boundaries.names[i] for i in keep],
        shapely.get_coordinates(points),
        shapely.area(polys) / 1e6,
    )
