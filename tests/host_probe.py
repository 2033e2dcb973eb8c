"""Run one small pinned run and print what it ran on and its fingerprint, as JSON.

``tests/test_host_classes.py`` starts this script in subprocesses whose environment makes
the host look like an older CPU (numpy's dispatch limited, numba's target and glibc's CPU
features masked); every class must print the same fingerprint. Run by hand::

    python3 tests/host_probe.py piano-completo 1 0.005
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numba
from numpy._core import _multiarray_umath as umath

from models.experiments import scenario as scenarios
from models.experiments.run import simulate
from sim.fingerprint import tables_fingerprint

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def numpy_dispatch() -> list[str]:
    """The SIMD targets numpy dispatches to on this host, as limited by the environment."""
    return [t for t in umath.__cpu_dispatch__ if umath.__cpu_features__.get(t)]


def main() -> None:
    """Print ``{"numpy": [...], "numba": [name, features], "fingerprint": "..."}``."""
    name, seed, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    sc = scenarios.load(SCENARIOS / f"{name}.toml").with_run(seed=seed, scale=scale)
    result = simulate(sc)
    fingerprint = tables_fingerprint(
        {"indicators": result.indicators, "od": result.od, "firms": result.firms}
    )
    target = [numba.config.CPU_NAME, numba.config.CPU_FEATURES]
    print(json.dumps({"numpy": numpy_dispatch(), "numba": target, "fingerprint": fingerprint}))


if __name__ == "__main__":
    main()
