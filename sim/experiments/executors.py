"""Where runs execute: in this process (``--workers 1``) or on Dask.

An executor takes tasks (``submit(fn, *args)``, where an argument may be the handle of an
earlier task, so a run can continue from a shared snapshot) and reports the runs as they
finish (:meth:`results`). Results do not depend on the executor: tasks are pure functions
of their arguments, and the store sorts nothing by completion order.

* :class:`SerialExecutor`: no Dask at all, tasks run one after the other when their
  results are asked for; for debugging and single-core machines.
* :class:`DaskExecutor`: a :class:`distributed.LocalCluster` of worker processes bound to
  127.0.0.1 (one thread each, dashboard off unless asked for, on localhost only), or an
  existing cluster by the address of its scheduler (``tcp://host:port``, only on a
  trusted network; ``tls://host:port`` with certificates named in a Dask configuration
  file, :func:`tls_security`).

Every command opens its executor here and nowhere else: :class:`ExecutorOptions` (checked
when made: at least one worker, a well-formed scheduler address) and :func:`open_executor`
(an unreachable scheduler is bad input, reported before anything is written).
:class:`ExecutorSession` opens the executor on first use only, so a command whose runs are
all stored starts no cluster, and the stages of one command share one executor. Both kinds
of executor also :meth:`~SerialExecutor.map` a function over items, results in input order
(calibration's samplers map their evaluations this way).
"""

from __future__ import annotations

import logging
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError

# A Dask scheduler's address: protocol, host, optional port.
SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|inproc)://[^\s:/]+(:\d+)?$")

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

# How many times a run is tried again on another worker after the worker running it died
# (killed, out of memory, restarted by its nanny); then it is recorded as failed with the
# reason, and the rest of the batch goes on (Dask's allowed-failures: 2 = three attempts).
RUN_RETRIES = 2


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


def print_on_stderr(text: str) -> None:
    """Print one line on stderr (the default warning of a lost worker)."""
    print(text, file=sys.stderr)


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


# What a set of tasks yields as they finish: ``(handle, value, error)`` of each task finished
# since the last yield (error None for a value).
Finished = list[tuple[Any, Any, BaseException | None]]


class SerialCompletions:
    """Tasks of the serial executor, each run when the iteration reaches it, in the order added.

    More tasks may be added while iterating; a task's handle is let go once yielded, so a
    finished run's result is not kept here.
    """

    def __init__(self) -> None:
        self.queue: deque[_Deferred] = deque()

    def add(self, handles: Iterable[Any]) -> None:
        """Tasks to run after those already added."""
        self.queue.extend(handles)

    def __iter__(self) -> Iterator[Finished]:
        while self.queue:
            handle = self.queue.popleft()
            try:
                yield [(handle, handle.result(), None)]
            except Exception as err:  # noqa: BLE001 - a run's failure is recorded, not raised
                yield [(handle, None, err)]


class SerialExecutor:
    """Runs tasks in this process, in submission order, as their results are read."""

    workers = 1
    description = "serial (this process, no Dask)"

    def submit(self, fn: Callable[..., Any], *args: Any, key: str | None = None) -> _Deferred:
        """A deferred task; handles of earlier tasks may be among ``args``."""
        return _Deferred(fn, args)

    def completions(self, warn: Callable[[str], None] = print_on_stderr) -> SerialCompletions:
        """An empty set of tasks to finish, run in the order added (``warn`` is never called)."""
        return SerialCompletions()

    def results(
        self, handles: Sequence[Any], warn: Callable[[str], None] = print_on_stderr
    ) -> Iterator[Finished]:
        """Yield ``[(handle, value, error)]`` for each finished task (one at a time here)."""
        done = self.completions(warn)
        done.add(handles)
        yield from done

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``fn`` of each item, in this process, in the order of the items."""
        return [fn(x) for x in items]

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
        security: a :class:`distributed.security.Security` for a ``tls://`` scheduler.
        memory_limit: each local worker's memory limit (``"4GB"``; ``"auto"``: the
            machine's memory shared among the workers); its nanny restarts a worker that
            reaches 95% of it (:data:`~sim.experiments.worker_memory.WORKER_MEMORY`).
    """

    def __init__(
        self,
        workers: int = 2,
        scheduler: str | None = None,
        dashboard: bool = False,
        memory_limit: str = "auto",
        security: Any = None,
    ) -> None:
        import dask
        from distributed import Client, LocalCluster

        from sim.experiments.worker_memory import (
            LOG_LENGTH,
            WORKER_MEMORY,
            ReleaseAfterTask,
            worker_profiling,
        )

        # Dask's developer logs stay short in this process (scheduler, client) for as long
        # as the executor is open: its streams to workers that join later are made later
        self.log_length = dask.config.set(LOG_LENGTH)
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout="10s", security=security)
            self.workers = len(self.client.scheduler_info().get("workers", {}))
            self.description = f"Dask scheduler {scheduler} ({self.workers} workers)"
        else:
            # the nannies pass these settings to their workers
            settings = {**WORKER_MEMORY, **worker_profiling(dashboard), **LOG_LENGTH}
            settings["distributed.scheduler.allowed-failures"] = RUN_RETRIES
            # a worker holds only the task it runs: a run that kills its worker then takes
            # no queued innocent run with it (Dask counts a death against every task queued
            # there; at the default 1.1 a one-thread worker queued two)
            settings["distributed.scheduler.worker-saturation"] = 1.0
            with dask.config.set(settings):
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    # the scheduler serves HTTP (health, metrics) even without its dashboard,
                    # on 8787 unless told: any free port on 127.0.0.1, so two batches on
                    # one machine do not clash
                    dashboard_address="127.0.0.1:8787" if dashboard else "127.0.0.1:0",
                    scheduler_kwargs={"dashboard": dashboard},
                    # a lost worker is one line of the driver's (results), not the
                    # tracebacks of its peers and nanny
                    silence_logs=logging.CRITICAL,
                    env=dict(SINGLE_THREAD_ENV),
                    memory_limit=memory_limit,
                )
            self.client = Client(self.cluster)
            self.workers = workers
            self.description = f"Dask LocalCluster, {workers} worker processes on 127.0.0.1"
        self.client.register_plugin(ReleaseAfterTask())
        # the scheduler's removals of workers already told (results): its own event log,
        # so a replacement worker that dies before anyone polled the worker list is told too
        self.told_losses: set[tuple[float, str]] = set(self.lost_workers())

    def submit(self, fn: Callable[..., Any], *args: Any, key: str | None = None) -> Any:
        """A Dask future; futures of earlier tasks may be among ``args``."""
        return self.client.submit(fn, *args, key=key, pure=False)

    def completions(self, warn: Callable[[str], None] = print_on_stderr) -> DaskCompletions:
        """An empty set of futures to follow as they finish (:class:`DaskCompletions`)."""
        return DaskCompletions(self, warn)

    def results(
        self, handles: Sequence[Any], warn: Callable[[str], None] = print_on_stderr
    ) -> Iterator[Finished]:
        """Yield ``[(future, value, error)]`` for the tasks finished since the last yield."""
        done = self.completions(warn)
        done.add(handles)
        yield from done

    def tell_losses(self, warn: Callable[[str], None]) -> None:
        """Tell ``warn``, one line each, of the workers lost since last told."""
        for loss in self.lost_workers():
            if loss not in self.told_losses:
                self.told_losses.add(loss)
                warn(
                    f"metropoli: lost Dask worker {loss[1]}; its runs are run again "
                    f"elsewhere (a run is tried {RUN_RETRIES + 1} times, then recorded "
                    "failed)"
                )

    def lost_workers(self) -> list[tuple[float, str]]:
        """The workers the scheduler removed unexpectedly (killed, out of memory).

        ``(time, address)`` pairs from its event log (topic ``all``, action ``remove-worker``).
        """
        return [
            (when, str(msg["worker"]))
            for when, msg in self.client.get_events("all")
            if isinstance(msg, dict)
            and msg.get("action") == "remove-worker"
            and not msg.get("expected", False)
        ]

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``fn`` of each item on the workers; the results in the order of the items."""
        futures = self.client.map(fn, list(items), pure=False)
        return self.client.gather(futures)

    def close(self) -> None:
        """Close the client and the local cluster."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.log_length.__exit__(None, None, None)

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskCompletions:
    """Futures followed as they finish (``distributed.as_completed``); more may be added.

    Each iteration yields the futures finished since the last, as ``(future, value,
    error)``, and releases them. A worker that left the cluster since the last yield
    (killed, out of memory, restarted) is told to ``warn`` in one line; Dask runs its tasks
    again elsewhere.
    """

    def __init__(self, executor: DaskExecutor, warn: Callable[[str], None]) -> None:
        from distributed import as_completed

        self.executor, self.warn = executor, warn
        self.pending = as_completed()

    def add(self, handles: Iterable[Any]) -> None:
        """Futures to follow too."""
        self.pending.update(handles)

    def __iter__(self) -> Iterator[Finished]:
        for batch in self.pending.batches():
            # a run that errs after its worker was lost is logged after the loss
            self.executor.tell_losses(self.warn)
            out: Finished = []
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


@dataclass(frozen=True)
class ExecutorOptions:
    """Where a command's tasks run, checked when made.

    Attributes:
        workers: local Dask worker processes on 127.0.0.1; 1 runs in this process.
        scheduler: an existing Dask scheduler's address, ``tcp://host:port`` or
            ``tls://host:port`` (then ``workers`` is ignored: the cluster has its own).
        tls_config: the Dask configuration file naming the certificates of a ``tls://``
            scheduler (:func:`tls_security`); required with ``tls://``, only with it.

    Raises:
        InputError: fewer than one worker, a malformed scheduler address, ``tls://``
            without a TLS configuration file or one without ``tls://``.
    """

    workers: int = 1
    scheduler: str | None = None
    tls_config: Path | None = None

    def __post_init__(self) -> None:
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise InputError(f"expected at least 1 worker, got {self.workers}", "--workers")
        if self.scheduler is not None and not SCHEDULER.match(self.scheduler):
            raise InputError(
                "expected a scheduler address such as tcp://127.0.0.1:8786, got "
                f"{self.scheduler!r}",
                "--scheduler",
            )
        tls = self.scheduler is not None and self.scheduler.startswith("tls://")
        if tls and self.tls_config is None:
            raise InputError(
                "a tls:// scheduler needs the certificates: --tls-config FILE", "--scheduler"
            )
        if self.tls_config is not None and not tls:
            raise InputError(
                f"--tls-config is for a tls:// scheduler, got {self.scheduler!r}", "--tls-config"
            )

    @property
    def in_process(self) -> bool:
        """The tasks run in this process, without Dask (one worker, no scheduler)."""
        return self.scheduler is None and self.workers <= 1


def open_executor(options: ExecutorOptions) -> SerialExecutor | DaskExecutor:
    """Start the executor ``options`` ask for: the one place an executor is created.

    Raises:
        InputError: the scheduler cannot be reached.
    """
    if options.in_process:
        return SerialExecutor()
    security = tls_security(options.tls_config) if options.tls_config is not None else None
    try:
        return DaskExecutor(workers=options.workers, scheduler=options.scheduler, security=security)
    except (OSError, TimeoutError) as err:
        raise InputError(
            f"cannot reach the Dask scheduler ({err.__class__.__name__}: {err})", "--scheduler"
        ) from None


def tls_security(path: Path) -> Any:
    """The Dask security (TLS, encryption required) named by a Dask configuration file.

    The file is Dask's own YAML configuration (the one ``dask scheduler`` and ``dask
    worker`` read from ``DASK_CONFIG``): ``distributed.comm.tls.ca-file`` and
    ``distributed.comm.tls.client.cert`` (and ``.key`` unless the certificate holds it);
    relative paths are relative to the file (docs/batches.md).

    Raises:
        InputError: the file cannot be read, is not YAML, lacks a key, or names a missing
            file (one line naming the file and the key).
    """
    import yaml
    from distributed.security import Security

    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(
            f"cannot read the TLS configuration ({err.__class__.__name__})", str(path)
        ) from None
    tls = _dig(data, "distributed", "comm", "tls")
    client = _dig(tls, "client") if isinstance(tls, dict) else None
    files = {
        "distributed.comm.tls.ca-file": tls.get("ca-file") if isinstance(tls, dict) else None,
        "distributed.comm.tls.client.cert": client.get("cert")
        if isinstance(client, dict)
        else None,
    }
    if isinstance(client, dict) and client.get("key") is not None:
        files["distributed.comm.tls.client.key"] = client["key"]
    resolved = {}
    for key, value in files.items():
        if not isinstance(value, str) or not value:
            raise InputError("expected the path of a PEM file", str(path), key)
        file = (path.parent / value).resolve()
        if not file.is_file():
            raise InputError(f"no such file {str(file)!r}", str(path), key)
        resolved[key] = str(file)
    return Security(
        tls_ca_file=resolved["distributed.comm.tls.ca-file"],
        tls_client_cert=resolved["distributed.comm.tls.client.cert"],
        tls_client_key=resolved.get("distributed.comm.tls.client.key"),
        require_encryption=True,
    )


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class ExecutorSession:
    """An executor opened on first use (:meth:`get`) and closed when the session ends.

    A command that finds every run stored never starts a cluster; the stages of one command
    share one executor.
    """

    def __init__(self, options: ExecutorOptions) -> None:
        self.options = options
        self._executor: SerialExecutor | DaskExecutor | None = None

    def get(self) -> SerialExecutor | DaskExecutor:
        """The session's executor, opened now if it is not yet (:func:`open_executor`)."""
        if self._executor is None:
            self._executor = open_executor(self.options)
        return self._executor

    def close(self) -> None:
        """Close the executor if it was opened."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.close()

    def __enter__(self) -> ExecutorSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
