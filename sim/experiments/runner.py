"""Driving a batch: submit the pending runs, store each as it finishes, show progress.

The driver is the store's only writer: workers return results, the driver writes them
(one part file per set of runs finished together) before it counts them as done. One
failed run never stops the batch; it is recorded with its error and the rest go on.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.experiments.store import OK, BatchStore


@dataclass(frozen=True)
class Job:
    """A submitted run: its key and the executor's handle of the task that produces it."""

    run_id: str
    handle: Any


@dataclass
class Summary:
    """What a batch command did.

    Attributes:
        total: distinct runs in the batch.
        skipped: runs already done in the store when the command started.
        ok: runs finished by this command.
        failed: runs that raised in this command (recorded, to be retried on resume).
        seconds: wall time of the runs' execution.
        failures: ``(run_id, error)`` of the failed runs.
    """

    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every run of the batch is done."""
        return self.skipped + self.ok == self.total


def error_text(err: BaseException, limit: int = 400) -> str:
    """An exception as one line: ``ValueError: message`` (cut to ``limit`` characters)."""
    text = f"{type(err).__name__}: {err}".replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key(handle: Any) -> Any:
    return getattr(handle, "key", None) or id(handle)


def execute(
    store: BatchStore,
    units: Iterable[Sequence[str]],
    submit: Callable[[Sequence[str]], Sequence[Job]],
    executor: Any,
    progress: bool = True,
    window: int | None = None,
) -> Summary:
    """Run the runs of ``units`` on ``executor`` and record each in ``store`` as it finishes.

    Args:
        store: the open store (its pending runs are the jobs).
        units: the pending runs' ids, in units submitted whole (a fork group: its runs
            share a snapshot task).
        submit: submits a unit's runs, one job each.
        executor: a :mod:`sim.experiments.executors` executor.
        progress: draw a progress bar on stderr (runs done / total, failures, ETA).
        window: at most this many runs in flight (submitted, not yet recorded): the next
            unit is pulled when its runs fit, or when nothing is in flight (a unit larger
            than the window goes alone). None: every unit at once.

    The results do not depend on the window: each run is stored by its id as it finishes.
    """
    from tqdm import tqdm

    total = len(store.run_ids())
    summary = Summary(total=total, skipped=total - len(store.pending()))
    bar = tqdm(
        total=total,
        initial=summary.skipped,
        unit="run",
        desc="batch",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    start = time.perf_counter()
    try:
        done = executor.completions(warn=lambda text: bar.write(text, file=sys.stderr))
        flight = InFlight(iter(units), submit, window, done)
        flight.fill()
        for finished in done:
            outputs, failures = [], []
            for handle, value, error in finished:
                run_id = flight.land(handle)
                if error is None:
                    outputs.append(value)
                else:
                    text = error_text(error)
                    tb = "".join(traceback.format_exception(error))[-4000:]
                    failures.append((run_id, text, {"traceback": tb}))
                    summary.failures.append((run_id, text))
            store.record(outputs, failures)
            summary.ok += len(outputs)
            summary.failed += len(failures)
            bar.update(len(finished))
            bar.set_postfix(failed=summary.failed, refresh=False)
            flight.fill()
    finally:
        bar.close()
        summary.seconds = time.perf_counter() - start
    return summary


class InFlight:
    """The runs submitted and not yet recorded, kept to a window of runs.

    Args:
        units: the units of run ids still to submit.
        start: submits a unit's runs, one job each.
        window: the most runs in flight (None: no limit).
        done: the executor's completions, told of each unit's handles.
    """

    def __init__(
        self,
        units: Iterator[Sequence[str]],
        start: Callable[[Sequence[str]], Sequence[Job]],
        window: int | None,
        done: Any,
    ) -> None:
        self.units, self.start, self.window, self.done = units, start, window, done
        self.run_of: dict[Any, str] = {}
        self.next: Sequence[str] | None = None
        self.most = 0  # the most runs ever in flight

    def fill(self) -> None:
        """Submit units while their runs fit in the window (a unit alone when none is in flight)."""
        while True:
            if self.next is None:
                self.next = next(self.units, None)
                if self.next is None:
                    return
            fits = self.window is None or len(self.run_of) + len(self.next) <= self.window
            if self.run_of and not fits:
                return
            jobs = self.start(self.next)
            for job in jobs:
                self.run_of[_key(job.handle)] = job.run_id
            self.done.add([job.handle for job in jobs])
            self.next = None
            self.most = max(self.most, len(self.run_of))

    def land(self, handle: Any) -> str:
        """The run id of a finished task, no longer in flight."""
        return self.run_of.pop(_key(handle))


def describe_summary(summary: Summary, store: BatchStore, executor_text: str) -> str:
    """A one-screen summary of a batch command."""
    size = sum(p.stat().st_size for p in store.folder.rglob("*") if p.is_file())
    done = sum(1 for r in store.run_ids() if store.status.get(r, {}).get("status") == OK)
    ran = summary.ok + summary.failed
    rate = summary.ok / summary.seconds * 3600 if summary.seconds > 0 and summary.ok else 0.0
    lines = [
        f"batch {store.document.get('name', '?')}: {store.folder}",
        f"  runs: {summary.total} in the batch; {summary.skipped} already stored, "
        f"{ran} run now: {summary.ok} ok, {summary.failed} failed",
        f"  executor: {executor_text}",
        f"  time: {summary.seconds:.1f} s" + (f" ({rate:.0f} runs per hour)" if rate else ""),
        f"  store: {done} of {summary.total} runs done, {size / 1e6:.1f} MB on disk",
    ]
    for run_id, text in summary.failures[:5]:
        lines.append(f"  failed {run_id}: {text}")
    if len(summary.failures) > 5:
        lines.append(
            f"  ... and {len(summary.failures) - 5} more failures (runs.parquet, failures/)"
        )
    if summary.complete:
        lines.append("  complete: every run is stored")
    else:
        lines.append("  incomplete: run the same command again to retry what is missing")
    return "\n".join(lines)
