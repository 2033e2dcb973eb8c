"""Batch throughput, store overhead and size, fork savings and the variance CRN removes.

Usage::

    python3 benchmarks/batch_throughput.py [--scale 0.1] [--seeds 20] [--out FILE.json]
    python3 benchmarks/batch_throughput.py --only crn      # one part: throughput, store, fork, crn

Parts (each runs ``metropoli batch`` in a fresh process, cache warm after a first call):

* **throughput**: the baseline and piano-completo over ``--seeds`` seeds (2 × seeds runs,
  2015-2025) at ``--scale``, with 1 worker (in-process) and with 2 Dask workers, no
  forking; runs per hour, parallel efficiency ``T1 / (2 T2)``, and the mean seconds of a
  run by stage (population building ``init_s``, simulation ``simulate_s``, reduction
  ``reduce_s``) from runs.parquet, and the command's start-up (wall time minus the runs'
  execution, as the summary reports it).
* **store**: seconds to write one run's part file and rewrite runs.parquet
  (``BatchStore.record``, median of 20), bytes on disk per run, projected for 1,000 and
  10,000 runs.
* **fork**: ``levers-one-at-a-time.toml`` at ``--fork-scale`` with ``--fork-seeds`` seeds,
  2 workers, with and without forking at the policy month.
* **warm**: the committee's 1,000-run figure: a Latin hypercube of ``--warm-runs`` runs of
  the baseline (over two behavioural parameters the population does not read, two seeds)
  at ``--scale`` on 2 Dask workers; the seconds of a run in a warm worker (population,
  simulation, reduction, from runs.parquet), the runs' wall time, and 1,000 runs projected
  from it.
* **crn**: piano-completo minus baseline at ``--crn-scale`` over ``--crn-seeds`` pairs:
  the variance of the 2025 difference with shared seeds (seed s against seed s) and with
  independent seeds (baseline seed s + N against piano seed s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TWO = """name = "{name}"
[run]
start = "2015-01"
end = "2025-12"
scale = {scale}
seeds = {seeds}
[[scenarios]]
file = "{root}/scenarios/baseline.toml"
[[scenarios]]
file = "{root}/scenarios/piano-completo.toml"
"""


def batch(path: Path, out: Path, *flags: str) -> dict:
    """Run ``metropoli batch`` in a fresh process; wall time and the summary's run time."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "batch", str(path), "--out", str(out), *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    found = re.search(r"time: ([\d.]+) s", proc.stdout)
    return {"wall_s": wall, "runs_s": float(found.group(1)) if found else float("nan")}


def stages(out: Path) -> dict:
    runs = pd.read_parquet(out / "runs.parquet")
    return {k: float(runs[k].mean()) for k in ("init_s", "simulate_s", "reduce_s") if k in runs}


def throughput(tmp: Path, scale: float, seeds: int) -> dict:
    path = tmp / "two.toml"
    path.write_text(TWO.format(name="throughput", scale=scale, seeds=seeds, root=ROOT))
    n = 2 * seeds
    warm = tmp / "warm.toml"
    warm.write_text(TWO.format(name="warm", scale=0.005, seeds=1, root=ROOT))
    batch(warm, tmp / "warm", "--quiet")  # numba cache warm
    one = batch(path, tmp / "w1", "--no-fork", "--workers", "1")
    two = batch(path, tmp / "w2", "--no-fork", "--workers", "2")
    s1, s2 = stages(tmp / "w1"), stages(tmp / "w2")
    size = sum(p.stat().st_size for p in (tmp / "w1").rglob("*") if p.is_file())
    parts = sum(p.stat().st_size for p in (tmp / "w1" / "indicators").glob("*.parquet"))
    return {
        "runs": n,
        "scale": scale,
        "one_worker": one | {"stages": s1, "runs_per_hour": n / one["runs_s"] * 3600},
        "two_workers": two | {"stages": s2, "runs_per_hour": n / two["runs_s"] * 3600},
        "parallel_efficiency": one["runs_s"] / (2 * two["runs_s"]),
        "parallel_efficiency_wall": one["wall_s"] / (2 * two["wall_s"]),
        "store_bytes": size,
        "indicator_bytes_per_run": parts / n,
    }


def store_overhead(tmp: Path) -> dict:
    """Seconds of BatchStore.record for one run of real size, and bytes per run."""
    import pyarrow.parquet as pq

    from sim.experiments.store import BatchStore, RunOutput

    source = next((tmp / "w1" / "indicators").glob("part-*.parquet"))
    table = pq.read_table(source).replace_schema_metadata(None)
    design = pd.DataFrame(
        {
            "scenario": "x",
            "point": 0,
            "seed": np.arange(1000),
            "run_id": [f"r{i:05d}" for i in range(1000)],
        }
    )
    store = BatchStore.open(tmp / "overhead", {"name": "overhead", "design_sha256": "x"}, design)
    seconds = []
    for i in range(20):
        rid = f"r{i:05d}"
        out = RunOutput(rid, table.set_column(0, "run_id", [[rid] * len(table)]), {"init_s": 1.0})
        start = time.perf_counter()
        store.record([out])
        seconds.append(time.perf_counter() - start)
    store.close()
    per_run = float(
        np.mean([p.stat().st_size for p in (tmp / "overhead" / "indicators").iterdir()])
    )
    return {
        "record_s_median": float(np.median(seconds)),
        "rows_per_run": len(table),
        "part_bytes_per_run": per_run,
        "projected_mb_1000": per_run * 1000 / 1e6,
        "projected_mb_10000": per_run * 10000 / 1e6,
    }


def fork_saving(tmp: Path, scale: float, seeds: int) -> dict:
    path = ROOT / "scenarios" / "batches" / "levers-one-at-a-time.toml"
    flags = ["--scale", str(scale), "--seeds", str(seeds), "--workers", "2"]
    forked = batch(path, tmp / "fork", *flags)
    plain = batch(path, tmp / "nofork", *flags, "--no-fork")
    a = pd.read_parquet(tmp / "fork" / "indicators").sort_values(
        ["run_id", "date", "comune", "indicator"]
    )
    b = pd.read_parquet(tmp / "nofork" / "indicators").sort_values(
        ["run_id", "date", "comune", "indicator"]
    )
    return {
        "scale": scale,
        "seeds": seeds,
        "runs": int(31 * seeds),
        "forked": forked,
        "not_forked": plain,
        "saving": 1 - forked["runs_s"] / plain["runs_s"],
        "identical": bool(a.reset_index(drop=True).equals(b.reset_index(drop=True))),
    }


WARM = """name = "warm-workers"
[run]
start = "2015-01"
end = "2025-12"
scale = {scale}
seeds = 2
[[scenarios]]
file = "{root}/scenarios/baseline.toml"
[design]
kind = "lhs"
samples = {samples}
seed = 11
[uncertainties]
layoff_speed = {{}}
talent_exit_factor = {{}}
"""


def warm_workers(tmp: Path, scale: float, runs: int) -> dict:
    """Seconds a run takes in a warm worker, and 1,000 runs projected from a measured batch."""
    path = tmp / "warm-workers.toml"
    path.write_text(WARM.format(scale=scale, samples=runs // 2, root=ROOT))
    measured = batch(path, tmp / "warm-workers", "--workers", "2")
    table = pd.read_parquet(tmp / "warm-workers" / "runs.parquet")
    per_run = {k: float(table[k].mean()) for k in ("init_s", "simulate_s", "reduce_s")}
    n = len(table)
    return {
        "runs": n,
        "scale": scale,
        "workers": 2,
        **measured,
        "stages_s": per_run,
        "warm_worker_run_s": sum(per_run.values()),
        "first_init_s": float(table["init_s"].max()),
        "wall_per_run_s": measured["wall_s"] / n,
        "projected_1000_runs_min": measured["wall_s"] / n * 1000 / 60,
    }


def crn(tmp: Path, scale: float, seeds: int) -> dict:
    path = tmp / "crn.toml"
    path.write_text(TWO.format(name="crn", scale=scale, seeds=2 * seeds, root=ROOT))
    batch(path, tmp / "crn", "--workers", "2", "--quiet")
    from sim.experiments import Batch

    b = Batch.open(tmp / "crn")
    cells = b.cells(comune="metro", period="month", dates=("2025-01", "2025-12"))
    year = cells.groupby(["scenario", "seed", "indicator"])["value"].mean().unstack("indicator")
    base, plan = year.loc["baseline"], year.loc["piano-completo"]
    s = np.arange(1, seeds + 1)
    shared = plan.loc[s].to_numpy() - base.loc[s].to_numpy()
    independent = plan.loc[s].to_numpy() - base.loc[s + seeds].to_numpy()
    out = {}
    for i, name in enumerate(year.columns):
        v_shared = float(np.var(shared[:, i], ddof=1))
        v_ind = float(np.var(independent[:, i], ddof=1))
        out[name] = {
            "mean_difference": float(np.mean(shared[:, i])),
            "var_shared": v_shared,
            "var_independent": v_ind,
            "variance_removed": (1 - v_shared / v_ind) if v_ind > 0 else None,
        }
    return {"scale": scale, "pairs": seeds, "indicators": out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--fork-scale", type=float, default=0.05)
    parser.add_argument("--fork-seeds", type=int, default=2)
    parser.add_argument("--crn-scale", type=float, default=0.02)
    parser.add_argument("--crn-seeds", type=int, default=8)
    parser.add_argument("--warm-runs", type=int, default=100)
    parser.add_argument("--only", choices=["throughput", "store", "fork", "crn", "warm"], nargs="*")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "batch.json")
    args = parser.parse_args()
    parts = set(args.only or ["throughput", "store", "fork", "crn", "warm"])
    if "store" in parts:
        parts.add("throughput")
    figures: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "load_average_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if "throughput" in parts:
            figures["throughput"] = throughput(tmp, args.scale, args.seeds)
            print(json.dumps(figures["throughput"], indent=1), flush=True)
        if "store" in parts:
            figures["store"] = store_overhead(tmp)
            print(json.dumps(figures["store"], indent=1), flush=True)
        if "fork" in parts:
            figures["fork"] = fork_saving(tmp, args.fork_scale, args.fork_seeds)
            print(json.dumps(figures["fork"], indent=1), flush=True)
        if "warm" in parts:
            figures["warm"] = warm_workers(tmp, args.scale, args.warm_runs)
            print(json.dumps(figures["warm"], indent=1), flush=True)
        if "crn" in parts:
            figures["crn"] = crn(tmp, args.crn_scale, args.crn_seeds)
            print(json.dumps(figures["crn"], indent=1), flush=True)
    figures["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
