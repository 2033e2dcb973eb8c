"""Measure what 100 forked runs leave behind in one process, as JSON (tests/test_memory.py).

A batch worker's lot: 20 seeds, each a shared stretch (baseline to 2015-04) and 5 runs of
piano-completo continued from it to 2015-06, at the minimum scale. Memory is traced from
before a warm-up of 2 groups, so what lives on (caches) is counted at both ends; prints
``{"runs": 100, "bytes_per_run": ...}``. Run by hand::

    python3 tests/memory_probe.py
"""

from __future__ import annotations

import dataclasses
import gc
import json
import tracemalloc
from pathlib import Path

from models.experiments.batch import finish_run, simulate_stretches
from models.experiments.scenario import load
from models.minimum_scale import minimum_scale
from sim.calendar import parse_month

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
GROUPS, GROUP_RUNS, WARM_GROUPS = 22, 5, 2


def measure(groups: int = GROUPS) -> dict[str, float]:
    """Run ``groups`` groups in this process; the traced growth per measured run.

    Returns ``{"runs": 100, "bytes_per_run": ...}`` (runs after the warm-up groups). Traces
    memory while it runs (``tracemalloc``, stopped again unless it was already on), so it
    can run as a task in a Dask worker too.
    """
    scale = minimum_scale()
    end, fork = parse_month("2015-06"), parse_month("2015-04")
    base = load(SCENARIOS / "baseline.toml").with_run(seed=1, scale=scale)
    plan = load(SCENARIOS / "piano-completo.toml").with_run(seed=1, scale=scale)
    plan = dataclasses.replace(
        plan, levers={c: dataclasses.replace(s, start=fork) for c, s in plan.levers.items()}
    )

    def group(g: int) -> None:
        shared = dataclasses.replace(base, seed=g + 1, end=end)
        run = dataclasses.replace(plan, seed=g + 1, end=end)
        (snapshot,) = simulate_stretches(shared, [fork])
        for k in range(GROUP_RUNS):
            finish_run([snapshot], 0, run, f"g{g}-{k}")

    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    for g in range(WARM_GROUPS):
        group(g)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for g in range(WARM_GROUPS, groups):
        group(g)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    if not tracing:
        tracemalloc.stop()
    runs = (groups - WARM_GROUPS) * GROUP_RUNS
    return {"runs": runs, "bytes_per_run": (after - before) / runs}


def main() -> None:
    """Run the groups and print the traced growth per measured run, as JSON."""
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
