"""Populations already built, shared by the runs of a batch."""

from __future__ import annotations

from typing import Any

from models.population.build import POPULATION_PARAMETERS, Population, build_population
from models.territory.territory import Territory
from sim.random import phase_generator


class PopulationCache:
    """Populations already built, for the runs of a batch that share them.

    The synthetic population of January 2015 depends only on the territory, the scale,
    the seed, the start month and the :data:`POPULATION_PARAMETERS`; the runs of a batch
    that differ in other parameters, in lever effects or in their scenario share it. Each
    call hands out a copy, so no run sees another's changes. At most ``max_entries``
    populations are kept, the least recently used dropped first.

    Args:
        max_entries: populations kept (each holds its two tables: about 25 MB at scale
            0.1, 250 MB at 1:1).
    """

    def __init__(self, max_entries: int = 2) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], tuple[Territory, Population]] = {}
        self.hits = 0
        self.misses = 0

    def get(
        self,
        territory: Territory,
        scale: float,
        seed: int,
        start_month: int,
        params: dict[str, float],
    ) -> Population:
        """The population :func:`build_population` would build, as a fresh copy."""
        key = (id(territory), float(scale), int(seed), int(start_month)) + tuple(
            float(params[name]) for name in POPULATION_PARAMETERS
        )
        entry = self._entries.pop(key, None)
        if entry is None or entry[0] is not territory:
            self.misses += 1
            rng = phase_generator(seed, "population")
            entry = (territory, build_population(territory, scale, rng, start_month, params))
        else:
            self.hits += 1
        self._entries[key] = entry  # most recently used last
        while len(self._entries) > self.max_entries:
            del self._entries[next(iter(self._entries))]
        built = entry[1]
        return Population(
            built.people.copy(),
            built.firms.copy(),
            built.wage_level,
            built.university_cells.copy(),
        )
