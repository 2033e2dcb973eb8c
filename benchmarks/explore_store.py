"""How the explorer's store reading scales: open time, query times and peak memory.

A large store is made from a real one: a small batch (the baseline, the whole plan and
Torino sociale, 2 seeds, scale 0.005, 2015-2025: about 18,300 rows per run, as every
store has) is run once with ``metropoli batch``; its runs' rows are then replicated into
``--runs`` runs (new run ids and seeds, each value times 1 + 0.001 x a normal draw, so
that Parquet does not compress copies away), written as a batch writes them: part files of
a few runs, ``design.parquet`` and ``batch.json``. Each measure runs in a fresh process
(:class:`apps.explorer.data.StoreView`: open, a goal's effects over all scenarios, the
fans of its headline, the map of its effect per comune), with its peak RSS::

    python3 benchmarks/explore_store.py --runs 1000 10000      # figures in docs/explore.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
RUNS_PER_PART = 4
SOURCE = f"""
name = "explore-source"
baseline = "baseline"
[run]
start = "2015-01"
end = "2025-12"
scale = 0.005
seeds = 2

[[scenarios]]
file = "{ROOT / "scenarios" / "baseline.toml"}"

[[scenarios]]
file = "{ROOT / "scenarios" / "piano-completo.toml"}"

[[scenarios]]
file = "{ROOT / "scenarios" / "torino-sociale.toml"}"
"""

MEASURE = """
import json, resource, sys, time
t0 = time.perf_counter()
from apps.explorer.data import StoreView
imported = time.perf_counter()
view = StoreView.open(sys.argv[1])
opened = time.perf_counter()
rss_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {"import_s": imported - t0, "open_s": opened - imported, "rss_open_mb": rss_open}
for name, call in (
    ("effects_s", lambda: view.effects(["unemployment_rate", "jobs", "employed",
                                        "employment_rate"], view.scenarios, "2025")),
    ("fans_s", lambda: view.fans("unemployment_rate", view.scenarios)),
    ("map_s", lambda: view.comune_effects("unemployment_rate", view.scenarios, "2025")),
):
    t = time.perf_counter(); call(); out[name] = time.perf_counter() - t
out["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def source_store(folder: Path) -> Path:
    """The real store the large ones are made from (run once, kept in ``folder``)."""
    store = folder / "source"
    if not (store / "batch.json").exists():
        (folder / "source.toml").write_text(SOURCE, encoding="utf-8")
        cmd = [sys.executable, "-m", "metropoli.cli", "batch", str(folder / "source.toml"),
               "--out", str(store), "--quiet"]  # fmt: skip
        subprocess.run(cmd, check=True, cwd=ROOT)
    return store


def replicate(source: Path, out: Path, runs: int) -> float:
    """A store of ``runs`` runs made of the source's rows; returns its size in MB."""
    if out.exists():
        shutil.rmtree(out)
    (out / "indicators").mkdir(parents=True)
    design = pd.read_parquet(source / "design.parquet")
    table = pd.read_parquet(source / "indicators")
    by_run = {rid: rows.drop(columns="run_id") for rid, rows in table.groupby("run_id")}
    scenarios = list(dict.fromkeys(design["scenario"]))
    seeds = runs // len(scenarios)
    rng = np.random.default_rng(1)
    cells, batch = [], []
    for seed in range(1, seeds + 1):
        for scenario in scenarios:
            template = design[design["scenario"] == scenario].iloc[seed % 2]
            rid = hashlib.sha256(f"{scenario}/{seed}".encode()).hexdigest()[:20]
            rows = by_run[template["run_id"]].copy()
            rows["value"] = rows["value"] * (1.0 + 0.001 * rng.standard_normal(len(rows)))
            rows.insert(0, "run_id", rid)
            batch.append(rows)
            cells.append({"scenario": scenario, "point": 0, "seed": seed, "run_id": rid})
            if len(batch) == RUNS_PER_PART:
                _write_part(out, batch)
                batch = []
    if batch:
        _write_part(out, batch)
    pd.DataFrame(cells).to_parquet(out / "design.parquet", index=False)
    document = json.loads((source / "batch.json").read_text(encoding="utf-8"))
    document["run"]["seeds"] = list(range(1, seeds + 1))
    document["runs"] = document["cells"] = len(cells)
    (out / "batch.json").write_text(json.dumps(document), encoding="utf-8")
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6


def _write_part(out: Path, frames: list[pd.DataFrame]) -> None:
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
    name = hashlib.sha256(str(frames[0]["run_id"].iloc[0]).encode()).hexdigest()[:20]
    pq.write_table(table, out / "indicators" / f"part-{name}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/explore-benchmark"))
    parser.add_argument("--reuse", action="store_true", help="measure the stores already made")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    source = source_store(args.folder)
    for runs in args.runs:
        store = args.folder / f"store-{runs}"
        started = time.perf_counter()
        if args.reuse and (store / "batch.json").exists():
            size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 1e6
        else:
            size = replicate(source, store, runs)
        made = time.perf_counter() - started
        result = subprocess.run([sys.executable, "-c", MEASURE, str(store)], cwd=ROOT,
                                capture_output=True, text=True, check=True)  # fmt: skip
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        parts = len(list((store / "indicators").glob("part-*.parquet")))
        print(f"{runs:>6} runs, {parts} parts, {size:,.0f} MB (made in {made:.0f} s): "
              + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
