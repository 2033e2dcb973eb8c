"""A batch's Dask workers free each run's model when its task ends, and each result when it
leaves (``sim.experiments.worker_memory``, issue 22)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from sim.experiments.worker_memory import ReleaseAfterTask

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


class Node:
    """An object in a reference cycle, as a run's model is (its agents hold it)."""

    def __init__(self) -> None:
        self.me = self


def test_a_finished_task_s_cycles_are_freed_at_once_and_what_the_worker_held_is_frozen():
    plugin = ReleaseAfterTask()
    enabled = gc.isenabled()
    gc.disable()  # only the plugin may collect
    try:
        plugin.setup(worker=None)
        assert gc.get_freeze_count() > 0  # the worker's own objects: never scanned again
        node = Node()
        dead = weakref.ref(node)
        del node
        plugin.transition("run-a", "waiting", "processing")  # not a task that has run
        assert dead() is not None
        plugin.transition("run-a", "executing", "memory")
        assert dead() is None
        node = Node()
        dead = weakref.ref(node)
        del node
        plugin.transition("run-b", "executing", "error")  # a failed run is freed too
        assert dead() is None
        node = Node()
        dead = weakref.ref(node)
        del node
        plugin.transition("stretch-c", "memory", "released")  # a snapshot nobody needs
        assert dead() is None
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
