"""sim.numpy_order: a kernel's sums with NumPy's bits, and the gravity fit built on them."""

from __future__ import annotations

import numpy as np
import pytest

from models.population.commuting import GRAVITY_ROUNDS, fit_gravity, fit_gravity_numpy
from sim import numpy_order

RNG = np.random.default_rng(20261206)


def random_matrix(rows: int, cols: int) -> np.ndarray:
    """Numbers of both signs over twelve orders of magnitude: any change of order shows."""
    return RNG.lognormal(0.0, 3.0, (rows, cols)) * RNG.choice([-1.0, 1.0], (rows, cols))


@pytest.mark.parametrize("cols", [2, 3, 7, 8, 9, 15, 16, 17, 38, 39, 64, 127, 128])
def test_row_and_column_sums_are_numpys_bit_for_bit(cols):
    for rows in (1, 2, 5, 39, 40):
        a = random_matrix(rows, cols)
        assert numpy_order.reproduces_numpy(a)
        got_rows, got_cols = np.empty(rows), np.empty(cols)
        numpy_order.row_sums(a, got_rows)
        numpy_order.column_sums(a, got_cols)
        assert np.array_equal(got_rows, a.sum(axis=1)), (rows, cols)
        assert np.array_equal(got_cols, a.sum(axis=0)), (rows, cols)


def test_shapes_numpy_sums_otherwise_are_refused():
    assert not numpy_order.reproduces_numpy(np.ones((5, 1)))  # NumPy: pairwise down a column
    assert not numpy_order.reproduces_numpy(np.ones((5, 129)))  # NumPy: halves of a row
    assert not numpy_order.reproduces_numpy(np.ones((5, 8), dtype=np.float32))
    assert not numpy_order.reproduces_numpy(np.ones((8, 5)).T)


def test_the_gravity_kernel_fits_as_numpy_does_bit_for_bit():
    for trial in range(20):
        origins = RNG.uniform(0.0, 5_000.0, 39)
        if trial % 2:
            origins[RNG.integers(0, 39, 3)] = 0.0  # zones without workers: clipped sums
        destinations = RNG.dirichlet(np.ones(38)) * origins.sum()
        start = np.exp(-RNG.uniform(0.0, 40.0, (39, 38)) / 6.0) * np.outer(origins, destinations)
        start += 1e-12
        kernel, numpy = start.copy(), start.copy()
        fit_gravity(kernel, origins, destinations, GRAVITY_ROUNDS)
        fit_gravity_numpy(numpy, origins, destinations, GRAVITY_ROUNDS)
        assert np.array_equal(kernel, numpy)
