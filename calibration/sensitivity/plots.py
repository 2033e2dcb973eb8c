"""The sensitivity's figures: one panel per output (``morris.png``, ``sobol.png``)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def morris_figure(table: pd.DataFrame, title: str, top: int = 8) -> Any:
    """One panel per output: the ``top`` parameters' μ* with their bootstrap intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    return _panels(outputs, title, lambda ax, name: _morris_panel(ax, table, name, top))


def _morris_panel(ax: Any, table: pd.DataFrame, name: str, top: int) -> None:
    rows = table[table["output"] == name].sort_values(
        ["mu_star", "parameter"], ascending=[False, True], kind="stable"
    )
    rows = rows.head(top).iloc[::-1]
    y = np.arange(len(rows))
    ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], color="#1f4e79", ecolor="#888888")
    ax.scatter(rows["sigma"], y, color="#c0392b", marker="|", s=120, zorder=3, label="sigma")
    ax.set_yticks(y, rows["parameter"], fontsize=7)
    ax.set_title(name, fontsize=9)
    ax.tick_params(axis="x", labelsize=7)


def sobol_figure(table: pd.DataFrame, title: str) -> Any:
    """One panel per output: S1 and ST of each input with their 95% intervals.

    Without ST (RBD-FAST, an empty column) a panel shows S1 and says ST is not estimated.
    """
    outputs = list(dict.fromkeys(table["output"]))
    return _panels(outputs, title, lambda ax, name: _sobol_panel(ax, table, name))


def _sobol_panel(ax: Any, table: pd.DataFrame, name: str) -> None:
    rows = table[table["output"] == name].iloc[::-1]
    y = np.arange(len(rows))
    if rows["ST"].isna().all():  # RBD-FAST: first order only, and the panel says so
        ax.barh(y, rows["S1"], 0.5, xerr=rows["S1_conf"], color="#1f4e79", label="S1")
        ax.set_title("ST not estimated (RBD-FAST)", fontsize=7, color="#c0392b", loc="right")
        name_at = "left"
    else:
        ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color="#c0392b", label="ST")
        ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color="#1f4e79", label="S1")
        name_at = "center"
    ax.axvline(0.0, color="#444444", lw=0.6)
    ax.set_yticks(y, rows["parameter"], fontsize=7)
    ax.set_title(name, fontsize=9, loc=name_at)
    ax.tick_params(axis="x", labelsize=7)


def _panels(outputs: Sequence[str], title: str, draw: Any, ncols: int = 3) -> Any:
    from matplotlib.figure import Figure

    n = max(len(outputs), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols, 2.9 * nrows + 0.7), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, outputs, strict=False):
        draw(ax, name)
    for ax in axes[len(outputs) :]:
        ax.set_axis_off()
    if outputs:
        axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    return fig


def png_bytes(fig: Any) -> bytes:
    """The figure as PNG bytes, the same for the same figure (no software tag)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()
