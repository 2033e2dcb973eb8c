"""CPU seconds of building and simulating the baseline, for A/B comparisons of the code.

Usage::

    python3 benchmarks/cpu_per_month.py SCALE [REPEATS]
    cd OTHER_CHECKOUT && PYTHONPATH=. python3 benchmarks/cpu_per_month.py 0.3 2

A warm-up run at scale 0.01 first (numba cache loaded or compiled), then ``REPEATS`` times:
``MetroModel(seed=1, scale=SCALE)`` and its 132 monthly steps, timed with
``time.process_time`` (CPU time of this process, less sensitive than wall time to other
jobs on the machine), and the seconds of each phase. The CPU time counts every thread: with
numba's parallel kernels on several threads (``NUMBA_NUM_THREADS``, by default one per core)
the wall time (``wall``, also printed) is the figure that falls; for an A/B of the work
itself, run with ``NUMBA_NUM_THREADS=1``. Run two checkouts alternately, in the
same minutes, to compare them on a shared machine (docs/performance.md).
"""

from __future__ import annotations

import os
import sys
import time

import numba

from models.model import MetroModel


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    warm = MetroModel(seed=1, scale=0.01, end="2015-02")
    while warm.running:
        warm.step()
    for _ in range(repeats):
        t0, w0 = time.process_time(), time.perf_counter()
        model = MetroModel(seed=1, scale=scale)
        t1, w1 = time.process_time(), time.perf_counter()
        while model.running:
            model.step()
        t2, w2 = time.process_time(), time.perf_counter()
        phases = {k: round(v, 2) for k, v in model.plan.seconds.items()}
        print(
            f"scale {scale}: init {t1 - t0:.2f} s, simulate {t2 - t1:.2f} s CPU "
            f"({1000 * (t2 - t1) / 132:.1f} ms a month); wall: init {w1 - w0:.2f} s, "
            f"simulate {w2 - w1:.2f} s; threads {numba.get_num_threads()}, "
            f"load {os.getloadavg()[0]:.1f}; {phases}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
