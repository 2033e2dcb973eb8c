"""The synthetic population of January 2015, at any scale in (0, 1].

Residents, university students (resident or commuting from outside), in-commuting
workers from the outside zone (the province's other comuni, :mod:`models.territory.outside`),
firms and the jobs that link workers to firms are drawn so
that, at scale 1, the initial state matches the plan's figures (PLAN.md, "Territory and
actors"): 1,586,000 residents (56% in Torino), 124,600 firms (65.8% in Torino), 94,000
students, mean income 25,400 EUR and 328,000 daily commuters towards Torino.

Counts that must match the plan are allotted by largest-remainder rounding
(:mod:`sim.apportion`), not drawn, so totals hold exactly at every seed and scale; who
gets what is drawn from the run's ``population`` random stream. Every share below that is
not a plan figure is named with its source in ``docs/ODD.md`` ("Initialisation").

The parts, in the order :func:`build_population` uses them:

- :mod:`~models.population.figures`: the plan's figures and the other initial shares;
- :mod:`~models.population.placement`: weighted draws of items and of cells in a comune;
- :mod:`~models.population.residents`: the residents, who they are and where they live;
- :mod:`~models.population.commuting`: commuting flows between zones, the jobs that
  realise them, the universities and the commutes;
- :mod:`~models.population.firms`: the firms, their counts, sizes and places, and their
  table's columns;
- :mod:`~models.population.people`: the people table, its columns and row order, and the
  people from outside;
- :mod:`~models.population.incomes`: wages, pensions, benefits and the wage level;
- :mod:`~models.population.build`: :class:`Population` and :func:`build_population`;
- :mod:`~models.population.cache`: :class:`PopulationCache`, populations shared by a batch.
"""

from models.population.build import POPULATION_PARAMETERS, Population, build_population
from models.population.cache import PopulationCache
from models.population.commuting import gravity_flows, zone_distances
from models.population.figures import (
    AGE_GROUP_SHARES,
    CAPITAL_PER_WORKER,
    COMMUTERS_TO_TORINO_2015,
    FIRMS_2015,
    FIRMS_TORINO_SHARE,
    FOREIGN_SHARE_BELT,
    FOREIGN_SHARE_TORINO,
    LONG_TERM_SHARE,
    MAX_FIRM_SIZE,
    MEAN_INCOME_2015,
    RESIDENTS_2015,
    SECTOR_SHARES_LARGER,
    SECTOR_SHARES_MICRO,
    STUDENTS_2015,
    UNIVERSITY_CELLS,
)
from models.population.firms import FIRM_SCHEMA, firm_counts, firm_sizes
from models.population.people import PEOPLE_SCHEMA, people_order
from models.population.placement import (
    cell_weights,
    place_in_zones,
    town_centres,
    weighted_sample,
)
from sim.apportion import largest_remainder

__all__ = [
    "AGE_GROUP_SHARES",
    "CAPITAL_PER_WORKER",
    "COMMUTERS_TO_TORINO_2015",
    "FIRMS_2015",
    "FIRMS_TORINO_SHARE",
    "FIRM_SCHEMA",
    "FOREIGN_SHARE_BELT",
    "FOREIGN_SHARE_TORINO",
    "LONG_TERM_SHARE",
    "MAX_FIRM_SIZE",
    "MEAN_INCOME_2015",
    "PEOPLE_SCHEMA",
    "POPULATION_PARAMETERS",
    "RESIDENTS_2015",
    "SECTOR_SHARES_LARGER",
    "SECTOR_SHARES_MICRO",
    "STUDENTS_2015",
    "UNIVERSITY_CELLS",
    "Population",
    "PopulationCache",
    "build_population",
    "cell_weights",
    "firm_counts",
    "firm_sizes",
    "gravity_flows",
    "largest_remainder",
    "people_order",
    "place_in_zones",
    "town_centres",
    "weighted_sample",
    "zone_distances",
]
