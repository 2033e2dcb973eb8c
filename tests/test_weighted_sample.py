"""The k smallest keys of a weighted sample are those of the full stable sort, in its order."""

from __future__ import annotations

import numpy as np

from models.population.placement import smallest_stable


def test_smallest_stable_is_the_head_of_the_full_stable_sort():
    rng = np.random.default_rng(1)
    for trial in range(500):
        n = int(rng.integers(1, 300))
        keys = rng.integers(0, 20, n).astype(float) if trial % 2 else rng.random(n)
        if trial % 5 == 0:
            keys[rng.integers(0, n, 3)] = np.inf
        if trial % 7 == 0:
            keys[rng.integers(0, n, 2)] = np.nan
        if trial % 11 == 0:
            keys[rng.integers(0, n, 4)] = -0.0
        for k in {1, n // 3 + 1, n - 1, n} - {0}:
            expected = np.argsort(keys, kind="stable")[:k]
            assert np.array_equal(smallest_stable(keys, k), expected), (trial, n, k)
