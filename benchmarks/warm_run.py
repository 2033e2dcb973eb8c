"""CPU seconds of a run in a warm batch worker, stage by stage, for A/B comparisons.

Usage::

    python3 benchmarks/warm_run.py SCALE [RUNS] [--seeds N]
    cd OTHER_CHECKOUT && PYTHONPATH=. python3 /path/to/benchmarks/warm_run.py 0.1 6

What a batch worker does for each run, in one process (the steps of ``finish_run`` in
:mod:`models.experiments.batch`, on one numba thread: build the model, its population from
the process's cache, simulate 2015-2025, reduce the records to the store's rows), timed
with ``time.process_time``. Two warm-up runs first (the numba cache loaded, the territory and
populations of seeds 1 and 2 built), then ``RUNS`` runs of the baseline whose seeds cycle
over ``--seeds`` (default 2: the population cache serves every run, as in the Latin
hypercube of ``batch_throughput.py --only warm``; a larger number builds more
populations). Prints each run's stages and their medians. Run two checkouts alternately.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scale", type=float)
    parser.add_argument("runs", type=int, nargs="?", default=6)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    import numba

    from models.experiments import scenario
    from models.experiments.batch import monthly_records, new_model, reduce_records

    numba.set_num_threads(1)  # as sim.experiments.executors.single_threaded in a worker

    base = replace(scenario.load(ROOT / "scenarios" / "baseline.toml"), scale=args.scale)
    stages: dict[str, list[float]] = {"init": [], "simulate": [], "reduce": [], "run": []}
    for i in range(-2, args.runs):
        sc = replace(base, seed=1 + i % args.seeds)
        t0 = time.process_time()
        model = new_model(sc)
        t1 = time.process_time()
        while model.running:
            model.step()
        t2 = time.process_time()
        reduce_records(monthly_records(model), list(model.territory.codes), f"run-{i}")
        t3 = time.process_time()
        del model
        if i < 0:
            continue
        for name, seconds in (("init", t1 - t0), ("simulate", t2 - t1), ("reduce", t3 - t2)):
            stages[name].append(seconds)
        stages["run"].append(t3 - t0)
        print(
            f"run {i}: seed {sc.seed}, CPU {t3 - t0:.3f} s (init {stages['init'][-1]:.3f}, "
            f"simulate {stages['simulate'][-1]:.3f}, reduce {stages['reduce'][-1]:.3f}), "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    medians = {k: round(statistics.median(v), 3) for k, v in stages.items()}
    print(f"scale {args.scale}, {args.runs} runs, median CPU s: {medians}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
