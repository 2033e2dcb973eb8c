"""The fixes of docs/scale-convergence.md's patterns 1-3: a small run keeps 1:1's firm
granularity and size law, and the housing room of built cells is in full-scale residents."""

import numpy as np
import pytest

from models.codes import OUTSIDE
from models.model import MetroModel
from models.population.firms import cap_sizes, firm_size_cap, firm_sizes, largest_firm_share


def test_the_cap_keeps_the_firms_and_jobs_and_fills_the_largest_firms_first():
    sizes = np.array([120, 40, 30, 5, 1, 1], dtype=np.int64)
    capped = cap_sizes(sizes, 50)
    assert capped.tolist() == [50, 50, 50, 45, 1, 1]  # 70 above the cap: +10, +20, +40 below
    assert capped.sum() == sizes.sum()


def test_a_cap_below_the_mean_size_is_raised_so_the_jobs_fit():
    capped = cap_sizes(np.array([30, 1, 1], dtype=np.int64), 5)
    assert capped.sum() == 32 and capped.max() == 11  # the mean, rounded up


def test_there_is_no_cap_at_1_to_1_and_a_cap_of_1_4_percent_of_the_jobs_below():
    counts, jobs = np.array([410, 213]), np.array([3_000, 1_000])
    assert firm_size_cap(counts, jobs, 1.0, 1.06) is None
    share = largest_firm_share(counts, jobs, 0.005, 1.06)
    assert firm_size_cap(counts, jobs, 0.005, 1.06) == int(share * 4_000)


def test_a_small_comune_draws_its_sizes_from_the_strata_of_its_full_scale_firms():
    """40 firms at 0.01 stand for 4,000: their top size comes from 4,000 strata, not 40."""
    rng = np.random.default_rng(3)
    largest = {
        s: np.percentile([firm_sizes(rng, 40, 260, 1.06, scale=s).max() for _ in range(200)], 90)
        for s in (1.0, 0.01)
    }
    assert largest[0.01] > 1.2 * largest[1.0]  # 161 against 115 employees


@pytest.fixture(scope="module")
def small():
    """January 2015 at scale 0.005, seed 1."""
    return MetroModel(seed=1, scale=0.005)


def test_no_firm_holds_more_of_the_jobs_than_the_largest_firm_at_1_to_1(small):
    firms = small.firms
    sizes = firms.employees[firms.alive == 1]
    assert sizes.max() / sizes.sum() <= 0.0145  # 1:1: 11,397 of about 800,000 jobs


def test_built_cells_room_is_in_full_scale_residents(small):
    capacity, residents = small.layer["housing_capacity"], small.layer["residents"]
    free = np.maximum(capacity - residents, 0.0)
    zone, torino = small.cell_zone, int(small.torino)
    per_resident = [
        free[c].sum() / residents[c].sum()
        for c in (zone == torino, (zone != torino) & (zone != OUTSIDE))
    ]
    assert per_resident[1] == pytest.approx(per_resident[0], abs=0.001)  # 0.0908 / 0.0969 before
