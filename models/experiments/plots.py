"""The run's plots: time series of the plan's eight goals (and sustainability), and maps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from models.codes import METRO_LABEL
from models.components.indicators import GOALS, INDICATORS
from models.experiments.maps import comune_map
from models.territory.territory import Territory
from sim.plots import time_series


def metro_series(indicators: pd.DataFrame) -> dict[str, pd.Series]:
    """Metro-area series by indicator, indexed by month start."""
    metro = indicators[indicators["comune"] == METRO_LABEL]
    out = {}
    for name, group in metro.groupby("indicator", sort=False):
        out[name] = pd.Series(
            group["value"].to_numpy(), index=pd.to_datetime(group["date"], format="%Y-%m")
        )
    return out


def goal_figures(
    indicators: pd.DataFrame, markers: Sequence[tuple[str, str]] = ()
) -> dict[str, object]:
    """One figure per goal (1-8) and one for sustainability: metro-area series."""
    series = metro_series(indicators)
    units = {name: unit for name, _, unit in INDICATORS}
    marks = [(label, pd.Timestamp(date)) for label, date in markers]
    figures = {}
    for goal, title in GOALS.items():
        names = [name for name, g, _ in INDICATORS if g == goal and name in series]
        if not names:
            continue
        label = f"goal_{goal}" if goal <= 8 else "sustainability"
        fname = f"{label}_{title.lower().replace(' ', '_')}"
        fig = time_series(
            {n: series[n] for n in names},
            f"{'Goal ' + str(goal) + ': ' if goal <= 8 else ''}{title} — metro area",
            markers=marks,
            units=units,
        )
        figures[fname] = fig
    context = [name for name, g, _ in INDICATORS if g == 0 and name in series]
    figures["context_population"] = time_series(
        {n: series[n] for n in context},
        "Population and migration — metro area",
        markers=marks,
        units=units,
    )
    return figures


def map_figures(indicators: pd.DataFrame, territory: Territory) -> dict[str, object]:
    """Maps of the 38 comuni on their real boundaries (:func:`models.experiments.maps.comune_map`).

    Population change over the run, and unemployment at its end.
    """
    comuni = indicators[indicators["comune"] != METRO_LABEL]
    first, last = comuni["date"].min(), comuni["date"].max()
    code_to_index = {code: i for i, code in enumerate(territory.codes)}

    def values(name: str, date: str) -> np.ndarray:
        rows = comuni[(comuni["indicator"] == name) & (comuni["date"] == date)]
        out = np.full(territory.n_comuni, np.nan)
        out[[code_to_index[c] for c in rows["comune"]]] = rows["value"].to_numpy()
        return out

    change = 100.0 * (values("population", last) / values("population", first) - 1.0)
    return {
        "map_population_change": comune_map(
            territory,
            change,
            f"Population change {first} to {last}",
            "%",
            cmap="RdBu",
            centre=0.0,
        ),
        "map_unemployment_rate": comune_map(
            territory,
            100 * values("unemployment_rate", last),
            f"Unemployment rate, {last}",
            "%",
            cmap="magma_r",
        ),
    }


def save_figures(figures: dict[str, object], folder: Path, dpi: int = 110) -> list[str]:
    """Save figures as PNG into ``folder``; return the file names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, fig in figures.items():
        fig.savefig(folder / f"{name}.png", dpi=dpi)
        names.append(f"{name}.png")
    return names
