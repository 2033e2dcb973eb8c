"""Fan charts that know nothing of Turin: a median with 50% and 90% bands over runs.

Functions draw on a given :class:`matplotlib.axes.Axes` and return nothing global, as in
:mod:`sim.plots`; the caller builds the figure (without ``pyplot``) and saves it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

MARKER_COLOUR = "#b03a2e"  # as sim.plots.time_series draws lever starts


def fan(ax: Axes, bands: pd.DataFrame, colour: str, label: str, scale: float = 1.0) -> None:
    """Draw one fan: the median line, the 50% band (q0.25-q0.75) and the 90% (q0.05-q0.95).

    Args:
        ax: the axes.
        bands: indexed by date (:class:`pandas.Timestamp`), with columns ``q0.05``,
            ``q0.25``, ``q0.5``, ``q0.75``, ``q0.95`` (as :meth:`Batch.bands` gives).
        colour: the fan's colour.
        label: the legend's label of the median line.
        scale: a factor applied to every value (100 for shares shown in %).
    """
    x = bands.index
    ax.fill_between(
        x, bands["q0.05"] * scale, bands["q0.95"] * scale, color=colour, alpha=0.14, lw=0
    )
    ax.fill_between(
        x, bands["q0.25"] * scale, bands["q0.75"] * scale, color=colour, alpha=0.3, lw=0
    )
    ax.plot(x, bands["q0.5"] * scale, color=colour, lw=1.3, label=label)


def style_panel(ax: Axes, title: str, unit: str) -> None:
    """Title, unit and grid of a panel in the style of :func:`sim.plots.time_series`."""
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def start_markers(ax: Axes, markers: Sequence[tuple[str, pd.Timestamp]]) -> None:
    """Dashed vertical lines at the lever start dates, labelled, as the run's plots draw."""
    for label, date in markers:
        ax.axvline(date, color=MARKER_COLOUR, ls="--", lw=0.8, alpha=0.7)
        ax.annotate(
            label,
            (date, 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=6,
            color=MARKER_COLOUR,
            rotation=90,
            va="top",
            ha="right",
        )
