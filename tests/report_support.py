"""Small batch stores for the report tests (scale 0.005, January 2015 to June 2017).

The stores are built once per test session (``conftest`` fixtures in the test modules
that need them) with the ``metropoli batch`` command, then reported on with
``metropoli report``, as a user would.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.batch_support import ROOT, metropoli, write

SCENARIOS = ROOT / "scenarios"

# The months, scale, seeds and the two scenario files both small batches share.
RUN_AND_PLAN = f"""[run]
start = "2015-01"
end = "2017-06"
scale = 0.005
seeds = 2

[[scenarios]]
file = "{SCENARIOS / "baseline.toml"}"

[[scenarios]]
file = "{SCENARIOS / "piano-completo.toml"}"
"""

# strategies.toml in small: four of its scenario files and one project alone (the
# one-at-a-time batch's kind of scenario, for cost and effect), 2 seeds. torino-sociale
# and torino-universitaria do not touch administrative burden: their effect on it is
# rounding (issue 26).
STRATEGIES = f"""
name = "small-strategies"
description = "Four of the strategies' scenario files and B5 alone, 2 seeds, to mid-2017."
baseline = "baseline"
{RUN_AND_PLAN}
[[scenarios]]
file = "{SCENARIOS / "torino-sociale.toml"}"

[[scenarios]]
file = "{SCENARIOS / "torino-universitaria.toml"}"

[[scenarios]]
name = "B5"
levers.B5 = {{}}
"""

# uncertainty-lhs.toml in small: the whole plan against the baseline over a Latin
# hypercube of two parameters and two of the plan's effect sizes, for PRIM.
LHS = f"""
name = "small-lhs"
baseline = "baseline"
{RUN_AND_PLAN}
[design]
kind = "lhs"
samples = 6
seed = 11

[uncertainties]
layoff_speed = {{}}
unemployed_exit_factor = {{}}
B5.matching = {{}}
B13.job_search_long_term = {{}}
"""


def batch_and_report(folder: Path, text: str) -> tuple[Path, Path, float]:
    """Run a batch into ``folder/store`` and report on it into ``folder/report``.

    Returns:
        The store, the report folder and the seconds the report command took.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = write(folder, text)
    store, report = folder / "store", folder / "report"
    proc = metropoli("batch", str(path), "--out", str(store), "--quiet")
    assert proc.returncode == 0, proc.stderr
    started = time.perf_counter()
    proc = metropoli("report", str(store), "--out", str(report))
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    return store, report, seconds
