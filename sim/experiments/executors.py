"""Where runs execute: in this process (``--workers 1``) or on Dask.

An executor takes tasks (``submit(fn, *args)``, where an argument may be the handle of an
earlier task, so a run can continue from a shared snapshot) and reports the runs as they
finish (:meth:`results`). Results do not depend on the executor: tasks are pure functions
of their arguments, and the store sorts nothing by completion order.

* :class:`SerialExecutor`: no Dask at all, tasks run one after the other when their
  results are asked for; for debugging and single-core machines.
* :class:`DaskExecutor`: a :class:`distributed.LocalCluster` of worker processes bound to
  127.0.0.1 (one thread each, dashboard off unless asked for, on localhost only), or an
  existing cluster by the address of its scheduler (``tcp://host:port``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

# Inside a batch worker every library runs on one thread: the batch gets its parallelism
# from the workers, and oversubscribed threads only slow each other down. numba is not in
# this list: a Dask nanny sets these variables in the worker after the worker has imported
# numba, and numba re-reads NUMBA_NUM_THREADS whenever it compiles, refusing a value other
# than the one its thread pool started with ("Cannot set NUMBA_NUM_THREADS to a different
# value once the threads have been launched"): every run of a batch failed on a cold numba
# cache. :func:`single_threaded` limits numba at run time instead.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


def single_threaded() -> None:
    """Inside a Dask worker, keep numba's parallel kernels to one thread (``set_num_threads``).

    Called at the start of each task. Outside a worker (``--workers 1``, tests) it does
    nothing: the command's own process keeps its settings. OpenMP, MKL and OpenBLAS read
    their thread counts when they load, so they are set through the workers' environment
    (:data:`SINGLE_THREAD_ENV`, given to the local cluster; see docs/batches.md for
    workers started by hand).
    """
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return  # not in a Dask worker
    import numba

    if numba.get_num_threads() != 1:
        numba.set_num_threads(1)


class _Deferred:
    """A task of the serial executor: run when its result is first asked for, then kept."""

    __slots__ = ("fn", "args", "done", "value", "error")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args
        self.done, self.value, self.error = False, None, None

    def result(self) -> Any:
        if not self.done:
            try:
                args = [a.result() if isinstance(a, _Deferred) else a for a in self.args]
                self.value = self.fn(*args)
            except Exception as err:  # noqa: BLE001 - a run's failure is recorded, not raised
                self.error = err
            self.done, self.args = True, ()
        if self.error is not None:
            raise self.error
        return self.value


class SerialExecutor:
    """Runs tasks in this process, in submission order, as their results are read."""

    workers = 1
    description = "serial (this process, no Dask)"

    def submit(self, fn: Callable[..., Any], *args: Any, key: str | None = None) -> _Deferred:
        """A deferred task; handles of earlier tasks may be among ``args``."""
        return _Deferred(fn, args)

    def results(
        self, handles: Sequence[Any]
    ) -> Iterator[list[tuple[Any, Any, BaseException | None]]]:
        """Yield ``[(handle, value, error)]`` for each finished task (one at a time here)."""
        for handle in handles:
            try:
                yield [(handle, handle.result(), None)]
            except Exception as err:  # noqa: BLE001
                yield [(handle, None, err)]

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskExecutor:
    """Runs tasks on Dask: a local cluster of ``workers`` processes, or a cluster by address.

    Args:
        workers: number of local worker processes (ignored with ``scheduler``).
        scheduler: address of an existing scheduler, ``tcp://host:port``.
        dashboard: serve the local cluster's dashboard on ``127.0.0.1:8787`` (off by default).
    """

    def __init__(
        self, workers: int = 2, scheduler: str | None = None, dashboard: bool = False
    ) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout="10s")
            self.workers = len(self.client.scheduler_info().get("workers", {}))
            self.description = f"Dask scheduler {scheduler} ({self.workers} workers)"
        else:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:8787" if dashboard else None,
                silence_logs=logging.ERROR,
                env=dict(SINGLE_THREAD_ENV),
            )
            self.client = Client(self.cluster)
            self.workers = workers
            self.description = f"Dask LocalCluster, {workers} worker processes on 127.0.0.1"

    def submit(self, fn: Callable[..., Any], *args: Any, key: str | None = None) -> Any:
        """A Dask future; futures of earlier tasks may be among ``args``."""
        return self.client.submit(fn, *args, key=key, pure=False)

    def results(
        self, handles: Sequence[Any]
    ) -> Iterator[list[tuple[Any, Any, BaseException | None]]]:
        """Yield ``[(future, value, error)]`` for the tasks finished since the last yield."""
        from distributed import as_completed

        for batch in as_completed(list(handles)).batches():
            out = []
            for future in batch:
                if future.status == "error":
                    out.append((future, None, future.exception()))
                else:
                    try:
                        out.append((future, future.result(), None))
                    except Exception as err:  # noqa: BLE001 - cancelled or lost
                        out.append((future, None, err))
                future.release()
            yield out

    def close(self) -> None:
        """Close the client and the local cluster."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int = 1, scheduler: str | None = None) -> SerialExecutor | DaskExecutor:
    """The serial executor for one local worker, else Dask."""
    if scheduler is None and workers <= 1:
        return SerialExecutor()
    return DaskExecutor(workers=workers, scheduler=scheduler)
