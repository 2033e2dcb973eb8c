"""The report's figures: fan charts per goal, maps of effects, cost and effect, PRIM boxes.

Built without ``pyplot`` (as :mod:`models.experiments.plots`): each function returns a
:class:`matplotlib.figure.Figure` and the caller saves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from models.experiments.maps import draw_comuni
from models.experiments.report import words
from models.experiments.report.content import LUMPY, display_scale
from models.territory.territory import Territory
from sim.bands import fan, start_markers, style_panel
from sim.experiments.summary import PrimBox

BASELINE_COLOUR = "#555555"
COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#8064a2", "#d08a1c", "#2c9fb0", "#a5527a")
STATUS_COLOURS = {"better": "#2e7d32", "worse": "#b03a2e", "changed": "#1f4e79"}
UNCLEAR_COLOUR = "#9e9e9e"


def scenario_colours(scenarios: Sequence[str]) -> dict[str, str]:
    """One colour per scenario, the same in every figure."""
    return {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(scenarios)}


def _by_date(bands: pd.DataFrame) -> pd.DataFrame:
    frame = bands.copy()
    frame.index = pd.to_datetime(frame["date"], format="%Y-%m")
    return frame.sort_index()


def goal_fans(
    levels: pd.DataFrame,
    differences: pd.DataFrame,
    names: Sequence[str],
    title: str,
    colours: Mapping[str, str],
    baseline: str,
    markers: Sequence[tuple[str, str]] = (),
    observed: pd.DataFrame | None = None,
) -> Figure:
    """One row per indicator: the levels' fans (left), the paired differences' (right).

    Args:
        levels: :meth:`Batch.bands` of the metro values, by scenario and date, with the
            :data:`~sim.experiments.summary.FAN_QUANTILES`.
        differences: the same of the paired differences against the baseline.
        names: the goal's indicators.
        title: the figure's title.
        colours: scenario to colour (every scenario but the baseline).
        baseline: the baseline's name (drawn grey, under the others).
        markers: ``(label, "YYYY-MM")`` lever start dates, labelled on the top row only.
        observed: observed changes and growths (``calibration.observed_path``) drawn on
            the baseline's fan (:func:`draw_observed`); None draws none.

    Lumpy indicators (:data:`~models.experiments.report.content.LUMPY`) come as yearly sums.
    """
    marks = [(label, pd.Timestamp(month)) for label, month in markers]
    fig = Figure(figsize=(11.0, 2.7 * len(names) + 0.8), layout="constrained")
    axes = fig.subplots(len(names), 2, squeeze=False, sharex=True)
    for top, row, name in zip([True] + [False] * (len(names) - 1), axes, names, strict=True):
        scale = display_scale(name)
        left, right = row
        lv = levels[levels["indicator"] == name]
        for scenario in [baseline, *colours]:
            part = lv[lv["scenario"] == scenario]
            if len(part):
                colour = BASELINE_COLOUR if scenario == baseline else colours[scenario]
                fan(left, _by_date(part), colour, scenario, scale)
        if observed is not None:
            draw_observed(left, observed[observed["indicator"] == name], lv, baseline, scale)
        lumpy = name in LUMPY
        style_panel(
            left,
            words.label(name) + (", yearly sum" if lumpy else ""),
            words.unit(name, yearly_sum=lumpy),
        )
        df = differences[differences["indicator"] == name]
        for scenario, colour in colours.items():
            part = df[df["scenario"] == scenario]
            if len(part):
                fan(right, _by_date(part), colour, scenario, scale)
        right.axhline(0.0, color="#333333", lw=0.7)
        style_panel(
            right,
            f"{words.label(name)}: minus {baseline}",
            words.unit(name, difference=True, yearly_sum=lumpy),
        )
        for ax in row:
            start_markers(ax, marks, labels=top)
    handles, labels = _legend_entries([row[0] for row in axes])
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 7), fontsize=8)
    fig.suptitle(
        f"{title} — metro area: median, 50% and 90% of runs (left); paired difference (right)",
        fontsize=12,
    )
    return fig


def _legend_entries(axes: Sequence[Axes]) -> tuple[list[Any], list[str]]:
    """The legend entries of several axes, each label once, in the order first seen."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)


OBSERVED_LABEL = "observed 2015-2018 (change since 2015, from the baseline's median)"


def _when(date: str) -> pd.Timestamp:
    """A target's date on the time axis: a year at mid-year, a month at its first day."""
    return pd.Timestamp(date) if "-" in date else pd.Timestamp(f"{date}-07-01")


def _median_at(median: pd.Series, date: str) -> float:
    """The baseline's median at a target's date: a year's mean, or that month's value."""
    if "-" in date:
        hit = median[median.index == pd.Timestamp(date)]
    else:
        hit = median[median.index.year == int(date)]
    return float(hit.mean()) if len(hit) else float("nan")


def draw_observed(
    ax: Axes, points: pd.DataFrame, levels: pd.DataFrame, baseline: str, scale: float
) -> None:
    """Draw observed changes and growths on the baseline's fan, anchored at its median.

    Each point is the baseline's median at the target's first date plus the observed
    change (or times one plus the observed growth), at the target's last date: the series
    cover the province, so their changes, not their levels, compare with the model's.
    """
    part = levels[levels["scenario"] == baseline]
    if points.empty or part.empty:
        return
    median = _by_date(part)["q0.5"]
    points = points[[_when(str(d)) <= median.index.max() for d in points["last"]]]
    xs, ys = [], []
    for first, group in points.groupby("first", sort=False):
        anchor = _median_at(median, str(first))
        if not np.isfinite(anchor):
            continue
        xs.append(_when(str(first)))
        ys.append(anchor)
        for row in group.itertuples():
            change = row.statistic == "change"
            xs.append(_when(str(row.last)))
            ys.append(anchor + row.value if change else anchor * (1.0 + row.value))
    ax.plot(xs, np.asarray(ys) * scale, "o", color="black", ms=3.5, zorder=5, label=OBSERVED_LABEL)


def effect_maps(
    territory: Territory,
    values: Mapping[str, np.ndarray],
    name: str,
    scenario: str,
    baseline: str,
    year: str,
    direction: int = 0,
    per_capita: float | None = None,
) -> Figure:
    """Three maps of one effect per comune: the low quantile, the median, the high quantile.

    One diverging colour scale, centred on no change, shared by the three maps: green
    where the effect goes the way the plan wants (``direction`` +1: up, -1: down), purple
    where it goes against it; for an indicator with no wanted direction, orange up and
    purple down. ``per_capita``: the values are per that many residents.
    """
    scale = display_scale(name)
    shown = {q: np.asarray(v, dtype=float) * scale for q, v in values.items()}
    finite = np.concatenate([v[np.isfinite(v)] for v in shown.values()])
    span = float(np.max(np.abs(finite))) if finite.size else 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-max(span, 1e-9), vmax=max(span, 1e-9))
    cmap = {1: "PRGn", -1: "PRGn_r"}.get(direction, "PuOr_r")
    fig = Figure(figsize=(15.0, 5.4), layout="constrained")
    axes = fig.subplots(1, 3)
    patches = None
    for ax, (q, label) in zip(
        axes, (("q0.05", "5% quantile"), ("q0.5", "median"), ("q0.95", "95% quantile")), strict=True
    ):
        patches = draw_comuni(ax, territory, shown[q], cmap=cmap, norm=norm, labels=q == "q0.5")
        ax.set_title(label, fontsize=10)
    unit = words.unit(name, difference=True)
    if per_capita:
        unit = f"{unit} per {per_capita:,.0f} residents (2015)"
    bar = fig.colorbar(patches, ax=list(axes), shrink=0.8, label=unit)
    if direction:
        bar.ax.text(0.5, 1.02, "better", transform=bar.ax.transAxes, ha="center", va="bottom",
                    fontsize=8, color="#1b7837")  # fmt: skip
        bar.ax.text(0.5, -0.02, "worse", transform=bar.ax.transAxes, ha="center", va="top",
                    fontsize=8, color="#762a83")  # fmt: skip
        if direction < 0:
            bar.ax.invert_yaxis()  # "better" (lower) at the top, as for the others
    wanted = {1: "green: higher, better", -1: "green: lower, better"}.get(direction, "")
    fig.suptitle(
        f"{words.label(name)}: {scenario} minus {baseline}, {year}, per comune"
        + (f" ({wanted} for the plan)" if wanted else ""),
        fontsize=12,
    )
    axes[2].text(
        0.99,
        0.01,
        "UTM 32N; boundaries: ISTAT, CC BY 4.0, via Openpolis",
        transform=axes[2].transAxes,
        fontsize=5,
        ha="right",
        va="bottom",
        color="#666666",
    )
    return fig


def cost_effect_figure(table: pd.DataFrame, year: str) -> Figure:
    """Per target indicator, each project's effect per million EUR a year, with its interval.

    Bars are coloured by status: clearly in the project's wanted direction, clearly
    against it, or unclear (interval covers zero: grey, never counted as a win). Each label
    gives the project's yearly cost.
    """
    indicators = list(dict.fromkeys(table["indicator"]))
    heights = [max(len(table[table["indicator"] == i]), 1) for i in indicators]
    fig = Figure(
        figsize=(10.0, 0.32 * sum(heights) + 1.1 * len(indicators) + 0.8), layout="constrained"
    )
    axes = fig.subplots(len(indicators), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, name in zip(axes, indicators, strict=True):
        part = table[table["indicator"] == name].sort_values("per_meur")
        scale = part["scale"].to_numpy()
        y = np.arange(len(part))
        mid = part["per_meur"].to_numpy() * scale
        low = part["per_meur_low"].to_numpy() * scale
        high = part["per_meur_high"].to_numpy() * scale
        colours = [STATUS_COLOURS.get(s, UNCLEAR_COLOUR) for s in part["status"]]
        ax.barh(y, mid, color=colours, alpha=0.85, height=0.6)
        ax.errorbar(
            mid, y, xerr=[mid - low, high - mid], fmt="none", ecolor="#333333", lw=0.8, capsize=2
        )
        ax.set_yticks(
            y,
            [
                f"{c} ({m:.1f} M EUR/yr)"
                for c, m in zip(part["label"], part["cost_meur"], strict=True)
            ],
            fontsize=7,
        )
        ax.axvline(0.0, color="#333333", lw=0.7)
        ax.use_sticky_edges = False  # a margin beyond the bars, on both sides of zero
        ax.margins(x=0.06)
        ax.grid(alpha=0.3, axis="x")
        ax.tick_params(labelsize=8)
        ax.set_title(f"{words.label(name)}: effect in {year} per million EUR a year", fontsize=10)
        unit = words.unit(name, difference=True, yearly_sum=name in LUMPY)
        ax.set_xlabel(f"{unit} per M EUR/yr", fontsize=8)
    fig.suptitle("Cost and effect of each scenario (90% interval over runs)", fontsize=12)
    return fig


def prim_figure(box: PrimBox, scenario: str, indicator: str) -> Figure:
    """The PRIM box and its peeling trajectory.

    Left, each restricted input's range within its sampled range; right, the peeling
    trajectory (coverage against density) with the chosen box marked.
    """
    n = max(len(box.limits), 1)
    fig = Figure(figsize=(11.0, 1.0 + 0.5 * n + 2.0), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.6, 1.0])
    for i, row in enumerate(box.limits.itertuples()):
        span = (row.full_high - row.full_low) or 1.0
        a = (row.low - row.full_low) / span
        b = (row.high - row.full_low) / span
        left.barh(i, 1.0, color="#eeeeee", edgecolor="#999999", height=0.5)
        left.barh(i, b - a, left=a, color="#1f4e79", height=0.5)
        left.text(a, i + 0.33, f"{row.low:.3g}", fontsize=7, ha="left")
        left.text(b, i + 0.33, f"{row.high:.3g}", fontsize=7, ha="right")
    left.set_yticks(range(len(box.limits)), list(box.limits["input"]), fontsize=8)
    left.set_xlim(0, 1)
    left.set_xlabel("position in the sampled range (0 = its minimum, 1 = its maximum)", fontsize=8)
    left.invert_yaxis()
    left.set_title(
        f"Box: coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%}",
        fontsize=10,
    )
    t = box.trajectory
    points = right.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=14)
    right.scatter([box.coverage], [box.density], s=80, facecolor="none", edgecolor="#b03a2e")
    right.set_xlabel("coverage", fontsize=8)
    right.set_ylabel("density", fontsize=8)
    right.grid(alpha=0.3)
    right.set_title("Peeling trajectory", fontsize=10)
    fig.colorbar(points, ax=right, label="restricted inputs")
    fig.suptitle(f"Where {scenario} does not lower {indicator} (PRIM)", fontsize=12)
    return fig
