"""The cost of check mode and of the crash-safe write (docs/performance.md, "Robustness").

    python3 benchmarks/robustness.py [--scales 0.01 0.1] [--repeats 3]

For each scale: ``simulate_s`` of the 2015-2025 baseline without and with check mode (the
best of ``--repeats`` runs each, numba cache warm after a first run); the time to write its
tables as a crash-safe run folder (lock, watchdog process, fsyncs, rename; no plots) and
the time to write the same Parquet files plainly into a folder. Prints a Markdown table and
writes benchmarks/out/robustness.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from models.experiments import scenario as scenarios
from models.experiments.run import simulate, write_run
from sim.results import write_parquet

ROOT = Path(__file__).resolve().parent.parent


def measure(scale: float, repeats: int) -> dict:
    sc = scenarios.load(ROOT / "scenarios" / "baseline.toml").with_run(scale=scale)
    simulate(sc.with_run(scale=scenarios.schema().min_scale))  # compile / warm the cache
    plain = min(simulate(sc, check=False).timings["simulate_s"] for _ in range(repeats))
    checked = []
    result = None
    for _ in range(repeats):
        result = simulate(sc, check=True)
        checked.append(result.timings["simulate_s"])
    writes, plain_writes = [], []
    tables = {"indicators": result.indicators, "od": result.od, "firms": result.firms}
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as tmp:
        for k in range(repeats):
            start = time.perf_counter()
            write_run(result, Path(tmp) / f"run{k}", plots=False)
            writes.append(time.perf_counter() - start)
            start = time.perf_counter()
            folder = Path(tmp) / f"plain{k}"
            folder.mkdir()
            for name, table in tables.items():
                write_parquet(table, folder / f"{name}.parquet")
            plain_writes.append(time.perf_counter() - start)
    return {
        "scale": scale,
        "simulate_s": round(plain, 3),
        "simulate_checked_s": round(min(checked), 3),
        "check_overhead": round(min(checked) / plain, 2),
        "write_tables_s": round(min(writes), 3),
        "plain_tables_s": round(min(plain_writes), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(s, args.repeats) for s in args.scales]
    print("| scale | simulate_s | with --check | ratio | crash-safe write | plain write |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['scale']:g} | {r['simulate_s']:.2f} s | {r['simulate_checked_s']:.2f} s | "
            f"{r['check_overhead']:.2f}× | {r['write_tables_s']:.3f} s | "
            f"{r['plain_tables_s']:.3f} s |"
        )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "robustness.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
