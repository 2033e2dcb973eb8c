"""MetroModel: the Turin conurbation as a Mesa model with a numba monthly loop.

The 38 comuni are :class:`~models.comuni.Comune` agents on a Mesa
:class:`~mesa.discrete_space.OrthogonalMooreGrid` whose cells are the territory's raster
(coordinates are ``(row, col)``, row 0 south); cell fields are Mesa property layers.
People and firms are struct-of-arrays tables (:class:`sim.tables.AgentTable`) stepped by
numba kernels. One month is the plan of phases in :meth:`MetroModel.month_plan`.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer
from scipy import ndimage

from models import commuting, demography, education, firms, housing, indicators, labour
from models.codes import (
    EMPLOYED,
    HOSPITALITY,
    KNOWLEDGE,
    MANUFACTURING,
    N_SECTORS,
    STUDENT,
    TRANSIT,
    UNEMPLOYED,
    UPPER_SECONDARY,
)
from models.comuni import (
    TOURISM_SEASON,
    Comune,
    tourist_arrivals,
)
from models.flows import (
    FDI,
    FIRM_BIRTHS,
    HIRES,
    IMMIGRANTS,
    INVESTMENT,
    STARTUPS_INNOVATIVE,
    TALENT_IN,
    new_flows,
)
from models.hooks import METRO, Hooks
from models.minimum_scale import check_scale
from models.parameters import resolve
from models.population import (
    CAPITAL_PER_WORKER,
    OUTSIDE_EXTRA_KM_MEAN,
    SECTOR_SHARES_MICRO,
    build_population,
    draw_skill,
    nearest_outside_cells,
    town_centres,
)
from models.territory import AGRICULTURAL, BUILT, GREEN, OUTSIDE, Territory, load_territory
from sim.calendar import parse_month
from sim.phases import Phase, PhasePlan
from sim.random import phase_generator, phase_key, poisson_count

N_ZONES = 39


class MetroModel(mesa.Model):
    """The Turin metropolitan area, month by month from January 2015.

    Args:
        seed: the run's seed; every random number derives from it.
        scale: agents per real person or firm, in (0, 1].
        parameters: overrides of model parameters by name (see :mod:`models.parameters`).
        levers: active levers (objects with ``apply(model, month)``), usually built by
            :func:`models.levers.build_levers` from a scenario.
        start: first month, ``"YYYY-MM"``; the population is that of January 2015 and
            months before ``start`` are simulated as spin-up.
        end: last month, ``"YYYY-MM"``; ``running`` turns False after it.
        territory: the territory (loaded from the package data if not given).
        phases: run only these phases of the monthly plan, in plan order (for tests,
            benchmarks and the Mesa reference); all of them if not given.

    Attributes:
        people, firms: the agent tables.
        grid: the Mesa grid of the territory, with property layers.
        comuni: the :class:`Comune` agents, in ISTAT-table order.
        plan: the monthly phases, timed.
        month: index of the month the next :meth:`step` simulates.
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
    ) -> None:
        super().__init__(seed=seed)
        self.seed = int(seed)
        self.scale = float(scale)
        self.params = resolve(parameters)
        self.levers = list(levers or [])
        self.first_month = self.FIRST_MONTH
        self.start_month = parse_month(start)
        self.end_month = parse_month(end)
        self.month = self.first_month
        self.territory = territory or load_territory()
        t = self.territory
        check_scale(self.scale, t)  # ValueError below the smallest scale the area holds at
        self.torino = t.torino
        self.hooks = Hooks.neutral()
        self._buffers: dict[str, np.ndarray] = {}
        self.lever_cost = 0.0  # EUR this month, set by the levers phase
        self.death_p, self.birth_p = demography.monthly_tables(
            self.params["mortality_a"],
            self.params["mortality_b"],
            self.params["fertility_tfr"],
            self.params["fertility_mean_age"],
        )

        # Space: the Mesa grid and its property layers (flat views for the kernels).
        self.grid = OrthogonalMooreGrid(t.shape, torus=False, random=self.random)
        self.cell_zone = t.cell_zone.ravel().astype(np.int8)
        self.cell_x = t.x_km.ravel().astype(np.float64)
        self.cell_y = t.y_km.ravel().astype(np.float64)
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
        for name, data in layers.items():
            self.grid.add_property_layer(PropertyLayer.from_data(name, np.ascontiguousarray(data)))
        self.layer = {
            name: self.grid._mesa_property_layers[name].data.reshape(-1) for name in layers
        }
        self.base_transit_quality = self.layer["transit_quality"].copy()
        self.base_rent = self.layer["rent"].copy()
        self._update_green()
        self.initial_green_share = self.zone_green_share.copy()

        # Agents: the comuni on the grid; people and firms in tables.
        self.comuni: list[Comune] = []
        for i in range(t.n_comuni):
            row, col = (int(v) for v in t.seed_cell[i])
            self.comuni.append(Comune(self, i, t.codes[i], t.names[i], self.grid[(row, col)]))
        pop = build_population(
            t, self.scale, phase_generator(self.seed, "population"), self.first_month, self.params
        )
        self.people = pop.people
        self.firms = pop.firms
        self.wage_level = pop.wage_level
        self.university_cells = pop.university_cells
        self.outside_cells = np.flatnonzero(self.cell_zone == OUTSIDE).astype(np.int32)
        self.near_outside = nearest_outside_cells(t)
        self.initial_firms_by_zone = np.bincount(self.firms.zone, minlength=N_ZONES).astype(float)
        resident = self.people.zone != OUTSIDE
        self.initial_residents_by_zone = np.bincount(
            self.people.zone[resident], minlength=N_ZONES
        ).astype(float)
        outside_workers = np.count_nonzero(
            (self.people.zone == OUTSIDE) & (self.people.status == EMPLOYED)
        )
        resident_workers = np.count_nonzero(resident & (self.people.status == EMPLOYED))
        resident_seekers = np.count_nonzero(resident & (self.people.status == UNEMPLOYED))
        # outside job seekers that give in-commuters their 2015 share of hires
        self.neutral_outside_seekers = resident_seekers * outside_workers / max(resident_workers, 1)
        occupancy = np.bincount(self.people.cell[resident], minlength=self.cell_zone.size)
        self.layer["residents"][:] = occupancy
        vacancy = self.params["vacancy_target"]
        built = self.layer["land_use"] == BUILT
        # capacity in residents (agents): the 2015 occupancy plus the natural vacancy; empty
        # built cells get a little room. Fractional, so the slack is the same at any scale.
        self.layer["housing_capacity"][:] = np.where(
            self.cell_zone != OUTSIDE, occupancy / (1.0 - vacancy) + 0.05 * built, 0.0
        )
        shares = np.zeros(N_ZONES)
        venaria = t.index_of("Venaria Reale")
        rest = 1.0 - self.params["torino_tourism_share"] - self.params["venaria_tourism_share"]
        others = np.ones(t.n_comuni, dtype=bool)
        others[[self.torino, venaria]] = False
        shares[: t.n_comuni][others] = rest * t.population[others] / t.population[others].sum()
        shares[self.torino] = self.params["torino_tourism_share"]
        shares[venaria] = self.params["venaria_tourism_share"]
        self.tourism_shares = shares

        # Monthly state read across phases.
        self.flows = new_flows()
        self.zone_population = self.initial_residents_by_zone.copy()
        self.zone_poverty = np.zeros(N_ZONES)
        self.attractiveness = np.zeros(N_ZONES)
        self.sector_drift = np.zeros(N_SECTORS)
        self.tourism = np.zeros(N_ZONES)
        self._last_tourism_level = None
        self.commute = commuting.CommuteTally()
        self.od_snapshots: list[tuple[int, np.ndarray]] = []
        self.firm_snapshots: list[tuple[int, dict[str, np.ndarray]]] = []
        self.records: list[tuple[int, np.ndarray]] = []
        self._vacancy_buffer = np.zeros(0, dtype=np.int32)
        self.plan = self.month_plan(phases)
        compute_indicators(self, self.first_month)  # initial zone populations and poverty
        for comune in self.comuni:
            comune.step()
        self.running = True

    # ------------------------------------------------------------------ the monthly plan
    def month_plan(self, only: tuple[str, ...] | None = None) -> PhasePlan:
        """The ordered phases of one month (or the subset ``only``, in plan order)."""
        phases = [
            Phase("levers", self.apply_levers, "active levers set the hooks for this month"),
            Phase("demography", self.demography, "deaths, births, departures and arrivals"),
            Phase("education", self.education, "school leaving, university, retirement"),
            Phase("firms", self.firm_dynamics, "exit, growth, investment, innovation, entry"),
            Phase("labour", self.labour_market, "separations, vacancies, matching, wages"),
            Phase("commuting", self.commuting, "mode choice, flows and emissions"),
            Phase("housing", self.housing, "rents, moves, construction"),
            Phase("comuni", self.comuni_phase, "services, burden, attractiveness, tourism"),
            Phase("indicators", self.measure, "indicators of the eight goals"),
        ]
        if only is not None:
            unknown = set(only) - {p.name for p in phases}
            if unknown:
                raise ValueError(f"unknown phases {sorted(unknown)}")
            phases = [p for p in phases if p.name in only]
        return PhasePlan(phases)

    def step(self) -> None:
        """Simulate one month."""
        if self.month % 12 == 0 and self.month > self.first_month:
            self.people.compact()  # yearly: drop the dead and departed (draws key on uid)
        self.flows[:] = 0.0
        self.plan.run(self.month)
        self.month += 1
        if self.month > self.end_month:
            self.running = False

    def run_to_end(self, progress: Any = None) -> None:
        """Step until the end month; ``progress`` (a tqdm bar) is advanced once a month."""
        while self.running:
            self.step()
            if progress is not None:
                progress.update(1)

    def phase_key(self, phase: str) -> np.uint64:
        """The counter-based random key of a phase for the current month."""
        return phase_key(self.seed, phase, self.month)

    def phase_rng(self, phase: str) -> np.random.Generator:
        """The numpy generator of a phase for the current month."""
        return phase_generator(self.seed, phase, self.month)

    # ------------------------------------------------------------------ phases
    def apply_levers(self, month: int) -> None:
        """Reset the hooks and let each active lever set its effect for this month."""
        self.hooks.reset()
        for lever in self.levers:
            lever.apply(self, month)
        self.lever_cost = sum(lever.yearly_cost(month) for lever in self.levers) / 12.0
        q = self.base_transit_quality * self.hooks.transit_quality[self.cell_zone]
        self.layer["transit_quality"][:] = np.minimum(q, 1.5)

    def demography(self, month: int) -> None:
        """Deaths, births, departures (kernel) and arrivals from outside."""
        p, people, hooks = self.params, self.people, self.hooks
        mothers = self._scratch("mothers", people.count, np.int64)
        exit_mult = hooks.departures * np.exp(
            -p["attractiveness_migration_elasticity"] * self.attractiveness
        )
        talent_factor = p["talent_exit_factor"] * hooks.talent_exit[METRO]
        leave_max = (  # every multiplier at its largest
            p["emigration_rate"]
            / 12.0
            * exit_mult.max()
            * max(p["migration_young_factor"], 1.0)
            * max(talent_factor, 1.0)
            * max(p["migration_foreign_factor"], 1.0)
            * max(p["unemployed_exit_factor"], 1.0)
        )
        n_births, stayed = demography.demography_kernel(
            self.phase_key("demography"),
            people.uid,
            month,
            people.alive,
            people.zone,
            people.born,
            people.female,
            people.status,
            people.job,
            people.foreign,
            people.education,
            self.firms.employees,
            self.flows,
            mothers,
            self.death_p,
            self.birth_p,
            p["emigration_rate"] / 12.0,
            p["migration_young_factor"],
            p["migration_foreign_factor"],
            talent_factor,
            p["unemployed_exit_factor"],
            exit_mult,
            leave_max,
        )
        rng = self.phase_rng("demography")
        if n_births:
            mothers = mothers[:n_births]
            self.people.append(
                n_births,
                zone=people.zone[mothers],
                cell=people.cell[mothers],
                born=month,
                female=rng.random(n_births) < 0.486,  # ISTAT sex ratio at birth 1.06
                foreign=people.foreign[mothers],
                skill=draw_skill(rng, np.zeros(n_births, dtype=np.int8)),
                since=month,
            )
        # Arrivals: residents x rate x attractiveness, placed where there is free housing.
        residents = float(stayed + n_births)
        attract = np.exp(p["attractiveness_migration_elasticity"] * self.attractiveness)
        mean_attract = float(np.average(attract[:38], weights=self.zone_population[:38] + 1e-9))
        expected = p["immigration_rate"] / 12.0 * residents * mean_attract * hooks.arrivals[METRO]
        n_in = poisson_count(rng, expected)
        if n_in:
            attrs = demography.draw_immigrants(rng, n_in, month, p)
            free = np.maximum(self.layer["housing_capacity"] - self.layer["residents"], 0.0)
            weights = free * attract[self.cell_zone]
            cdf = np.cumsum(weights)
            cells = (
                np.searchsorted(cdf, rng.random(n_in) * cdf[-1], side="right")
                .clip(0, cdf.size - 1)
                .astype(np.int32)
            )
            zones = self.cell_zone[cells]
            rows = self.people.append(n_in, **attrs, cell=cells, zone=zones, since=month)
            self.flows[IMMIGRANTS] += np.bincount(zones, minlength=N_ZONES)
            talent = (
                (attrs["education"] == 2)
                & (month - attrs["born"] >= 25 * 12)
                & (month - attrs["born"] < 65 * 12)
            )
            self.flows[TALENT_IN] += np.bincount(zones[talent], minlength=N_ZONES)
            students = attrs["status"] == STUDENT
            self.people.columns["commute_km"][rows] = np.where(
                students, self._km_between(cells, self._university_cell(rng, n_in)), 0.0
            )

    def education(self, month: int) -> None:
        """Life-course transitions; new students from outside the area."""
        p, people = self.params, self.people
        education.education_kernel(
            self.phase_key("education"),
            people.uid,
            month,
            people.alive,
            people.zone,
            people.born,
            people.status,
            people.since,
            people.job,
            people.education,
            people.skill,
            people.graduated,
            people.income,
            people.last_wage,
            people.mode,
            self.firms.employees,
            self.flows,
            p["enrolment_rate"],
            p["graduation_hazard"],
            p["dropout_hazard"],
            p["retirement_hazard"],
            p["reentry_hazard"],
            p["labour_exit_hazard"],
            p["discouragement_hazard"],
            self.hooks.enrolment,
            p["pension_indexation"] / 12.0,
            education.SOCIAL_PENSION * self.indexation(month, p["pension_indexation"]),
            p["early_leaver_share"],
            p["labour_entry_share"],
            p["pension_replacement"],
        )
        rng = self.phase_rng("education")
        n_out = poisson_count(rng, p["outside_student_intake"] / 12.0 * self.scale)
        if n_out:
            cells = rng.choice(self.outside_cells, size=n_out)
            self.people.append(
                n_out,
                zone=OUTSIDE,
                cell=cells,
                born=month - rng.integers(19 * 12, 21 * 12, size=n_out),
                female=rng.random(n_out) < 0.5,
                education=UPPER_SECONDARY,
                skill=draw_skill(rng, np.full(n_out, UPPER_SECONDARY, dtype=np.int8)),
                status=STUDENT,
                since=month,
                commute_km=self._km_between(cells, self._university_cell(rng, n_out))
                + rng.exponential(OUTSIDE_EXTRA_KM_MEAN, size=n_out),
            )

    def firm_dynamics(self, month: int) -> None:
        """Exit, growth, investment and innovation (kernel); start-ups and foreign plants."""
        p, f, hooks = self.params, self.firms, self.hooks
        firms.firms_kernel(
            self.phase_key("firms"),
            month,
            f.alive,
            f.zone,
            f.sector,
            f.founded,
            f.employees,
            f.target,
            f.innovative,
            f.university_link,
            f.empty_since,
            f.closed,
            self.flows,
            CAPITAL_PER_WORKER,
            self.sector_drift,
            p["exit_hazard"],
            p["exit_young_factor"],
            p["exit_young_years"],
            p["exit_size_exponent"],
            hooks.firm_exit,
            hooks.startup_exit,
            p["growth_drift"] + hooks.growth_drift[METRO],
            p["growth_scale"],
            p["growth_size_exponent"],
            p["depreciation_rate"] / 12.0,
            p["innovation_hazard"],
            p["innovation_lapse"],
            hooks.innovation,
            p["university_links_rate"],
            hooks.university_links,
            int(p["empty_months_to_exit"]),
        )
        self.layer["jobs"][:] = np.bincount(
            f.cell[f.alive == 1], weights=f.employees[f.alive == 1], minlength=self.cell_zone.size
        )
        rng = self.phase_rng("firms")
        burden = np.array([c.admin_burden_days for c in self.comuni] + [p["admin_burden_days"]])
        weights = firms.entry_weights(
            self.initial_firms_by_zone,
            self.zone_population,
            self.initial_residents_by_zone,
            burden,
            p["admin_burden_days"],
            p["admin_burden_elasticity"],
            hooks.startups,
        )[:38]
        expected = p["firm_birth_rate"] / 12.0 * weights.sum()
        n_new = poisson_count(rng, expected)
        n_fdi = poisson_count(rng, p["fdi_plants_per_year"] / 12.0 * self.scale * hooks.fdi[METRO])
        if n_new + n_fdi == 0:
            return
        zones = np.concatenate(
            [
                rng.choice(38, size=n_new, p=weights / weights.sum()),
                rng.choice(38, size=n_fdi, p=self._fdi_weights()),
            ]
        ).astype(np.int8)
        sectors = np.concatenate(
            [
                rng.choice(N_SECTORS, size=n_new, p=SECTOR_SHARES_MICRO),
                np.where(rng.random(n_fdi) < 0.5, MANUFACTURING, KNOWLEDGE),
            ]
        ).astype(np.int8)
        targets = np.concatenate(
            [
                rng.geometric(0.6, size=n_new).astype(float),
                rng.lognormal(np.log(p["fdi_mean_size"]) - 0.5, 1.0, size=n_fdi),
            ]
        )
        innov_p = np.where(sectors == KNOWLEDGE, 0.15, 0.04) * hooks.innovation[zones]
        rows = f.add(n_new + n_fdi)
        c = f.columns
        c["zone"][rows] = zones
        c["cell"][rows] = self._firm_cells(rng, zones)
        c["sector"][rows] = sectors
        c["founded"][rows] = month
        c["employees"][rows] = 0
        c["target"][rows] = targets
        c["productivity"][rows] = 0.2 * rng.standard_normal(n_new + n_fdi) - 0.05
        c["innovative"][rows] = rng.random(n_new + n_fdi) < innov_p
        c["fdi"][rows] = np.arange(n_new + n_fdi) >= n_new
        self.flows[FIRM_BIRTHS] += np.bincount(zones[:n_new], minlength=N_ZONES)
        innovative_new = c["innovative"][rows][:n_new] == 1
        self.flows[STARTUPS_INNOVATIVE] += np.bincount(
            zones[:n_new][innovative_new], minlength=N_ZONES
        )
        plant = CAPITAL_PER_WORKER[sectors] * targets
        self.flows[INVESTMENT] += np.bincount(zones, weights=plant, minlength=N_ZONES)
        self.flows[FDI] += np.bincount(zones[n_new:], weights=plant[n_new:], minlength=N_ZONES)

    def labour_market(self, month: int) -> None:
        """Separations, vacancies, matching of residents and of outside job seekers."""
        p, people, f, hooks = self.params, self.people, self.firms, self.hooks
        key = self.phase_key("labour")
        layoff = labour.layoff_probabilities(f.alive, f.employees, f.target, p["layoff_speed"])
        seekers_rows = self._scratch("seekers", people.count, np.int64)
        effort = self._scratch("effort", people.count, np.float64)
        n_seekers, resident_effort = labour.separations_kernel(
            key,
            people.uid,
            month,
            people.alive,
            people.zone,
            people.status,
            people.since,
            people.job,
            people.income,
            people.last_wage,
            people.mode,
            f.alive,
            f.employees,
            layoff,
            self.flows,
            p["separation_rate"],
            p["wage_growth"] / 12.0,
            p["unemployment_benefit_replacement"],
            p["unemployment_benefit_cap"] * self.indexation(month, p["wage_growth"]),
            int(p["unemployment_benefit_months"]),
            (p["social_minimum_income"] + hooks.social_minimum[METRO])
            * self.indexation(month, p["wage_growth"]),
            p["long_term_search_efficiency"] * hooks.job_search_long_term[METRO],
            seekers_rows,
            effort,
        )
        slots = labour.vacancy_slots(f.alive, f.employees, f.target)
        outside_seekers = p["outside_searchers_ratio"] * self.neutral_outside_seekers
        seekers = resident_effort + outside_seekers
        m = labour.matches(
            seekers,
            slots.size,
            p["matching_efficiency"] * hooks.matching[METRO],
            p["matching_elasticity"],
        )
        p_per_effort = m / seekers if seekers > 0 else 0.0
        slot_open = np.ones(slots.size, dtype=np.uint8)
        rng = self.phase_rng("labour")
        start = int(rng.integers(0, max(people.count, 1)))
        labour.matching_kernel(
            key,
            people.uid,
            month,
            start,
            seekers_rows,
            effort,
            n_seekers,
            p_per_effort,
            people.alive,
            people.zone,
            people.cell,
            people.born,
            people.status,
            people.since,
            people.job,
            people.education,
            people.skill,
            people.income,
            people.last_wage,
            people.mode,
            people.commute_km,
            slots,
            slot_open,
            f.cell,
            f.sector,
            f.productivity,
            f.employees,
            self.cell_x,
            self.cell_y,
            self.flows,
            int(p["job_choice_candidates"]),
            p["commute_cost_per_km"],
            p["skill_fit_weight"],
            p["circuity"],
            self.territory.cell_km,
            self.wage_level_at(month),
        )
        n_out = poisson_count(rng, m * outside_seekers / seekers if seekers > 0 else 0.0)
        if n_out:
            chosen = np.empty(n_out, dtype=np.int32)
            filled = labour.outside_hires_kernel(
                phase_key(self.seed, "outside-hires", month), n_out, slots, slot_open, chosen
            )
            self._add_outside_workers(rng, chosen[:filled], month)

    def commuting(self, month: int) -> None:
        """Mode choice and flows of every commuter."""
        p, people, f, hooks = self.params, self.people, self.firms, self.hooks
        tally = self.commute
        tally.reset()
        commuting.commuting_kernel(
            self.phase_key("commuting"),
            people.uid,
            people.alive,
            people.zone,
            people.cell,
            people.status,
            people.job,
            people.mode,
            people.commute_km,
            f.cell,
            f.zone,
            self.torino,
            self.layer["transit_quality"],
            self.torino,
            p["mode_review_rate"],
            p["asc_transit"],
            p["asc_active"],
            p["time_value"],
            p["cost_value"],
            p["car_speed_kmh"],
            p["transit_speed_kmh"],
            p["transit_wait_min"],
            p["active_speed_kmh"],
            p["car_cost_per_km"] * hooks.car_cost[METRO],
            p["parking_cost_torino"] * hooks.car_cost[METRO],
            p["transit_fare"] * hooks.transit_fare[METRO],
            tally.od,
            tally.km_by_mode,
        )
        co2 = np.array([p["co2_car_kg_km"], p["co2_transit_kg_km"], 0.0])
        tally.finish(self.torino, co2, p["working_days_per_month"])
        if month % 12 == 0:
            self.od_snapshots.append((month, tally.od.copy()))
            self.firm_snapshots.append(
                (
                    month,
                    {
                        name: f.columns[name][: f.count][f.alive == 1].copy()
                        for name in ("sector", "employees", "zone", "founded")
                    }
                    | {"firm_id": np.flatnonzero(f.alive == 1)},
                )
            )

    def housing(self, month: int) -> None:
        """Occupancy, rents, moves; construction each January."""
        p, people = self.params, self.people
        occupancy = self.layer["residents"]
        housing.count_residents(people.alive, people.zone, people.cell, occupancy)
        capacity = self.layer["housing_capacity"]
        if month % 12 == 0 and month > self.first_month:
            tight = occupancy > capacity * (1.0 - 0.5 * p["vacancy_target"])
            capacity += np.where(tight, capacity * p["construction_rate"], 0.0)
        housing.update_rents(
            self.layer["rent"],
            self.base_rent,
            capacity,
            occupancy,
            p["rent_adjustment"],
            p["rent_occupancy_elasticity"],
            p["vacancy_target"],
        )
        attract = np.append(self.attractiveness[:38], -50.0)
        housing.moves_kernel(
            self.phase_key("housing"),
            people.uid,
            month,
            people.alive,
            people.zone,
            people.cell,
            people.born,
            people.status,
            people.job,
            people.mode,
            people.commute_km,
            self.firms.cell,
            self.university_cells,
            housing.free_capacity_cdf(capacity, occupancy),
            self.cell_zone,
            occupancy,
            self.layer["rent"] * self.hooks.rent[self.cell_zone],
            self.layer["green_access"],
            attract,
            self.cell_x,
            self.cell_y,
            self.flows,
            p["move_rate"] / 12.0,
            p["rent_weight"],
            p["green_weight"],
            p["job_access_weight"],
            p["circuity"],
            self.territory.cell_km,
            p["moving_cost"],
            int(p["move_candidates"]),
        )

    def comuni_phase(self, month: int) -> None:
        """The comuni update services and attractiveness (Mesa agents); tourism arrivals."""
        for comune in self.comuni:
            comune.step()
        self.attractiveness[:38] = [c.attractiveness for c in self.comuni]
        self.tourism = tourist_arrivals(self, month)
        level = self.tourism.sum() / TOURISM_SEASON[month % 12]  # deseasonalised, per year
        if self._last_tourism_level is not None:
            growth = np.log(level / self._last_tourism_level) * 12.0
            self.sector_drift[HOSPITALITY] = self.params["hospitality_tourism_elasticity"] * growth
        self._last_tourism_level = level

    def measure(self, month: int) -> None:
        """Compute this month's indicators (full-scale equivalents) and keep them."""
        values = compute_indicators(self, month)
        if month >= self.start_month:
            self.records.append((month, values))

    # ------------------------------------------------------------------ helpers
    def _scratch(self, name: str, size: int, dtype: type) -> np.ndarray:
        """A reusable work array of ``size`` items (contents undefined).

        It spares the monthly loop an allocation of a few megabytes per phase.
        """
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = np.empty(int(size * 1.25) + 16, dtype=dtype)
            self._buffers[name] = buffer
        return buffer[:size]

    def indexation(self, month: int, yearly_rate: float) -> float:
        """Factor by which a 2015 amount has grown at ``yearly_rate`` by ``month``."""
        return (1.0 + yearly_rate) ** ((month - self.first_month) / 12.0)

    def wage_level_at(self, month: int) -> float:
        """The log wage level of new hires: the 2015 level grown at ``wage_growth``."""
        return self.wage_level + (month - self.first_month) / 12.0 * np.log1p(
            self.params["wage_growth"]
        )

    def _university_cell(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """A university cell for each of ``n`` students."""
        return self.university_cells[rng.integers(0, self.university_cells.size, size=n)]

    def _km_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Commuting distance between cells: straight line × circuity, plus half a cell."""
        d = np.hypot(self.cell_x[a] - self.cell_x[b], self.cell_y[a] - self.cell_y[b])
        return self.params["circuity"] * d + 0.5 * self.territory.cell_km

    def _firm_cells(self, rng: np.random.Generator, zones: np.ndarray) -> np.ndarray:
        weights = np.where(self.layer["land_use"] == BUILT, 1.0, 0.02) * (
            1.0 + self.layer["jobs"] / self.scale / 500.0  # full-scale jobs in the cell
        )
        cells = np.empty(zones.size, dtype=np.int32)
        for z in np.unique(zones):
            candidates = np.flatnonzero(self.cell_zone == z)
            w = weights[candidates]
            idx = np.flatnonzero(zones == z)
            cells[idx] = rng.choice(candidates, size=idx.size, p=w / w.sum())
        return cells

    def _fdi_weights(self) -> np.ndarray:
        w = self.initial_firms_by_zone[:38] * np.exp(self.attractiveness[:38])
        return w / w.sum()

    def _add_outside_workers(
        self, rng: np.random.Generator, firm_rows: np.ndarray, month: int
    ) -> None:
        n = firm_rows.size
        if n == 0:
            return
        f = self.firms
        rows = self.people.add(n)
        c = self.people.columns
        fc = f.cell[firm_rows]
        # one of the outside cells nearest to each job, then a distance beyond the raster
        near = self.near_outside[fc]
        cells = near[np.arange(n), rng.integers(0, near.shape[1], size=n)]
        age_months = rng.integers(22 * 12, 60 * 12, size=n)
        edu = np.where(rng.random(n) < 0.2, 2, 1).astype(np.int8)
        c["zone"][rows] = OUTSIDE
        c["cell"][rows] = cells
        c["born"][rows] = month - age_months
        c["female"][rows] = rng.random(n) < 0.45
        c["education"][rows] = edu
        c["skill"][rows] = draw_skill(rng, edu)
        c["foreign"][rows] = rng.random(n) < 0.08
        c["status"][rows] = EMPLOYED
        c["since"][rows] = month
        c["job"][rows] = firm_rows
        w = labour.wages(
            self.wage_level_at(month),
            edu,
            age_months / 12.0,
            f.sector[firm_rows],
            f.productivity[firm_rows],
            rng.standard_normal(n),
        )
        c["income"][rows] = w
        c["last_wage"][rows] = w
        c["commute_km"][rows] = self._km_between(cells, fc) + rng.exponential(
            OUTSIDE_EXTRA_KM_MEAN, size=n
        )
        np.add.at(f.columns["employees"], firm_rows, 1)
        self.flows[HIRES, OUTSIDE] += n  # in-commuters' hires, as their separations

    def _update_green(self) -> None:
        land = self.layer["land_use"]
        inside = self.cell_zone != OUTSIDE
        green = (land == AGRICULTURAL) | (land == GREEN)
        total = np.bincount(self.cell_zone[inside], minlength=N_ZONES)
        g = np.bincount(self.cell_zone[inside & green], minlength=N_ZONES)
        self.zone_green_share = np.where(total > 0, g / np.maximum(total, 1), 0.0)
        self.metro_green_share = g[:38].sum() / total[:38].sum()
        near = ndimage.uniform_filter(
            (green & inside).astype(float).reshape(self.territory.shape), size=3, mode="nearest"
        )
        self.layer["green_access"][:] = near.ravel()


def compute_indicators(model: MetroModel, month: int) -> np.ndarray:
    """Indicators ``(len(INDICATORS), 39)``: columns 0..37 the comuni, 38 the metro area."""
    from models.flows import (
        BIRTHS,
        DEATHS,
        EMIGRANTS,
        FIRM_DEATHS,
        GRADUATES,
        MOVES_IN,
        MOVES_OUT,
        TALENT_OUT,
    )

    people, f, s = model.people, model.firms, model.scale
    stocks = np.zeros((10, N_ZONES))
    hist = np.zeros((N_ZONES, indicators.N_BINS + 1))
    hist_sum = np.zeros_like(hist)
    indicators.people_stocks(
        month,
        people.alive,
        people.zone,
        people.born,
        people.status,
        people.since,
        people.education,
        people.income,
        people.income.view(np.int32),
        stocks,
        hist,
        hist_sum,
    )
    fstocks = np.zeros((4, N_ZONES))
    indicators.firm_stocks(f.alive, f.zone, f.employees, f.innovative, f.university_link, fstocks)
    model.zone_population = stocks[0].copy()
    out = np.full((len(indicators.INDICATORS), N_ZONES), np.nan)
    ix = indicators.INDEX
    flows = model.flows
    n = 38

    def put(name: str, comuni: np.ndarray, metro: float) -> None:
        out[ix[name], :n] = comuni[:n]
        out[ix[name], n] = metro

    def counts(name: str, by_zone: np.ndarray, metro: float | None = None) -> None:
        put(name, by_zone / s, (by_zone[:n].sum() if metro is None else metro) / s)

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.where(den > 0, num / np.maximum(den, 1e-12), np.nan)

    counts("population", stocks[0])
    counts("births", flows[BIRTHS])
    counts("deaths", flows[DEATHS])
    put("immigrants", (flows[IMMIGRANTS] + flows[MOVES_IN]) / s, flows[IMMIGRANTS][:n].sum() / s)
    put("emigrants", (flows[EMIGRANTS] + flows[MOVES_OUT]) / s, flows[EMIGRANTS][:n].sum() / s)
    # the projects' cost is a metro-wide figure (EUR, already full scale): no comune rows
    put("lever_cost_eur", np.full(n, np.nan), model.lever_cost)
    counts("investment_eur", flows[INVESTMENT])
    counts("fdi_eur", flows[FDI])
    counts("firms_active", fstocks[0])
    counts("firm_births", flows[FIRM_BIRTHS])
    counts("firm_deaths", flows[FIRM_DEATHS])
    counts("jobs", fstocks[1])
    counts("employed", stocks[2])
    put("employment_rate", ratio(stocks[3], stocks[1]), stocks[3][:n].sum() / stocks[1][:n].sum())
    labour_force = stocks[2] + stocks[4]
    put(
        "unemployment_rate",
        ratio(stocks[4], labour_force),
        stocks[4][:n].sum() / labour_force[:n].sum(),
    )
    put(
        "long_term_unemployment_rate",
        ratio(stocks[5], labour_force),
        stocks[5][:n].sum() / labour_force[:n].sum(),
    )
    counts("innovative_firms", fstocks[2])
    counts("university_links", fstocks[3])
    counts("students", stocks[6], stocks[6].sum())  # metro: every enrolled student
    counts("graduates", flows[GRADUATES], flows[GRADUATES].sum())
    counts("talents", stocks[7])
    counts("talent_net_migration", flows[TALENT_IN] - flows[TALENT_OUT])
    pop = np.maximum(stocks[0][:n], 1.0)
    cost = np.array([c.service_cost_per_capita for c in model.comuni])
    put("service_cost_per_capita_eur", cost, float(np.average(cost, weights=pop)))
    burden = np.array([c.admin_burden_days for c in model.comuni])
    put("admin_burden_days", burden, float(np.average(burden, weights=fstocks[0][:n] + 1e-9)))
    put("tourist_arrivals", model.tourism, model.tourism[:n].sum())
    put("mean_income_eur", ratio(stocks[8], stocks[9]), stocks[8][:n].sum() / stocks[9][:n].sum())
    metro_hist = hist[:n].sum(axis=0)
    line = 0.6 * indicators.quantile_from_histogram(metro_hist, 0.5)
    poverty = np.array([indicators.share_below(hist[z], line) for z in range(n)])
    gini = np.array([indicators.gini_from_histogram(hist[z], hist_sum[z]) for z in range(n)])
    put("poverty_rate", poverty, indicators.share_below(metro_hist, line))
    put("income_gini", gini, indicators.gini_from_histogram(metro_hist, hist_sum[:n].sum(axis=0)))
    model.zone_poverty[:n] = poverty
    tally = model.commute
    put("commuters_to_torino", tally.to_torino / s, tally.to_torino.sum() / s)
    put(
        "transit_share",
        ratio(tally.by_mode[:, TRANSIT], tally.commuters),
        tally.by_mode[:, TRANSIT].sum() / max(tally.commuters.sum(), 1),
    )
    put(
        "bike_walk_share",
        ratio(tally.by_mode[:, 2], tally.commuters),
        tally.by_mode[:, 2].sum() / max(tally.commuters.sum(), 1),
    )
    put("commute_co2_t", tally.co2_kg / 1000.0 / s, tally.co2_kg.sum() / 1000.0 / s)
    put("green_share", model.zone_green_share, model.metro_green_share)
    rent = model.layer["rent"] * model.hooks.rent[model.cell_zone]  # as residents pay it
    occ = model.layer["residents"]
    rz = np.bincount(model.cell_zone, weights=rent * occ, minlength=N_ZONES)
    oz = np.bincount(model.cell_zone, weights=occ, minlength=N_ZONES)
    put("rent_eur_m2", ratio(rz, oz), rz[:n].sum() / oz[:n].sum())
    return out
