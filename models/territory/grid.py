"""The committed raster of the 38 comuni: its document, and what it stores besides the zones.

``models/data/territory_grid.json`` holds the raster built by
:func:`models.territory.geography.rasterise` and the places projected with pyproj and
shapely (:class:`ProjectedPlaces`), written by ``models/data/make_territory.py``
(:func:`grid_document`) and read at run time (:func:`read_grid_document`), so results
never depend on the version of the geometry libraries or on the host's C library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.codes import OUTSIDE
from models.territory import geography
from models.territory.comuni import DATA_DIR
from models.territory.land_use import protected_cells

GRID_JSON: Path = DATA_DIR / "territory_grid.json"
"""The committed raster of the 38 comuni (written by ``make_territory.py``)."""

ZONE_SYMBOLS: str = "0123456789abcdefghijklmnopqrstuvwxyzAB"
"""One character per comune index in ``territory_grid.json``; ``.`` is outside."""


@dataclass(frozen=True, eq=False)
class ProjectedPlaces:
    """What the territory takes from map projection and polygon geometry, besides the raster.

    PROJ and GEOS call the C library's trigonometric functions, whose last bit depends on
    the host CPU (glibc picks an FMA build where the CPU has one): these are therefore
    computed once, when the data are built, and read from :data:`GRID_JSON` at run time.

    Attributes:
        centres_m: UTM 32N easting and northing of each comune's town centre, m, rounded to
            the centimetre, float64 ``(n_comuni, 2)``.
        protected: True for comune cells in one of
            :data:`~models.territory.land_use.PROTECTED_AREAS`, bool
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


def cell_centres_km(height: int, width: int, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre easting and northing, km from the grid's south-west corner."""
    x_km = np.broadcast_to((np.arange(width) + 0.5) * cell_km, (height, width)).copy()
    y_km = np.broadcast_to(((np.arange(height) + 0.5) * cell_km)[:, None], (height, width)).copy()
    return x_km, y_km
