"""The figures the synthetic population of January 2015 is drawn to match.

The plan's figures (PLAN.md, "Territory and actors") hold exactly at scale 1; every other
initial share is named with its source in ``docs/ODD.md`` ("Initialisation").
"""

from __future__ import annotations

import numpy as np

# --- the plan's figures (PLAN.md) --------------------------------------------------------
RESIDENTS_2015 = 1_586_000
FIRMS_2015 = 124_600
FIRMS_TORINO_SHARE = 0.658
STUDENTS_2015 = 94_000
MEAN_INCOME_2015 = 25_400.0
COMMUTERS_TO_TORINO_2015 = 328_000
FOREIGN_SHARE_TORINO = 0.153

# --- other initial shares (sources in docs/ODD.md, Initialisation) -----------------------
# ISTAT, Piemonte 1 January 2015, shares of residents by 5-year age group (0-4 ... 95-99).
AGE_GROUP_SHARES = np.array(
    [
        4.1,
        4.5,
        4.5,
        4.4,
        4.5,
        4.8,
        5.4,
        6.6,
        7.9,
        8.3,
        8.0,
        7.1,
        6.4,
        6.5,
        5.5,
        5.3,
        4.0,
        2.6,
        1.0,
        0.3,
    ]
)
FOREIGN_SHARE_BELT = 0.065  # assumption: foreign-born share in the other 37 comuni
LONG_TERM_SHARE = 0.55  # ISTAT: share of unemployed searching for over 12 months (Italy 2015)
MAX_FIRM_SIZE = 15_000  # assumption: the largest establishment (FCA's Turin plants)
SECTOR_SHARES_MICRO = np.array([0.05, 0.13, 0.27, 0.07, 0.22, 0.26])
SECTOR_SHARES_LARGER = np.array([0.30, 0.10, 0.18, 0.05, 0.22, 0.15])
CAPITAL_PER_WORKER = np.array([160e3, 60e3, 70e3, 50e3, 90e3, 60e3])  # EUR, ISTAT K/L
UNIVERSITY_CELLS = 6  # cells of central Torino hosting the universities
