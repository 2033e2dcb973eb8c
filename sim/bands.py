"""Fan charts that know nothing of Turin: a median with 50% and 90% bands over runs.

Functions draw on a given :class:`matplotlib.axes.Axes` and return nothing global, as in
:mod:`sim.plots`; the caller builds the figure (without ``pyplot``) and saves it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

MARKER_COLOUR = "#b03a2e"  # as sim.plots.time_series draws lever starts
LABEL_SIZE = 7


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


def start_markers(
    ax: Axes, markers: Sequence[tuple[str, pd.Timestamp]], labels: bool = True
) -> None:
    """Dashed vertical lines at the lever start dates, with labels that do not overlap.

    Labels are short (a number keyed in the caption) and written across the top of the
    panel; a label that would touch the one before it at the same height goes one row
    lower (:func:`label_rows`). Each label's artist has the gid ``"lever-start"``.

    Args:
        ax: the axes, with its data already drawn (the x limits are read).
        markers: ``(label, date)`` per start.
        labels: write the labels (False: the lines only, e.g. on the lower panels).
    """
    for _, date in markers:
        ax.axvline(date, color=MARKER_COLOUR, ls="--", lw=0.8, alpha=0.7)
    if not labels or not markers:
        return
    low, high = ax.get_xlim()
    points = ax.figure.get_size_inches()[0] * 72 * ax.get_position().width
    places = [(date2num(date) - low) / (high - low) for _, date in markers]
    widths = [(len(label) + 1.5) * LABEL_SIZE * 0.62 / points for label, _ in markers]
    rows = label_rows(places, widths)
    for (label, date), row in zip(markers, rows, strict=True):
        ax.annotate(
            label,
            (date, 1.0 - 0.09 * row),
            xycoords=("data", "axes fraction"),
            fontsize=LABEL_SIZE,
            color=MARKER_COLOUR,
            ha="center",
            va="top",
            gid="lever-start",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )


def label_rows(places: Sequence[float], widths: Sequence[float]) -> list[int]:
    """The row (0 = top) of each centred label so that no two in a row overlap.

    Args:
        places: each label's centre, as a fraction of the axis.
        widths: each label's width, in the same unit.

    Returns:
        Per label, the first row whose last label ends before this one begins.
    """
    ends: list[float] = []
    rows = []
    for place, width in sorted(zip(places, widths, strict=True), key=lambda pw: pw[0]):
        begin = place - width / 2
        row = next((i for i, end in enumerate(ends) if end <= begin), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = place + width / 2
        rows.append((place, row))
    order = sorted(range(len(places)), key=lambda i: places[i])
    out = [0] * len(places)
    for i, (_, row) in zip(order, rows, strict=True):
        out[i] = row
    return out
