"""Named hooks through which levers act on the model.

Each hook is an array by zone (:data:`~models.codes.N_ZONES` entries), reset every month to its
neutral value; active levers then multiply (or add to) the entries of their target
comuni. Kernels read hooks as ordinary arguments: no lever code ever runs inside a kernel.
A hook whose effect is metro-wide (the third field of :data:`HOOKS`, collected in
:data:`METRO_HOOKS`) is read at entry :data:`~models.codes.METRO`, which only metro-wide
effects reach: a lever targeted at some comuni cannot change it by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from models.codes import N_ZONES

# name: (neutral value, what it does, metro-wide: read at entry METRO only)
HOOKS: dict[str, tuple[float, str, bool]] = {
    "firm_exit": (1.0, "multiplies the exit hazard of every firm in the comune", False),
    "startup_exit": (
        1.0,
        "multiplies the extra exit hazard of young firms (start-up survival)",
        False,
    ),
    "startups": (1.0, "multiplies start-ups in the comune", False),
    "innovation": (1.0, "multiplies the hazard of becoming innovative", False),
    "university_links": (1.0, "multiplies the rate of new university-industry links", False),
    "admin_burden": (1.0, "multiplies the administrative days firms spend", False),
    "fdi": (1.0, "multiplies inward-investment plants", True),
    "transit_quality": (1.0, "multiplies transit service quality of the comune's cells", False),
    "transit_fare": (1.0, "multiplies the transit fare", True),
    "car_cost": (1.0, "multiplies the cost of driving", True),
    "enrolment": (1.0, "multiplies the university enrolment rate", False),
    "talent_exit": (1.0, "multiplies departures of young graduates", True),
    "departures": (1.0, "multiplies departures of all residents of the comune", False),
    "arrivals": (1.0, "multiplies arrivals from outside", True),
    "amenity": (0.0, "adds to the comune's attractiveness (utility units)", False),
    "tourism": (1.0, "multiplies tourist arrivals", True),
    "service_cost": (1.0, "multiplies the per-resident cost of services", False),
    "service_pooling": (
        1.0,
        "multiplies the population over which service costs are shared",
        False,
    ),
    "matching": (1.0, "multiplies matching efficiency", True),
    "job_search_long_term": (1.0, "multiplies long-term unemployed's search efficiency", True),
    "rent": (1.0, "multiplies rents in the comune (social housing)", False),
    "social_minimum": (0.0, "adds EUR/year of income support after benefits end", True),
    "growth_drift": (0.0, "adds to the yearly log growth of firms' employment targets", True),
}
METRO_HOOKS: frozenset[str] = frozenset(name for name, (_, _, wide) in HOOKS.items() if wide)
"""The hooks read at the metro-wide entry :data:`~models.codes.METRO` only: an effect on one
of them acts on the whole area whatever the lever's targets (``tests/test_levers.py`` checks
this set against the model code that reads the hooks)."""


@dataclass
class Hooks:
    """Current values of every hook, one array by zone each."""

    firm_exit: np.ndarray
    startup_exit: np.ndarray
    startups: np.ndarray
    innovation: np.ndarray
    university_links: np.ndarray
    admin_burden: np.ndarray
    fdi: np.ndarray
    transit_quality: np.ndarray
    transit_fare: np.ndarray
    car_cost: np.ndarray
    enrolment: np.ndarray
    talent_exit: np.ndarray
    departures: np.ndarray
    arrivals: np.ndarray
    amenity: np.ndarray
    tourism: np.ndarray
    service_cost: np.ndarray
    service_pooling: np.ndarray
    matching: np.ndarray
    job_search_long_term: np.ndarray
    rent: np.ndarray
    social_minimum: np.ndarray
    growth_drift: np.ndarray

    @classmethod
    def neutral(cls) -> Hooks:
        """Every hook at its neutral value."""
        return cls(**{name: np.full(N_ZONES, value) for name, (value, _, _) in HOOKS.items()})

    def reset(self) -> None:
        """Set every hook back to its neutral value, in place."""
        for f in fields(self):
            getattr(self, f.name)[:] = HOOKS[f.name][0]
