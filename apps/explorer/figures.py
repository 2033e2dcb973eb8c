"""The explorer's figures and table: fans over time and maps of the comuni, from queries.

Matplotlib figures (never shown), built from :class:`apps.explorer.data.StoreView`'s
frames; the maps are :func:`models.experiments.maps.draw_comuni` on ISTAT's boundaries,
on one diverging scale centred on no change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from models.components.indicators import GOALS, HEADLINE_INDICATORS, INDICATORS
from models.experiments.maps import draw_comuni
from models.experiments.report.content import DIRECTIONS
from models.experiments.report.words import label, number
from models.territory.territory import Territory

COLOURS = ("#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#7f8c8d")
BASELINE_COLOUR = "#555555"
UNITS = {name: unit for name, _, unit in INDICATORS}
MAX_MAPS = 6
"""Maps drawn at most (with all scenarios of a large batch, the first six)."""


def choices() -> dict[str, tuple[str, ...]]:
    """What the "goal or indicator" control offers: each goal, then each indicator.

    A goal shows its indicators in the table, its headline in the fans and maps.
    """
    out: dict[str, tuple[str, ...]] = {}
    for goal, title in GOALS.items():
        names = tuple(n for n, g, _ in INDICATORS if g == goal)
        label = f"Goal {goal}: {title}" if goal <= 8 else title
        out[label] = (
            HEADLINE_INDICATORS[goal],
            *[n for n in names if n != HEADLINE_INDICATORS[goal]],
        )
    for name, _, unit in INDICATORS:
        if name != "lever_cost_eur":
            out[f"{name} ({unit})"] = (name,)
    return out


def effects_html(table: pd.DataFrame, year: str, baseline: str) -> str:
    """The effects as an HTML table: median [5%, 95%] of the paired difference, relative."""
    rows = []
    for r in table.itertuples(index=False):
        relative = 100.0 * r.median / r.baseline if r.baseline else float("nan")
        rows.append(
            f"<tr><td>{escape(label(r.indicator))}</td><td>{escape(r.scenario)}</td>"
            f"<td class='num'>{number(r.median)}</td>"
            f"<td class='num'>[{number(r.low)}, {number(r.high)}]</td>"
            f"<td class='num'>{number(relative, 2)}%</td><td class='num'>{r.n}</td></tr>"
        )
    head = (
        f"<tr><th>indicator</th><th>scenario</th><th>effect {year} (median)</th>"
        f"<th>90% interval</th><th>relative to {escape(baseline)}</th><th>runs</th></tr>"
    )
    style = (
        "<style>.metropoli-effects td, .metropoli-effects th {padding: 2px 10px} "
        ".metropoli-effects td.num {text-align: right}</style>"
    )
    return f"{style}<table class='metropoli-effects'>{head}{''.join(rows)}</table>"


def fan_figure(fans: pd.DataFrame, name: str, baseline: str, scenarios: Sequence[str]) -> Figure:
    """Levels (left) and paired differences (right) over time: median, 50% and 90% bands."""
    colours = {s: COLOURS[k % len(COLOURS)] for k, s in enumerate(scenarios)}
    colours[baseline] = BASELINE_COLOUR
    fig = Figure(figsize=(11.0, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2, sharex=True)
    for ax, kind in ((left, "level"), (right, "difference")):
        part = fans[fans["kind"] == kind]
        for scenario in [baseline, *scenarios]:
            rows = part[part["scenario"] == scenario]
            if not len(rows):
                continue
            x = pd.to_datetime(rows["date"], format="%Y-%m")
            c = colours[scenario]
            ax.fill_between(x, rows["q0.05"], rows["q0.95"], color=c, alpha=0.15, lw=0)
            ax.fill_between(x, rows["q0.25"], rows["q0.75"], color=c, alpha=0.3, lw=0)
            ax.plot(x, rows["q0.5"], color=c, lw=1.3, label=scenario)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.set_ylabel(UNITS[name], fontsize=8)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    right.axhline(0.0, color="#333333", lw=0.7)
    left.set_title(f"{label(name)}, metro area", fontsize=10)
    right.set_title(f"minus {baseline}, pair by pair (same seed)", fontsize=10)
    left.legend(fontsize=8, loc="best")
    return fig


def maps_figure(
    territory: Territory, effects: pd.DataFrame, name: str, scenarios: Sequence[str], year: str
) -> Figure:
    """One map per scenario (at most :data:`MAX_MAPS`): the median effect per comune."""
    shown = list(scenarios)[:MAX_MAPS]
    index = {code: k for k, code in enumerate(territory.codes)}
    values = {}
    for scenario in shown:
        rows = effects[effects["scenario"] == scenario]
        v = np.full(territory.n_comuni, np.nan)
        v[[index[c] for c in rows["comune"]]] = rows["median"].to_numpy()
        values[scenario] = v
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()] or [np.zeros(1)])
    span = max(float(np.max(np.abs(finite))) if finite.size else 0.0, 1e-12)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    # as the report's maps: green where the effect goes the way the plan wants, purple against
    cmap = {1: "PRGn", -1: "PRGn_r"}.get(DIRECTIONS.get(name, 0), "PuOr_r")
    fig = Figure(figsize=(5.2 * min(len(shown), 3), 4.6 * math.ceil(len(shown) / 3)),
                 layout="constrained")  # fmt: skip
    axes = np.atleast_1d(fig.subplots(math.ceil(len(shown) / 3), min(len(shown), 3))).ravel()
    patches = None
    for ax, scenario in zip(axes, shown, strict=False):
        patches = draw_comuni(ax, territory, values[scenario], cmap=cmap, norm=norm,
                              labels=len(shown) <= 2)  # fmt: skip
        ax.set_title(f"{scenario}", fontsize=10)
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    if patches is not None:
        fig.colorbar(patches, ax=list(axes[: len(shown)]), shrink=0.7,
                     label=f"{UNITS[name]}: difference")  # fmt: skip
    wanted = {1: " (green: higher, better)", -1: " (green: lower, better)"}
    fig.suptitle(
        f"{label(name)}: effect per comune in {year} (median)"
        + wanted.get(DIRECTIONS.get(name, 0), ""),
        fontsize=11,
    )
    return fig
