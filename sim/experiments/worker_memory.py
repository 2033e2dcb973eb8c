"""What a batch keeps in memory on its Dask workers and its scheduler, and how it is bounded.

A batch of 10,000 runs must leave every process where it was after its first hundred runs
(issue 22; ``benchmarks/soak.py``, docs/performance.md "Long batches"). Four things held
memory that grew with the runs done, each found by measurement and bounded here:

* :data:`WORKER_MEMORY`: a worker never pauses (a paused worker holding a leaked model
  never resumes, so a batch whose workers are all paused waits for ever); its nanny
  restarts it at 95% of its limit instead, and the run it held is retried.
* :func:`worker_profiling`: a worker's statistical profiler keeps one profile a second, and
  as many again per task name, the last 1,000 of each, about 43 KB of objects a second:
  off unless the dashboard is on.
* :data:`LOG_LENGTH`: Dask keeps, for its developers, the last 1,000 messages of every
  batched stream (``BatchedSend.recent_message_log``), transitions and events. The
  scheduler's streams to the workers hold the ``compute-task`` messages, and so the runs'
  task specifications (each run's ``Scenario``, about 24 KB of objects), long after the
  tasks are forgotten: the driver of a 1,612-run soak held 20.6 MB of unpickled task
  specifications at run 1,500 that it did not at run 400 (``tracemalloc``), 1,344 specs of
  tasks the scheduler no longer had. 50 entries keep each log useful for a story and
  bounded at a few MB.
* :class:`ReleaseAfterTask`: a run's model is a graph of reference cycles (Mesa's agents
  and their model), so it is freed only by a full garbage collection, which Python runs
  when allocations say so, not when a run ends; a worker carried two or three dead models
  at a time (RSS swinging 590-780 MB between samples). Collecting after every task keeps
  a worker at its between-runs size (410-460 MB over 1,000 runs, sampled after each
  task). A result the worker drops (the snapshot of a fork group, once its runs are done)
  is collected too: at the end of a batch no task follows to do it.
  A full collection of a worker's 258,000 objects costs about 200 ms, more than a
  run at the minimum scale: the plugin first freezes what the worker holds when it starts
  (``gc.freeze``: imports and the worker's own state), after which a collection after a
  task costs about 0.5 ms. glibc's ``malloc_trim`` then gives the freed pages back
  (0.1-7 ms).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

WORKER_MEMORY = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
    "distributed.worker.memory.terminate": 0.95,
}
"""A worker's memory policy: never pause, never spill, restart at 95% of the limit."""

LOG_LENGTH = {"distributed.admin.low-level-log-length": 50}
"""The length of Dask's developer logs (messages, transitions, events) in every process."""


def worker_profiling(dashboard: bool) -> dict[str, bool]:
    """The Dask setting that turns the workers' profiler on with the dashboard, off without."""
    return {"distributed.worker.profile.enabled": dashboard}


def _trim() -> Any:
    """The C library's ``malloc_trim`` (glibc), or ``None`` where it has none."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


class ReleaseAfterTask(WorkerPlugin):
    """Free a finished task's garbage on a worker: collect cycles, give pages back.

    Registered on every worker of a batch (:class:`~sim.experiments.executors.DaskExecutor`,
    also on workers that join later or replace a dead one). Frees memory only: no result
    depends on when garbage is collected.
    """

    name = "metropoli-release-after-task"

    def setup(self, worker: Any) -> None:
        """Freeze what the worker holds now, so later collections skip it."""
        gc.collect()
        gc.freeze()
        self.trim = _trim()

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        """Collect and trim after a task has run (whatever its outcome) and when a result leaves.

        A result leaves the worker's memory when nothing needs it any more (a fork group's
        snapshot, once its runs are done).
        """
        if start == "executing" or (start == "memory" and finish in ("released", "forgotten")):
            gc.collect()
            if self.trim is not None:
                self.trim(0)
