"""The memory-traffic floor of a run, measured on this machine, and the run's ratio to it.

Usage::

    python3 benchmarks/memory_floor.py [--scale 1.0] [--out benchmarks/out/floor.json]

A month of the model must at least read the people and firm tables once. This script
measures, in one process:

* the machine's streaming read bandwidth: a numba loop summing a 1 GiB float64 array
  (median of 7 passes, after one to warm up);
* one bare pass over every column of the people and firm tables of the January 2015
  population at ``--scale`` (median of 21): the floor of one month if every byte were read
  once;
* one pass that only counts residents by zone, and one that draws one counter-based
  uniform number per resident (:func:`sim.random.uniform`), as every behaviour's pass
  does: the floor of one behaviour's pass;
* the simulation of 2015-2025 at ``--scale`` (one warm run, wall and CPU time, seconds per
  phase), and its ratio to ``132 ×`` the bare pass (the memory-traffic floor) and to
  ``132 × passes ×`` the drawing pass, ``passes`` the number of the month's kernels that
  visit every person.

The figures are written as JSON and printed; ``docs/performance.md`` reports them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.codes import N_ZONES, OUTSIDE  # noqa: E402
from models.model import MetroModel  # noqa: E402
from sim.random import uniform  # noqa: E402

PEOPLE_PASSES = 7
"""Kernels that visit every row of the people table each month: demography, education,
labour separations, commuting, housing moves, and the census's two (people stocks and the
income histogram are one kernel, the poverty shares read the histogram)."""


@njit(cache=True)
def sum_array(values):
    """Sum of a float64 array (a streaming read)."""
    total = 0.0
    for i in range(values.size):
        total += values[i]
    return total


@njit(cache=True)
def read_columns(alive, uid, zone, cell, born, female, education, skill, foreign):  # noqa: PLR0913
    """Read each of the first nine people columns once (a bare pass)."""
    total = 0.0
    for i in range(alive.size):
        total += alive[i] + uid[i] + zone[i] + cell[i] + born[i]
        total += female[i] + education[i] + skill[i] + foreign[i]
    return total


@njit(cache=True)
def read_more_columns(status, since, job, income, last_wage, mode, commute_km, graduated):  # noqa: PLR0913
    """Read the other eight people columns once."""
    total = 0.0
    for i in range(status.size):
        total += status[i] + since[i] + job[i] + income[i]
        total += last_wage[i] + mode[i] + commute_km[i] + graduated[i]
    return total


@njit(cache=True)
def count_by_zone(alive, zone, counts):
    """Residents by zone: the cheapest pass a behaviour makes."""
    for i in range(alive.size):
        if alive[i] == 1 and zone[i] != OUTSIDE:
            counts[zone[i]] += 1.0


@njit(cache=True)
def draw_per_resident(key, alive, zone, uid, counts):
    """One counter-based uniform number per resident, counted under 1% by zone."""
    for i in range(alive.size):
        if alive[i] == 1 and zone[i] != OUTSIDE:
            if uniform(key, uid[i], 0) < 0.01:
                counts[zone[i]] += 1.0


def median_seconds(call, repeats: int) -> float:
    """Median wall seconds of ``call()`` over ``repeats`` calls, after one warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def read_bandwidth_gb_s() -> float:
    """Streaming read bandwidth: a numba loop summing 1 GiB of float64 (median of 7)."""
    values = np.random.default_rng(0).random(2**27)
    return values.nbytes / median_seconds(lambda: sum_array(values), 7) / 1e9


def table_bytes(table) -> int:
    """Bytes of the rows in use of every column of an agent table."""
    return sum(col[: table.count].nbytes for col in table.columns.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "floor.json")
    args = parser.parse_args()

    bandwidth = read_bandwidth_gb_s()

    warm = MetroModel(seed=1, scale=0.005, end="2015-02")  # compile every kernel
    while warm.running:
        warm.step()
    model = MetroModel(seed=1, scale=args.scale)
    p, f = model.people, model.firms
    c = {name: p.columns[name][: p.count] for name in p.columns}
    people_bytes, firm_bytes = table_bytes(p), table_bytes(f)
    firm_columns = [f.columns[name][: f.count].astype(np.float64) for name in f.columns]

    def bare() -> None:
        read_columns(*(c[k] for k in list(c)[:9]))
        read_more_columns(*(c[k] for k in list(c)[9:]))

    bare_s = median_seconds(bare, 21)
    firm_s = median_seconds(lambda: [sum_array(col) for col in firm_columns], 21)
    counts = np.zeros(N_ZONES)
    count_s = median_seconds(lambda: count_by_zone(c["alive"], c["zone"], counts), 21)
    draw_s = median_seconds(
        lambda: draw_per_resident(np.uint64(12345), c["alive"], c["zone"], c["uid"], counts), 21
    )

    wall0, cpu0 = time.perf_counter(), time.process_time()
    while model.running:
        model.step()
    simulate_wall = time.perf_counter() - wall0
    simulate_cpu = time.process_time() - cpu0
    months = 132
    floor_traffic = months * (people_bytes + firm_bytes) / (bandwidth * 1e9)
    floor_bare = months * (bare_s + firm_s)
    floor_passes = months * PEOPLE_PASSES * draw_s
    figures = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "scale": args.scale,
        "people_rows": int(p.count),
        "people_bytes_per_row": round(people_bytes / max(p.count, 1), 1),
        "people_mb": round(people_bytes / 1e6, 1),
        "firm_mb": round(firm_bytes / 1e6, 1),
        "read_bandwidth_gb_s": round(bandwidth, 2),
        "bare_pass_ms": round(1000 * (bare_s + firm_s), 2),
        "count_by_zone_pass_ms": round(1000 * count_s, 2),
        "draw_per_resident_pass_ms": round(1000 * draw_s, 2),
        "simulate_wall_s": round(simulate_wall, 2),
        "simulate_cpu_s": round(simulate_cpu, 2),
        "phases_s": {k: round(v, 2) for k, v in model.plan.seconds.items()},
        "floor_traffic_s": round(floor_traffic, 3),
        "floor_bare_pass_s": round(floor_bare, 3),
        "floor_passes_s": round(floor_passes, 3),
        "ratio_to_traffic_floor": round(simulate_cpu / floor_traffic, 1),
        "ratio_to_bare_pass_floor": round(simulate_cpu / floor_bare, 1),
        "ratio_to_passes_floor": round(simulate_cpu / floor_passes, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
