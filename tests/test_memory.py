"""Caches keyed by a territory free it: a batch worker's memory must not grow with each run."""

from __future__ import annotations

import copy
import gc
import weakref

import numpy as np

from models.territory import outside
from models.territory.territory import load_territory


def test_the_origin_cache_frees_a_dropped_territory():
    # every forked run deep-copies its model, territory included: before the cache held its
    # territory weakly, each copy stayed alive with about 15 MB of cached weights (issue 22)
    before = len(outside._ORIGIN_CDFS)
    copies = []
    for _ in range(3):
        territory = copy.deepcopy(load_territory())
        cdfs = outside.origin_cdfs(territory)
        first = cdfs(np.array([0, 5]))
        assert np.array_equal(first, cdfs(np.array([0, 5])))  # the cache still answers
        copies.append(weakref.ref(territory))
        del territory, cdfs
    gc.collect()
    assert [ref() for ref in copies] == [None, None, None]  # nothing keeps them alive
    # and their entries left with them (other tests' dropped models may leave too)
    assert len(outside._ORIGIN_CDFS) <= before
