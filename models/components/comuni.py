"""The 38 comuni as Mesa agents: services, their cost, administrative burden, attractiveness.

Each month every comune updates its per-resident cost of services (economies of scale
below ``service_scale_population``, a premium for the core city, welfare spending that
grows with poverty), the administrative burden it puts on firms, and an attractiveness
index (service efficiency, green, culture) that steers arrivals, moves and location.
Tourism arrivals are drawn at the level of the metro area and shared among comuni.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import Cell, FixedAgent

from models.codes import HOSPITALITY, METRO, N_COMUNI, N_SECTORS, N_ZONES
from models.trend_forms import geometric_or_logistic
from sim import fpmath
from sim.components import Component

if TYPE_CHECKING:
    from models.model import MetroModel

# Monthly profile of arrivals (assumption: spring and autumn peaks of Turin's events).
TOURISM_SEASON = np.array(
    [0.060, 0.068, 0.080, 0.090, 0.100, 0.090, 0.080, 0.072, 0.090, 0.100, 0.090, 0.080]
)
TOURISM_SEASON = TOURISM_SEASON / TOURISM_SEASON.sum()


class Comune(FixedAgent):
    """One of the 38 comuni, fixed at its town-centre cell.

    Attributes:
        index: the comune's index (0..37) in the model's arrays.
        code: ISTAT code.
        name: name.
        service_cost_per_capita: EUR per resident per year.
        admin_burden_days: days a firm spends on procedures a year.
        attractiveness: index, 0 in January 2015, in utility units.
        green_share: share of the comune's area that is agricultural or green.
    """

    def __init__(self, model: MetroModel, index: int, code: str, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = name
        self.service_cost_per_capita = 0.0
        self.admin_burden_days = 0.0
        self.attractiveness = 0.0
        self.green_share = 0.0
        self._base_cost: float | None = None

    @property
    def cell(self) -> Cell:
        """The comune's town-centre cell on the model's grid (which is built on first use)."""
        if self._mesa_cell is None:
            self.model.grid  # noqa: B018 (building the grid places every comune)
        return self._mesa_cell

    @cell.setter
    def cell(self, cell: Cell) -> None:
        if self._mesa_cell is not None:
            raise ValueError("a comune does not move")
        self._mesa_cell = cell
        cell.add_agent(self)

    def service_cost(self, population: float, poverty_rate: float) -> float:
        """Per-resident cost of municipal services (EUR/year) before lever efficiencies."""
        p = self.model.params
        pooled = population * self.model.hooks.service_pooling[self.index]
        scale = max(
            1.0,
            fpmath.power(
                p["service_scale_population"] / max(pooled, 1.0), p["service_scale_exponent"]
            ),
        )
        core = 1.0 + (p["core_service_premium"] if self.index == self.model.torino else 0.0)
        welfare = p["welfare_cost_per_poor"] * (poverty_rate if np.isfinite(poverty_rate) else 0)
        return p["service_cost_base"] * scale * core + welfare

    def step(self) -> None:
        """Update services, burden and attractiveness from the model's current state."""
        m = self.model
        i = self.index
        hooks = m.hooks
        population = m.census.zone_population[i] / m.scale
        cost = self.service_cost(population, m.census.zone_poverty[i])
        self.service_cost_per_capita = cost * hooks.service_cost[i]
        if self._base_cost is None:
            self._base_cost = self.service_cost_per_capita
        self.admin_burden_days = m.params["admin_burden_days"] * hooks.admin_burden[i]
        self.green_share = float(m.zone_green_share[i])
        efficiency = fpmath.log(self._base_cost / self.service_cost_per_capita)
        green_gain = self.green_share - m.initial_green_share[i]
        self.attractiveness = float(
            m.params["attractiveness_efficiency_weight"] * efficiency
            + m.params["attractiveness_green_weight"] * green_gain
            + hooks.amenity[i]
        )


class ComuniServices(Component):
    """The comuni's month (Mesa agents), and tourism: arrivals and the hospitality drift.

    Every comune updates its services, burden and attractiveness (:meth:`Comune.step`, each
    agent in the model's order, as ``AgentSet.do`` would call them but without its weak
    references: the comuni never change, and the step and the readings of the month were
    0.2 ms of a month's 3.5 at the minimum scale); their values are then kept as arrays by
    comune for the phases and indicators that read them. Tourist arrivals grow at
    ``tourism_trend`` with the plan's levers, have a seasonal profile and are shared among
    comuni (Torino and Venaria Reale by their documented shares, the rest by population).
    The yearly growth of arrivals moves the hospitality sector's growth drift
    (``hospitality_tourism_elasticity``).

    Attributes:
        attractiveness: by zone (0 outside), utility units.
        tourism: this month's arrivals by zone (full scale).
        tourism_shares: each comune's share of arrivals.
        sector_drift: extra yearly log growth of firms' targets by sector.
        service_cost_per_capita, admin_burden_days: the comuni's values (their agents'
            attributes) as arrays by comune.
    """

    name = "comuni_services"
    stream = "comuni"
    doc = "services, burden, attractiveness, tourism"
    needs = ("census",)

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        p, t = model.params, model.territory
        shares = np.zeros(N_ZONES)
        venaria = t.index_of("Venaria Reale")
        rest = 1.0 - p["torino_tourism_share"] - p["venaria_tourism_share"]
        others = np.ones(t.n_comuni, dtype=bool)
        others[[model.torino, venaria]] = False
        shares[:N_COMUNI][others] = rest * t.population[others] / t.population[others].sum()
        shares[model.torino] = p["torino_tourism_share"]
        shares[venaria] = p["venaria_tourism_share"]
        self.tourism_shares = shares
        self.attractiveness = np.zeros(N_ZONES)
        self.sector_drift = np.zeros(N_SECTORS)
        self.tourism = np.zeros(N_ZONES)
        self._last_tourism_level: float | None = None
        self.comuni: list[Comune] = []
        self.service_cost_per_capita = np.zeros(N_COMUNI)
        self.admin_burden_days = np.zeros(N_COMUNI)

    def init_post(self) -> None:
        """Services and burden of January 2015, on the census's count of it."""
        self.comuni = list(self.model.comuni)
        self._step_comuni()

    def _step_comuni(self) -> None:
        """Every comune's step, in the model's order; their services and burden as arrays."""
        for comune in self.comuni:
            comune.step()
        self.service_cost_per_capita = np.array([c.service_cost_per_capita for c in self.comuni])
        self.admin_burden_days = np.array([c.admin_burden_days for c in self.comuni])

    def step(self, month: int) -> None:
        """The comuni's step; attractiveness; tourist arrivals and the hospitality drift."""
        m = self.model
        self._step_comuni()
        self.attractiveness[:N_COMUNI] = [c.attractiveness for c in self.comuni]
        self.tourism = self.tourist_arrivals(month)
        level = self.tourism.sum() / TOURISM_SEASON[month % 12]  # deseasonalised, per year
        if self._last_tourism_level is not None:
            growth = fpmath.log(level / self._last_tourism_level) * 12.0
            self.sector_drift[HOSPITALITY] = m.params["hospitality_tourism_elasticity"] * growth
        self._last_tourism_level = level

    def tourist_arrivals(self, month: int) -> np.ndarray:
        """Arrivals this month by comune (full scale)."""
        m = self.model
        p = m.params
        years = (month - m.first_month) / 12.0
        ceiling = p["tourist_arrivals_ceiling"] / p["tourist_arrivals_2015"]  # 0: no bound
        trend = geometric_or_logistic(p["tourism_trend"], ceiling, years)
        level = p["tourist_arrivals_2015"] * trend
        level *= fpmath.power(m.hooks.tourism[METRO], p["tourism_attractiveness_elasticity"])
        total = level * TOURISM_SEASON[month % 12]
        return total * self.tourism_shares
