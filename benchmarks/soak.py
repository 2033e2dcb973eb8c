"""Soak: a long forked batch on 2 Dask workers, sampling every worker's RSS and the driver's.

The batch is ``levers-one-at-a-time.toml`` (31 scenarios a seed, forked at their projects'
start) at the minimum scale, over as many seeds as ``--runs`` needs, its months cut to
``--end`` (default 2017-12: the fork path, the store and the workers are what is soaked, and
36 months a run let 10,000 runs finish in hours on a shared 2-core machine). It runs
through the same driver as ``metropoli batch`` (:func:`sim.experiments.driver.drive`) and
writes, in ``--out``:

* ``curve.csv``: every ``--every`` seconds, the runs done, the driver's RSS, and each
  worker's pid, RSS and Dask status (``paused`` is what the goal forbids);
* ``figures.json``: growth after the first ``--settle`` runs (RSS at the end and at its
  peak, minus RSS when ``--settle`` runs were done; and the median RSS over the last
  ``--window`` runs minus the median over the first ``--window`` runs after settling,
  which one sample taken while a run's model is alive, 100-150 MB, does not sway), per
  worker and for the driver, the runs done, failed, paused samples and the seconds.

``--curve FILE`` recomputes the figures of growth from a curve already written.

Goal (issue 22): after the first 100 runs, worker growth <= 50 MB, driver <= 50 MB, no
worker paused::

    python3 benchmarks/soak.py                       # 10,000 runs
    python3 benchmarks/soak.py --runs 300 --out /tmp/soak-short
    python3 benchmarks/soak.py --runs 300 --in-flight 0   # every run submitted at once
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's packages, in the driver and (inherited) workers
SOURCE = ROOT / "scenarios" / "batches" / "levers-one-at-a-time.toml"
SCENARIOS_PER_SEED = 31


class CountingExecutor:
    """An executor that counts the runs whose results it has handed to the driver."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.done = 0

    def completions(self, **options: Any) -> Any:
        """The wrapped executor's completions, their finished runs counted."""
        return CountedCompletions(self, self.executor.completions(**options))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.executor, name)


class CountedCompletions:
    """An executor's completions whose finished runs are added to ``counter.done``."""

    def __init__(self, counter: CountingExecutor, completions: Any) -> None:
        self.counter, self.completions = counter, completions

    def add(self, handles: Any) -> None:
        """Follow these handles too."""
        self.completions.add(handles)

    def __iter__(self) -> Any:
        for finished in self.completions:
            self.counter.done += len(finished)
            yield finished


class Session:
    """What :func:`drive` takes: an executor on demand (here, already open)."""

    def __init__(self, executor: CountingExecutor) -> None:
        self.executor = executor

    def get(self) -> CountingExecutor:
        """The counting executor."""
        return self.executor


def write_batch(folder: Path, end: str) -> Path:
    """The soak's batch file: levers-one-at-a-time with its months cut to ``end``."""
    text = SOURCE.read_text()
    text = text.replace('end = "2025-12"', f'end = "{end}"')
    text = text.replace('file = "../', f'file = "{SOURCE.parent.parent}/')
    path = folder / "soak.toml"
    path.write_text(text)
    return path


def sample(client: Any, counter: CountingExecutor, pids: dict[str, int]) -> dict:
    """One sample: runs done, the driver's RSS and every worker's pid, RSS and status.

    ``pids`` maps worker addresses to process ids, asked of each new worker once.
    """
    row: dict[str, Any] = {
        "t": time.time(),
        "runs": counter.done,
        "driver_mb": psutil.Process().memory_info().rss / 1e6,
        "workers": [],
    }
    workers = client.scheduler_info()["workers"]
    new = [a for a in workers if a not in pids]
    if new:
        pids.update(client.run(os.getpid, workers=new))
    for address, info in workers.items():
        pid = pids.get(address)
        try:
            rss = psutil.Process(pid).memory_info().rss / 1e6
        except (psutil.Error, TypeError):
            rss = float("nan")
        row["workers"].append(
            {"address": address, "pid": pid, "mb": rss, "status": info.get("status", "")}
        )
    return row


def at_rest(client: Any, timeout: float = 60.0) -> None:
    """Wait (up to ``timeout`` s) until no worker holds a task or a result: the batch's end.

    The last sample is then taken at rest, as the first ones after each task are, not while
    the scheduler is still telling the workers to drop the last results.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = client.run(lambda dask_worker: len(dask_worker.data) + len(dask_worker.state.tasks))
        if not any(held.values()):
            return
        time.sleep(0.5)


def window_growth(series: list[tuple[int, float]], window: int) -> float:
    """Median RSS over the last ``window`` runs of ``(runs, mb)`` minus over the first."""
    first, last = series[0][0], series[-1][0]
    head = [mb for r, mb in series if r <= first + window]
    tail = [mb for r, mb in series if r >= last - window]
    return statistics.median(tail) - statistics.median(head)


def growth(samples: list[dict], settle: int, window: int = 1000) -> dict:
    """RSS growth after ``settle`` runs: at the end and at the peak, driver and each worker.

    A worker's growth is counted from the first sample after the batch has done ``settle``
    more runs than when the worker was first seen (a worker started mid-batch, after another
    died, settles in turn). ``*_window_mb``: :func:`window_growth` over ``window`` runs.
    """
    after = [s for s in samples if s["runs"] >= settle]
    if len(after) < 2:
        return {}
    first, last = after[0], after[-1]
    out: dict[str, Any] = {
        "driver_end_mb": last["driver_mb"] - first["driver_mb"],
        "driver_peak_mb": max(s["driver_mb"] for s in after) - first["driver_mb"],
        "driver_window_mb": window_growth([(s["runs"], s["driver_mb"]) for s in after], window),
        "window_runs": window,
        "workers": {},
    }
    pids = {w["pid"] for s in samples for w in s["workers"]} - {None}
    for pid in sorted(pids):
        series = [(s["runs"], w["mb"]) for s in samples for w in s["workers"] if w["pid"] == pid]
        settled = [(r, mb) for r, mb in series if r >= series[0][0] + settle]
        if not settled:
            continue
        base = settled[0][1]
        out["workers"][str(pid)] = {
            "from_runs": settled[0][0],
            "to_runs": settled[-1][0],
            "start_mb": base,
            "end_mb": settled[-1][1] - base,
            "peak_mb": max(mb for _, mb in settled) - base,
            "window_mb": window_growth(settled, window),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--end", default="2017-12")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--settle", type=int, default=100)
    parser.add_argument("--window", type=int, default=1000, help="runs of a median figure")
    parser.add_argument(
        "--in-flight",
        type=int,
        help="runs in flight (default: the driver's window); 0: every run submitted at once",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "soak")
    parser.add_argument("--curve", type=Path, help="only recompute growth from this curve")
    args = parser.parse_args()
    if args.curve is not None:
        print(json.dumps(growth(read_curve(args.curve), args.settle, args.window), indent=1))
        return 0

    from models.experiments.batch import fork_groups, submit_runs
    from models.experiments.batchfile import load_batch
    from models.experiments.expansion import batch_document, expand
    from models.minimum_scale import minimum_scale
    from sim.experiments.driver import drive
    from sim.experiments.executors import ExecutorOptions, open_executor

    args.out.mkdir(parents=True, exist_ok=True)
    seeds = math.ceil(args.runs / SCENARIOS_PER_SEED)
    scale = minimum_scale()
    batch = load_batch(write_batch(args.out, args.end), scale=scale, seeds=seeds)
    expanded = expand(batch)
    counter = CountingExecutor(open_executor(ExecutorOptions(workers=args.workers)))
    samples: list[dict] = []
    pids: dict[str, int] = {}
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            samples.append(sample(counter.client, counter, pids))
            write_curve(args.out / "curve.csv", samples)
            stop.wait(args.every)

    thread = threading.Thread(target=sampler, daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        driven = drive(
            expanded,
            batch_document(batch, expanded),
            args.out / "store",
            submit_runs,
            Session(counter),
            label=f"soak ({len(expanded.runs)} runs, scale {scale}, to {args.end})",
            groups=None if args.in_flight == 0 else fork_groups,
            window=args.in_flight or None,
        )
    finally:
        stop.set()
        thread.join()
        at_rest(counter.client)
        samples.append(sample(counter.client, counter, pids))
        write_curve(args.out / "curve.csv", samples)
        counter.close()
    summary = driven.summary
    figures = {
        "runs": len(expanded.runs),
        "scale": scale,
        "end": args.end,
        "workers": args.workers,
        "in_flight": args.in_flight,
        "seconds": time.perf_counter() - start,
        "ok": summary.ok if summary else None,
        "failed": summary.failed if summary else None,
        "paused_samples": sum(w["status"] == "paused" for s in samples for w in s["workers"]),
        "settle_runs": args.settle,
        "growth": growth(samples, args.settle, args.window),
        "pid": os.getpid(),
    }
    (args.out / "figures.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))
    return 0 if driven.complete else 1


def write_curve(path: Path, samples: list[dict]) -> None:
    """The samples as CSV, one row per worker per sample (the driver's RSS on each)."""
    t0 = samples[0]["t"]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["seconds", "runs", "driver_mb", "worker_pid", "worker_mb", "status"])
        for s in samples:
            for w in s["workers"] or [{"pid": "", "mb": "", "status": ""}]:
                writer.writerow(
                    [
                        f"{s['t'] - t0:.1f}",
                        s["runs"],
                        f"{s['driver_mb']:.1f}",
                        w["pid"],
                        f"{w['mb']:.1f}" if w["mb"] != "" else "",
                        w["status"],
                    ]
                )
    tmp.replace(path)


def read_curve(path: Path) -> list[dict]:
    """The samples of a ``curve.csv`` (:func:`write_curve`), as :func:`sample` made them."""
    samples: dict[str, dict] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            s = samples.setdefault(
                row["seconds"],
                {
                    "t": float(row["seconds"]),
                    "runs": int(row["runs"]),
                    "driver_mb": float(row["driver_mb"]),
                    "workers": [],
                },
            )
            if row["worker_pid"]:
                s["workers"].append(
                    {
                        "pid": int(row["worker_pid"]),
                        "mb": float(row["worker_mb"]),
                        "status": row["status"],
                    }
                )
    return list(samples.values())


if __name__ == "__main__":
    raise SystemExit(main())
