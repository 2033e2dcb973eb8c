"""ReferenceModel: the labour-market and commuting phases written as plain Mesa agents.

The same rules as the numba kernels of :mod:`models.components.labour` and
:mod:`models.components.commuting`, stated one agent at a time (:mod:`models.reference.agents`) and
stepped through Mesa
``AgentSet`` operations. It is the readable statement of the rules, a test oracle for the
kernels (``tests/test_reference.py``) and the baseline of the speed ratio
(:func:`time_per_agent_month`).

The setting is that of ``MetroModel(..., phases=INDICATOR_PHASES)``:
no lever, no firm phase (employment targets stay fixed), no demography, education or
housing; the only people who come and go are in-commuters, hired from outside and gone
when they lose the job.

Random numbers are the kernels' own: counter-based draws keyed by the phase, the month,
the person's ``uid`` and a draw number, plus the month's ``phase_rng("labour")`` numpy
stream for the few draws MetroModel makes in Python, in the same order. The one
order-dependent rule, matching (a vacancy filled by one seeker is closed to the next), visits
job seekers in the order the kernel does: by table row from a random start row, wrapping.
The persons are kept in the order of the people table's rows (made in row order, new
in-commuters appended, and sorted by :func:`models.population.people_order` at each yearly
compaction, as the table is), and the model keeps the list of ``uid`` of the table's rows
(departed in-commuters keep theirs until the yearly compaction, as in the table), so the
start row maps to a position in that list. With the same seed the reference then
reproduces the kernels' decisions exactly.
"""

from __future__ import annotations

import time
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from models.codes import EMPLOYED, METRO, N_ZONES, OUTSIDE, STUDENT, TRANSIT, UNEMPLOYED
from models.components.education import draw_skill
from models.reference.agents import (
    CommuteRules,
    CommuteTally,
    Firm,
    LabourRules,
    Person,
    log_skills,
    log_wage,
    single,
)
from models.territory.outside import draw_places
from models.territory.territory import Territory
from sim import fpmath
from sim.calendar import format_month, parse_month
from sim.mesa_ids import release_models
from sim.random import normal_array, phase_generator, phase_key, poisson_count, uniform

OUTCOMES = (
    "employed",
    "unemployed",
    "unemployment_rate",
    "hires",
    "separations",
    "outside_workers",
    "transit_share",
    "bike_walk_share",
    "mean_commute_km",
    "commute_co2_t",
)
"""The monthly aggregate outcomes compared between the reference and MetroModel.

``employed``, ``unemployed``: residents (agents, not full-scale equivalents);
``unemployment_rate``: unemployed over employed plus unemployed residents; ``hires``:
residents hired plus in-commuters hired from outside; ``separations``: jobs lost by
residents and in-commuters; ``outside_workers``: in-commuters employed at the month's end;
``transit_share``, ``bike_walk_share``: shares of commuters (workers and students);
``mean_commute_km``: one-way km per commuter; ``commute_co2_t``: tonnes a month, full-scale
equivalent (the ``commute_co2_t`` indicator of the metro area).
"""

TWO_PHASES = ("labour_market", "commuting")
INDICATOR_PHASES = (
    "lever_delivery",
    "labour_market",
    "commuting",
    "comuni_services",
    "census",
    "indicators",
)
"""The two phases and what the indicators need: the levers (none, so neutral hooks), the
comuni's accounts and the census, which change no person or firm."""


def matches(seekers: float, vacancies: float, efficiency: float, elasticity: float) -> float:
    """The matching function ``A·U^η·V^(1-η)``, capped by the smaller side.

    Mirrors :func:`models.components.labour.matches` (Petrongolo and Pissarides 2001).
    """
    if seekers <= 0 or vacancies <= 0:
        return 0.0
    m = efficiency * fpmath.power(seekers, elasticity) * fpmath.power(vacancies, 1.0 - elasticity)
    return min(m, seekers, vacancies)


class ReferenceModel(mesa.Model):
    """The labour market and commuting of MetroModel, with people and firms as Mesa agents.

    Args:
        seed: the run's seed (the same seed gives the same initial population and draws
            as MetroModel).
        scale: agents per real person or firm, in (0, 1].
        end: last month, ``"YYYY-MM"``; ``running`` turns False after it. The run starts
            in January 2015.
        parameters: overrides of model parameters by name.
        territory: the territory (loaded from the package data if not given).

    Attributes:
        month: index of the month the next :meth:`step` simulates.
        records: one dictionary of :data:`OUTCOMES` (and ``month``) per month simulated.
        tally: the last month's commuting counts (:class:`CommuteTally`).
        seconds: wall-clock seconds spent in each phase.
    """

    def __init__(
        self,
        seed: int = 1,
        scale: float = 0.01,
        end: str = "2025-12",
        parameters: dict[str, float] | None = None,
        territory: Territory | None = None,
    ) -> None:
        super().__init__(seed=seed)
        release_models()  # so that the model is freed when dropped (sim/mesa_ids.py)
        from models.model import MetroModel

        # The initial state: MetroModel's own, built with no phase to run.
        source = MetroModel(
            seed=seed, scale=scale, end=end, parameters=parameters, territory=territory, phases=()
        )
        p, hooks = source.params, source.hooks
        metro = METRO  # the hooks' metro-wide entry (neutral: no lever runs here)
        self.seed = int(seed)
        self.scale = float(scale)
        self.params = p
        self.first_month = source.first_month
        self.month = source.first_month
        self.end_month = parse_month(end)
        self.cell_x = source.space.x.tolist()
        self.cell_y = source.space.y.tolist()
        self.territory = source.territory
        self.transit_quality = source.commuting.transit_quality.tolist()
        self.labour_rules = LabourRules(
            separation_rate=p["separation_rate"],
            layoff_speed=p["layoff_speed"],
            wage_growth_monthly=p["wage_growth"] / 12.0,
            benefit_replacement=p["unemployment_benefit_replacement"],
            benefit_cap_2015=p["unemployment_benefit_cap"],
            benefit_months=int(p["unemployment_benefit_months"]),
            social_minimum=p["social_minimum_income"] + float(hooks.social_minimum[metro]),
            long_term_efficiency=p["long_term_search_efficiency"]
            * float(hooks.job_search_long_term[metro]),
            matching_efficiency=p["matching_efficiency"] * float(hooks.matching[metro]),
            matching_elasticity=p["matching_elasticity"],
            outside_seekers=p["outside_searchers_ratio"]
            * source.labour_market.neutral_outside_seekers,
            n_candidates=int(p["job_choice_candidates"]),
            distance_weight=p["commute_cost_per_km"],
            skill_weight=p["skill_fit_weight"],
            circuity=p["circuity"],
            cell_km=source.territory.cell_km,
            wage_level_2015=source.labour_market.wage_level,
            wage_growth=p["wage_growth"],
        )
        car_cost = float(hooks.car_cost[metro])
        self.commute_rules = CommuteRules(
            review_rate=p["mode_review_rate"],
            asc_transit=p["asc_transit"],
            asc_active=p["asc_active"],
            time_value=p["time_value"],
            cost_value=p["cost_value"],
            car_speed=p["car_speed_kmh"],
            transit_speed=p["transit_speed_kmh"],
            transit_wait=p["transit_wait_min"],
            active_speed=p["active_speed_kmh"],
            car_cost_km=p["car_cost_per_km"] * car_cost,
            parking_torino=p["parking_cost_torino"] * car_cost,
            fare=p["transit_fare"] * float(hooks.transit_fare[metro]),
            co2_factors=(p["co2_car_kg_km"], p["co2_transit_kg_km"], 0.0),
            trips_per_month=p["working_days_per_month"],
            torino=source.torino,
        )

        # Agents: one Firm per live firm row, one Person per live people row, in row order.
        f = source.firms
        firm_of_row: dict[int, Firm] = {}
        fcols = {name: f.columns[name][: f.count].tolist() for name in f.columns}
        for row in range(f.count):
            if fcols["alive"][row]:
                firm_of_row[row] = Firm(
                    self,
                    row=row,
                    zone=fcols["zone"][row],
                    cell=fcols["cell"][row],
                    sector=fcols["sector"][row],
                    employees=fcols["employees"][row],
                    target=fcols["target"][row],
                    productivity=fcols["productivity"][row],
                )
        people = source.people
        c = {name: people.columns[name][: people.count].tolist() for name in people.columns}
        log_skill = log_skills(people.columns["skill"][: people.count]).tolist()
        for i in range(people.count):
            if not c["alive"][i]:
                continue
            Person(
                self,
                uid=c["uid"][i],
                zone=c["zone"][i],
                cell=c["cell"][i],
                born=c["born"][i],
                female=c["female"][i],
                education=c["education"][i],
                skill=c["skill"][i],
                log_skill=log_skill[i],
                foreign=c["foreign"][i],
                status=c["status"][i],
                since=c["since"][i],
                job=firm_of_row[c["job"][i]] if c["job"][i] >= 0 else None,
                income=c["income"][i],
                last_wage=c["last_wage"][i],
                mode=c["mode"][i],
                commute_km=c["commute_km"][i],
            )
        # the uid of each row of the people table (in-commuters who left keep their row
        # until the yearly compaction); new people get the table's next uids
        self.rows: list[int] = [c["uid"][i] for i in range(people.count) if c["alive"][i]]
        self.next_uid = int(people.next_uid)

        self.hires = [0] * N_ZONES
        self.separations = [0] * N_ZONES
        self.outside_hires = 0
        self.tally = CommuteTally()
        self.records: list[dict[str, Any]] = []
        self.seconds = dict.fromkeys(TWO_PHASES, 0.0)
        self.running = True

    @property
    def persons(self) -> AgentSet:
        """Every person (residents, students, in-commuters), in the people table's row order."""
        return self.agents_by_type[Person]

    @property
    def firm_agents(self) -> AgentSet:
        """Every firm, in row order."""
        return self.agents_by_type[Firm]

    def wage_level_at(self, month: int) -> float:
        """The log wage level of new hires: the 2015 level grown at ``wage_growth`` a year.

        Mirrors :meth:`models.components.labour.LabourMarket.wage_level_at`.
        """
        r = self.labour_rules
        return float(
            r.wage_level_2015 + (month - self.first_month) / 12.0 * fpmath.log1p(r.wage_growth)
        )

    def benefit_cap_at(self, month: int) -> float:
        """The yearly unemployment-benefit cap, indexed to wages (``wage_growth`` a year).

        Mirrors ``unemployment_benefit_cap * MetroModel.indexation(month, wage_growth)``.
        """
        r = self.labour_rules
        return r.benefit_cap_2015 * float(
            fpmath.power(1.0 + r.wage_growth, (month - self.first_month) / 12.0)
        )

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Simulate one month: the labour market, then commuting; record the outcomes.

        Mirrors :meth:`MetroModel.step` with ``phases=INDICATOR_PHASES``, including the
        yearly compaction of the people table's rows (which changes the row count that the
        matching start row is drawn from).
        """
        if self.month % 12 == 0 and self.month > self.first_month:
            self.compact_rows(self.month)
        self.hires = [0] * N_ZONES
        self.separations = [0] * N_ZONES
        self.outside_hires = 0
        t0 = time.perf_counter()
        self.labour_market(self.month)
        t1 = time.perf_counter()
        self.commuting(self.month)
        t2 = time.perf_counter()
        self.seconds["labour_market"] += t1 - t0
        self.seconds["commuting"] += t2 - t1
        self.records.append({"month": self.month, **self.outcomes()})
        self.month += 1
        if self.month > self.end_month:
            self.running = False

    def run_to_end(self) -> None:
        """Step until the end month."""
        while self.running:
            self.step()

    def labour_market(self, month: int) -> None:
        """Separations, benefits and wage drift; vacancies; matching; hires from outside.

        Mirrors :meth:`MetroModel.labour_market`:

        1. every firm sets its layoff probability (``layoff_probabilities``);
        2. every employed person keeps or loses the job (the benefit cap is indexed to
           wages), every unemployed person past the benefit months gets the social
           minimum (``separations_kernel``; the two groups are those of the month's
           start, as the kernel's ``if``/``elif`` on the status);
        3. the vacancies are listed, firm by firm in row order (``vacancy_slots``);
        4. resident job seekers, after the separations, set their search effort (listed
           with it at the end of ``separations_kernel``, in row order); the matching
           function gives the month's matches ``M`` over their total effort plus the
           outside job seekers, so each seeker meets the market with probability
           ``effort · M / seekers``;
        5. resident seekers meet the market and choose a vacancy (``matching_kernel``), in
           row order from a random start row, wrapping;
        6. a Poisson number of vacancies, mean ``M`` times the outside seekers' share, go
           to in-commuters (``outside_hires_kernel``), who join as new agents.
        """
        r = self.labour_rules
        key = phase_key(self.seed, "labour", month)
        persons, firms = self.persons, self.firm_agents

        firms.do("set_layoff_probability", r.layoff_speed)
        employed = persons.select(lambda a: a.status == EMPLOYED)
        unemployed = persons.select(lambda a: a.status == UNEMPLOYED)
        employed.do("work_month", key, month, r, self.benefit_cap_at(month))
        unemployed.do("benefit_month", month, r)

        slots = [firm for firm in firms for _ in range(firm.vacancies())]

        seekers = persons.select(lambda a: a.status == UNEMPLOYED and a.zone != OUTSIDE)
        seekers.do("set_search_effort", month, r)
        resident_effort = 0.0
        for effort in seekers.get("effort"):  # summed in row order, as the kernel does
            resident_effort += effort
        total = resident_effort + r.outside_seekers
        m = matches(total, len(slots), r.matching_efficiency, r.matching_elasticity)
        p_per_effort = m / total if total > 0 else 0.0

        slot_open = bytearray([1]) * len(slots)
        rng = phase_generator(self.seed, "labour", month)
        start = int(rng.integers(0, max(len(self.rows), 1)))
        if slots:
            row_of = {uid: row for row, uid in enumerate(self.rows)}
            level = self.wage_level_at(month)
            for part in (
                seekers.select(lambda a: row_of[a.uid] >= start),  # rows start .. end
                seekers.select(lambda a: row_of[a.uid] < start),  # then rows 0 .. start - 1
            ):
                part.do("seek_job", key, month, p_per_effort, slots, slot_open, r, level)

        n_out = poisson_count(rng, m * r.outside_seekers / total if total > 0 else 0.0)
        if n_out:
            chosen = self.fill_from_outside(month, n_out, slots, slot_open)
            self.add_outside_workers(rng, chosen, month)

    def fill_from_outside(
        self, month: int, n_hires: int, slots: list[Firm], slot_open: bytearray
    ) -> list[Firm]:
        """The firms whose vacancies go to job seekers from outside: random open slots.

        Mirrors :func:`models.components.labour.outside_hires_kernel`: hire ``h`` tries up to 16
        random slots (draws ``h, attempt`` of the ``outside-hires`` key) and takes the
        first one still open.
        """
        key = phase_key(self.seed, "outside-hires", month)
        n_slots = len(slots)
        chosen: list[Firm] = []
        if n_slots == 0:
            return chosen
        for h in range(n_hires):
            for attempt in range(16):
                s = int(uniform(key, h, attempt) * n_slots)
                if slot_open[s]:
                    slot_open[s] = 0
                    chosen.append(slots[s])
                    break
        return chosen

    def add_outside_workers(self, rng: np.random.Generator, firms: list[Firm], month: int) -> None:
        """New in-commuters, one per firm in ``firms``, as new :class:`Person` agents.

        Mirrors :meth:`MetroModel._add_outside_workers`, drawing from the month's labour
        stream in the same order: a home in one of the province's other comuni drawn
        given the job (:func:`models.territory.outside.draw_places`), age 22-59, 20% graduates, 45%
        women, skill, 8% foreign-born, a Mincer wage, and a trip of the straight-line
        distance from that comune's centroid (times circuity, plus half a cell).
        """
        n = len(firms)
        if n == 0:
            return
        r = self.labour_rules
        level = self.wage_level_at(month)
        firm_cells = np.array([firm.cell for firm in firms], dtype=np.int64)
        cells = draw_places(rng, self.territory, firm_cells).tolist()
        age_months = rng.integers(22 * 12, 60 * 12, size=n).tolist()
        edu = np.where(rng.random(n) < 0.2, 2, 1).astype(np.int8)
        female = (rng.random(n) < 0.45).tolist()
        skill = draw_skill(rng, edu)
        foreign = (rng.random(n) < 0.08).tolist()
        noise = normal_array(rng, n).tolist()
        log_skill = log_skills(skill).tolist()
        skill_values = skill.tolist()
        edu_values = edu.tolist()
        for k, firm in enumerate(firms):
            w = fpmath.exp(
                log_wage(
                    level,
                    edu_values[k],
                    age_months[k] / 12.0,
                    firm.sector,
                    firm.productivity,
                    noise[k],
                )
            )
            home = cells[k]
            d = float(
                fpmath.hypot(
                    self.cell_x[home] - self.cell_x[firm.cell],
                    self.cell_y[home] - self.cell_y[firm.cell],
                )
            )
            km = r.circuity * d + 0.5 * r.cell_km
            Person(
                self,
                uid=self.next_uid,
                zone=OUTSIDE,
                cell=home,
                born=month - age_months[k],
                female=int(female[k]),
                education=edu_values[k],
                skill=skill_values[k],
                log_skill=log_skill[k],
                foreign=int(foreign[k]),
                status=EMPLOYED,
                since=month,
                job=firm,
                income=single(w),
                last_wage=single(w),
                mode=-1,
                commute_km=single(km),
            )
            firm.employees += 1
            self.rows.append(self.next_uid)
            self.next_uid += 1
        self.outside_hires += n

    def leave(self, person: Person) -> None:
        """An in-commuter who lost the job leaves the model (the row stays until compaction)."""
        person.remove()

    def compact_rows(self, month: int) -> None:
        """Drop the rows of people who left and sort the rest, as the table's compaction does.

        The key is :func:`models.population.people_order`'s, person by person; the sort is
        stable, so ties keep their order, as in :meth:`sim.tables.AgentTable.compact`.
        """

        def order(person: Person) -> int:
            age = min(max((month - person.born) // 12, 0), 127)
            outside = 1 if person.zone == OUTSIDE else 0
            return (outside << 11) | (person.status << 8) | (person.female << 7) | age

        self.persons.sort(order, ascending=True, inplace=True)
        self.rows = list(self.persons.get("uid"))

    def commuting(self, month: int) -> None:
        """Every worker and student chooses or keeps a mode; trips, km and CO2 are counted.

        Mirrors :meth:`MetroModel.commuting` (``commuting_kernel``, then
        ``CommuteTally.finish``: emissions are the kilometres by mode times the emission
        factors, two trips a working day).
        """
        r = self.commute_rules
        key = phase_key(self.seed, "commuting", month)
        self.tally = CommuteTally()
        commuters = self.persons.select(lambda a: a.status == EMPLOYED or a.status == STUDENT)
        commuters.do("commute", key, r, self.transit_quality, self.tally)
        self.tally.finish(r.torino, np.array(r.co2_factors), r.trips_per_month)

    # ------------------------------------------------------------------ outcomes
    def outcomes(self) -> dict[str, float]:
        """The month's :data:`OUTCOMES`, computed as MetroModel's indicators compute them."""
        employed = unemployed = outside = 0
        commute_km = []
        for person in self.persons:  # one pass, in row order
            if person.status == EMPLOYED:
                if person.zone == OUTSIDE:
                    outside += 1
                else:
                    employed += 1
            elif person.status == UNEMPLOYED and person.zone != OUTSIDE:
                unemployed += 1
            if person.status == EMPLOYED or person.status == STUDENT:
                commute_km.append(person.commute_km)
        t = self.tally
        return outcome_dict(
            employed=employed,
            unemployed=unemployed,
            hires=sum(self.hires) + self.outside_hires,
            separations=sum(self.separations),
            outside_workers=outside,
            by_mode=t.by_mode,
            commuters=t.commuters,
            commute_km=np.array(commute_km, dtype=np.float64),
            co2_kg=t.co2_kg,
            scale=self.scale,
        )


def outcome_dict(
    *,
    employed: int,
    unemployed: int,
    hires: int,
    separations: int,
    outside_workers: int,
    by_mode: np.ndarray,
    commuters: np.ndarray,
    commute_km: np.ndarray,
    co2_kg: np.ndarray,
    scale: float,
) -> dict[str, float]:
    """The :data:`OUTCOMES` from counts and commuting tallies (the indicators' formulas).

    ``commute_km`` holds the one-way distance of every commuter, in row (``uid``) order.
    """
    n_commuters = commuters.sum()
    return {
        "employed": int(employed),
        "unemployed": int(unemployed),
        "unemployment_rate": float(unemployed / (employed + unemployed)),
        "hires": int(hires),
        "separations": int(separations),
        "outside_workers": int(outside_workers),
        "transit_share": float(by_mode[:, TRANSIT].sum() / max(n_commuters, 1)),
        "bike_walk_share": float(by_mode[:, 2].sum() / max(n_commuters, 1)),
        "mean_commute_km": float(commute_km.sum() / max(commute_km.size, 1)),
        "commute_co2_t": float(co2_kg.sum() / 1000.0 / scale),
    }


def metro_outcomes(model: Any) -> dict[str, float]:
    """The :data:`OUTCOMES` of a :class:`~models.model.MetroModel` just stepped."""
    from models.flows import HIRES, SEPARATIONS

    p = model.people
    alive = p.alive == 1
    resident = alive & (p.zone != OUTSIDE)
    tally = model.commuting.tally
    commuting = alive & ((p.status == EMPLOYED) | (p.status == STUDENT))
    return outcome_dict(
        employed=np.count_nonzero(resident & (p.status == EMPLOYED)),
        unemployed=np.count_nonzero(resident & (p.status == UNEMPLOYED)),
        hires=int(model.flows[HIRES].sum()),  # in-commuters' hires are in zone OUTSIDE
        separations=int(model.flows[SEPARATIONS].sum()),
        outside_workers=np.count_nonzero(alive & (p.zone == OUTSIDE) & (p.status == EMPLOYED)),
        by_mode=tally.by_mode,
        commuters=tally.commuters,
        commute_km=p.commute_km[commuting].astype(np.float64),
        co2_kg=tally.co2_kg,
        scale=model.scale,
    )


def run_metro(
    seed: int, scale: float, end: str, territory: Territory | None = None
) -> tuple[Any, list[dict[str, float]]]:
    """Run MetroModel with the labour, commuting and indicators phases to ``end``.

    Returns:
        The model and one dictionary of :data:`OUTCOMES` (and ``month``) per month.
    """
    from models.model import MetroModel

    model = MetroModel(
        seed=seed,
        scale=scale,
        end=end,
        territory=territory,
        phases=INDICATOR_PHASES,
    )
    records = []
    while model.running:
        month = model.month
        model.step()
        out = metro_outcomes(model)
        records.append({"month": month, **out})
    return model, records


def run_reference(
    seed: int, scale: float, end: str, territory: Territory | None = None
) -> tuple[ReferenceModel, list[dict[str, float]]]:
    """Run the :class:`ReferenceModel` to ``end``; returns it and its monthly records."""
    model = ReferenceModel(seed=seed, scale=scale, end=end, territory=territory)
    model.run_to_end()
    return model, model.records


def time_per_agent_month(scale: float = 0.01, months: int = 3, seed: int = 1) -> dict[str, float]:
    """Seconds per agent-month of the labour and commuting phases, numba and Mesa.

    Both implementations run the same months from January 2015 with the same seed; the
    first month is a warm-up (numba kernels loaded from the cache or compiled) and is not
    timed, then ``months`` months are, each on its own. An agent-month is one live person
    or firm during one month (counted at the month's start; both implementations have the
    same agents). Only the two phases are timed: building the models, the reference's
    outcome records and MetroModel's indicators are not.

    Returns:
        ``numba`` and ``mesa``: seconds per agent-month, the median over the timed months
        (robust to a month slowed down by another process); ``ratio``: mesa over numba;
        ``numba_mean`` and ``mesa_mean``: the same as total seconds over total
        agent-months; ``agent_months``; ``numba_s`` and ``mesa_s``: total seconds timed.
    """
    from models.model import MetroModel

    end = format_month(MetroModel.FIRST_MONTH + months)  # the warm-up month, then `months`

    def timed(model: Any, seconds: dict[str, float], agents: Any) -> tuple[list[float], int, float]:
        model.step()  # warm-up
        per_agent, total_agents, total_s = [], 0, 0.0
        while model.running:
            n = agents()
            before = sum(seconds[name] for name in TWO_PHASES)
            model.step()
            spent = sum(seconds[name] for name in TWO_PHASES) - before
            per_agent.append(spent / n)
            total_agents += n
            total_s += spent
        return per_agent, total_agents, total_s

    metro = MetroModel(seed=seed, scale=scale, end=end, phases=TWO_PHASES)
    numba, agent_months, numba_s = timed(
        metro, metro.plan.seconds, lambda: len(metro.people) + len(metro.firms)
    )

    ref = ReferenceModel(seed=seed, scale=scale, end=end)
    mesa_, ref_agent_months, mesa_s = timed(
        ref, ref.seconds, lambda: len(ref.persons) + len(ref.firm_agents)
    )
    numba_med, mesa_med = float(np.median(numba)), float(np.median(mesa_))
    return {
        "numba": numba_med,
        "mesa": mesa_med,
        "ratio": mesa_med / numba_med if numba_med > 0 else float("inf"),
        "numba_mean": numba_s / agent_months,
        "mesa_mean": mesa_s / ref_agent_months,
        "agent_months": float(agent_months),
        "numba_s": numba_s,
        "mesa_s": mesa_s,
    }
