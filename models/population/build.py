"""The synthetic population of January 2015, built in order from its parts.

:func:`build_population` calls the steps in the order of their draws from the run's
``population`` stream; that order is part of the model (moving a step moves results).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.codes import STUDENT
from models.population.commuting import (
    assign_jobs,
    commuting_flows,
    measure_commutes,
    university_cells,
)
from models.population.figures import FIRMS_2015, STUDENTS_2015
from models.population.firms import draw_firms, firm_counts
from models.population.incomes import draw_incomes
from models.population.people import people_order, people_table
from models.population.residents import draw_residents
from models.territory.territory import Territory
from sim.tables import AgentTable


@dataclass
class Population:
    """The initial agent tables and the quantities fixed by initialisation.

    Attributes:
        people: residents, students and in-commuters (``zone == OUTSIDE`` for the latter,
            whose ``cell`` is the place index of their outside comune).
        firms: active firms.
        wage_level: log wage constant calibrated so the mean income is the plan's.
        university_cells: flat indices of the cells hosting the universities.
    """

    people: AgentTable
    firms: AgentTable
    wage_level: float
    university_cells: np.ndarray


POPULATION_PARAMETERS: tuple[str, ...] = (
    "outside_students_share",
    "firm_size_exponent",
    "initial_unemployment_rate",
    "circuity",
    "unemployment_benefit_months",
    "unemployment_benefit_replacement",
    "unemployment_benefit_cap",
    "social_minimum_income",
)
"""The model parameters :func:`build_population` reads; no other parameter changes the
population of January 2015 (``tests/test_population.py`` checks the list)."""


def build_population(
    territory: Territory,
    scale: float,
    rng: np.random.Generator,
    start_month: int,
    params: dict[str, float],
) -> Population:
    """Draw the synthetic population of January 2015.

    The steps: the residents (:func:`~models.population.residents.draw_residents`); the
    commuting flows that fix the jobs of each comune and the in-commuters
    (:func:`~models.population.commuting.commuting_flows`); the firms
    (:func:`~models.population.firms.draw_firms`); the people table with the people from
    outside (:func:`~models.population.people.people_table`); the jobs
    (:func:`~models.population.commuting.assign_jobs`); the commutes and the homes of the
    people from outside (:func:`~models.population.commuting.measure_commutes`); the
    incomes and the wage level (:func:`~models.population.incomes.draw_incomes`).

    Args:
        territory: the comuni and raster.
        scale: agents per real person or firm, in (0, 1].
        rng: the run's ``population`` stream.
        start_month: month index of January 2015 (the population's date).
        params: resolved model parameters.
    """
    residents = draw_residents(territory, scale, rng, start_month, params)
    n = residents.count
    universities = university_cells(territory)
    n_students_out = round(STUDENTS_2015 * scale) - int(
        np.count_nonzero(residents.status == STUDENT)
    )
    firms_by_zone = firm_counts(territory, round(FIRMS_2015 * scale))
    commuting = commuting_flows(territory, residents, firms_by_zone, scale, n_students_out)
    firms = draw_firms(
        rng, territory, firms_by_zone, commuting.flows.sum(axis=0), start_month, params, scale
    )
    people = people_table(rng, residents, commuting.outside_workers, n_students_out, start_month)
    # the residents' draws are in the table now: free them before jobs and incomes are drawn
    # (this halves the peak memory of a 1:1 initialisation)
    del residents
    assign_jobs(rng, people, n, firms, commuting)
    measure_commutes(rng, territory, people, n, firms.cell, universities, params["circuity"])
    level = draw_incomes(rng, people, n, firms, start_month, params)
    people.compact(people_order(people, start_month))
    return Population(people=people, firms=firms, wage_level=level, university_cells=universities)
