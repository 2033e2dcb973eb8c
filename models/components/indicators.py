"""Indicators of the plan's eight goals, per comune and for the metro area, every month.

The census (:mod:`models.components.census`) gives the stocks by zone; the month's flow counters,
the commuting tally and the comuni's accounts give the rest. Counts and EUR totals are
divided by the scale, so every value is a full-scale equivalent whatever the scale. The
indicators only record: nothing the model reads is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models.codes import ACTIVE, METRO_COLUMN, N_COMUNI, N_ZONES, TRANSIT
from models.components import census as c
from models.flows import (
    BIRTHS,
    DEATHS,
    EMIGRANTS,
    FDI,
    FIRM_BIRTHS,
    FIRM_DEATHS,
    GRADUATES,
    IMMIGRANTS,
    INVESTMENT,
    MOVES_IN,
    MOVES_OUT,
    TALENT_IN,
    TALENT_OUT,
)
from sim.components import Component

if TYPE_CHECKING:
    from models.model import MetroModel

# name, goal (1-8 as in the plan; 0 = context, 9 = sustainability), unit
INDICATORS: tuple[tuple[str, int, str], ...] = (
    ("population", 0, "residents"),
    ("births", 0, "per month"),
    ("deaths", 0, "per month"),
    ("immigrants", 0, "per month"),
    ("emigrants", 0, "per month"),
    ("lever_cost_eur", 0, "EUR per month, the active projects' cost (metro only)"),
    ("investment_eur", 1, "EUR per month"),
    ("fdi_eur", 1, "EUR per month"),
    ("firms_active", 2, "firms"),
    ("firm_births", 2, "per month"),
    ("firm_deaths", 2, "per month"),
    ("jobs", 3, "jobs at firms in the zone"),
    ("employed", 3, "residents"),
    ("employment_rate", 3, "share of residents 15-64"),
    ("unemployment_rate", 3, "share of labour force"),
    ("innovative_firms", 4, "firms"),
    ("university_links", 4, "firms"),
    ("students", 5, "university students"),
    ("graduates", 5, "per month"),
    ("talents", 5, "tertiary-educated residents 25-64"),
    ("talent_net_migration", 5, "per month"),
    ("service_cost_per_capita_eur", 6, "EUR per resident per year"),
    ("admin_burden_days", 6, "days per firm per year"),
    ("tourist_arrivals", 7, "per month"),
    ("long_term_unemployment_rate", 8, "share of labour force"),
    ("mean_income_eur", 8, "EUR per year"),
    ("poverty_rate", 8, "share"),
    ("income_gini", 8, "index"),
    ("commuters_to_torino", 9, "per day"),
    ("transit_share", 9, "share of commuters"),
    ("bike_walk_share", 9, "share of commuters"),
    ("commute_co2_t", 9, "tonnes per month"),
    ("green_share", 9, "share of area"),
    ("rent_eur_m2", 9, "EUR per m² per month"),
)
INDICATOR_NAMES = tuple(name for name, _, _ in INDICATORS)

METRO_ONLY: frozenset[str] = frozenset({"lever_cost_eur"})
"""Indicators of the metro area alone: they have no rows for the comuni."""

UNDEFINED_WHEN_EMPTY: frozenset[str] = frozenset(
    {
        "employment_rate",  # no resident aged 15-64
        "unemployment_rate",  # no one in the labour force
        "long_term_unemployment_rate",
        "mean_income_eur",  # no one with an income
        "poverty_rate",
        "income_gini",
        "transit_share",  # no commuter
        "bike_walk_share",
        "rent_eur_m2",  # no occupied home
    }
)
"""Shares and means that are undefined for a comune in a month when their denominator is
empty there; such a month has no row for that comune (never for the metro area)."""

# The largest month-to-month change of each metro indicator that is plausible at scale 1:
# ("rel", r) bounds |x_t / x_(t-1) - 1|, ("abs", a) bounds |x_t - x_(t-1)|, None means
# lumpy by nature (one foreign plant is a month's FDI). Stocks move slowly (a metro area
# does not gain or lose 1% of its residents or 2% of its jobs in a month); flows have
# Poisson noise and seasonality (tourism).
PLAUSIBLE_MONTHLY_CHANGE: dict[str, tuple[str, float] | None] = {
    "population": ("rel", 0.005),
    "births": ("rel", 0.3),
    "deaths": ("rel", 0.3),
    "immigrants": ("rel", 0.3),
    "emigrants": ("rel", 0.3),
    "lever_cost_eur": None,  # steps when a project starts; 0 in the baseline
    "investment_eur": ("rel", 0.5),
    "fdi_eur": None,
    "firms_active": ("rel", 0.02),
    "firm_births": ("rel", 0.4),
    "firm_deaths": ("rel", 0.4),
    "jobs": ("rel", 0.02),
    "employed": ("rel", 0.02),
    "employment_rate": ("abs", 0.01),
    "unemployment_rate": ("abs", 0.01),
    "innovative_firms": ("rel", 0.05),
    "university_links": ("rel", 0.05),
    "students": ("rel", 0.05),
    "graduates": ("rel", 0.5),
    "talents": ("rel", 0.02),
    "talent_net_migration": None,
    "service_cost_per_capita_eur": ("rel", 0.02),
    "admin_burden_days": ("rel", 0.05),
    "tourist_arrivals": ("rel", 0.5),
    "long_term_unemployment_rate": ("abs", 0.01),
    "mean_income_eur": ("rel", 0.02),
    "poverty_rate": ("abs", 0.01),
    "income_gini": ("abs", 0.01),
    "commuters_to_torino": ("rel", 0.03),
    "transit_share": ("abs", 0.01),
    "bike_walk_share": ("abs", 0.01),
    "commute_co2_t": ("rel", 0.03),
    "green_share": ("abs", 0.005),
    "rent_eur_m2": ("rel", 0.02),
}
INDEX = {name: k for k, name in enumerate(INDICATOR_NAMES)}
GOALS = {
    1: "Investment",
    2: "Firms",
    3: "Employment",
    4: "Research and innovation",
    5: "Skilled human capital",
    6: "Efficient public services",
    7: "Culture and tourism",
    8: "Social inclusion",
    9: "Sustainability",
}

HEADLINE_INDICATORS = {
    1: "investment_eur",
    2: "firms_active",
    3: "unemployment_rate",
    4: "innovative_firms",
    5: "talents",
    6: "service_cost_per_capita_eur",
    7: "tourist_arrivals",
    8: "poverty_rate",
    9: "commute_co2_t",
}
"""One headline indicator per goal (and sustainability): what sensitivity analysis reports
the drivers of (docs/calibration.md)."""


class Indicators(Component):
    """The month's indicators (full-scale equivalents) and, each January, OD and firms.

    Attributes:
        records: ``(month, values)`` per month from the scenario's start, ``values`` of
            shape ``(len(INDICATORS), N_ZONES)``: the comuni, then the metro area in
            :data:`~models.codes.METRO_COLUMN`.
        od_snapshots: ``(month, od)`` each January: commuters by origin zone,
            destination comune and mode (agents).
        firm_snapshots: ``(month, columns)`` each January: every live firm's sector,
            employees, zone, founding month and row (``firm_id``).
    """

    name = "indicators"
    doc = "indicators of the eight goals; yearly commuting flows and firms"
    needs = ("lever_delivery", "commuting", "comuni_services", "census")

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        self.records: list[tuple[int, np.ndarray]] = []
        self.od_snapshots: list[tuple[int, np.ndarray]] = []
        self.firm_snapshots: list[tuple[int, dict[str, np.ndarray]]] = []

    def step(self, month: int) -> None:
        """Record the month's indicators, and each January the flows and the firms."""
        m = self.model
        if month >= m.start_month:
            self.records.append((month, self.values()))
        if month % 12 == 0:
            f = m.firms
            live = f.alive == 1
            self.od_snapshots.append((month, m.commuting.tally.od.copy()))
            self.firm_snapshots.append(
                (
                    month,
                    {
                        name: f.columns[name][: f.count][live].copy()
                        for name in ("sector", "employees", "zone", "founded")
                    }
                    | {"firm_id": np.flatnonzero(live)},
                )
            )

    def latest(self, name: str) -> float:
        """The metro value of indicator ``name`` in the last month recorded (NaN if none)."""
        if not self.records:
            return float("nan")
        return float(self.records[-1][1][INDEX[name], METRO_COLUMN])

    def values(self) -> np.ndarray:
        """The indicators now: ``(len(INDICATORS), N_ZONES)``, NaN where undefined."""
        rows = IndicatorRows(self.model.scale)
        self.put_people_and_firms(rows)
        self.put_work_and_skills(rows)
        self.put_services_and_incomes(rows)
        self.put_commuting_and_land(rows)
        return rows.out

    def put_people_and_firms(self, rows: IndicatorRows) -> None:
        """Residents and their flows, the projects' cost, investment, firms and jobs."""
        m = self.model
        census, flows, s, n = m.census, m.flows, m.scale, N_COMUNI
        stocks, fstocks = census.people_stocks, census.firm_stocks
        put, counts = rows.put, rows.counts
        counts("population", stocks[c.POPULATION])
        counts("births", flows[BIRTHS])
        counts("deaths", flows[DEATHS])
        put(
            "immigrants",
            (flows[IMMIGRANTS] + flows[MOVES_IN]) / s,
            flows[IMMIGRANTS][:n].sum() / s,
        )
        put(
            "emigrants",
            (flows[EMIGRANTS] + flows[MOVES_OUT]) / s,
            flows[EMIGRANTS][:n].sum() / s,
        )
        # the projects' cost is a metro-wide figure (EUR, already full scale): no comune rows
        put("lever_cost_eur", np.full(n, np.nan), m.lever_delivery.cost)
        counts("investment_eur", flows[INVESTMENT])
        counts("fdi_eur", flows[FDI])
        counts("firms_active", fstocks[c.FIRMS])
        counts("firm_births", flows[FIRM_BIRTHS])
        counts("firm_deaths", flows[FIRM_DEATHS])
        counts("jobs", fstocks[c.JOBS])

    def put_work_and_skills(self, rows: IndicatorRows) -> None:
        """Employment and unemployment, innovation, students, graduates and talents."""
        m = self.model
        census, flows, n = m.census, m.flows, N_COMUNI
        stocks, fstocks = census.people_stocks, census.firm_stocks
        put, counts = rows.put, rows.counts
        counts("employed", stocks[c.EMPLOYED_RESIDENTS])
        working_age, employed_wa = stocks[c.WORKING_AGE], stocks[c.EMPLOYED_WORKING_AGE]
        put(
            "employment_rate",
            ratio(employed_wa, working_age),
            employed_wa[:n].sum() / working_age[:n].sum(),
        )
        unemployed = stocks[c.UNEMPLOYED_RESIDENTS]
        labour_force = stocks[c.EMPLOYED_RESIDENTS] + unemployed
        put(
            "unemployment_rate",
            ratio(unemployed, labour_force),
            unemployed[:n].sum() / labour_force[:n].sum(),
        )
        long_term = stocks[c.LONG_TERM_UNEMPLOYED]
        put(
            "long_term_unemployment_rate",
            ratio(long_term, labour_force),
            long_term[:n].sum() / labour_force[:n].sum(),
        )
        counts("innovative_firms", fstocks[c.INNOVATIVE_FIRMS])
        counts("university_links", fstocks[c.UNIVERSITY_LINKS])
        students = stocks[c.STUDENTS]
        counts("students", students, students.sum())  # metro: every enrolled student
        counts("graduates", flows[GRADUATES], flows[GRADUATES].sum())
        counts("talents", stocks[c.TALENTS])
        counts("talent_net_migration", flows[TALENT_IN] - flows[TALENT_OUT])

    def put_services_and_incomes(self, rows: IndicatorRows) -> None:
        """Service costs, administrative burden, tourism, incomes, poverty and inequality."""
        m = self.model
        census, n = m.census, N_COMUNI
        stocks, fstocks = census.people_stocks, census.firm_stocks
        hist, hist_sum = census.income.counts, census.income.sums
        put = rows.put
        pop = np.maximum(stocks[c.POPULATION][:n], 1.0)
        cost = m.comuni_services.service_cost_per_capita
        put("service_cost_per_capita_eur", cost, float(np.average(cost, weights=pop)))
        burden = m.comuni_services.admin_burden_days
        firms = fstocks[c.FIRMS][:n]
        put("admin_burden_days", burden, float(np.average(burden, weights=firms + 1e-9)))
        tourism = m.comuni_services.tourism
        put("tourist_arrivals", tourism, tourism[:n].sum())
        income, earners = stocks[c.INCOME_SUM], stocks[c.INCOME_EARNERS]
        put("mean_income_eur", ratio(income, earners), income[:n].sum() / earners[:n].sum())
        metro_hist = hist[:n].sum(axis=0)
        gini = c.gini_by_row(hist[:n], hist_sum[:n])
        put("poverty_rate", census.zone_poverty, census.metro_poverty)
        put("income_gini", gini, c.gini_from_histogram(metro_hist, hist_sum[:n].sum(axis=0)))

    def put_commuting_and_land(self, rows: IndicatorRows) -> None:
        """Commuting (flows, modes, emissions), green land and rents."""
        m = self.model
        s, n = m.scale, N_COMUNI
        put = rows.put
        tally = m.commuting.tally
        put("commuters_to_torino", tally.to_torino / s, tally.to_torino.sum() / s)
        put(
            "transit_share",
            ratio(tally.by_mode[:, TRANSIT], tally.commuters),
            tally.by_mode[:, TRANSIT].sum() / max(tally.commuters.sum(), 1),
        )
        put(
            "bike_walk_share",
            ratio(tally.by_mode[:, ACTIVE], tally.commuters),
            tally.by_mode[:, ACTIVE].sum() / max(tally.commuters.sum(), 1),
        )
        put("commute_co2_t", tally.co2_kg / 1000.0 / s, tally.co2_kg.sum() / 1000.0 / s)
        put("green_share", m.zone_green_share, m.metro_green_share)
        rent = m.layer["rent"] * m.hooks.rent[m.cell_zone]  # as residents pay it
        occ = m.layer["residents"]
        rz = np.bincount(m.cell_zone, weights=rent * occ, minlength=N_ZONES)
        oz = np.bincount(m.cell_zone, weights=occ, minlength=N_ZONES)
        put("rent_eur_m2", ratio(rz, oz), rz[:n].sum() / oz[:n].sum())


class IndicatorRows:
    """The indicators of a month being written: a row per indicator, a column per zone.

    Args:
        scale: agents per real person or firm; counts are divided by it.

    Attributes:
        out: ``(len(INDICATORS), N_ZONES)``, NaN until written.
    """

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.out = np.full((len(INDICATORS), N_ZONES), np.nan)

    def put(self, name: str, comuni: np.ndarray, metro: float) -> None:
        """Write indicator ``name``: the comuni's values and the metro area's."""
        self.out[INDEX[name], :N_COMUNI] = comuni[:N_COMUNI]
        self.out[INDEX[name], METRO_COLUMN] = metro

    def counts(self, name: str, by_zone: np.ndarray, metro: float | None = None) -> None:
        """Write a count by zone as full-scale equivalents.

        The metro value is the comuni's sum unless ``metro`` is given (agents, like
        ``by_zone``).
        """
        s, n = self.scale, N_COMUNI
        self.put(name, by_zone / s, (by_zone[:n].sum() if metro is None else metro) / s)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` by zone, NaN where ``den`` is not positive."""
    return np.where(den > 0, num / np.maximum(den, 1e-12), np.nan)
