"""Memory of one batch worker over many forked runs: RSS after each group, in one process.

A group is what a batch worker does for one forked group of runs: the lever-free stretch to
January 2016 (``simulate_stretches``), then three runs of piano-completo forked from its
snapshot (``finish_run``); ``--no-fork`` runs the three from scratch instead. Each group
uses another ``growth_drift``, as a design's points do. A worker whose RSS grows group after
group keeps something of every run::

    python3 benchmarks/fork_memory.py --groups 12            # forked (as batches run)
    python3 benchmarks/fork_memory.py --groups 12 --no-fork  # from scratch
"""

from __future__ import annotations

import argparse
import copyreg
import dataclasses
import gc
import sys
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's packages

from models.experiments import scenario as scenarios
from models.experiments.batch import finish_run, simulate_stretches
from sim.calendar import parse_month

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=12)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--no-fork", action="store_true")
    args = parser.parse_args()
    process = psutil.Process()
    base = scenarios.load(SCENARIOS / "baseline.toml").with_run(seed=1, scale=args.scale)
    plan = scenarios.load(SCENARIOS / "piano-completo.toml").with_run(seed=1, scale=args.scale)
    fork = parse_month("2016-01")
    first = None
    for g in range(args.groups):
        parameters = {"growth_drift": 0.001 * g}
        shared = dataclasses.replace(base, parameters=parameters)
        run = dataclasses.replace(plan, parameters=parameters)
        if args.no_fork:
            outputs = [finish_run(None, 0, run, f"g{g}-{k}") for k in range(3)]
        else:
            snapshots = simulate_stretches(shared, [fork])
            outputs = [finish_run(snapshots, 0, run, f"g{g}-{k}") for k in range(3)]
            del snapshots
        del outputs
        gc.collect()
        rss = process.memory_info().rss / 1e6
        first = rss if first is None else first
        print(
            f"group {g + 1:3d}  rss {rss:7.0f} MB  (+{rss - first:5.0f} since group 1)"
            f"  copyreg entries {len(copyreg.dispatch_table)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
