"""Plots that know nothing of Turin: time series with event markers, and zone maps.

Functions return :class:`matplotlib.figure.Figure` objects built without ``pyplot``, so
nothing global changes and nothing is shown; the caller saves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure

# Panels are placed by fixed margins (inches), not by matplotlib's constrained layout, and the
# date axis ticks every other year: the layout engine and the automatic date locator were
# two thirds of the time spent saving a run's twelve plots (benchmarks/plot_time.py).
PANEL_W, PANEL_H, TITLE_H = 5.2, 2.9, 0.6


def time_series(
    series: Mapping[str, pd.Series],
    title: str,
    markers: Sequence[tuple[str, pd.Timestamp]] = (),
    units: Mapping[str, str] | None = None,
    ncols: int = 2,
) -> Figure:
    """One panel per series (indexed by date), with a vertical line per marker.

    Args:
        series: panel title to a series indexed by :class:`pandas.Timestamp`.
        title: the figure's title.
        markers: ``(label, date)`` pairs drawn as dashed vertical lines (lever starts).
        units: panel title to the unit shown on its y axis.
        ncols: panels per row.
    """
    n = max(len(series), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    width, height = PANEL_W * ncols, PANEL_H * nrows + TITLE_H
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.75 / width,
        right=1 - 0.15 / width,
        bottom=0.35 / height,
        top=1 - (TITLE_H + 0.3) / height,
        wspace=0.28,
        hspace=0.55,
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, s) in zip(axes, series.items(), strict=False):
        ax.plot(s.index, s.to_numpy(), color="#1f4e79", lw=1.4)
        ax.set_title(name, fontsize=10)
        if units and name in units:
            ax.set_ylabel(units[name], fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(YearLocator(2))
        ax.xaxis.set_major_formatter(DateFormatter("%Y"))
        for label, date in markers:
            ax.axvline(date, color="#b03a2e", ls="--", lw=0.8, alpha=0.7)
            ax.annotate(
                label,
                (date, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=6,
                color="#b03a2e",
                rotation=90,
                va="top",
                ha="right",
            )
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=12)
    return fig


def zone_map(
    cell_zone: np.ndarray,
    values: np.ndarray,
    title: str,
    label: str,
    outside: int,
    names: Mapping[int, str] | None = None,
    cmap: str = "viridis",
    centre: float | None = None,
) -> Figure:
    """A raster map coloured by a value per zone; cells of the ``outside`` zone are blank.

    Args:
        cell_zone: zone of each cell ``(rows, cols)``, row 0 south.
        values: one value per zone index below ``outside``.
        title: the figure's title.
        label: the colour bar's label.
        outside: the zone index drawn blank.
        names: zone index to a label written at the zone's centroid.
        cmap: matplotlib colour map.
        centre: a value to put at the middle of a diverging colour map (e.g. 0).
    """
    grid = np.full(cell_zone.shape, np.nan)
    inside = cell_zone != outside
    grid[inside] = np.asarray(values, dtype=float)[cell_zone[inside]]
    fig = Figure(figsize=(7.5, 7.0), layout="constrained")
    ax = fig.subplots()
    norm = None
    if centre is not None and np.isfinite(grid).any():
        span = max(np.nanmax(np.abs(grid - centre)), 1e-9)
        norm = TwoSlopeNorm(vcenter=centre, vmin=centre - span, vmax=centre + span)
    image = ax.imshow(grid, origin="lower", cmap=cmap, norm=norm, interpolation="nearest")
    # zone borders
    edges = np.zeros(cell_zone.shape, dtype=bool)
    edges[:, 1:] |= cell_zone[:, 1:] != cell_zone[:, :-1]
    edges[1:, :] |= cell_zone[1:, :] != cell_zone[:-1, :]
    border = np.where(edges & inside, 1.0, np.nan)
    ax.imshow(
        border, origin="lower", cmap="Greys", vmin=0, vmax=1.5, alpha=0.6, interpolation="nearest"
    )
    if names:
        for z, name in names.items():
            rows, cols = np.nonzero(cell_zone == z)
            if rows.size:
                ax.text(cols.mean(), rows.mean(), name, fontsize=5.5, ha="center", va="center")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, shrink=0.75, label=label)
    ax.set_title(title, fontsize=11)
    return fig
