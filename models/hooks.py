"""Named hooks through which levers act on the model.

Each hook is an array by zone (:data:`~models.codes.N_ZONES` entries), reset every month to its
neutral value; active levers then multiply (or add to) the entries of their target
comuni. Kernels read hooks as ordinary arguments: no lever code ever runs inside a kernel.
A hook whose effect is metro-wide (marked "metro-wide" below) is read at entry
:data:`~models.codes.METRO`, which only metro-wide effects reach: a lever targeted at some comuni
cannot change it by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from models.codes import N_ZONES

# name: (neutral value, what it does)
HOOKS: dict[str, tuple[float, str]] = {
    "firm_exit": (1.0, "multiplies the exit hazard of every firm in the comune"),
    "startup_exit": (1.0, "multiplies the extra exit hazard of young firms (start-up survival)"),
    "startups": (1.0, "multiplies start-ups in the comune"),
    "innovation": (1.0, "multiplies the hazard of becoming innovative"),
    "university_links": (1.0, "multiplies the rate of new university-industry links"),
    "admin_burden": (1.0, "multiplies the administrative days firms spend"),
    "fdi": (1.0, "multiplies inward-investment plants (metro-wide)"),
    "transit_quality": (1.0, "multiplies transit service quality of the comune's cells"),
    "transit_fare": (1.0, "multiplies the transit fare (metro-wide)"),
    "car_cost": (1.0, "multiplies the cost of driving (metro-wide)"),
    "enrolment": (1.0, "multiplies the university enrolment rate"),
    "talent_exit": (1.0, "multiplies departures of young graduates (metro-wide)"),
    "departures": (1.0, "multiplies departures of all residents of the comune"),
    "arrivals": (1.0, "multiplies arrivals from outside (metro-wide)"),
    "amenity": (0.0, "adds to the comune's attractiveness (utility units)"),
    "tourism": (1.0, "multiplies tourist arrivals (metro-wide)"),
    "service_cost": (1.0, "multiplies the per-resident cost of services"),
    "service_pooling": (1.0, "multiplies the population over which service costs are shared"),
    "matching": (1.0, "multiplies matching efficiency (metro-wide)"),
    "job_search_long_term": (
        1.0,
        "multiplies long-term unemployed's search efficiency (metro-wide)",
    ),
    "rent": (1.0, "multiplies rents in the comune (social housing)"),
    "social_minimum": (0.0, "adds EUR/year of income support after benefits end (metro-wide)"),
    "growth_drift": (
        0.0,
        "adds to the yearly log growth of firms' employment targets (metro-wide)",
    ),
}


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
        return cls(**{name: np.full(N_ZONES, value) for name, (value, _) in HOOKS.items()})

    def reset(self) -> None:
        """Set every hook back to its neutral value, in place."""
        for f in fields(self):
            getattr(self, f.name)[:] = HOOKS[f.name][0]
