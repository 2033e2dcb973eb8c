"""Monthly flow counters by zone, filled by the kernels and read by the indicators.

``flows[FLOW, zone]`` by zone: the comuni, then :data:`~models.codes.OUTSIDE`. The
counters are zeroed at the start of each month.
"""

from __future__ import annotations

import numpy as np

from models.codes import N_ZONES

FLOW_NAMES = (
    "births",
    "deaths",
    "immigrants",  # arrivals from outside the area
    "emigrants",  # departures to outside the area
    "moves_in",  # arrivals from another comune
    "moves_out",  # departures to another comune
    "firm_births",
    "firm_deaths",
    "investment_eur",
    "fdi_eur",
    "hires",
    "separations",
    "graduates",
    "talent_arrivals",
    "talent_departures",
    "startups_innovative",
)
(
    BIRTHS,
    DEATHS,
    IMMIGRANTS,
    EMIGRANTS,
    MOVES_IN,
    MOVES_OUT,
    FIRM_BIRTHS,
    FIRM_DEATHS,
    INVESTMENT,
    FDI,
    HIRES,
    SEPARATIONS,
    GRADUATES,
    TALENT_IN,
    TALENT_OUT,
    STARTUPS_INNOVATIVE,
) = range(len(FLOW_NAMES))
N_FLOWS = len(FLOW_NAMES)


def new_flows() -> np.ndarray:
    """A zeroed counter array ``(N_FLOWS, N_ZONES)``."""
    return np.zeros((N_FLOWS, N_ZONES), dtype=np.float64)
