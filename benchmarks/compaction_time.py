"""CPU seconds of the people table's yearly compactions over a baseline run (A/B of sim/tables.py).

Usage::

    NUMBA_NUM_THREADS=1 python3 benchmarks/compaction_time.py SCALE
    cd OTHER_CHECKOUT && NUMBA_NUM_THREADS=1 PYTHONPATH=. python3 \\
        /path/to/benchmarks/compaction_time.py 1.0

Builds ``MetroModel`` for the baseline (seed 1) at ``SCALE``, steps it to December 2025 and
prints the CPU time (``time.process_time``) spent in :meth:`sim.tables.AgentTable.compact`
(the ten yearly compactions; the build's own is not counted) beside the simulation's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import sim.tables as tables
from models.experiments import scenario as scenarios
from models.model import MetroModel


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    spent = [0.0, 0]
    compact = tables.AgentTable.compact

    def timed(self: tables.AgentTable, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        kept = compact(self, *args, **kwargs)
        spent[0] += time.process_time() - start
        spent[1] += 1
        return kept

    tables.AgentTable.compact = timed  # type: ignore[method-assign]
    sc = scenarios.load(Path("scenarios/baseline.toml")).with_run(seed=1, scale=scale)
    model = MetroModel.from_scenario(sc)
    spent[:] = [0.0, 0]
    start = time.process_time()
    while model.running:
        model.step()
    print(
        f"scale {scale}: {spent[1]} yearly compactions {spent[0]:.3f} s of CPU, "
        f"of a simulation of {time.process_time() - start:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
