"""Maps of the 38 comuni drawn from ISTAT's boundaries (UTM 32N, km on the model's grid).

:func:`comune_outlines` gives each comune's polygon at 2015 boundaries (Mappano's land
back in Borgaro, Caselle, Leinì and Settimo, as on the raster), in the grid's kilometres;
:func:`draw_comuni` draws one value per comune on them on any matplotlib axes, with the
province's other comuni as a grey backdrop and the comuni's names; :func:`comune_map`
makes a whole figure. Functions return artists or figures and never call ``show()``.

Example:
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from models.experiments.maps import draw_comuni
    >>> from models.territory.territory import load_territory
    >>> t = load_territory()
    >>> ax = Figure().subplots()
    >>> patches = draw_comuni(ax, t, t.population / t.area_km2)
"""

from __future__ import annotations

import functools

import numpy as np
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.patheffects import withStroke

from models.territory import geography
from models.territory.territory import Territory


def short_name(name: str) -> str:
    """A short label: the name without its "Torinese"/"di Torino" qualifier."""
    for suffix in (" Torinese", " di Torino"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@functools.lru_cache(maxsize=4)
def _outlines(territory: Territory) -> tuple[shapely.Geometry, ...]:
    raster = geography.Raster(
        np.asarray(territory.cell_zone), territory.west_m, territory.south_m, territory.cell_km
    )
    polygons = geography.polygons_2015(geography.read_boundaries(), territory.codes, raster)
    return tuple(_to_grid_km(p, territory) for p in polygons)


def _to_grid_km(geometry: shapely.Geometry, territory: Territory) -> shapely.Geometry:
    """UTM 32N metres to kilometres from the grid's south-west corner."""
    origin = np.array([territory.west_m, territory.south_m])
    return shapely.transform(geometry, lambda xy: (xy - origin) / 1000.0)


def comune_outlines(territory: Territory) -> tuple[shapely.Geometry, ...]:
    """Each comune's polygon at 2015 boundaries, km on the grid, in comune order."""
    return _outlines(territory)


@functools.lru_cache(maxsize=4)
def province_outlines(territory: Territory) -> tuple[shapely.Geometry, ...]:
    """The polygons of the province's other comuni (and Mappano), km on the grid."""
    b = geography.read_boundaries()
    return tuple(
        _to_grid_km(p, territory)
        for c, p in zip(b.codes, b.polygons, strict=True)
        if c not in territory.codes
    )


def polygon_path(geometry: shapely.Geometry) -> Path:
    """A matplotlib path of a (Multi)Polygon: every ring, holes included, closed."""
    rings = []
    for poly in getattr(geometry, "geoms", [geometry]):
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in poly.interiors)
    paths = [Path(r, closed=True) for r in rings]
    return Path.make_compound_path(*paths)


def draw_comuni(
    ax: Axes,
    territory: Territory,
    values: np.ndarray,
    *,
    cmap: str = "viridis",
    norm: Normalize | None = None,
    labels: bool = True,
    backdrop: bool = True,
) -> PatchCollection:
    """Draw one value per comune on the comuni's real boundaries.

    Args:
        ax: The axes to draw on (its aspect is set equal, axes hidden).
        territory: The territory (its comuni and grid).
        values: One value per comune, in comune order; NaN is drawn light grey.
        cmap: Colour map name.
        norm: Colour normalisation; a linear one over the finite values if not given.
        labels: Write the comuni's names, short (:func:`short_name`) so that the labels of
            the dense first belt do not overlap.
        backdrop: Draw the province's other comuni as grey outlines around the area.

    Returns:
        The collection of the 38 patches (its array holds ``values``; pass it to
        ``fig.colorbar``).
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (territory.n_comuni,):
        raise ValueError(f"expected {territory.n_comuni} values, got shape {values.shape}")
    extent = (0.0, territory.width * territory.cell_km, 0.0, territory.height * territory.cell_km)
    if backdrop:
        view = shapely.box(extent[0], extent[2], extent[1], extent[3])
        context = [
            PathPatch(polygon_path(p)) for p in province_outlines(territory) if p.intersects(view)
        ]
        ax.add_collection(
            PatchCollection(
                context, facecolor="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.3, zorder=0
            )
        )
    outlines = comune_outlines(territory)
    patches = PatchCollection(
        [PathPatch(polygon_path(p)) for p in outlines],
        cmap=colormaps[cmap].with_extremes(bad="#dddddd"),
        norm=norm,
        edgecolor="#333333",
        linewidth=0.5,
        zorder=1,
    )
    patches.set_array(np.ma.masked_invalid(values))
    if norm is None and np.isfinite(values).any():
        patches.set_clim(np.nanmin(values), np.nanmax(values))
    ax.add_collection(patches)
    if labels:
        for name, poly in zip(territory.names, outlines, strict=True):
            point = poly.centroid if poly.centroid.within(poly) else poly.point_on_surface()
            ax.text(
                point.x,
                point.y,
                short_name(name),
                fontsize=6,
                ha="center",
                va="center",
                zorder=2,
                path_effects=[withStroke(linewidth=1.6, foreground="white")],
            )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return patches


def comune_map(
    territory: Territory,
    values: np.ndarray,
    title: str,
    label: str,
    cmap: str = "viridis",
    centre: float | None = None,
) -> Figure:
    """A figure of one value per comune on the real boundaries, with a colour bar.

    Args:
        territory: The territory.
        values: One value per comune.
        title: The figure's title.
        label: The colour bar's label.
        cmap: Colour map name.
        centre: A value to put at the middle of a diverging colour map (e.g. 0).
    """
    values = np.asarray(values, dtype=float)
    norm = None
    if centre is not None and np.isfinite(values).any():
        span = max(float(np.nanmax(np.abs(values - centre))), 1e-9)
        norm = TwoSlopeNorm(vcenter=centre, vmin=centre - span, vmax=centre + span)
    fig = Figure(figsize=(8.0, 7.0), layout="constrained")
    ax = fig.subplots()
    patches = draw_comuni(ax, territory, values, cmap=cmap, norm=norm)
    fig.colorbar(patches, ax=ax, shrink=0.75, label=label)
    ax.set_title(title, fontsize=11)
    ax.text(
        0.99,
        0.01,
        "UTM 32N; boundaries: ISTAT, CC BY 4.0, via Openpolis",
        transform=ax.transAxes,
        fontsize=5,
        ha="right",
        va="bottom",
        color="#666666",
    )
    return fig
