"""Indicators of the plan's eight goals, per comune and for the metro area, every month.

One pass over people and one over firms give stocks by zone; the month's flow counters,
the commuting tallies and the comuni's accounts give the rest. Counts and EUR totals are
divided by the scale, so every value is a full-scale equivalent whatever the scale.
Income inequality and poverty use a fine logarithmic income histogram per zone, so they
cost one pass and no sort: the bin of an income is read off the bits of its float32
value (exponent and four leading mantissa bits), 16 bins per doubling of income, each
about 4.4% wide; within a bin incomes are taken as equal (Gini) or uniform (quantiles).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from models.codes import EMPLOYED, RETIRED, STUDENT, TERTIARY, UNEMPLOYED
from models.territory import OUTSIDE

_SHIFT = 19  # float32 bits: 8 exponent bits and the 4 leading mantissa bits remain
_BASE = int(np.array([100.0], dtype=np.float32).view(np.int32)[0]) >> _SHIFT
_TOP = int(np.array([2e6], dtype=np.float32).view(np.int32)[0]) >> _SHIFT
N_BINS = _TOP - _BASE + 1
"""Income bins 1..N_BINS (bin 0 holds incomes of zero or less)."""
EDGES = (
    ((np.arange(N_BINS + 1, dtype=np.int64) + _BASE) << _SHIFT).astype(np.int32).view(np.float32)
).astype(np.float64)
"""Lower edge of bin b+1 at index b; EDGES[N_BINS] is the top edge (about 2.1 million)."""

# name, goal (1-8 as in the plan; 0 = context, 9 = sustainability), unit
INDICATORS: tuple[tuple[str, int, str], ...] = (
    ("population", 0, "residents"),
    ("births", 0, "per month"),
    ("deaths", 0, "per month"),
    ("immigrants", 0, "per month"),
    ("emigrants", 0, "per month"),
    ("lever_cost_eur", 0, "EUR per month, the active projects' cost (metro only)"),
    ("investment_eur", 1, "EUR per month"),
    ("fdi_eur", 1, "EUR per month"),
    ("firms_active", 2, "firms"),
    ("firm_births", 2, "per month"),
    ("firm_deaths", 2, "per month"),
    ("jobs", 3, "jobs at firms in the zone"),
    ("employed", 3, "residents"),
    ("employment_rate", 3, "share of residents 15-64"),
    ("unemployment_rate", 3, "share of labour force"),
    ("innovative_firms", 4, "firms"),
    ("university_links", 4, "firms"),
    ("students", 5, "university students"),
    ("graduates", 5, "per month"),
    ("talents", 5, "tertiary-educated residents 25-64"),
    ("talent_net_migration", 5, "per month"),
    ("service_cost_per_capita_eur", 6, "EUR per resident per year"),
    ("admin_burden_days", 6, "days per firm per year"),
    ("tourist_arrivals", 7, "per month"),
    ("long_term_unemployment_rate", 8, "share of labour force"),
    ("mean_income_eur", 8, "EUR per year"),
    ("poverty_rate", 8, "share"),
    ("income_gini", 8, "index"),
    ("commuters_to_torino", 9, "per day"),
    ("transit_share", 9, "share of commuters"),
    ("bike_walk_share", 9, "share of commuters"),
    ("commute_co2_t", 9, "tonnes per month"),
    ("green_share", 9, "share of area"),
    ("rent_eur_m2", 9, "EUR per m² per month"),
)
INDICATOR_NAMES = tuple(name for name, _, _ in INDICATORS)

METRO_ONLY: frozenset[str] = frozenset({"lever_cost_eur"})
"""Indicators of the metro area alone: they have no rows for the comuni."""

UNDEFINED_WHEN_EMPTY: frozenset[str] = frozenset(
    {
        "employment_rate",  # no resident aged 15-64
        "unemployment_rate",  # no one in the labour force
        "long_term_unemployment_rate",
        "mean_income_eur",  # no one with an income
        "poverty_rate",
        "income_gini",
        "transit_share",  # no commuter
        "bike_walk_share",
        "rent_eur_m2",  # no occupied home
    }
)
"""Shares and means that are undefined for a comune in a month when their denominator is
empty there; such a month has no row for that comune (never for the metro area)."""

# The largest month-to-month change of each metro indicator that is plausible at scale 1:
# ("rel", r) bounds |x_t / x_(t-1) - 1|, ("abs", a) bounds |x_t - x_(t-1)|, None means
# lumpy by nature (one foreign plant is a month's FDI). Stocks move slowly (a metro area
# does not gain or lose 1% of its residents or 2% of its jobs in a month); flows have
# Poisson noise and seasonality (tourism).
PLAUSIBLE_MONTHLY_CHANGE: dict[str, tuple[str, float] | None] = {
    "population": ("rel", 0.005),
    "births": ("rel", 0.3),
    "deaths": ("rel", 0.3),
    "immigrants": ("rel", 0.3),
    "emigrants": ("rel", 0.3),
    "lever_cost_eur": None,  # steps when a project starts; 0 in the baseline
    "investment_eur": ("rel", 0.5),
    "fdi_eur": None,
    "firms_active": ("rel", 0.02),
    "firm_births": ("rel", 0.4),
    "firm_deaths": ("rel", 0.4),
    "jobs": ("rel", 0.02),
    "employed": ("rel", 0.02),
    "employment_rate": ("abs", 0.01),
    "unemployment_rate": ("abs", 0.01),
    "innovative_firms": ("rel", 0.05),
    "university_links": ("rel", 0.05),
    "students": ("rel", 0.05),
    "graduates": ("rel", 0.5),
    "talents": ("rel", 0.02),
    "talent_net_migration": None,
    "service_cost_per_capita_eur": ("rel", 0.02),
    "admin_burden_days": ("rel", 0.05),
    "tourist_arrivals": ("rel", 0.5),
    "long_term_unemployment_rate": ("abs", 0.01),
    "mean_income_eur": ("rel", 0.02),
    "poverty_rate": ("abs", 0.01),
    "income_gini": ("abs", 0.01),
    "commuters_to_torino": ("rel", 0.03),
    "transit_share": ("abs", 0.01),
    "bike_walk_share": ("abs", 0.01),
    "commute_co2_t": ("rel", 0.03),
    "green_share": ("abs", 0.005),
    "rent_eur_m2": ("rel", 0.02),
}
INDEX = {name: k for k, name in enumerate(INDICATOR_NAMES)}
GOALS = {
    1: "Investment",
    2: "Firms",
    3: "Employment",
    4: "Research and innovation",
    5: "Skilled human capital",
    6: "Efficient public services",
    7: "Culture and tourism",
    8: "Social inclusion",
    9: "Sustainability",
}


@njit(cache=True)
def people_stocks(
    month,
    alive,
    zone,
    born,
    status,
    since,
    education,
    income,
    income_bits,
    stocks,
    hist,
    hist_sum,
):
    """Count stocks by zone and fill the income histogram, in one pass.

    ``stocks[k, zone]`` for k = population, pop 15-64, employed, employed 15-64, unemployed,
    long-term unemployed, students, talents, income sum, income earners. The histogram
    (``hist`` counts, ``hist_sum`` incomes) is of adults who are employed, unemployed or
    retired, the only people with an income; its bins above 0 give the income earners.

    Each resident adds 1 to one cell of a table by zone and category (status, working
    age, talent, long-term unemployed), and the stocks are summed from that table at the
    end: one increment per person instead of several.
    """
    n_zones = stocks.shape[1]
    table = np.zeros((n_zones, 64), dtype=np.int64)
    for i in range(alive.size):
        if alive[i] == 0:
            continue
        z = zone[i]
        s = status[i]
        if z == OUTSIDE:
            if s == STUDENT:
                table[z, s] += 1
            continue
        age_months = month - born[i]
        working_age = 180 <= age_months < 780
        code = s
        if working_age:
            code |= 8
            if education[i] == TERTIARY and age_months >= 300:
                code |= 16
        if s == UNEMPLOYED and month - since[i] >= 12:
            code |= 32
        table[z, code] += 1
        if s == EMPLOYED or s == UNEMPLOYED or s == RETIRED:
            y = income[i]
            if y <= 0.0:
                b = 0
            else:
                b = min(max((income_bits[i] >> _SHIFT) - _BASE + 1, 1), N_BINS)
            hist[z, b] += 1.0
            hist_sum[z, b] += y
    for z in range(n_zones):
        for code in range(64):
            c = table[z, code]
            if c == 0:
                continue
            s = code & 7
            if s == STUDENT:
                stocks[6, z] += c
            if z == OUTSIDE:
                continue
            stocks[0, z] += c
            if code & 8:
                stocks[1, z] += c
            if s == EMPLOYED:
                stocks[2, z] += c
                if code & 8:
                    stocks[3, z] += c
            elif s == UNEMPLOYED:
                stocks[4, z] += c
                if code & 32:
                    stocks[5, z] += c
            if code & 16:
                stocks[7, z] += c
        for b in range(1, hist.shape[1]):
            stocks[8, z] += hist_sum[z, b]
            stocks[9, z] += hist[z, b]


@njit(cache=True)
def firm_stocks(alive, zone, employees, innovative, university_link, stocks):
    """Stocks by zone: firms, jobs, innovative firms, university links."""
    for f in range(alive.size):
        if alive[f] == 0:
            continue
        z = zone[f]
        stocks[0, z] += 1.0
        stocks[1, z] += employees[f]
        stocks[2, z] += innovative[f]
        stocks[3, z] += university_link[f]


def gini_from_histogram(counts: np.ndarray, sums: np.ndarray) -> float:
    """Gini index of a binned distribution (bins in increasing order; equal within a bin)."""
    n = counts.sum()
    total = sums.sum()
    if n <= 0 or total <= 0:
        return float("nan")
    pop_share = counts / n
    inc_share = sums / total
    cum = np.cumsum(inc_share)
    prev = np.concatenate([[0.0], cum[:-1]])
    return float(1.0 - np.sum(pop_share * (cum + prev)))


def quantile_from_histogram(counts: np.ndarray, q: float) -> float:
    """The ``q`` quantile of incomes from the histogram (uniform within a bin)."""
    cum = np.cumsum(counts)
    if cum[-1] <= 0:
        return float("nan")
    target = q * cum[-1]
    b = int(np.searchsorted(cum, target))
    if b == 0:
        return 0.0
    frac = (target - cum[b - 1]) / max(counts[b], 1e-12)
    return float(EDGES[b - 1] + frac * (EDGES[b] - EDGES[b - 1]))


def share_below(counts: np.ndarray, line: float) -> float:
    """Share of the histogram's people with income below ``line`` (uniform within a bin)."""
    n = counts.sum()
    if n <= 0:
        return float("nan")
    if line <= EDGES[0]:
        return float(counts[0] / n)
    b = min(int(np.searchsorted(EDGES, line, side="right")), N_BINS)  # line is in bin b
    frac = min((line - EDGES[b - 1]) / (EDGES[b] - EDGES[b - 1]), 1.0)
    return float((counts[:b].sum() + frac * counts[b]) / n)
