"""Results do not depend on the number of threads, nor on the size of the row chunks.

The per-person kernels run in parallel over fixed chunks of rows (``sim/chunks.py``). A
pinned run is made in subprocesses with ``NUMBA_NUM_THREADS`` 1 and 3 and small chunks (so
the run has several), and with the default chunks on 1 thread (all rows in one chunk: the
serial order itself) and on 2: every table must have the same bits, those pinned in
``tests/test_fingerprint.py``. Run by hand::

    NUMBA_NUM_THREADS=3 python3 tests/test_threads.py piano-completo 1 0.005 2048
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from models.codes import EMPLOYED, N_COMUNI, N_MODES, N_ZONES, NO_MODE, STUDENT
from models.components.commuting import (
    CommuteCounts,
    CommuteRules,
    CommutingPeople,
    commuting_kernel,
)
from models.draws import COMMUTING_DRAWS
from tests.test_fingerprint import PINNED

ROOT = Path(__file__).resolve().parent.parent
RUN = ("piano-completo", 1, 0.005)
SMALL_CHUNK = 2048  # about five chunks at scale 0.005


def probe(threads: int, chunk: int | None) -> dict:
    """Run this file as a script with ``threads`` numba threads and rows a chunk."""
    args = [sys.executable, __file__, RUN[0], str(RUN[1]), str(RUN[2])]
    if chunk is not None:
        args.append(str(chunk))
    done = subprocess.run(
        args,
        env={**os.environ, "NUMBA_NUM_THREADS": str(threads), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{threads} threads, chunk {chunk}:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs() -> dict[tuple[int, int | None], dict]:
    """The run's fingerprint by (threads, chunk), two subprocesses at a time."""
    settings = [(1, SMALL_CHUNK), (3, SMALL_CHUNK), (1, None), (2, None)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(settings, pool.map(lambda s: probe(*s), settings), strict=True))


def test_the_runs_had_the_threads_and_chunks_asked_for(runs):
    for (threads, chunk), out in runs.items():
        assert out["threads"] == threads
        if chunk == SMALL_CHUNK:
            assert out["chunk"] == SMALL_CHUNK and out["rows"] > 3 * SMALL_CHUNK, out
        elif threads == 1:
            assert out["rows"] <= out["chunk"], out  # one chunk: the serial order itself


def test_every_thread_count_and_chunk_size_gives_the_pinned_tables(runs):
    fingerprints = {setting: out["fingerprint"] for setting, out in runs.items()}
    assert set(fingerprints.values()) == {PINNED[RUN]}, fingerprints


def commuters(n: int, rng: np.random.Generator, km: np.ndarray):
    """A synthetic table of ``n`` commuters (workers and students) for the commuting kernel."""
    status = np.where(rng.random(n) < 0.8, EMPLOYED, STUDENT).astype(np.int8)
    return CommutingPeople(
        uid=np.arange(n, dtype=np.int64),
        alive=np.ones(n, dtype=np.uint8),
        zone=rng.integers(0, N_ZONES, n).astype(np.int8),
        cell=rng.integers(0, 50, n).astype(np.int32),
        status=status,
        job=rng.integers(0, 30, n).astype(np.int32),
        mode=np.full(n, NO_MODE, dtype=np.int8),
        commute_km=km.astype(np.float32),
    )


@pytest.mark.parametrize("tiny", [False, True])
def test_commuting_kilometres_are_added_as_one_loop_would(tiny):
    """Exact chunk sums when float32 kilometres allow it; else the row-order fallback."""
    rng = np.random.default_rng(7)
    n = 5000
    km = 0.5 + 40.0 * rng.random(n)
    if tiny:
        km[123] = 1e-30  # a unit so small that the chunk sums could round: row order
    people = commuters(n, rng, km)
    firm_zone = rng.integers(0, N_COMUNI, 30).astype(np.int8)
    rules = CommuteRules(
        review_rate=0.1,
        asc_transit=-0.5,
        asc_active=-1.0,
        time_value=0.05,
        cost_value=0.3,
        car_speed=30.0,
        transit_speed=20.0,
        transit_wait=8.0,
        active_speed=12.0,
        car_cost_km=0.2,
        parking_torino=2.0,
        fare=1.5,
        torino=0,
    )
    quality = rng.random(50)
    expected = np.zeros((N_ZONES, N_MODES))
    results = []
    for chunk in (n, 512):
        od = np.zeros((N_ZONES, N_COMUNI, N_MODES))
        km_by_mode = np.zeros((N_ZONES, N_MODES))
        mine = people._replace(mode=people.mode.copy())
        counts = CommuteCounts(od, km_by_mode)
        commuting_kernel(
            np.uint64(11), mine, firm_zone, quality, rules, COMMUTING_DRAWS, counts, chunk
        )
        results.append((od, km_by_mode, mine.mode))
    for i in range(n):  # the serial loop's order
        expected[people.zone[i], results[0][2][i]] += np.float64(people.commute_km[i])
    for od, km_by_mode, mode in results:
        assert np.array_equal(mode, results[0][2])
        assert np.array_equal(od, results[0][0])
        assert km_by_mode.tobytes() == expected.tobytes()


def main() -> None:
    """Print ``{"threads": n, "chunks": k, "fingerprint": "..."}`` for one run."""
    import numba

    from models.experiments import scenario as scenarios
    from models.experiments.run import simulate
    from models.model import MetroModel
    from sim import chunks
    from sim.fingerprint import tables_fingerprint

    name, seed, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if len(sys.argv) > 4:
        chunks.ROW_CHUNK = int(sys.argv[4])
        chunks.ONE_CHUNK_ON_ONE_THREAD = False
    sc = scenarios.load(ROOT / "scenarios" / f"{name}.toml").with_run(seed=seed, scale=scale)
    result = simulate(sc)
    fingerprint = tables_fingerprint(
        {"indicators": result.indicators, "od": result.od, "firms": result.firms}
    )
    rows = int(MetroModel(seed=seed, scale=scale, end="2015-01").people.count)
    out = {
        "threads": numba.get_num_threads(),
        "chunk": chunks.row_chunk(rows),
        "rows": rows,
        "fingerprint": fingerprint,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
