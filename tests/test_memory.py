"""Caches keyed by a territory free it: a batch worker's memory must not grow with each run."""

from __future__ import annotations

import copy
import gc
import weakref

import numpy as np
import pytest

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


GROUPS, GROUP_RUNS = 22, 5  # 100 runs measured after 2 groups of warm-up


@pytest.mark.slow
def test_forked_runs_leave_nothing_behind_run_after_run():
    """A batch worker's lot in this process: 100 forked runs (20 seeds, each a shared stretch
    and 5 runs with levers), at the minimum scale. After a warm-up of 2 groups, the memory
    Python and numpy hold (tracemalloc, after a collection) grows by less than 5 KB a run:
    under 50 MB over 10,000 runs, the soak's goal (benchmarks/soak.py measures RSS)."""
    import dataclasses
    import tracemalloc

    from models.experiments.batch import finish_run, simulate_stretches
    from models.experiments.scenario import load
    from models.minimum_scale import minimum_scale
    from sim.calendar import parse_month
    from tests.batch_support import ROOT

    scale = minimum_scale()
    end = parse_month("2015-06")
    base = load(ROOT / "scenarios" / "baseline.toml").with_run(seed=1, scale=scale)
    plan = load(ROOT / "scenarios" / "piano-completo.toml").with_run(seed=1, scale=scale)
    plan = dataclasses.replace(
        plan,
        levers={
            c: dataclasses.replace(s, start=parse_month("2015-04")) for c, s in plan.levers.items()
        },
    )
    runs_per_group, groups, warm = GROUP_RUNS, GROUPS, 2

    def group(g: int) -> None:
        shared = dataclasses.replace(base, seed=g + 1, end=end)
        run = dataclasses.replace(plan, seed=g + 1, end=end)
        (snapshot,) = simulate_stretches(shared, [parse_month("2015-04")])
        for k in range(runs_per_group):
            finish_run([snapshot], 0, run, f"g{g}-{k}")

    tracemalloc.start()  # before the warm-up: what lives on (caches) is traced at both ends
    try:
        for g in range(warm):
            group(g)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for g in range(warm, groups):
            group(g)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    runs = (groups - warm) * runs_per_group
    per_run = (after - before) / runs
    print(f"traced memory: {per_run:.0f} bytes a run over {runs} runs")
    assert per_run < 5_000, f"{per_run:.0f} bytes a run over {runs} runs"
