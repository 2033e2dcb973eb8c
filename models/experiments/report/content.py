"""What the report says about Turin: goals, wanted directions, maps, project costs.

The numbers come from a batch store (:class:`sim.experiments.Batch`); this module picks
the indicators of each of the plan's goals (:data:`models.components.indicators.GOALS`), says which
direction of each is better for the plan, and turns the store into the tables the page
shows. Figures are in :mod:`models.experiments.report.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.codes import METRO_LABEL
from models.components.indicators import GOALS, INDICATORS
from models.components.levers import SPEC_BY_CODE, SPECS
from sim.experiments import Batch
from sim.experiments.summary import UNCLEAR, effect_table, prim_box, year_means

UNITS = {name: unit for name, _, unit in INDICATORS}
GOAL_OF = {name: goal for name, goal, _ in INDICATORS}
GOAL_INDICATORS: dict[int, tuple[str, ...]] = {
    goal: tuple(name for name, g, _ in INDICATORS if g == goal) for goal in GOALS
}
"""The indicators of each goal (1-8, 9 = sustainability), as the run's plots group them."""

DIRECTIONS: dict[str, int] = {
    "investment_eur": 1,
    "fdi_eur": 1,
    "firms_active": 1,
    "firm_births": 1,
    "firm_deaths": -1,
    "jobs": 1,
    "employed": 1,
    "employment_rate": 1,
    "unemployment_rate": -1,
    "innovative_firms": 1,
    "university_links": 1,
    "students": 1,
    "graduates": 1,
    "talents": 1,
    "talent_net_migration": 1,
    "service_cost_per_capita_eur": -1,
    "admin_burden_days": -1,
    "tourist_arrivals": 1,
    "long_term_unemployment_rate": -1,
    "mean_income_eur": 1,
    "poverty_rate": -1,
    "income_gini": -1,
    "commuters_to_torino": 0,  # neither: more commuting is more jobs and more travel
    "transit_share": 1,
    "bike_walk_share": 1,
    "commute_co2_t": -1,
    "green_share": 1,
    "rent_eur_m2": 0,  # neither: dearer homes are a richer city and a harder one to live in
}
"""The direction the plan wants of each goal indicator: +1 more is better, -1 less, 0 neither.
Only a clear effect (its interval excludes zero) in this direction is shown as better."""

MAP_INDICATORS = ("unemployment_rate", "talents", "poverty_rate")
"""The headline indicators mapped per comune: employment (goal 3), skilled human capital
(goal 5) and social inclusion (goal 8)."""

PRIM_INDICATOR = "unemployment_rate"
PRIM_SCENARIO = "piano-completo"


def is_share(name: str) -> bool:
    """Whether an indicator is a share (shown in %, its differences in percentage points)."""
    return UNITS.get(name, "").startswith("share")


def display_scale(name: str) -> float:
    """The factor from stored values to shown ones (100 for shares)."""
    return 100.0 if is_share(name) else 1.0


def display_unit(name: str, difference: bool = False) -> str:
    """The unit shown for an indicator's values or differences."""
    if is_share(name):
        return "percentage points" if difference else "%"
    return UNITS.get(name, "")


def number(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, thousands separated, minus as U+2212."""
    if value is None or not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    magnitude = int(np.floor(np.log10(abs(value))))
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{value:,.{decimals}f}"
    return text.replace("-", "−")


@dataclass
class Store:
    """A batch store with what the report needs resolved.

    Attributes:
        batch: the opened store.
        baseline: the scenario effects are taken against.
        scenarios: the other scenarios, in the batch's order, that have finished runs.
        year: the year effects are measured in (``"YYYY"``).
        months: the months of that year the runs cover.
        over: the columns intervals spread over: seeds, and design points when sampled.
        runs: ``runs.parquet`` reconciled with the parts.
    """

    batch: Batch
    baseline: str
    scenarios: list[str]
    year: str
    months: tuple[str, str]
    over: tuple[str, ...]
    runs: pd.DataFrame
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        """Whether the batch sampled uncertain quantities (intervals are then over them too)."""
        return bool(self.document.get("uncertainties"))

    def levers(self, scenario: str) -> dict[str, Any]:
        """The scenario's lever table from ``batch.json``."""
        return self.document["scenarios"][scenario].get("levers", {})


def goal_effects(store: Store) -> pd.DataFrame:
    """Each scenario's effect on each goal indicator, metro area, in the store's year.

    The effect of a cell is the mean over the year's months of its paired difference;
    the table gives its median and 90% interval over ``store.over``.
    """
    names = [n for goal, ns in GOAL_INDICATORS.items() if goal >= 1 for n in ns]
    diffs = store.batch.differences(
        store.baseline, indicator=names, comune=METRO_LABEL, period="month", dates=store.months
    )
    table = effect_table(year_means(diffs, store.year), over=store.over, directions=DIRECTIONS)
    table["goal"] = table["indicator"].map(GOAL_OF)
    return table


def effect_cell(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a table cell shows of one effect: median, interval, relative change, status."""
    scale = display_scale(row["indicator"])
    relative = row.get("relative")
    return {
        "median": number(row["median"] * scale),
        "low": number(row["low"] * scale),
        "high": number(row["high"] * scale),
        "relative": (
            f"{relative * 100:+.1f}%".replace("-", "−")
            if relative is not None and np.isfinite(relative) and not is_share(row["indicator"])
            else ""
        ),
        "status": row["status"],
        "n": int(row["n"]),
    }


def goal_tables(effects: pd.DataFrame, scenarios: Sequence[str]) -> list[dict[str, Any]]:
    """Per goal, a table: one row per indicator, one cell per scenario."""
    out = []
    for goal, title in GOALS.items():
        if goal < 1:
            continue
        rows = []
        for name in GOAL_INDICATORS[goal]:
            cells = []
            for scenario in scenarios:
                match = effects[(effects["indicator"] == name) & (effects["scenario"] == scenario)]
                cells.append(effect_cell(match.iloc[0].to_dict()) if len(match) else None)
            if any(cells):
                rows.append(
                    {
                        "indicator": name,
                        "unit": display_unit(name, difference=True),
                        "direction": {1: "more is better", -1: "less is better"}.get(
                            DIRECTIONS.get(name, 0), "neither direction is better"
                        ),
                        "cells": cells,
                    }
                )
        out.append(
            {
                "goal": goal,
                "title": title,
                "label": f"Goal {goal}: {title}" if goal <= 8 else title,
                "anchor": f"goal-{goal}" if goal <= 8 else "sustainability",
                "rows": rows,
            }
        )
    return out


def answer(effects: pd.DataFrame, scenarios: Sequence[str]) -> list[dict[str, Any]]:
    """Per scenario, how many goal indicators it clearly moves each way, and which."""
    out = []
    for scenario in scenarios:
        rows = effects[effects["scenario"] == scenario]
        counts = rows["status"].value_counts().to_dict()
        out.append(
            {
                "scenario": scenario,
                "better": sorted(rows.loc[rows["status"] == "better", "indicator"]),
                "worse": sorted(rows.loc[rows["status"] == "worse", "indicator"]),
                "changed": sorted(rows.loc[rows["status"] == "changed", "indicator"]),
                "unclear": int(counts.get(UNCLEAR, 0)),
                "total": len(rows),
            }
        )
    return out


def start_markers(store: Store) -> list[tuple[str, str]]:
    """``(label, "YYYY-MM")`` per distinct lever start month over the scenarios shown."""
    order = [s.code for s in SPECS]
    by_month: dict[str, set[str]] = {}
    for scenario in store.scenarios:
        for code, entry in store.levers(scenario).items():
            if entry.get("intensity", 1.0) > 0 and code in order:
                by_month.setdefault(entry["start"], set()).add(code)
    markers = []
    for month in sorted(by_month):
        codes = sorted(by_month[month], key=order.index)
        label = " ".join(codes[:4]) + (f" +{len(codes) - 4}" if len(codes) > 4 else "")
        markers.append((label, month))
    return markers


def single_lever_scenarios(store: Store) -> dict[str, str]:
    """Scenario to lever code, for the scenarios in which exactly one project is active."""
    out = {}
    for scenario in store.scenarios:
        active = [c for c, e in store.levers(scenario).items() if e.get("intensity", 1.0) > 0]
        if len(active) == 1 and active[0] in SPEC_BY_CODE:
            out[scenario] = active[0]
    return out


def cost_effects(store: Store, effects: pd.DataFrame) -> pd.DataFrame:
    """Each one-project scenario's yearly cost and effect per million EUR on its targets.

    The targets are the indicators the project is meant to move (``moves`` in
    ``models/data/levers.toml``), with the sign it should move them by. The yearly cost is
    the project's cost at intensity 1 times the scenario's intensity.

    Returns:
        ``scenario, code, name, cost_meur, indicator, wanted, median, low, high, per_meur,
        per_meur_low, per_meur_high, status`` (status as in the goal tables, with the
        project's own wanted sign).
    """
    from sim.experiments.summary import classify

    rows = []
    for scenario, code in single_lever_scenarios(store).items():
        spec = SPEC_BY_CODE[code]
        intensity = float(store.levers(scenario)[code].get("intensity", 1.0))
        cost = spec.cost_eur * intensity / 1e6
        for indicator, wanted in spec.moves.items():
            match = effects[(effects["scenario"] == scenario) & (effects["indicator"] == indicator)]
            if not len(match) or cost <= 0:
                continue
            e = match.iloc[0]
            rows.append(
                {
                    "scenario": scenario,
                    "code": code,
                    "name": spec.name,
                    "cost_meur": cost,
                    "indicator": indicator,
                    "wanted": int(wanted),
                    "median": e["median"],
                    "low": e["low"],
                    "high": e["high"],
                    "per_meur": e["median"] / cost,
                    "per_meur_low": e["low"] / cost,
                    "per_meur_high": e["high"] / cost,
                    "status": classify(e["low"], e["high"], int(wanted)),
                }
            )
    columns = [
        "scenario",
        "code",
        "name",
        "cost_meur",
        "indicator",
        "wanted",
        "median",
        "low",
        "high",
        "per_meur",
        "per_meur_low",
        "per_meur_high",
        "status",
    ]
    return pd.DataFrame(rows, columns=columns)


def comune_effects(store: Store, indicators: Sequence[str], codes: Sequence[str]) -> dict:
    """Each comune's 5% quantile, median and 95% quantile of the effect in the year.

    One read of the store for every scenario and indicator.

    Returns:
        ``{(scenario, indicator): {"q0.05": array, "q0.5": array, "q0.95": array}}``, one
        value per comune in ``codes`` order (NaN where the comune has no row, e.g. an
        undefined rate), for every scenario of ``store`` and every indicator asked for.
    """
    diffs = store.batch.differences(
        store.baseline,
        indicator=list(indicators),
        comune=list(codes),
        period="year",
        dates=(store.year, store.year),
    )
    grouped = diffs.groupby(["scenario", "indicator", "comune"])["difference"]
    quantiles = {q: grouped.quantile(q) for q in (0.05, 0.5, 0.95)}
    out = {}
    for scenario in store.scenarios:
        for indicator in indicators:
            out[(scenario, indicator)] = {
                f"q{q:g}": np.array(
                    [values.get((scenario, indicator, c), np.nan) for c in codes], dtype=float
                )
                for q, values in quantiles.items()
            }
    return out


def prim_cases(store: Store, scenario: str, indicator: str = PRIM_INDICATOR) -> tuple:
    """The inputs and outcomes PRIM is given: one case per design point and seed.

    Returns:
        ``(x, y)``: the sampled values that apply to ``scenario`` (one column per varied
        name, constant ones left out) and whether the scenario fails to lower
        ``indicator`` against the baseline in the year (a paired difference >= 0).
    """
    diffs = store.batch.differences(
        store.baseline, indicator=indicator, comune=METRO_LABEL, period="month", dates=store.months
    )
    cells = year_means(diffs[diffs["scenario"] == scenario], store.year)
    design = store.batch.design()
    names = [u["name"] for u in store.document.get("uncertainties", [])]
    design = design[design["scenario"] == scenario][["point", "seed", *names]]
    merged = cells.merge(design, on=["point", "seed"], how="inner")
    x = merged[names].apply(pd.to_numeric, errors="coerce")
    x = x.loc[:, x.notna().all() & (x.nunique() > 1)]
    return x, (merged["difference"] >= 0).to_numpy()


def prim_results(store: Store) -> list[dict[str, Any]]:
    """PRIM boxes where each scenario does not lower unemployment (sampled batches only).

    Only for ``piano-completo`` when the batch has it, else for every scenario.
    """
    if not store.sampled:
        return []
    chosen = [PRIM_SCENARIO] if PRIM_SCENARIO in store.scenarios else list(store.scenarios)
    out = []
    for scenario in chosen:
        x, y = prim_cases(store, scenario)
        box = prim_box(x, y) if len(x) else None
        out.append(
            {
                "scenario": scenario,
                "indicator": PRIM_INDICATOR,
                "cases": len(y),
                "of_interest": int(np.sum(y)),
                "inputs": list(x.columns),
                "box": box,
            }
        )
    return out
