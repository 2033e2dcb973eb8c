"""Resident memory of a run, stage by stage: where a 1:1 run's peak comes from.

Usage::

    python3 benchmarks/run_memory.py [SCALE]          # 1.0 by default
    cd OTHER_CHECKOUT && PYTHONPATH=. python3 benchmarks/run_memory.py 1.0

Follows the path of ``metropoli run`` (imports, the model's build, the 132 months, the
result's tables, the folder with its plots) in one process on one numba thread, with a
thread sampling the resident set every 2 ms, and prints for each stage the resident memory
at its end, the highest seen during it, and the split between anonymous memory (the
program's own) and file-backed pages (the shared libraries' code, also counted in RSS).
The last line is the process's peak (``getrusage``), the figure of the issue's goal.
Memory does not depend on the machine's load, so A/B runs need no quiet machine.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The process's resident set, MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def split_mb() -> tuple[int, int]:
    """Anonymous and file-backed resident memory, MB."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon", "RssFile")):
                name, value = line.split(":")
                found[name] = int(value.split()[0]) // 1024
    return found.get("RssAnon", 0), found.get("RssFile", 0)


class Sampler:
    """The highest resident set seen since the last :meth:`mark`."""

    def __init__(self) -> None:
        self.high = rss_mb()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            self.high = max(self.high, rss_mb())
            time.sleep(0.002)

    def mark(self, stage: str) -> None:
        now = rss_mb()
        anon, file = split_mb()
        print(
            f"{stage:10s} RSS {now:5.0f} MB (anonymous {anon}, file {file}), "
            f"highest during it {max(self.high, now):5.0f} MB",
            flush=True,
        )
        self.high = now


def main() -> int:
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    sampler = Sampler()
    sampler.mark("start")
    import models.experiments.run as run
    from models.experiments import scenario as scenarios
    from models.model import MetroModel

    sampler.mark("imports")
    sc = scenarios.load(Path("scenarios/baseline.toml")).with_run(seed=1, scale=scale)
    build = MetroModel.from_scenario.__func__
    tables = run.indicator_table

    def built(cls: type, *args: object, **kwargs: object) -> MetroModel:
        model = build(cls, *args, **kwargs)
        sampler.mark("build")
        return model

    def months_done(*args: object, **kwargs: object) -> object:
        sampler.mark("months")
        return tables(*args, **kwargs)

    MetroModel.from_scenario = classmethod(built)  # type: ignore[method-assign]
    run.indicator_table = months_done  # type: ignore[assignment]
    result = run.simulate(sc)
    sampler.mark("tables")
    with tempfile.TemporaryDirectory() as folder:
        run.write_run(result, Path(folder) / "run")
        sampler.mark("written")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale {scale}: peak RSS of the process {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
