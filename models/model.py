"""MetroModel: the Turin conurbation as a Mesa model whose month is a plan of components.

The 38 comuni are :class:`~models.components.comuni.Comune` agents on a Mesa
:class:`~mesa.discrete_space.OrthogonalMooreGrid` whose cells are the territory's raster
(coordinates are ``(row, col)``, row 0 south); cell fields are Mesa property layers.
People and firms are struct-of-arrays tables (:class:`sim.tables.AgentTable`) stepped by
numba kernels. Each behaviour is a component in its own module (:mod:`sim.components`);
the model holds the space, the tables, the hooks and the components, and its month is
their plan (``docs/architecture.md`` is the map).
"""

from __future__ import annotations

from copy import deepcopy
from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer
from scipy import ndimage

from models.codes import N_COMUNI, N_ZONES, OUTSIDE
from models.components import commuting, housing
from models.components.census import Census
from models.components.commuting import Commuting
from models.components.comuni import Comune, ComuniServices
from models.components.demography import Demography
from models.components.education import Education
from models.components.firms import FirmDynamics
from models.components.housing import Housing
from models.components.indicators import INDICATOR_NAMES, Indicators
from models.components.labour import LabourMarket
from models.components.levers import LeverDelivery, build_levers
from models.flows import new_flows
from models.hooks import Hooks
from models.minimum_scale import check_scale
from models.parameters import resolve
from models.population import PopulationCache, build_population, people_order, town_centres
from models.territory.land_use import AGRICULTURAL, GREEN
from models.territory.space import CellCoordinates, km_between
from models.territory.territory import Territory, load_territory
from sim import fpmath
from sim.calendar import format_month, parse_month
from sim.components import Component, month_plan
from sim.memory import release_free_memory
from sim.mesa_ids import release_grid, release_models
from sim.random import phase_generator, phase_key
from sim.scenario import Scenario

COMUNE_REPORTERS = (
    "code",
    "name",
    "service_cost_per_capita",
    "admin_burden_days",
    "attractiveness",
)
"""The comuni's attributes the data collector records every month."""


def metro_indicator(name: str, model: MetroModel) -> float:
    """The metro value of indicator ``name`` this month (a data-collector reporter)."""
    return model.indicators.latest(name)


COMPONENTS: tuple[type[Component], ...] = (
    LeverDelivery,
    Demography,
    Education,
    FirmDynamics,
    LabourMarket,
    Commuting,
    Housing,
    ComuniServices,
    Census,
    Indicators,
)
"""The behaviours of the month, in its order (one module each in models/components/)."""


class MetroModel(mesa.Model):
    """The Turin metropolitan area, month by month from January 2015.

    Args:
        seed: the run's seed; every random number derives from it.
        scale: agents per real person or firm, in (0, 1].
        parameters: overrides of model parameters by name (see :mod:`models.parameters`).
        levers: active levers (objects with ``apply(model, month)`` and
            ``yearly_cost(month)``), usually built by :func:`models.components.levers.build_levers`.
        start: first month reported, ``"YYYY-MM"``; the population is that of January
            2015 and months before ``start`` are simulated as spin-up.
        end: last month, ``"YYYY-MM"``; ``running`` turns False after it.
        territory: the territory (loaded from the package data if not given).
        phases: run only these phases of the monthly plan, in plan order (for tests,
            benchmarks and the Mesa reference); all of them if not given.
        populations: a :class:`~models.population.PopulationCache` to take the January
            2015 population from (the runs of a batch share one); built afresh if not
            given. Either way the population is the same.

    Attributes:
        people, firms: the agent tables.
        grid: the Mesa grid of the territory, built on first use (a batch's run never
            asks for it); ``layer`` holds flat views of its property
            layers; ``space`` the coordinates of every place (the raster's cells, then the
            province's other comuni), ``place_zone`` their zones.
        comuni: the :class:`Comune` agents (a Mesa ``AgentSet``, in ISTAT-table order).
        hooks: the levers' hooks this month (:mod:`models.hooks`).
        flows: this month's flow counters (:mod:`models.flows`).
        components: the behaviours, in the order of the month (:data:`COMPONENTS`); each is
            also an attribute named like its phase (``lever_delivery``, ``demography``,
            ``education``, ``firm_dynamics``, ``labour_market``, ``commuting``,
            ``housing``, ``comuni_services``, ``census``, ``indicators``).
        plan: the month's phases, timed.
        datacollector: Mesa's data collector: the metro indicators and the comuni's
            accounts, every month.
    """

    FIRST_MONTH = parse_month("2015-01")

    def __init__(
        self,
        seed: int = 1,
        scale: float = 0.01,
        parameters: dict[str, float] | None = None,
        levers: list[Any] | None = None,
        start: str = "2015-01",
        end: str = "2025-12",
        territory: Territory | None = None,
        phases: tuple[str, ...] | None = None,
        populations: PopulationCache | None = None,
    ) -> None:
        super().__init__(seed=seed)
        release_models()  # so that the model is freed when dropped (sim/mesa_ids.py)
        self.seed = int(seed)
        self.scale = float(scale)
        self.params = resolve(parameters)
        self.levers = list(levers or [])
        self.first_month = self.FIRST_MONTH
        self.start_month = parse_month(start)
        self.end_month = parse_month(end)
        self.territory = territory or load_territory()
        check_scale(self.scale, self.territory)  # ValueError below the area's minimum
        self.torino = self.territory.torino
        self.hooks = Hooks.neutral()
        self.flows = new_flows()
        self._build_space()

        # Agents: the comuni (on the grid's cells once it is built); people and firms in
        # tables.
        t = self.territory
        for i in range(t.n_comuni):
            Comune(self, i, t.codes[i], t.names[i])
        self.comuni = self.agents_by_type[Comune]
        if populations is None:
            population = build_population(
                t,
                self.scale,
                phase_generator(self.seed, "population"),
                self.first_month,
                self.params,
            )
        else:
            population = populations.get(t, self.scale, self.seed, self.first_month, self.params)
        self.people = population.people
        self.firms = population.firms
        self.university_cells = population.university_cells

        self.initial_wage_level = population.wage_level
        del population
        release_free_memory()  # the build's temporaries (sim/memory.py)

        # The behaviours, in the order of the month: each built on the tables, then each
        # takes what it reads from the others (Component.init_post), so no order is kept
        # by hand; each is an attribute named like its phase.
        self.components: list[Component] = [cls(self) for cls in COMPONENTS]
        for component in self.components:
            setattr(self, component.name, component)
        for component in self.components:
            component.init_post()
        self.plan = month_plan(self.components, phases)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(metro_indicator, name) for name in INDICATOR_NAMES},
            agent_reporters={name: name for name in COMUNE_REPORTERS},
        )
        self.datacollector.collect(self)
        self.running = True

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, populations: PopulationCache | None = None
    ) -> MetroModel:
        """The model of a scenario at January 2015.

        Its seed, scale, months, parameters and levers: the one way a run and a batch's run
        build it.
        """
        return cls(
            seed=scenario.seed,
            scale=scenario.scale,
            parameters=scenario.parameters,
            levers=build_levers(scenario.levers),
            start=format_month(scenario.start),
            end=format_month(scenario.end),
            populations=populations,
        )

    def _build_space(self) -> None:
        """The Mesa grid with its property layers, flat views of them, and green shares."""
        t = self.territory
        self.cell_zone = t.cell_zone.ravel().astype(np.int8)
        # every place people live in: the raster's cells, then the province's other comuni
        # (their index is n_cells + j), where people from outside live
        self.space = CellCoordinates(t.place_x_km, t.place_y_km)
        self.place_zone = np.append(self.cell_zone, np.full(t.n_outside, OUTSIDE, np.int8))
        centres = town_centres(t)
        torino_xy = (float(centres[self.torino, 0]), float(centres[self.torino, 1]))
        layers = {
            "zone": t.cell_zone.astype(np.int16),
            "land_use": t.land_use.astype(np.int8).copy(),
            "housing_capacity": np.zeros(t.shape),
            "residents": np.zeros(t.shape),
            "jobs": np.zeros(t.shape),
            "rent": housing.initial_rents(t.x_km, t.y_km, t.cell_zone, torino_xy),
            "transit_quality": commuting.initial_transit_quality(
                t.x_km, t.y_km, t.cell_zone, torino_xy, self.torino
            ),
            "green_access": np.zeros(t.shape),
        }
        self.layer: dict[str, np.ndarray] = {
            name: np.ascontiguousarray(data).reshape(-1) for name, data in layers.items()
        }
        # Mesa's grid is built on first use (:attr:`grid`): its 7,614 connected cells cost
        # 0.1 s of CPU, a sixth of a whole run at the minimum scale, and the month reads
        # nothing of it but the layers above.
        self._grid: OrthogonalMooreGrid | None = None

        land = self.layer["land_use"]
        inside = self.cell_zone != OUTSIDE
        green = (land == AGRICULTURAL) | (land == GREEN)
        total = np.bincount(self.cell_zone[inside], minlength=N_ZONES)
        g = np.bincount(self.cell_zone[inside & green], minlength=N_ZONES)
        self.zone_green_share = np.where(total > 0, g / np.maximum(total, 1), 0.0)
        self.metro_green_share = g[:N_COMUNI].sum() / total[:N_COMUNI].sum()
        self.initial_green_share = self.zone_green_share.copy()
        near = ndimage.uniform_filter(
            (green & inside).astype(float).reshape(t.shape), size=3, mode="nearest"
        )
        self.layer["green_access"][:] = near.ravel()

    def _space_grid(self) -> OrthogonalMooreGrid:
        """A Mesa grid of the territory whose property layers hold :attr:`layer`'s values.

        ``layer`` is then pointed at the grid's layers (same values), so the two stay one.
        """
        t = self.territory
        grid = OrthogonalMooreGrid(t.shape, torus=False, random=self.random)
        release_grid(self, grid)  # its copyreg entry goes with the model (sim/mesa_ids.py)
        for name, flat in self.layer.items():
            layer = PropertyLayer.from_data(name, flat.reshape(t.shape))
            grid.add_property_layer(layer)
            self.layer[name] = layer.data.reshape(-1)
        return grid

    @property
    def grid(self) -> OrthogonalMooreGrid:
        """The Mesa grid of the territory, its property layers the model's :attr:`layer`.

        Built here on first use (a batch's run never asks for it; a model copied by
        :meth:`fork` leaves its grid out), placing the comuni on their town-centre cells;
        from then on :attr:`layer` holds views of the grid's property layers (same values).
        A comune's ``cell`` asks for it too.
        """
        if self._grid is None:
            self._grid = self._space_grid()
            for comune in self.comuni:
                row, col = (int(v) for v in self.territory.seed_cell[comune.index])
                comune.cell = self._grid[(row, col)]
        return self._grid

    def fork(self) -> MetroModel:
        """An independent copy of the model, to continue a run from where this one is.

        What changes as the model steps is copied (the tables, the layers, the components,
        the comuni, the random generators, the records); what never changes is shared (the
        territory, with its caches). Mesa's grid is left out and rebuilt by the copy on
        first use (:attr:`grid`): it holds no state the month reads but the layers, which
        are copied, and rebuilding its 7,614 connected cells costs more than the months a
        fork saves at small scales (docs/batches.md). The copy steps exactly as this model
        would: a forked run equals the same run from scratch bit for bit.
        """
        memo: dict[int, Any] = {id(self.territory): self.territory}
        if self._grid is not None:
            memo[id(self._grid)] = None
            memo.update((id(cell), None) for cell in self._grid.all_cells)
        copy = deepcopy(self, memo)
        copy._grid = None
        return copy

    # ------------------------------------------------------------------ the month
    @property
    def month(self) -> int:
        """Index of the month the next :meth:`step` simulates."""
        return self.first_month + self.steps

    def step(self) -> None:
        """Simulate one month: the plan of the components, then the data collector."""
        month = self.first_month + self.steps - 1  # Mesa counts the step before calling it
        if month % 12 == 0 and month > self.first_month:
            # yearly: drop the dead and departed, sort the rest (draws key on uid)
            self.people.compact(people_order(self.people, month))
            release_free_memory()  # the compaction's temporaries (sim/memory.py)
        self.flows[:] = 0.0
        self.plan.run(month)
        self.datacollector.collect(self)
        if month >= self.end_month:
            self.running = False

    def run_to_end(self, progress: Any = None) -> None:
        """Step until the end month; ``progress`` (a tqdm bar) is advanced once a month."""
        while self.running:
            self.step()
            if progress is not None:
                progress.update(1)

    # ------------------------------------------------------------------ shared services
    def phase_key(self, stream: str, month: int) -> np.uint64:
        """The counter-based random key of a stream for ``month``."""
        return phase_key(self.seed, stream, month)

    def phase_rng(self, stream: str, month: int) -> np.random.Generator:
        """The numpy generator of a stream for ``month``."""
        return phase_generator(self.seed, stream, month)

    def indexation(self, month: int, yearly_rate: float) -> float:
        """Factor by which a 2015 amount has grown at ``yearly_rate`` by ``month``."""
        return float(fpmath.power(1.0 + yearly_rate, (month - self.first_month) / 12.0))

    def km_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Commuting distance between cells (:func:`models.territory.space.km_between`)."""
        return km_between(self.space, a, b, self.params["circuity"], self.territory.cell_km)

    def university_cell(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """A university cell for each of ``n`` students."""
        return self.university_cells[rng.integers(0, self.university_cells.size, size=n)]
