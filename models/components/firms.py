"""Firms: exit, Gibrat growth with Laplace shocks, investment, innovation; entry and FDI.

* Exit: a monthly hazard that falls with age (liability of newness) and size.
* Growth: once a year, on its anniversary, a firm's employment target moves by a
  log-growth drawn from a Laplace law whose scale falls with size (Bottazzi, Cefis and
  Dosi 2002; Stanley et al. 1996). Hiring and firing towards the target happen in the
  labour market.
* Investment: replacement of depreciated capital plus capital for the growth of targets.
* Innovation: firms become innovative and link with the universities at small hazards.
* Entry: start-ups by comune (:func:`entry_weights`) and sector, and foreign plants
  (:class:`FirmDynamics`, the Python half).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from models.codes import (
    KNOWLEDGE,
    MANUFACTURING,
    METRO,
    N_COMUNI,
    N_SECTORS,
    N_ZONES,
    OUTSIDE,
)
from models.draws import FIRM_DRAWS
from models.flows import FDI, FIRM_BIRTHS, FIRM_DEATHS, INVESTMENT, STARTUPS_INNOVATIVE
from models.population import CAPITAL_PER_WORKER, SECTOR_SHARES_MICRO
from models.territory.land_use import BUILT
from models.trend_forms import fading_recovery
from sim import fpmath
from sim.components import Component
from sim.fpmath import scalar as fm
from sim.random import geometric_array, laplace, normal_array, poisson_count, uniform

if TYPE_CHECKING:
    from models.model import MetroModel


class FirmColumns(NamedTuple):
    """The firm columns the firms kernel reads and writes."""

    alive: np.ndarray
    zone: np.ndarray
    sector: np.ndarray
    founded: np.ndarray
    employees: np.ndarray
    target: np.ndarray
    innovative: np.ndarray
    university_link: np.ndarray
    empty_since: np.ndarray
    closed: np.ndarray


class FirmRules(NamedTuple):
    """The month's firm rules (yearly growth terms, monthly hazards; levers folded in).

    Attributes:
        exit_hazard: monthly exit hazard of an old one-employee firm.
        exit_young_factor: extra hazard of a new firm, relative.
        exit_young_years: e-folding age of the extra hazard, years.
        exit_size_exponent: the hazard falls as size to this power.
        growth_drift: mean yearly log growth of targets (with the levers').
        growth_scale: Laplace scale of growth shocks of a one-employee firm.
        growth_size_exponent: the scale falls as size to this power.
        depreciation: monthly depreciation rate of capital.
        innovation_hazard: monthly hazard of becoming innovative.
        innovation_lapse: monthly hazard of ceasing to be.
        link_rate: monthly rate of new university links.
        empty_months_to_exit: months without workers after which a firm closes.
    """

    exit_hazard: float
    exit_young_factor: float
    exit_young_years: float
    exit_size_exponent: float
    growth_drift: float
    growth_scale: float
    growth_size_exponent: float
    depreciation: float
    innovation_hazard: float
    innovation_lapse: float
    link_rate: float
    empty_months_to_exit: int


class FirmZoneEffects(NamedTuple):
    """The levers' hooks on firms, by zone, and the sector drift from tourism."""

    exit_multiplier: np.ndarray
    young_exit_multiplier: np.ndarray
    innovation_multiplier: np.ndarray
    link_multiplier: np.ndarray
    sector_drift: np.ndarray


@njit(cache=True)
def firms_kernel(key, month, firms, capital_per_worker, rules, effects, draws, flows):
    """Exit, growth, investment and innovation of every live firm for one month.

    Args:
        key: the month's key of the ``firms`` stream (firms draw by row).
        month: the month index.
        firms: :class:`FirmColumns`.
        capital_per_worker: EUR by sector.
        rules: :class:`FirmRules`.
        effects: :class:`FirmZoneEffects`.
        draws: the stream's layout (:data:`models.draws.FIRM_DRAWS`).
        flows: the month's flow counters.
    """
    alive, zone, sector, founded = firms.alive, firms.zone, firms.sector, firms.founded
    employees, target, innovative = firms.employees, firms.target, firms.innovative
    empty_since = firms.empty_since
    for f in range(alive.size):
        if alive[f] == 0:
            continue
        z = zone[f]
        age = (month - founded[f]) / 12.0
        size = max(employees[f], 1)
        young = fm.exp(-age / rules.exit_young_years)
        hazard = (
            rules.exit_hazard
            * (1.0 + rules.exit_young_factor * young * effects.young_exit_multiplier[z])
            * fm.power(float(size), -rules.exit_size_exponent)
            * effects.exit_multiplier[z]
        )
        if employees[f] == 0:
            if empty_since[f] < 0:
                empty_since[f] = month
        else:
            empty_since[f] = -1
        if uniform(key, f, draws.exit) < hazard or (
            empty_since[f] >= 0 and month - empty_since[f] >= rules.empty_months_to_exit
        ):
            alive[f] = 0
            firms.closed[f] = month
            flows[FIRM_DEATHS, z] += 1.0
            continue
        k = capital_per_worker[sector[f]]
        flows[INVESTMENT, z] += k * rules.depreciation * employees[f]
        if month > founded[f] and (month - founded[f]) % 12 == 0:
            b = min(rules.growth_scale * fm.power(float(size), -rules.growth_size_exponent), 0.9)
            # centred so that E[exp(g)] = exp(drift): E[exp(Laplace(b))] = 1 / (1 - b²)
            g = (
                rules.growth_drift
                + effects.sector_drift[sector[f]]
                + fm.log(1.0 - b * b)
                + laplace(key, f, draws.growth_shock, b)
            )
            new_target = max(target[f] * fm.exp(g), 1.0)
            if new_target > target[f]:
                flows[INVESTMENT, z] += k * (new_target - target[f])
            target[f] = new_target
        if innovative[f] == 0:
            h = rules.innovation_hazard * effects.innovation_multiplier[z]
            if sector[f] == KNOWLEDGE:
                h *= 3.0
            if uniform(key, f, draws.innovation_change) < h:
                innovative[f] = 1
        elif uniform(key, f, draws.innovation_change) < rules.innovation_lapse:
            innovative[f] = 0
        if firms.university_link[f] == 0 and (innovative[f] == 1 or sector[f] == KNOWLEDGE):
            if (
                uniform(key, f, draws.university_link)
                < rules.link_rate * effects.link_multiplier[z]
            ):
                firms.university_link[f] = 1


def entry_weights(
    initial_firms: np.ndarray,
    residents: np.ndarray,
    initial_residents: np.ndarray,
    admin_burden: np.ndarray,
    admin_burden_0: float,
    elasticity: float,
    startup_multiplier: np.ndarray,
) -> np.ndarray:
    """Relative start-up rate of each comune.

    Proportional to the comune's initial firms (its entrepreneurial base) scaled by its
    population change, lowered by administrative burden with the given elasticity
    (Klapper, Laeven and Rajan 2006), raised by start-up support.
    """
    growth = residents / np.maximum(initial_residents, 1)
    burden = fpmath.power(admin_burden / admin_burden_0, -elasticity)
    return initial_firms * growth * burden * startup_multiplier


class FirmDynamics(Component):
    """Firms' exit, growth, investment and innovation (kernel); start-ups and foreign plants.

    Start-ups: a Poisson count at ``firm_birth_rate`` over the comuni's entry weights
    (:func:`entry_weights`), each in a comune drawn by weight, a sector drawn from the
    micro firms' shares, a target size from a geometric law. Foreign plants: a Poisson
    count of ``fdi_plants_per_year`` (scaled, with the levers' ``fdi`` hook), in a comune
    drawn by its 2015 firms times its attractiveness, manufacturing or knowledge, with a
    lognormal size. New firms locate on built land, drawn to cells with many jobs.

    Attributes:
        initial_firms_by_zone: firms by zone in January 2015 (the entrepreneurial base).
        initial_residents_by_zone: residents by zone in January 2015.
        zone_cells: the flat cells of each comune, ascending (where its start-ups can go).
    """

    name = "firm_dynamics"
    stream = "firms"
    doc = "exit, growth, investment, innovation, entry"
    needs = ("census", "comuni_services")

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        people = model.people
        self.initial_firms_by_zone = np.bincount(model.firms.zone, minlength=N_ZONES).astype(float)
        resident = people.zone != OUTSIDE
        self.initial_residents_by_zone = np.bincount(
            people.zone[resident], minlength=N_ZONES
        ).astype(float)
        self.zone_cells = [np.flatnonzero(model.cell_zone == z) for z in range(N_COMUNI)]

    def rules(self, month: int) -> FirmRules:
        """The month's rules, with the levers' metro-wide growth drift and the recovery's.

        The recovery term (``recovery_drift``, fading with an e-folding of
        ``recovery_years``) is the cyclical upswing of labour demand after the 2012-2014
        recession (docs/calibration.md); it is zero unless calibrated, and ends once it has
        closed ``recovery_gap`` log points if that is set (:mod:`models.trend_forms`).
        """
        p = self.model.params
        years = (month - self.model.first_month) / 12.0
        recovery = fading_recovery(
            p["recovery_drift"], p["recovery_years"], p["recovery_gap"], years
        )
        return FirmRules(
            exit_hazard=float(p["exit_hazard"]),
            exit_young_factor=float(p["exit_young_factor"]),
            exit_young_years=float(p["exit_young_years"]),
            exit_size_exponent=float(p["exit_size_exponent"]),
            growth_drift=float(p["growth_drift"] + self.model.hooks.growth_drift[METRO] + recovery),
            growth_scale=float(p["growth_scale"]),
            growth_size_exponent=float(p["growth_size_exponent"]),
            depreciation=float(p["depreciation_rate"] / 12.0),
            innovation_hazard=float(p["innovation_hazard"]),
            innovation_lapse=float(p["innovation_lapse"]),
            link_rate=float(p["university_links_rate"]),
            empty_months_to_exit=int(p["empty_months_to_exit"]),
        )

    def step(self, month: int) -> None:
        """Exit, growth, investment and innovation (kernel), the jobs layer, then entry."""
        m = self.model
        f, hooks = m.firms, m.hooks
        firms_kernel(
            m.phase_key(self.stream, month),
            month,
            f.view(FirmColumns),
            CAPITAL_PER_WORKER,
            self.rules(month),
            FirmZoneEffects(
                hooks.firm_exit,
                hooks.startup_exit,
                hooks.innovation,
                hooks.university_links,
                m.comuni_services.sector_drift,
            ),
            FIRM_DRAWS,
            m.flows,
        )
        m.layer["jobs"][:] = np.bincount(
            f.cell[f.alive == 1], weights=f.employees[f.alive == 1], minlength=m.cell_zone.size
        )
        self._entry(m.phase_rng(self.stream, month), month)

    def _entry(self, rng: np.random.Generator, month: int) -> None:
        """Start-ups and foreign plants of the month."""
        m = self.model
        p, f, hooks = m.params, m.firms, m.hooks
        burden = np.append(m.comuni_services.admin_burden_days, p["admin_burden_days"])
        weights = entry_weights(
            self.initial_firms_by_zone,
            m.census.zone_population,
            self.initial_residents_by_zone,
            burden,
            p["admin_burden_days"],
            p["admin_burden_elasticity"],
            hooks.startups,
        )[:N_COMUNI]
        expected = p["firm_birth_rate"] / 12.0 * weights.sum()
        n_new = poisson_count(rng, expected)
        n_fdi = poisson_count(rng, p["fdi_plants_per_year"] / 12.0 * m.scale * hooks.fdi[METRO])
        if n_new + n_fdi == 0:
            return
        zones = np.concatenate(
            [
                rng.choice(N_COMUNI, size=n_new, p=weights / weights.sum()),
                rng.choice(N_COMUNI, size=n_fdi, p=self._fdi_weights()),
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
                geometric_array(rng, 0.6, n_new).astype(float),
                fpmath.exp(fpmath.log(p["fdi_mean_size"]) - 0.5 + normal_array(rng, n_fdi)),
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
        c["productivity"][rows] = 0.2 * normal_array(rng, n_new + n_fdi) - 0.05
        c["innovative"][rows] = rng.random(n_new + n_fdi) < innov_p
        c["fdi"][rows] = np.arange(n_new + n_fdi) >= n_new
        flows = m.flows
        flows[FIRM_BIRTHS] += np.bincount(zones[:n_new], minlength=N_ZONES)
        innovative_new = c["innovative"][rows][:n_new] == 1
        flows[STARTUPS_INNOVATIVE] += np.bincount(zones[:n_new][innovative_new], minlength=N_ZONES)
        plant = CAPITAL_PER_WORKER[sectors] * targets
        flows[INVESTMENT] += np.bincount(zones, weights=plant, minlength=N_ZONES)
        flows[FDI] += np.bincount(zones[n_new:], weights=plant[n_new:], minlength=N_ZONES)

    def _firm_cells(self, rng: np.random.Generator, zones: np.ndarray) -> np.ndarray:
        """A cell for each new firm: built land of its comune, drawn to cells with jobs."""
        m = self.model
        weights = np.where(m.layer["land_use"] == BUILT, 1.0, 0.02) * (
            1.0 + m.layer["jobs"] / m.scale / 500.0  # full-scale jobs in the cell
        )
        cells = np.empty(zones.size, dtype=np.int32)
        for z in np.unique(zones):
            candidates = self.zone_cells[z]
            w = weights[candidates]
            idx = np.flatnonzero(zones == z)
            cells[idx] = rng.choice(candidates, size=idx.size, p=w / w.sum())
        return cells

    def _fdi_weights(self) -> np.ndarray:
        """Where foreign plants go: 2015 firms times attractiveness, by comune."""
        w = self.initial_firms_by_zone[:N_COMUNI] * fpmath.exp(
            self.model.comuni_services.attractiveness[:N_COMUNI]
        )
        return w / w.sum()
