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
from models.experiments.report import words
from sim.experiments import Batch
from sim.experiments.summary import (
    UNCLEAR,
    VERDICTS,
    effect_table,
    prim_box,
    year_means,
)

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

LUMPY = ("investment_eur", "fdi_eur")
"""Indicators that come in lumps (one firm's investment, one foreign plant): shown as
yearly sums, and an effect most of which comes from one month of one run is flagged."""
ONE_EVENT_SHARE = 0.5
"""An effect on a lumpy indicator is driven by one event when one month of one run (a
cell of the design) holds at least this share of the year's absolute differences."""

MAP_INDICATORS = ("unemployment_rate", "talents", "poverty_rate")
"""The headline indicators mapped per comune: employment (goal 3), skilled human capital
(goal 5) and social inclusion (goal 8)."""

PRIM_INDICATOR = "unemployment_rate"
PRIM_SCENARIO = "piano-completo"


PER_CAPITA = {"talents": 1000.0}
"""Counts mapped per 1,000 residents (the comune's 2015 population), so that the map shows
where the effect is strong, not where most people live (Torino)."""
RECOMMENDED_SEEDS = 10
"""docs/replicates.md ("Use several seeds"): ten seeds give a standard error of sd/sqrt(10)."""
RECOMMENDED_SCALE = 0.05
"""docs/report.md ("Maps"), docs/batches.md: the shipped batches run at scale 0.05; small
comuni have few agents below it."""

number = words.number


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


def effect_scale(name: str, months: int) -> float:
    """The factor from a stored effect (a mean of monthly differences) to the shown one.

    100 for shares (shown in points), the number of months for a lumpy indicator (shown as
    the year's sum), 1 otherwise.
    """
    if name in LUMPY:
        return float(months)
    return display_scale(name)


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

    @property
    def n_months(self) -> int:
        """How many months of the year the runs cover."""
        (y0, m0), (y1, m1) = (map(int, m.split("-")) for m in self.months)
        return (y1 - y0) * 12 + m1 - m0 + 1

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
    table["one_event"] = one_event_shares(diffs, table)
    flagged = (table["one_event"] >= ONE_EVENT_SHARE) & table["status"].isin(VERDICTS)
    table.loc[flagged, "status"] = UNCLEAR
    table["one_event"] = table["one_event"] >= ONE_EVENT_SHARE
    return table


def one_event_shares(diffs: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Per row of ``table``, the share of the year's absolute differences in its largest month.

    Only the :data:`LUMPY` indicators are measured (0 for the others): one foreign plant in
    one run is one month of one cell, and if it holds half of all the differences of the
    year, the effect is that plant, not the scenario's.
    """
    lumpy = diffs[diffs["indicator"].isin(LUMPY)]
    shares: dict[tuple[str, str], float] = {}
    for (scenario, name), part in lumpy.groupby(["scenario", "indicator"]):
        size = part["difference"].abs()
        total = float(size.sum())
        shares[(scenario, name)] = float(size.max()) / total if total > 0 else 0.0
    return pd.Series(
        [
            shares.get((s, i), 0.0)
            for s, i in zip(table["scenario"], table["indicator"], strict=True)
        ],
        index=table.index,
    )


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


def active_levers(store: Store, scenario: str) -> dict[str, float]:
    """The scenario's active projects (intensity above 0) and their intensities."""
    out = {}
    for code, entry in store.levers(scenario).items():
        intensity = float(entry.get("intensity", 1.0))
        if intensity > 0 and code in SPEC_BY_CODE:
            out[code] = intensity
    return out


def yearly_cost_meur(levers: Mapping[str, float]) -> float:
    """The yearly cost at full strength, M EUR: ``cost_eur`` x intensity over the projects."""
    return sum(SPEC_BY_CODE[code].cost_eur * i for code, i in levers.items()) / 1e6


def cost_targets(levers: Mapping[str, float]) -> dict[str, int]:
    """The indicators cost and effect measures, with the sign wanted of each.

    One project: the indicators it is meant to move (``moves`` in
    ``models/data/levers.toml``) with its own sign. Several: each goal's headline indicator
    (:data:`~models.experiments.report.words.HEADLINES`) with the plan's direction.
    """
    if len(levers) == 1:
        return dict(SPEC_BY_CODE[next(iter(levers))].moves)
    return {n: DIRECTIONS.get(n, 0) for n in words.HEADLINES.values()}


def cost_effects(store: Store, effects: pd.DataFrame) -> pd.DataFrame:
    """Each scenario's yearly cost and its effect per million EUR a year on its targets.

    The yearly cost is each active project's ``cost_eur`` at intensity 1 times the
    scenario's intensity, summed (the whole plan: 61.3 M EUR); the targets are
    :func:`cost_targets`. An effect within the numerical tolerance is "no change", one
    driven by one event is unclear, as in the goal tables.

    Returns:
        ``scenario, label, code, name, cost_meur, indicator, wanted, median, low, high,
        per_meur, per_meur_low, per_meur_high, scale, status`` (``scale``: stored to shown).
    """
    from sim.experiments.summary import classify

    rows = []
    for scenario in store.scenarios:
        levers = active_levers(store, scenario)
        cost = yearly_cost_meur(levers)
        if cost <= 0:
            continue
        single = next(iter(levers)) if len(levers) == 1 else ""
        for indicator, wanted in cost_targets(levers).items():
            match = effects[(effects["scenario"] == scenario) & (effects["indicator"] == indicator)]
            if not len(match):
                continue
            e = match.iloc[0]
            status = classify(e["low"], e["high"], int(wanted), float(e.get("tolerance", 0.0)))
            rows.append(
                {
                    "scenario": scenario,
                    "label": single or scenario,
                    "code": single,
                    "name": SPEC_BY_CODE[single].name if single else f"{len(levers)} projects",
                    "cost_meur": cost,
                    "indicator": indicator,
                    "wanted": int(wanted),
                    "median": e["median"],
                    "low": e["low"],
                    "high": e["high"],
                    "per_meur": e["median"] / cost,
                    "per_meur_low": e["low"] / cost,
                    "per_meur_high": e["high"] / cost,
                    "scale": effect_scale(indicator, store.n_months),
                    "status": UNCLEAR if e.get("one_event", False) else status,
                }
            )
    columns = [
        "scenario", "label", "code", "name", "cost_meur", "indicator", "wanted", "median",
        "low", "high", "per_meur", "per_meur_low", "per_meur_high", "scale", "status",
    ]  # fmt: skip
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


def observed_on_fans(store: Store, observed: pd.DataFrame | None) -> pd.DataFrame | None:
    """The observed points to draw: only for a batch over the calibration's posterior.

    Its baseline's fan carries the calibration's uncertainty (draws x seeds), the fair
    band to set the observed 2015-2018 path against; other batches draw none.
    """
    design = store.document.get("design") or {}
    return observed if design.get("kind") == "posterior" else None
