"""The same batch gives the same tables on every executor, bit for bit.

In this process (``--workers 1``), on a Dask LocalCluster of two worker processes, and on
a cluster started with Dask's own ``dask scheduler`` and ``dask worker`` commands on
127.0.0.1 (random free ports; the processes are started and stopped by the test).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from tests.batch_support import LHS, ROOT, canonical, write


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_command() -> str:
    found = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if found is None:
        pytest.fail("the `dask` command is not installed (dask[distributed] is a dependency)")
    return found


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    path = write(folder, LHS)
    out = folder / "store"
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 0
    return path, out


def test_two_local_dask_workers_give_the_serial_tables(serial_store, tmp_path):
    path, serial = serial_store
    out = tmp_path / "dask"
    assert main(["batch", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(canonical(out), canonical(serial))
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 6


@pytest.fixture
def dask_cluster():
    """A scheduler and a worker (two processes, one thread each) on 127.0.0.1."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = dask_command()
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_a_cluster_started_with_the_dask_commands_gives_the_serial_tables(
    serial_store, tmp_path, dask_cluster
):
    path, serial = serial_store
    out = tmp_path / "cluster"
    assert (
        main(["batch", str(path), "--out", str(out), "--scheduler", dask_cluster, "--quiet"]) == 0
    )
    pd.testing.assert_frame_equal(canonical(out), canonical(serial))
    workers = set(pd.read_parquet(out / "runs.parquet")["worker"])
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)  # not run in this process


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    path = write(tmp_path, LHS)
    out = tmp_path / "store"
    port = free_port()
    code = main(["batch", str(path), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot reach the Dask scheduler" in err[0]
    assert not out.exists()


def test_a_malformed_scheduler_address_is_refused_before_anything_is_written(tmp_path, capsys):
    path = write(tmp_path, LHS)
    out = tmp_path / "store"
    assert main(["batch", str(path), "--out", str(out), "--scheduler", "localhost"]) == 2
    assert "expected a scheduler address" in capsys.readouterr().err
    assert not out.exists()


def test_local_dask_workers_compile_the_kernels_on_a_cold_numba_cache(tmp_path):
    """Workers that must compile (a fresh checkout) run as well as workers that load the cache.

    A Dask nanny used to set ``NUMBA_NUM_THREADS=1`` in a worker after numba was imported, and
    numba refused to compile with a thread count other than its pool's: every run failed.
    """
    path = write(tmp_path, LHS)
    out = tmp_path / "store"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "empty-numba-cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "batch", str(path), "--out", str(out)]
        + ["--workers", "2", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 6
