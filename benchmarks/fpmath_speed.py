"""CPU time of sim.fpmath's ufuncs and of sim.random.normal_array, and their share of a build.

Usage::

    NUMBA_NUM_THREADS=1 PYTHONPATH=. python3 benchmarks/fpmath_speed.py [SCALE]

Each function over 2 million numbers, best of 5 ``time.process_time`` figures, then (if
``SCALE`` is given) a model built at ``SCALE`` for seeds 1 and 2, after a warm-up at 0.01,
with the CPU time its ``normal_array`` calls took. A change in :mod:`sim.fpmath.scalar`
reaches the ufuncs only through a fresh numba cache (``NUMBA_CACHE_DIR=$(mktemp -d)``):
numba keys a compiled function on its own file. Run two checkouts alternately.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

import models.components.education
import models.population.firms
import models.population.incomes
from sim import fpmath
from sim import random as sim_random

N = 2_000_000
USERS = (models.population.incomes, models.population.firms, models.components.education)


def best_ms(call: Callable[[], object]) -> float:
    """The best of five CPU times of ``call()``, ms."""
    call()
    times = []
    for _ in range(5):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return 1000 * min(times)


def build_share(scale: float) -> None:
    """Build the model at ``scale``: its CPU time and that of its normal_array calls."""
    from models.model import MetroModel

    spent = {"s": 0.0, "n": 0}
    normal_array = sim_random.normal_array

    def timed(rng: np.random.Generator, size: int) -> np.ndarray:
        start = time.process_time()
        out = normal_array(rng, size)
        spent["s"] += time.process_time() - start
        spent["n"] += size
        return out

    for module in USERS:
        module.normal_array = timed
    MetroModel(seed=1, scale=0.01, end="2015-01")
    for seed in (1, 2):
        spent.update(s=0.0, n=0)
        start = time.process_time()
        MetroModel(seed=seed, scale=scale, end="2015-01")
        total = time.process_time() - start
        print(
            f"build at {scale}, seed {seed}: {total:.3f} s CPU, normal_array {spent['s']:.3f} s "
            f"({spent['n']} numbers)",
            flush=True,
        )


def main() -> int:
    rng = np.random.default_rng(1)
    u, v = rng.random(N), rng.normal(0.0, 3.0, N)
    cases = {
        "exp": lambda: fpmath.exp(v),
        "log": lambda: fpmath.log(u),
        "log1p": lambda: fpmath.log1p(u),
        "power": lambda: fpmath.power(1.0 + u, v),
        "cos_turns": lambda: fpmath.cos_turns(u),
        "normal_array": lambda: sim_random.normal_array(np.random.default_rng(3), N),
    }
    for name, call in cases.items():
        print(f"{name}: {best_ms(call):.1f} ms for {N:,} numbers", flush=True)
    if len(sys.argv) > 1:
        build_share(float(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
