"""The census: what the month's people and firms are, by zone, for the phases that follow.

Once a month, after everyone has acted, one pass over people and one over firms count
the stocks by zone (residents, working age, employed, unemployed, students, talents,
incomes; firms, jobs, innovative firms, university links) and fill an income histogram
per zone. From them the census states the zone populations and poverty rates that firm
entry, arrivals and the comuni read the next month. The indicators record from the census
and change nothing.

Income inequality and poverty use a fine logarithmic income histogram per zone, so they
cost one pass and no sort: the bin of an income is read off the bits of its float32
value (exponent and four leading mantissa bits), 16 bins per doubling of income, each
about 4.4% wide; within a bin incomes are taken as equal (Gini) or uniform (quantiles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from models.codes import (
    EMPLOYED,
    N_COMUNI,
    N_ZONES,
    OUTSIDE,
    RETIRED,
    STUDENT,
    TERTIARY,
    UNEMPLOYED,
)
from sim import chunks
from sim.chunks import add_chunk_counts, chunk_rows, gather, n_chunks
from sim.components import Component

if TYPE_CHECKING:
    from models.model import MetroModel

_SHIFT = 19  # float32 bits: 8 exponent bits and the 4 leading mantissa bits remain
_BASE = int(np.array([100.0], dtype=np.float32).view(np.int32)[0]) >> _SHIFT
_TOP = int(np.array([2e6], dtype=np.float32).view(np.int32)[0]) >> _SHIFT
N_BINS = _TOP - _BASE + 1
"""Income bins 1..N_BINS (bin 0 holds incomes of zero or less)."""
EDGES = (
    ((np.arange(N_BINS + 1, dtype=np.int64) + _BASE) << _SHIFT).astype(np.int32).view(np.float32)
).astype(np.float64)
"""Lower edge of bin b+1 at index b; EDGES[N_BINS] is the top edge (about 2.1 million)."""

# Rows of the people stocks by zone (:attr:`Census.people_stocks`).
(
    POPULATION,
    WORKING_AGE,
    EMPLOYED_RESIDENTS,
    EMPLOYED_WORKING_AGE,
    UNEMPLOYED_RESIDENTS,
    LONG_TERM_UNEMPLOYED,
    STUDENTS,
    TALENTS,
    INCOME_SUM,
    INCOME_EARNERS,
) = range(10)
N_PEOPLE_STOCKS = 10
# Rows of the firm stocks by zone (:attr:`Census.firm_stocks`).
FIRMS, JOBS, INNOVATIVE_FIRMS, UNIVERSITY_LINKS = range(4)
N_FIRM_STOCKS = 4
CENSUS_CHUNKS = 4
"""Row chunks of the census's parallel pass a chunk of its own (fewer, larger: each
holds two income histograms by zone)."""


class CensusPeople(NamedTuple):
    """The people columns the census reads (``income_bits`` is ``income`` viewed as int32)."""

    alive: np.ndarray
    zone: np.ndarray
    born: np.ndarray
    status: np.ndarray
    since: np.ndarray
    education: np.ndarray
    income: np.ndarray
    income_bits: np.ndarray


class CensusFirms(NamedTuple):
    """The firm columns the census reads."""

    alive: np.ndarray
    zone: np.ndarray
    employees: np.ndarray
    innovative: np.ndarray
    university_link: np.ndarray


class IncomeHistogram(NamedTuple):
    """Income earners by zone and income bin: counts, and the sum of their incomes."""

    counts: np.ndarray
    sums: np.ndarray


@njit(cache=True, inline="always")
def income_bin(y, bits):
    """The histogram bin of an income (0 for none) from its float32 bits."""
    if y <= 0.0:
        return 0
    return min(max((bits >> _SHIFT) - _BASE + 1, 1), N_BINS)


@njit(cache=True, parallel=True)
def people_tables(
    month, people, table_parts, count_parts, sum_parts, edge_rows, edge_counts, chunk
):
    """The parallel pass of :func:`people_stocks`: each chunk's table and histogram.

    Chunk ``c`` adds 1 to ``table_parts[c, zone, code]`` per person and fills its income
    histogram, ``count_parts[c]`` (people) and ``sum_parts[c]`` (incomes). In the bins
    ``2 .. N_BINS - 1`` every income has the same binary exponent, so their sums are
    exact in any order; the incomes of the other bins (none, below 100 or above 2
    million: mixed exponents) are not added here but listed in ``edge_rows``, to be
    added in row order.
    """
    alive, zone, status = people.alive, people.zone, people.status
    n = alive.size
    for c in prange(table_parts.shape[0]):
        start, end = chunk_rows(c, n, chunk)
        table, hist, hist_sum = table_parts[c], count_parts[c], sum_parts[c]
        n_edge = 0
        for i in range(np.uint64(start), np.uint64(end)):  # unsigned: no wraparound
            if alive[i] == 0:
                continue
            z = zone[i]
            s = status[i]
            if z == OUTSIDE:
                if s == STUDENT:
                    table[z, s] += 1
                continue
            age_months = month - people.born[i]
            working_age = 180 <= age_months < 780
            code = s
            if working_age:
                code |= 8
                if people.education[i] == TERTIARY and age_months >= 300:
                    code |= 16
            if s == UNEMPLOYED and month - people.since[i] >= 12:
                code |= 32
            table[z, code] += 1
            if s == EMPLOYED or s == UNEMPLOYED or s == RETIRED:
                b = income_bin(people.income[i], people.income_bits[i])
                hist[z, b] += 1.0
                if 1 < b < N_BINS:
                    hist_sum[z, b] += people.income[i]
                else:
                    edge_rows[start + n_edge] = i
                    n_edge += 1
        edge_counts[c] = n_edge


@njit(cache=True)
def people_stocks(month, people, stocks, histogram, chunk):
    """Count stocks by zone and fill the income histogram, in one pass.

    ``stocks[k, zone]`` for the rows :data:`POPULATION` ... :data:`INCOME_EARNERS`. The
    histogram is of adults who are employed, unemployed or retired, the only people with
    an income; its bins above 0 give the income earners. Outside the comuni only students
    are counted (they study in the area).

    Each resident adds 1 to one cell of a table by zone and category (status, working
    age, talent, long-term unemployed), and the stocks are summed from that table at the
    end: one increment per person instead of several. The pass is parallel over fixed
    chunks of ``chunk`` rows (:func:`people_tables`), with the same result on any number
    of threads.
    """
    hist, hist_sum = histogram.counts, histogram.sums
    n_zones = stocks.shape[1]
    n = people.alive.size
    nc = n_chunks(n, chunk)
    table_parts = np.zeros((nc, n_zones, 64), dtype=np.int64)
    count_parts = np.zeros((nc,) + hist.shape)
    sum_parts = np.zeros((nc,) + hist.shape)
    edge_rows = np.empty(n, dtype=np.int64)
    edge_counts = np.zeros(nc, dtype=np.int64)
    people_tables(month, people, table_parts, count_parts, sum_parts, edge_rows, edge_counts, chunk)
    table = np.zeros((n_zones, 64), dtype=np.int64)
    add_chunk_counts(table, table_parts)
    add_chunk_counts(hist, count_parts)
    add_chunk_counts(hist_sum, sum_parts)
    for k in range(gather(edge_rows, edge_counts, chunk)):  # in row order
        i = edge_rows[k]
        y = people.income[i]
        hist_sum[people.zone[i], income_bin(y, people.income_bits[i])] += y
    for z in range(n_zones):
        for code in range(64):
            c = table[z, code]
            if c == 0:
                continue
            s = code & 7
            if s == STUDENT:
                stocks[STUDENTS, z] += c
            if z == OUTSIDE:
                continue
            stocks[POPULATION, z] += c
            if code & 8:
                stocks[WORKING_AGE, z] += c
            if s == EMPLOYED:
                stocks[EMPLOYED_RESIDENTS, z] += c
                if code & 8:
                    stocks[EMPLOYED_WORKING_AGE, z] += c
            elif s == UNEMPLOYED:
                stocks[UNEMPLOYED_RESIDENTS, z] += c
                if code & 32:
                    stocks[LONG_TERM_UNEMPLOYED, z] += c
            if code & 16:
                stocks[TALENTS, z] += c
        for b in range(1, hist.shape[1]):
            stocks[INCOME_SUM, z] += hist_sum[z, b]
            stocks[INCOME_EARNERS, z] += hist[z, b]


@njit(cache=True)
def firm_stocks(firms, stocks):
    """Stocks by zone: firms, jobs, innovative firms, university links."""
    for f in range(firms.alive.size):
        if firms.alive[f] == 0:
            continue
        z = firms.zone[f]
        stocks[FIRMS, z] += 1.0
        stocks[JOBS, z] += firms.employees[f]
        stocks[INNOVATIVE_FIRMS, z] += firms.innovative[f]
        stocks[UNIVERSITY_LINKS, z] += firms.university_link[f]


def gini_by_row(counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """Gini index of each row of ``(n, bins)`` binned distributions, at once.

    Bins in increasing order, incomes equal within a bin; nan where a row has no people or
    no income.
    """
    n = counts.sum(axis=1)
    total = sums.sum(axis=1)
    empty = (n <= 0) | (total <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pop_share = counts / n[:, None]
        cum = np.cumsum(sums / total[:, None], axis=1)
    prev = np.zeros_like(cum)
    prev[:, 1:] = cum[:, :-1]
    gini = 1.0 - np.sum(pop_share * (cum + prev), axis=1)
    gini[empty] = np.nan
    return gini


def gini_from_histogram(counts: np.ndarray, sums: np.ndarray) -> float:
    """Gini index of one binned distribution (:func:`gini_by_row` of one row)."""
    return float(gini_by_row(counts[None, :], sums[None, :])[0])


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


def share_below_by_row(counts: np.ndarray, line: float) -> np.ndarray:
    """Share of each row's people with income below ``line``, for ``(n, bins)`` histograms.

    Uniform within a bin; nan where a row has no people.
    """
    n = counts.sum(axis=1)
    if line <= EDGES[0]:
        below = counts[:, 0].astype(np.float64)
    else:
        b = min(int(np.searchsorted(EDGES, line, side="right")), N_BINS)
        frac = min((line - EDGES[b - 1]) / (EDGES[b] - EDGES[b - 1]), 1.0)
        below = counts[:, :b].sum(axis=1) + frac * counts[:, b]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = below / n
    share[n <= 0] = np.nan
    return share


def share_below(counts: np.ndarray, line: float) -> float:
    """Share of one histogram's people below ``line`` (:func:`share_below_by_row` of one row)."""
    return float(share_below_by_row(counts[None, :], line)[0])


class Census(Component):
    """People and firms by zone at the end of the month; zone populations and poverty.

    Attributes:
        people_stocks: ``(N_PEOPLE_STOCKS, N_ZONES)`` counts (rows :data:`POPULATION` ...).
        firm_stocks: ``(N_FIRM_STOCKS, N_ZONES)`` (rows :data:`FIRMS` ...).
        income: the income histogram by zone (:class:`IncomeHistogram`).
        zone_population: residents by zone (agents; 0 outside).
        poverty_line: 60% of the metro area's median income, EUR/year.
        zone_poverty: share of each comune's income earners below the line (0 outside).
        metro_poverty: the same share for the metro area.
    """

    name = "census"
    doc = "people and firms by zone: populations, labour force, incomes, poverty"

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        self.zone_poverty = np.zeros(N_ZONES)
        self.step(model.first_month)  # the January 2015 population and poverty

    def step(self, month: int) -> None:
        """Count this month's people and firms; state populations and poverty."""
        m = self.model
        people = m.people
        self.people_stocks = np.zeros((N_PEOPLE_STOCKS, N_ZONES))
        self.income = IncomeHistogram(
            np.zeros((N_ZONES, N_BINS + 1)), np.zeros((N_ZONES, N_BINS + 1))
        )
        columns = CensusPeople(
            people.alive,
            people.zone,
            people.born,
            people.status,
            people.since,
            people.education,
            people.income,
            people.income.view(np.int32),
        )
        people_stocks(
            month,
            columns,
            self.people_stocks,
            self.income,
            CENSUS_CHUNKS * chunks.row_chunk(people.count),
        )
        self.firm_stocks = np.zeros((N_FIRM_STOCKS, N_ZONES))
        firm_stocks(m.firms.view(CensusFirms), self.firm_stocks)
        self.zone_population = self.people_stocks[POPULATION].copy()
        hist = self.income.counts
        metro = hist[:N_COMUNI].sum(axis=0)
        self.poverty_line = 0.6 * quantile_from_histogram(metro, 0.5)
        self.zone_poverty[:N_COMUNI] = share_below_by_row(hist[:N_COMUNI], self.poverty_line)
        self.metro_poverty = share_below(metro, self.poverty_line)
