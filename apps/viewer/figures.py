"""What the viewer draws of a model in its current month: the map and the headlines.

Matplotlib figures and plain tables, no Solara (the components in
:mod:`apps.viewer.components` show them). The map is
:func:`models.experiments.maps.draw_comuni`: the 38 comuni on ISTAT's boundaries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from models.codes import N_COMUNI
from models.components.indicators import GOALS, HEADLINE_INDICATORS, INDEX, INDICATORS
from models.experiments.maps import draw_comuni
from sim.calendar import format_month

if TYPE_CHECKING:
    from models.model import MetroModel

UNITS = {name: unit for name, _, unit in INDICATORS}
GOAL_OF = {name: goal for name, goal, _ in INDICATORS}
PER_RESIDENT = frozenset(
    name
    for name, _, unit in INDICATORS
    if (
        name != "population"
        and (unit.startswith("per ") or unit in ("firms", "residents", "university students"))
    )
    or name in ("jobs", "talents", "commute_co2_t", "investment_eur", "fdi_eur")
)
"""Counts and flows that a map shows per 1,000 residents, so that Torino's size does not
paint every other comune the same colour."""

HEADLINES = tuple(HEADLINE_INDICATORS[goal] for goal in range(1, 9))
"""The eight goals' headline indicators, goal 1 to 8."""

MAP_INDICATORS = HEADLINES + tuple(
    name for name, _, _ in INDICATORS if name != "lever_cost_eur" and name not in HEADLINES
)
"""What the map can show: the headlines first, then the others (the projects' cost is
the metro area's only)."""


def label(name: str) -> str:
    """``unemployment_rate`` as ``unemployment rate (share of labour force)``."""
    return f"{name.replace('_eur', '').replace('_', ' ')} ({UNITS[name]})"


def goal_title(name: str) -> str:
    """``Goal 3, Employment: unemployment rate``."""
    goal = GOAL_OF[name]
    return f"Goal {goal}, {GOALS[goal]}: {name.replace('_eur', '').replace('_', ' ')}"


def current_month(model: MetroModel) -> int | None:
    """The month the model last recorded (a month index), None before its first step."""
    records = model.indicators.records
    return records[-1][0] if records else None


def comune_values(model: MetroModel, name: str) -> np.ndarray:
    """The indicator in each comune this month, per 1,000 residents where it is a count.

    Before the first step, the January-2015 population as the indicators measure it
    (measuring changes nothing; its flows are zero). NaN where the indicator is undefined.
    """
    records = model.indicators.records
    values = records[-1][1] if records else model.indicators.values()
    out = np.array(values[INDEX[name], :N_COMUNI], dtype=float)
    if name in PER_RESIDENT:
        population = values[INDEX["population"], :N_COMUNI]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(population > 0, 1000.0 * out / population, np.nan)
    return out


def map_figure(model: MetroModel, name: str) -> Figure:
    """The 38 comuni coloured by indicator ``name`` in the model's current month."""
    values = comune_values(model, name)
    fig = Figure(figsize=(6.0, 4.3), layout="constrained")
    ax = fig.subplots()
    patches = draw_comuni(ax, model.territory, values)
    unit = UNITS[name] + (", per 1,000 residents" if name in PER_RESIDENT else "")
    fig.colorbar(patches, ax=ax, shrink=0.7, label=unit)
    month = current_month(model)
    when = format_month(month) if month is not None else "January 2015, before the first step"
    ax.set_title(f"{name.replace('_eur', '').replace('_', ' ')}, {when}", fontsize=10)
    return fig


def headline_rows(model: MetroModel) -> list[tuple[str, str, str]]:
    """``(goal, indicator, value)`` of the eight headlines in the metro area this month."""
    rows = []
    for name in HEADLINES:
        value = model.indicators.latest(name)
        text = "—" if not np.isfinite(value) else f"{value:,.6g}"
        rows.append((f"{GOAL_OF[name]}. {GOALS[GOAL_OF[name]]}", label(name), text))
    return rows
