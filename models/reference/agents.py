"""Residents, in-commuters, students and firms as Mesa agents: the rules, one agent at a time.

Each method states, for one agent, a rule that a numba kernel applies to a whole table
(:mod:`models.components.labour`, :mod:`models.components.commuting`); its docstring names
the kernel it mirrors. Random numbers are the kernels' own counter-based draws,
:func:`sim.random.uniform` ``(key, uid, draw)`` with the same draw numbers, so an agent
whose path agrees with its table row makes the same decisions.

Numbers are kept as the tables keep them: incomes, commute distances and skills are stored
in single precision (``float32`` columns), rounded on every write with :func:`single`, so
that the reference and the kernels stay bit for bit on the same path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from models.codes import (
    ACTIVE,
    CAR,
    EMPLOYED,
    KNOWLEDGE,
    N_ZONES,
    NO_MODE,
    OUTSIDE,
    STUDENT,
    TERTIARY,
    TRANSIT,
    UNEMPLOYED,
)
from models.components.commuting import ACTIVE_MAX_KM
from models.components.wages import EDUCATION_WAGE_PREMIUM, SECTOR_WAGE_PREMIUM, WAGE_NOISE
from sim import fpmath
from sim.random import gumbel, standard_normal, uniform

if TYPE_CHECKING:
    from models.reference.model import ReferenceModel

_EDUCATION_PREMIUM = [float(v) for v in EDUCATION_WAGE_PREMIUM]
_SECTOR_PREMIUM = [float(v) for v in SECTOR_WAGE_PREMIUM]


def single(x: float) -> float:
    """``x`` rounded to single precision, as stored in a ``float32`` column."""
    return float(np.float32(x))


def log_skills(values: np.ndarray) -> np.ndarray:
    """Natural logarithms of ``float32`` skills, as the matching kernel takes them.

    The kernel takes :func:`sim.fpmath.log` of a ``float32`` skill widened to double
    precision; this gives the reference the very same numbers.
    """
    return fpmath.log(np.asarray(values, dtype=np.float64))


def log_wage(
    level: float,
    education: int,
    age_years: float,
    sector: int,
    productivity: float,
    noise: float,
) -> float:
    """Log annual wage: Mincer education and experience terms, sector and firm premia.

    Mirrors :func:`models.components.labour.log_wage` (the same terms in the same order).
    """
    experience = min(max(age_years - 19.0, 0.0), 45.0)
    return (
        level
        + _EDUCATION_PREMIUM[education]
        + 0.03 * experience
        - 0.0005 * experience * experience
        + _SECTOR_PREMIUM[sector]
        + productivity
        + WAGE_NOISE * noise
    )


@dataclass(frozen=True)
class LabourRules:
    """Parameters of the labour-market rules (the arguments of the labour kernels).

    The log wage level of new hires grows from ``wage_level_2015``, and the benefit cap
    from ``benefit_cap_2015``, at the yearly rate ``wage_growth``
    (:meth:`ReferenceModel.wage_level_at`, :meth:`ReferenceModel.benefit_cap_at`).
    """

    separation_rate: float
    layoff_speed: float
    wage_growth_monthly: float
    benefit_replacement: float
    benefit_cap_2015: float
    benefit_months: int
    social_minimum: float
    long_term_efficiency: float
    matching_efficiency: float
    matching_elasticity: float
    outside_seekers: float
    n_candidates: int
    distance_weight: float
    skill_weight: float
    circuity: float
    cell_km: float
    wage_level_2015: float
    wage_growth: float


@dataclass(frozen=True)
class CommuteRules:
    """Parameters of the mode-choice rules (the arguments of the commuting kernel)."""

    review_rate: float
    asc_transit: float
    asc_active: float
    time_value: float
    cost_value: float
    car_speed: float
    transit_speed: float
    transit_wait: float
    active_speed: float
    car_cost_km: float
    parking_torino: float
    fare: float
    co2_factors: tuple[float, float, float]
    trips_per_month: float
    torino: int


class CommuteTally:
    """One month's commuting: trips and kilometres, and what follows from them.

    Commuters add themselves to ``od[origin][destination][mode]`` (counts, over the 39
    home zones, the 38 comuni and the outside zone, and the 38 destination comuni) and
    ``km_by_mode[origin][mode]`` (one-way km), as the commuting kernel does; :meth:`finish`
    derives the by-zone tallies as :meth:`models.components.commuting.CommuteTally.finish` does.

    Attributes (after :meth:`finish`, numpy arrays by home zone):
        commuters, by_mode (``[zone, mode]``), to_torino (commuters towards Torino from
        outside it), co2_kg (emissions of the month, two trips a working day).
    """

    def __init__(self, n_destinations: int = 38, n_modes: int = 3) -> None:
        self.od = [[[0.0] * n_modes for _ in range(n_destinations)] for _ in range(N_ZONES)]
        self.km_by_mode = [[0.0] * n_modes for _ in range(N_ZONES)]
        self.commuters = np.zeros(N_ZONES)
        self.by_mode = np.zeros((N_ZONES, n_modes))
        self.to_torino = np.zeros(N_ZONES)
        self.co2_kg = np.zeros(N_ZONES)

    def finish(self, torino: int, co2_kg_per_km: np.ndarray, trips_per_month: float) -> None:
        """Commuters by zone and mode, towards Torino, and emissions, from trips and km."""
        od = np.array(self.od)
        self.by_mode = od.sum(axis=1)
        self.commuters = self.by_mode.sum(axis=1)
        self.to_torino = od[:, torino, :].sum(axis=1)
        self.to_torino[torino] = 0.0
        km = np.array(self.km_by_mode)
        self.co2_kg = 2.0 * trips_per_month * (km * co2_kg_per_km).sum(axis=1)


def mode_utilities(
    rules: CommuteRules, km: float, transit_quality: float, to_torino: bool
) -> tuple[float, float, float]:
    """Systematic utilities of car, transit and bike-or-walk for one trip.

    Mirrors :func:`models.components.commuting.mode_utilities`: minutes valued at ``time_value``,
    euros at ``cost_value``; transit waits ``transit_wait / quality`` (quality at least
    0.05); nobody walks or cycles more than ``ACTIVE_MAX_KM``.
    """
    r = rules
    v_car = -r.time_value * (km / r.car_speed * 60.0) - r.cost_value * (
        r.car_cost_km * km + (r.parking_torino if to_torino else 0.0)
    )
    v_pt = (
        r.asc_transit
        - r.time_value * (r.transit_wait / max(transit_quality, 0.05) + km / r.transit_speed * 60.0)
        - r.cost_value * r.fare
    )
    if km <= ACTIVE_MAX_KM:
        v_act = r.asc_active - r.time_value * (km / r.active_speed * 60.0)
    else:
        v_act = -1e9
    return v_car, v_pt, v_act


class Firm(mesa.Agent):
    """A firm: where it is, its sector, its staff and its (fixed) employment target.

    Attributes:
        row: the firm's row in :attr:`MetroModel.firms` (firms are never compacted, so
            the row is its permanent id; vacancies are listed in row order).
        alive, zone, cell, sector, productivity: as in the firms table.
        employees: current staff.
        target: the employment target (fixed here: the firm phase does not run).
        layoff_p: this month's layoff probability per employee.
    """

    def __init__(
        self,
        model: ReferenceModel,
        row: int,
        zone: int,
        cell: int,
        sector: int,
        employees: int,
        target: float,
        productivity: float,
    ) -> None:
        super().__init__(model)
        self.row = row
        self.alive = 1
        self.zone = zone
        self.cell = cell
        self.sector = sector
        self.employees = employees
        self.target = target
        self.productivity = productivity
        self.layoff_p = 0.0

    def set_layoff_probability(self, speed: float) -> None:
        """Each employee's monthly layoff probability for excess staff.

        Mirrors :func:`models.components.labour.layoff_probabilities`: ``speed`` times the excess of
        staff over the rounded target, over staff; zero for closed or empty firms.
        """
        if self.alive == 1 and self.employees > 0:
            excess = float(max(self.employees - round(self.target), 0))
            self.layoff_p = speed * excess / max(self.employees, 1)
        else:
            self.layoff_p = 0.0

    def vacancies(self) -> int:
        """Open positions: staff short of the rounded target (mirrors ``vacancy_slots``)."""
        if self.alive != 1:
            return 0
        return max(round(self.target) - self.employees, 0)


class Person(mesa.Agent):
    """A resident, a university student or an in-commuter from outside the area.

    Attributes:
        uid: the permanent id of the person's table row; the key of every random draw.
        zone, cell: home comune (``OUTSIDE`` for in-commuters) and raster cell.
        born, since: month of birth and of the last change of status.
        status: a code of :mod:`models.codes` (``EMPLOYED``, ``UNEMPLOYED``, ...).
        job: the employer (a :class:`Firm`) or ``None``.
        education, skill, log_skill: education level, skill and its single-precision log.
        income, last_wage: yearly income now, and the last wage (``float32`` values).
        mode: commuting mode (``NO_MODE`` until chosen); commute_km: one-way trip.
        effort: this month's job-search efficiency (0 unless a resident job seeker).
    """

    model: ReferenceModel

    # A Mesa agent is built with its state variables by name, one per column of the people
    # table; that is the readable form for the reference, so the argument limit is waived here.
    def __init__(  # noqa: PLR0913
        self,
        model: ReferenceModel,
        uid: int,
        zone: int,
        cell: int,
        born: int,
        female: int,
        education: int,
        skill: float,
        log_skill: float,
        foreign: int,
        status: int,
        since: int,
        job: Firm | None,
        income: float,
        last_wage: float,
        mode: int,
        commute_km: float,
    ) -> None:
        super().__init__(model)
        self.uid = uid
        self.zone = zone
        self.cell = cell
        self.born = born
        self.female = female
        self.education = education
        self.skill = skill
        self.log_skill = log_skill
        self.foreign = foreign
        self.status = status
        self.since = since
        self.job = job
        self.income = income
        self.last_wage = last_wage
        self.mode = mode
        self.commute_km = commute_km
        self.effort = 0.0

    # ------------------------------------------------------------------ labour market
    def work_month(
        self, key: np.uint64, month: int, rules: LabourRules, benefit_cap: float
    ) -> None:
        """An employed person keeps the job (and the wage drifts up) or loses it.

        Mirrors the ``EMPLOYED`` branch of
        :func:`models.components.labour.separations_kernel`: the job is lost if the firm has
        closed, or with probability ``separation_rate`` plus the
        firm's layoff probability (draw 0). A resident who loses the job becomes
        unemployed on a benefit of ``benefit_replacement`` times the income, capped at
        this month's ``benefit_cap``; an in-commuter who loses it leaves the model.
        """
        firm = self.job
        leave = firm.alive == 0
        if not leave:
            leave = uniform(key, self.uid, 0) < rules.separation_rate + firm.layoff_p
        if not leave:
            self.income = single(self.income * (1.0 + rules.wage_growth_monthly))
            return
        firm.employees -= 1
        self.job = None
        self.model.separations[self.zone] += 1
        if self.zone == OUTSIDE:
            self.model.leave(self)
            return
        self.status = UNEMPLOYED
        self.since = month
        self.mode = NO_MODE
        self.last_wage = self.income
        self.income = single(min(rules.benefit_replacement * self.income, benefit_cap))

    def benefit_month(self, month: int, rules: LabourRules) -> None:
        """After ``benefit_months`` of unemployment the income is the social minimum.

        Mirrors the ``UNEMPLOYED`` branch of
        :func:`models.components.labour.separations_kernel` (set every month, so a change of
        the minimum reaches everybody on it).
        """
        if month - self.since >= rules.benefit_months:
            self.income = single(rules.social_minimum)

    def set_search_effort(self, month: int, rules: LabourRules) -> None:
        """A resident job seeker searches with efficiency 1, less after 12 months.

        Mirrors the job-seeker lines at the end of
        :func:`models.components.labour.separations_kernel` (the caller selects the resident
        job seekers after the month's separations;
        nobody else searches).
        """
        self.effort = rules.long_term_efficiency if month - self.since >= 12 else 1.0

    def seek_job(
        self,
        key: np.uint64,
        month: int,
        p_per_effort: float,
        slots: list[Firm],
        slot_open: bytearray,
        rules: LabourRules,
        wage_level: float,
    ) -> None:
        """Meet the market with probability ``effort · p_per_effort``; if so, pick a vacancy.

        Mirrors the body of :func:`models.components.labour.matching_kernel`'s loop. A seeker who
        meets the market samples ``n_candidates`` vacancies uniformly among all the month's
        vacancy slots (draws ``2 + c``; a slot already filled is a wasted draw) and takes
        the one with the highest utility, a logit: minus ``distance_weight`` times the
        commute (``circuity`` times the straight line, plus half a cell) plus
        ``skill_weight`` times the skill fit (minus the distance between the log skill and
        the firm's productivity, plus 0.25 in the knowledge sector; plus 0.5 for a
        graduate at a knowledge firm), plus a Gumbel term (draws ``40 + c``).
        """
        if uniform(key, self.uid, 1) >= self.effort * p_per_effort:
            return
        m = self.model
        x, y = m.cell_x[self.cell], m.cell_y[self.cell]
        n_slots = len(slots)
        best = -1
        best_u = -1e300
        best_d = 0.0
        for c in range(rules.n_candidates):
            s = int(uniform(key, self.uid, 2 + c) * n_slots)
            if not slot_open[s]:
                continue
            firm = slots[s]
            d = rules.circuity * float(
                fpmath.hypot(x - m.cell_x[firm.cell], y - m.cell_y[firm.cell])
            )
            d += 0.5 * rules.cell_km
            need = firm.productivity + (0.25 if firm.sector == KNOWLEDGE else 0.0)
            fit = -abs(self.log_skill - need)
            if self.education == TERTIARY and firm.sector == KNOWLEDGE:
                fit += 0.5
            u = (
                -rules.distance_weight * d
                + rules.skill_weight * fit
                + gumbel(key, self.uid, 40 + c)
            )
            if u > best_u:
                best_u = u
                best = s
                best_d = d
        if best < 0:
            return
        slot_open[best] = 0
        self.take_job(slots[best], best_d, key, month, wage_level)

    def take_job(
        self, firm: Firm, km: float, key: np.uint64, month: int, wage_level: float
    ) -> None:
        """Start at ``firm``: the Mincer wage at this month's level, a fresh residual (draw 35).

        Mirrors the hiring lines of :func:`models.components.labour.matching_kernel`; the commuting
        mode is chosen afresh next time the person commutes.
        """
        firm.employees += 1
        self.job = firm
        self.status = EMPLOYED
        self.since = month
        self.mode = NO_MODE
        self.commute_km = single(km)
        age = (month - self.born) / 12.0
        noise = standard_normal(key, self.uid, 35)
        w = fpmath.exp(
            log_wage(wage_level, self.education, age, firm.sector, firm.productivity, noise)
        )
        self.income = single(w)
        self.last_wage = single(w)
        self.model.hires[self.zone] += 1

    # ------------------------------------------------------------------ commuting
    def commute(
        self,
        key: np.uint64,
        rules: CommuteRules,
        transit_quality: list[float],
        tally: CommuteTally,
    ) -> None:
        """Choose (or keep) the commuting mode, and count the trip and its kilometres.

        Mirrors the body of :func:`models.components.commuting.commuting_kernel`'s loop. Workers go
        to their firm's comune, students to the university (in Torino). Without a mode,
        or with probability ``review_rate`` (draw 0), the person picks the mode of highest
        utility plus a Gumbel term (draws 1-3: car, transit, bike-or-walk), a multinomial
        logit; otherwise habit keeps the mode.
        """
        if self.status == EMPLOYED:
            dest = self.job.zone
        elif self.status == STUDENT:
            dest = rules.torino  # the universities are in Torino
        else:
            return
        z = self.zone
        km = self.commute_km
        m = self.mode
        if m == NO_MODE or uniform(key, self.uid, 0) < rules.review_rate:
            v_car, v_pt, v_act = mode_utilities(
                rules, km, transit_quality[self.cell], dest == rules.torino
            )
            u_car = v_car + gumbel(key, self.uid, 1)
            u_pt = v_pt + gumbel(key, self.uid, 2)
            u_act = v_act + gumbel(key, self.uid, 3)
            if u_car >= u_pt and u_car >= u_act:
                m = CAR
            elif u_pt >= u_act:
                m = TRANSIT
            else:
                m = ACTIVE
            self.mode = m
        tally.od[z][dest][m] += 1.0
        tally.km_by_mode[z][m] += km
