"""``metropoli batch`` and ``metropoli check`` of a batch file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from metropoli.options import add_executor_options, add_run_overrides, warn_below_recommended

if TYPE_CHECKING:
    from models.experiments.batchfile import BatchSpec
    from models.experiments.expansion import Expanded
    from sim.experiments.executors import ExecutorOptions

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130

# Measured seconds per run by scale (init, simulate 2015-01..2025-12), one worker, cache
# warm: docs/performance.md (python3 benchmarks/run_benchmarks.py; the batch figures from
# python3 benchmarks/batch_throughput.py). Used only to estimate a batch's time.
MEASURED_COST = {0.01: (0.58, 0.51), 0.1: (0.88, 2.03), 0.5: (2.72, 8.55), 1.0: (2.6, 16.4)}
PER_RUN_OVERHEAD_S = 0.1  # reduce and store a run (benchmarks/batch_throughput.py)
PARALLEL_EFFICIENCY = 0.9


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``batch`` sub-command."""
    batch = sub.add_parser(
        "batch",
        help="run a batch of scenarios over seeds and a design, into a resumable store",
        description="Run every scenario of a batch file over its seeds and design points "
        "(common random numbers), writing a store folder as runs finish: batch.json, "
        "design.parquet, runs.parquet, indicators/. Running the same command again "
        "resumes: finished runs are skipped. Exit status 0 when every run is stored, "
        "1 when some failed (they are retried on the next run), 2 for bad input.",
    )
    batch.add_argument("file", type=Path, help="batch TOML file (see scenarios/batches/)")
    add_executor_options(
        batch, "the store folder (default results/batch-<name>); reuse it to resume"
    )
    add_run_overrides(batch)
    batch.add_argument(
        "--no-fork",
        action="store_true",
        help="run every run from January 2015 (no shared stretch before the levers start)",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _load(path: Path, scale: float | None = None, seeds: int | None = None):  # noqa: ANN202
    """The checked batch file and its expanded runs."""
    from models.experiments.batchfile import load_batch
    from models.experiments.expansion import expand

    batch = load_batch(path, scale=scale, seeds=seeds)
    return batch, expand(batch)


def command(args: argparse.Namespace) -> int:
    """Run a batch into its store; resume what a previous command left."""
    from sim.experiments.executors import ExecutorOptions

    options = ExecutorOptions(args.workers, args.scheduler, args.tls_config)
    batch, expanded = _load(args.file, args.scale, args.seeds)
    out = args.out or Path("results") / f"batch-{batch.name}"
    return run_batch(batch, expanded, out, options, fork=not args.no_fork, quiet=args.quiet)


def run_batch(
    batch: BatchSpec,
    expanded: Expanded,
    out: Path,
    options: ExecutorOptions,
    fork: bool = True,
    quiet: bool = False,
) -> int:
    """Drive a checked batch's runs into the store ``out``; the exit status (0, 1 or 130)."""
    from functools import partial

    from models.experiments.batch import fork_groups, submit_runs
    from models.experiments.expansion import batch_document
    from sim.experiments.driver import drive
    from sim.experiments.executors import ExecutorSession

    document = batch_document(batch, expanded)
    submit = partial(submit_runs, fork=fork)
    try:
        with ExecutorSession(options) as executors:
            driven = drive(
                expanded,
                document,
                out,
                submit,
                executors,
                label=f"batch {batch.name}",
                progress=not quiet,
                groups=partial(fork_groups, fork=fork),
            )
    except KeyboardInterrupt:
        return interrupted(out)
    warn_below_recommended(batch.run.scale, "batch")
    return 0 if driven.complete else EXIT_FAILED_RUNS


def interrupted(folder: Path) -> int:
    """Say that a command was interrupted and how to resume it; the exit status (130)."""
    print(
        f"metropoli: interrupted; the finished runs are stored in {folder}; run the same "
        "command again to resume",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def estimate_seconds(
    scale: float,
    months: int,
    forked_months: int,
    runs: int,
    workers: int,
    built: int | None = None,
) -> float:
    """Estimated wall time of ``runs`` runs from measured per-run costs (see MEASURED_COST).

    ``built`` models are built from January 2015 (all ``runs`` by default); the others
    continue from a fork, which costs milliseconds (``MetroModel.fork``), and
    ``forked_months`` simulated months are shared rather than repeated.
    """
    import numpy as np

    scales = sorted(MEASURED_COST)
    init = float(np.interp(scale, scales, [MEASURED_COST[s][0] for s in scales]))
    sim = float(np.interp(scale, scales, [MEASURED_COST[s][1] for s in scales])) / 132.0
    built = runs if built is None else built
    serial = built * init + runs * PER_RUN_OVERHEAD_S + sim * (months * runs - forked_months)
    return serial / (workers * (PARALLEL_EFFICIENCY if workers > 1 else 1.0))


def check_batch(args: argparse.Namespace) -> int:
    """Describe a batch file: scenarios, design, runs, forks, estimated time."""
    from models.experiments.batch import FIRST_MONTH, fork_plan
    from sim.calendar import format_month

    batch, expanded = _load(args.scenario, args.scale, args.seeds)
    run = batch.run
    n_points = len(expanded.points)
    lines = [
        f"OK: batch {batch.name} ({batch.source})",
        f"  months {format_month(run.start)} to {format_month(run.end)}, scale {run.scale:g}, "
        f"{len(run.seeds)} seeds ({_seeds_text(run.seeds)}), shared by every scenario",
        f"  scenarios ({len(batch.scenarios)}): {', '.join(batch.scenarios)}"
        + (f"; baseline {batch.baseline}" if batch.baseline else ""),
        f"  design: {batch.design.kind}, {n_points} point{'s' if n_points != 1 else ''}",
    ]
    for u in batch.levers:
        lines.append(f"    lever {u.describe()}")
    for u in batch.uncertainties:
        lines.append(f"    uncertainty {u.describe()}")
    cells = len(expanded.cells)
    runs = len(expanded.runs)
    lines.append(
        f"  runs: {cells} cells (scenarios x points x seeds), {runs} distinct runs"
        + (f" ({cells - runs} shared)" if cells > runs else "")
    )
    months = run.end - FIRST_MONTH + 1
    saved = forked = built = 0
    for _shared, _months, by_month in fork_plan(expanded.runs):
        for month, rids in by_month.items():
            if month is not None:
                saved += (month - FIRST_MONTH) * len(rids)
                forked += len(rids)
            else:
                built += len(rids)
        built += 1 if _months else 0  # the shared stretch's model
        saved -= sum(m - FIRST_MONTH for m in _months[:1]) + sum(
            b - a for a, b in zip(_months, _months[1:], strict=False)
        )
    workers = max(args.workers, 1)
    est = estimate_seconds(run.scale, months, saved, runs, workers, built)
    plain = estimate_seconds(run.scale, months, 0, runs, workers)
    lines.append(
        f"  forking at the policy month: {forked} of {runs} runs continue from a shared "
        f"stretch, {saved} of {months * runs} simulated months shared "
        f"({saved / max(months * runs, 1):.0%}); estimated {_duration(est)} on {workers} "
        f"worker{'s' if workers > 1 else ''}, {_duration(plain)} with --no-fork"
    )
    one = estimate_seconds(run.scale, months, saved, runs, 1, built)
    lines.append(
        f"  estimated time: {_duration(one)} on 1 worker, {_duration(est)} on {workers} "
        "(from measured per-run costs, cache warm; see docs/performance.md)"
    )
    print("\n".join(lines))
    warn_below_recommended(run.scale, "batch")
    return 0


def _seeds_text(seeds: tuple[int, ...]) -> str:
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds[:8])) + (" ..." if len(seeds) > 8 else "")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
