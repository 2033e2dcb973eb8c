"""The driver keeps a bounded window of runs in flight, whole groups at a time (issue 22).

A local cluster's scheduler lives in the driver's process and holds every submitted task's
specification (about 40 KB a run of the levers batch: docs/performance.md, "Long
batches"), so the driver submits whole groups of runs (a fork group shares one snapshot
task) while the runs submitted and not yet stored fit a window, and more as runs finish.
Counted, not timed: each test counts the runs in flight at every submission. The toy runs
are one-line functions; each group's runs depend on a shared task, as forked runs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from sim.experiments.driver import drive, window_of
from sim.experiments.executors import DaskExecutor, SerialExecutor
from sim.experiments.runner import Job
from sim.experiments.store import RunOutput, read_status

GROUP = 3  # runs a group
BROKEN: set[str] = set()  # run ids that raise


def base_of(group: int) -> float:
    """The group's shared task (a fork group's snapshot)."""
    return 100.0 * group


def toy_run(base: float, run_id: str, value: float) -> RunOutput:
    """A run continuing from its group's shared task."""
    if run_id in BROKEN:
        raise ValueError(f"run {run_id} broke")
    return RunOutput(run_id, pa.table({"run_id": [run_id], "value": [base + value]}))


def toy_groups(pending: dict[str, float]) -> list[list[str]]:
    """The runs of each group (a run's group is its value // GROUP), pending only."""
    groups: dict[int, list[str]] = {}
    for rid, v in pending.items():
        groups.setdefault(int(v) // GROUP, []).append(rid)
    return list(groups.values())


class Counting:
    """An executor that counts the runs in flight: submitted and not yet handed back."""

    def __init__(self, executor: Any) -> None:
        self.executor, self.workers = executor, executor.workers
        self.description = executor.description
        self.submitted = self.finished = self.most = 0
        self.shared: list[int] = []  # the group of each shared task submitted

    def submit(self, fn: Any, *args: Any, key: str | None = None) -> Any:
        if fn is toy_run:
            self.submitted += 1
            self.most = max(self.most, self.submitted - self.finished)
        else:
            self.shared.append(args[0])
        return self.executor.submit(fn, *args, key=key)

    def completions(self, warn: Any) -> Any:
        return Counted(self, self.executor.completions(warn=warn))


class Counted:
    def __init__(self, counter: Counting, inner: Any) -> None:
        self.counter, self.inner = counter, inner

    def add(self, handles: Any) -> None:
        self.inner.add(handles)

    def __iter__(self) -> Any:
        for finished in self.inner:
            self.counter.finished += len(finished)
            yield finished


def toy_submit(executor: Counting, pending: dict[str, float]) -> list[Job]:
    jobs = []
    for rids in toy_groups(pending):
        group = int(pending[rids[0]]) // GROUP
        base = executor.submit(base_of, group, key=f"base-{group}-{rids[0]}")
        for rid in rids:
            jobs.append(
                Job(rid, executor.submit(toy_run, base, rid, pending[rid], key=f"run-{rid}"))
            )
    return jobs


@dataclass(frozen=True)
class Toy:
    runs: dict[str, float]
    cells: pd.DataFrame


class Session:
    def __init__(self, executor: Counting) -> None:
        self.executor = executor

    def get(self) -> Counting:
        return self.executor


def toy_batch(n: int) -> tuple[Toy, dict]:
    runs = {f"r{i:03d}": float(i) for i in range(n)}
    cells = pd.DataFrame({"scenario": "s", "point": range(n), "seed": 1, "run_id": list(runs)})
    return Toy(runs, cells), {"name": "toy", "design_sha256": f"toy-{n}"}


def stored(folder: Any) -> pd.DataFrame:
    parts = sorted((folder / "indicators").glob("part-*.parquet"))
    table = pd.concat([pd.read_parquet(p) for p in parts])
    return table.sort_values("run_id").reset_index(drop=True)


def run(
    executor: Any, folder: Any, window: int | None, grouped: bool = True, ok: int = 40
) -> Counting:
    counter = Counting(executor)
    expanded, document = toy_batch(40)
    groups = toy_groups if grouped else None
    driven = drive(
        expanded,
        document,
        folder,
        toy_submit,
        Session(counter),
        progress=False,
        groups=groups,
        window=window,
    )
    assert driven.summary.ok == ok and driven.summary.failed == 40 - ok - driven.summary.skipped
    return counter


@pytest.mark.parametrize("window", [1, 3, 7, 40])
def test_the_serial_driver_keeps_at_most_the_window_in_flight(tmp_path, window):
    counter = run(SerialExecutor(), tmp_path / "w", window)
    # whole groups of 3: a window of 1 or 3 holds one group at a time; the next group is
    # submitted as soon as it fits, so the window is filled to within a group
    bound = max(window, GROUP)
    assert bound - GROUP < counter.most <= bound
    assert counter.submitted == 40 and counter.finished == 40
    assert len(counter.shared) == len(set(counter.shared)) == 14  # each group's task once
    whole = run(SerialExecutor(), tmp_path / "all", None, grouped=False)
    assert whole.most == 40
    pd.testing.assert_frame_equal(stored(tmp_path / "w"), stored(tmp_path / "all"))


def test_a_resumed_batch_submits_only_the_pending_runs_in_the_window(tmp_path):
    out = tmp_path / "store"
    expanded, _ = toy_batch(40)
    BROKEN.update(list(expanded.runs)[10:])
    try:
        first = run(SerialExecutor(), out, 6, ok=10)
    finally:
        BROKEN.clear()
    assert first.submitted == 40 and first.most <= 6
    again = run(SerialExecutor(), out, 6, ok=30)  # the 30 failed runs, retried
    assert again.submitted == 30 and 3 < again.most <= 6
    assert {r["status"] for r in read_status(out).values()} == {"ok"}
    assert len(read_status(out)) == 40


def test_two_dask_workers_keep_at_most_the_window_in_flight(tmp_path):
    with DaskExecutor(workers=2) as executor:
        counter = run(executor, tmp_path / "dask", 7)
        assert window_of(executor.workers) == 2 * window_of(1)
    assert counter.most <= 7 and counter.submitted == 40 and counter.finished == 40
    run(SerialExecutor(), tmp_path / "serial", None, grouped=False)
    pd.testing.assert_frame_equal(stored(tmp_path / "dask"), stored(tmp_path / "serial"))
