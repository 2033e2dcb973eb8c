"""The figures of a portfolio report: trade-offs, projects, cost and effect, verification.

Built without ``pyplot``, in the style of :mod:`models.experiments.report.figures`: each
function returns a :class:`matplotlib.figure.Figure`; values are shown in the indicator's
units (shares in percentage points) with the report's labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from models.experiments.report import words
from models.experiments.report.content import display_scale
from models.experiments.report.figures import BASELINE_COLOUR, COLOURS, STATUS_COLOURS
from models.experiments.report.portfolio_folder import Objective

COST_MAP = "viridis"
MILLION = 1e6


def axis_label(o: Objective) -> str:
    """An objective's axis: its indicator's label, unit and wanted direction."""
    arrow = "↑" if o.direction > 0 else "↓"
    unit = words.unit(o.indicator, difference=True)
    return f"{words.label(o.indicator)} ({o.robustness}) {arrow}" + (f"\n{unit}" if unit else "")


def _cost_colours(costs: np.ndarray) -> tuple[Normalize, ScalarMappable]:
    norm = Normalize(vmin=float(costs.min()), vmax=float(max(costs.max(), costs.min() + 1e-9)))
    return norm, ScalarMappable(norm=norm, cmap=COST_MAP)


def parallel_coordinates(
    pareto: pd.DataFrame, objectives: Sequence[Objective], reference: Mapping[str, float]
) -> Figure:
    """One line per Pareto portfolio across the objectives, coloured by its total cost.

    Each axis runs from the worst to the best in-sample robust value among the portfolios
    and ``piano-completo`` (dashed black), better at the top; its ends are labelled in the
    indicator's units.
    """
    n = len(objectives)
    fig = Figure(figsize=(max(7.0, 1.45 * n + 2.5), 5.2), layout="constrained")
    ax = fig.add_subplot()
    columns, spans = [], []
    for o in objectives:
        values = o.direction * pareto[f"{o.name}.in_sample"].to_numpy(float)
        ref = o.direction * reference.get(o.name, np.nan)
        both = np.append(values, ref) if np.isfinite(ref) else values
        low, high = float(np.nanmin(both)), float(np.nanmax(both))
        spans.append((low, high))
        width = high - low or 1.0
        columns.append(((values - low) / width, (ref - low) / width))
    costs = pareto["cost_total_eur"].to_numpy(float) / MILLION
    norm, mappable = _cost_colours(costs)
    x = np.arange(n)
    ys = np.column_stack([c[0] for c in columns])
    for row, cost, pid in zip(ys, costs, pareto["portfolio"], strict=True):
        ax.plot(x, row, color=mappable.cmap(norm(cost)), lw=1.4, alpha=0.85, label=pid)
    ref_y = np.array([c[1] for c in columns])
    handles = []
    if np.isfinite(ref_y).all():
        handles = ax.plot(x, ref_y, color="black", ls="--", lw=1.6, label="piano-completo")
    for i, (o, (low, high)) in enumerate(zip(objectives, spans, strict=True)):
        ax.axvline(i, color="#999999", lw=0.8)
        scale = display_scale(o.indicator)
        worst, best = o.direction * low * scale, o.direction * high * scale
        ax.text(i, 1.03, words.number(best), ha="center", va="bottom", fontsize=7)
        ax.text(i, -0.03, words.number(worst), ha="center", va="top", fontsize=7)
    ax.set_xticks(x, [axis_label(o) for o in objectives], fontsize=7)
    ax.set_yticks([0, 1], ["worst", "best"], fontsize=8)
    ax.set_ylim(-0.12, 1.12)
    ax.set_xlim(-0.3, n - 0.7)
    ax.grid(False)
    fig.colorbar(mappable, ax=ax, label="total cost 2016-2025, M EUR")
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=8)
    fig.suptitle(
        "Trade-offs of the Pareto set (in-sample robust effects, better at the top)", fontsize=12
    )
    return fig


def project_shares_figure(shares: pd.DataFrame, n_portfolios: int) -> Figure:
    """A bar per project: the share of the Pareto portfolios that fund it."""
    fig = Figure(figsize=(9.0, 0.26 * len(shares) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(shares))
    ax.barh(y, shares["share"] * 100, color=COLOURS[0], alpha=0.85, height=0.6)
    labels = []
    for r in shares.itertuples():
        how = f" (int. {r.intensity:.2f}, from {r.start:.0f})" if r.funded else ""
        labels.append(f"{r.code}{how}")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the {n_portfolios} Pareto portfolios that fund it", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.tick_params(labelsize=8)
    fig.suptitle("How often each project is in a robust portfolio", fontsize=12)
    return fig


def _grid(n: int, size: float = 3.4) -> tuple[Figure, list]:
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(size * cols + 1.0, size * 0.85 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


def cost_effect_figure(
    pareto: pd.DataFrame,
    objectives: Sequence[Objective],
    reference: Mapping[str, float],
    reference_cost: float,
    budget_total: float,
) -> Figure:
    """Per objective, each Pareto portfolio's total cost against its in-sample robust effect.

    ``piano-completo`` is the black cross; the budget's total cap the dashed line.
    """
    fig, axes = _grid(len(objectives))
    costs = pareto["cost_total_eur"].to_numpy(float) / MILLION
    for ax, o in zip(axes, objectives, strict=True):
        scale = display_scale(o.indicator)
        ax.scatter(costs, pareto[f"{o.name}.in_sample"] * scale, s=22, color=COLOURS[0])
        for c, v, pid in zip(
            costs, pareto[f"{o.name}.in_sample"] * scale, pareto["portfolio"], strict=True
        ):
            ax.annotate(pid, (c, v), fontsize=6, xytext=(2, 2), textcoords="offset points")
        ref = reference.get(o.name, np.nan)
        if np.isfinite(ref) and np.isfinite(reference_cost):
            ax.scatter([reference_cost / MILLION], [ref * scale], marker="x", s=40, color="black")
        ax.axvline(budget_total / MILLION, color=STATUS_COLOURS["worse"], ls="--", lw=0.8)
        ax.axhline(0.0, color="#333333", lw=0.6)
        ax.set_title(axis_label(o).replace("\n", ", "), fontsize=8)
        ax.set_xlabel("total cost, M EUR", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Cost and effect of each Pareto portfolio (× piano-completo; dashed: the budget)",
        fontsize=11,
    )
    return fig


def verification_figure(
    pareto: pd.DataFrame, objectives: Sequence[Objective], lucky: Sequence[bool]
) -> Figure:
    """Per objective, in-sample against out-of-sample robust value; the lucky ones in red."""
    fig, axes = _grid(len(objectives))
    colours = [STATUS_COLOURS["worse"] if flag else COLOURS[0] for flag in lucky]
    for ax, o in zip(axes, objectives, strict=True):
        scale = display_scale(o.indicator)
        a = pareto[f"{o.name}.in_sample"].to_numpy(float) * scale
        b = pareto[f"{o.name}.out_of_sample"].to_numpy(float) * scale
        ax.scatter(a, b, s=22, c=colours)
        both = np.concatenate([a, b])
        both = both[np.isfinite(both)]
        if both.size:
            lo, hi = float(both.min()), float(both.max())
            pad = (hi - lo) * 0.05 or 1e-9
            ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color=BASELINE_COLOUR, lw=0.7)
        for x, y, pid in zip(a, b, pareto["portfolio"], strict=True):
            ax.annotate(pid, (x, y), fontsize=6, xytext=(2, 2), textcoords="offset points")
        ax.set_title(axis_label(o).replace("\n", ", "), fontsize=8)
        ax.set_xlabel("in sample", fontsize=7)
        ax.set_ylabel("out of sample", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Out-of-sample verification: robust values on new states and seeds "
        "(red: dominated out of sample)",
        fontsize=11,
    )
    return fig


def convergence_figure(convergence: pd.DataFrame) -> Figure:
    """The hypervolume of the front found against the evaluations spent, by generation."""
    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    c = convergence.sort_values("generation")
    ax.plot(c["evaluations"], c["hypervolume"], marker="o", ms=3, color=COLOURS[0])
    for g, e, h in zip(c["generation"], c["evaluations"], c["hypervolume"], strict=True):
        ax.annotate(
            f"{int(g)}", (e, h), fontsize=6, xytext=(0, 4), textcoords="offset points", ha="center"
        )
    ax.set_xlabel("evaluations (portfolio x state x seed runs)", fontsize=8)
    ax.set_ylabel("hypervolume (normalised)", fontsize=8)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    fig.suptitle("Convergence: hypervolume per generation (numbers: generations)", fontsize=12)
    return fig
