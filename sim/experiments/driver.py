"""Drive a batch into its store: the one sequence every command that runs a batch goes through.

:func:`drive` checks that the store folder may hold the batch (writing nothing), returns at
once when every run is already stored, otherwise takes the executor from the session
(opened now, once per command), opens the store, submits the pending runs through the
caller's ``submit`` (which knows how to run, and fork, the model's runs) a window at a time
(whole ``groups``, more as runs finish, so the scheduler holds a bounded number of tasks),
stores each run as it finishes (:func:`sim.experiments.runner.execute`) and describes what
it did.

Generic: the runs are opaque values, the batch document and the design cells come from the
model's side, and ``submit`` turns pending runs into :class:`~sim.experiments.runner.Job`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.experiments.executors import ExecutorSession
from sim.experiments.runner import Job, Summary, describe_summary, execute
from sim.experiments.store import OK, BatchStore, read_status

# submit(executor, {run_id: run}) -> one job per run: how the model's runs are started.
Submit = Callable[[Any, Mapping[str, Any]], Sequence[Job]]
# groups({run_id: run}) -> the run ids in units that ``submit`` is given whole (a fork
# group's runs share one snapshot task, so it is never split).
Groups = Callable[[Mapping[str, Any]], Sequence[Sequence[str]]]

# Runs in flight per worker (submitted and not yet stored): enough that a worker never waits
# for work (a few fork groups of the 31-run levers batch on 2 workers), few enough that the
# scheduler's state of the batch stays small: a local cluster's scheduler lives in the
# driver, and every submitted task's specification sits there, about 40 KB a run (all
# 10,336 tasks of the soak at once took the driver from 367 to 775 MB; docs/performance.md).
RUNS_PER_WORKER = 64


def window_of(workers: int) -> int:
    """The runs a batch keeps in flight on ``workers`` workers (:data:`RUNS_PER_WORKER` each)."""
    return RUNS_PER_WORKER * max(1, workers)


class ExpandedBatch(Protocol):
    """A batch expanded into runs: what :func:`drive` needs of it.

    Attributes:
        runs: each distinct run, by run_id (handed to ``submit`` when pending).
        cells: the design, one row per cell, with a ``run_id`` column (the store's design).
    """

    @property
    def runs(self) -> Mapping[str, Any]:
        """Each distinct run, by run_id."""
        ...

    @property
    def cells(self) -> pd.DataFrame:
        """The design cells, with a ``run_id`` column."""
        ...


@dataclass(frozen=True)
class Driven:
    """What :func:`drive` did.

    Attributes:
        folder: the store folder.
        total: distinct runs in the batch.
        summary: the runs this call executed; None when every run was already stored.
        text: the summary for a reader (:func:`~sim.experiments.runner.describe_summary`),
            or the line saying every run was already stored.
    """

    folder: Path
    total: int
    summary: Summary | None
    text: str

    @property
    def complete(self) -> bool:
        """Every run of the batch is stored."""
        return self.summary is None or self.summary.complete


def drive(
    expanded: ExpandedBatch,
    document: Mapping[str, Any],
    folder: Path,
    submit: Submit,
    executors: ExecutorSession,
    *,
    label: str = "batch",
    progress: bool = True,
    groups: Groups | None = None,
    window: int | None = None,
) -> Driven:
    """Run every pending run of ``expanded`` into the store ``folder``; resume what is there.

    Args:
        expanded: the batch's runs and design cells.
        document: the store's ``batch.json`` (its ``design_sha256`` says which batch it is).
        folder: the store folder (created if missing; it must hold this batch or nothing).
        submit: starts the pending runs on the executor, one job each.
        executors: where the runs execute; its executor is opened only if a run is pending.
        label: how messages name the batch (``batch NAME``, a stage).
        progress: a progress bar on stderr and the summary on stdout.
        groups: splits the pending runs into units submitted whole, a window at a time
            (None: one unit, every pending run submitted at once).
        window: the most runs in flight (default :func:`window_of` the executor's workers);
            the results do not depend on it.

    Raises:
        InputError: the folder holds something else (nothing written, no executor
            started), or the scheduler is unreachable (nothing written).
    """
    total = len(expanded.runs)
    if BatchStore.verify(folder, document):  # refuse a wrong folder before starting any worker
        done = {r for r, rec in read_status(folder).items() if rec.get("status") == OK}
        if done >= set(expanded.runs):
            text = f"{label}: all {total} runs already stored in {folder}"
            if progress:
                print(text)
            return Driven(folder, total, None, text)
    executor = executors.get()  # an unreachable scheduler: nothing written yet
    if progress:
        print(f"{label}: {total} runs into {folder}", file=sys.stderr)
    with BatchStore.open(folder, document, expanded.cells) as store:
        pending = {rid: expanded.runs[rid] for rid in store.pending()}
        units = [list(pending)] if groups is None else groups(pending)

        def start(unit: Sequence[str]) -> Sequence[Job]:
            return submit(executor, {rid: pending[rid] for rid in unit})

        limit = window if window is not None else window_of(executor.workers)
        summary = execute(store, units, start, executor, progress=progress, window=limit)
    text = describe_summary(summary, store, executor.description)
    if progress:
        print(text)
    return Driven(folder, total, summary, text)
