"""Kill tests: a batch killed at any moment and resumed has every run once, equal to an
uninterrupted batch; a killed Dask worker's runs are run again elsewhere."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models.minimum_scale import scale_warning
from tests.batch_support import (
    SMALL,
    canonical,
    kill_own_worker,
    metropoli,
    start_metropoli,
    write,
)

KEY = ["run_id", "date", "comune", "indicator"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    path = write(folder, SMALL)
    out = folder / "store"
    assert main(["batch", str(path), "--out", str(out), "--quiet", "--no-fork"]) == 0
    return path, canonical(out)


def start_batch(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    return start_metropoli("batch", str(path), "--out", str(out), "--quiet", *extra)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_sigkill_at_random_moments_then_resume_equals_the_uninterrupted_batch(reference, tmp_path):
    path, expected = reference
    out = tmp_path / "store"
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    kills = []
    for _ in range(2):  # kill twice, each time at a random moment of the command's life
        proc = start_batch(path, out)
        moment = rng.uniform(0.5, 15.0)
        try:
            proc.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            kills.append(round(moment, 2))
    parts_after_kills = (
        len(list((out / "indicators").glob("part-*.parquet"))) if out.exists() else 0
    )
    done = metropoli("batch", str(path), "--out", str(out), "--quiet")
    note = f"(random seed {seed}, killed at {kills} s, {parts_after_kills} parts before resuming)"
    assert done.returncode == 0, done.stderr + note
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 8 and runs["run_id"].is_unique and (runs["status"] == "ok").all(), note
    got = canonical(out)
    assert not got.duplicated(KEY).any(), note
    pd.testing.assert_frame_equal(got, expected, obj=f"indicators {note}")
    assert not [p for p in (out / "indicators").iterdir() if not p.name.startswith("part-")], note


def test_sigkill_while_writing_leaves_no_partial_part_visible(reference, tmp_path):
    """Kill as soon as the first part appears, many times: readers never see half a file."""
    path, expected = reference
    out = tmp_path / "store"
    for _ in range(3):
        proc = start_batch(path, out)
        deadline = time.monotonic() + 60
        seen = len(list((out / "indicators").glob("part-*.parquet"))) if out.exists() else 0
        while proc.poll() is None and time.monotonic() < deadline:
            now = len(list((out / "indicators").glob("part-*.parquet"))) if out.exists() else 0
            if now > seen:
                break
            time.sleep(0.01)
        kill_group(proc)
        pd.read_parquet(out / "indicators")  # every visible part is whole
    assert metropoli("batch", str(path), "--out", str(out), "--quiet").returncode == 0
    pd.testing.assert_frame_equal(canonical(out), expected)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.extend(int(c) for c in text)
    return out


@pytest.mark.slow
def test_a_killed_dask_worker_is_replaced_and_the_batch_completes(reference, tmp_path):
    path, expected = reference
    out = tmp_path / "store"
    proc = start_batch(path, out, "--workers", "2")
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            parts = list((out / "indicators").glob("part-*.parquet")) if out.exists() else []
            if parts:
                break
            time.sleep(0.1)
        workers = [
            c
            for c in _children(proc.pid)
            if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
        ]
        assert workers, "no Dask worker process found"
        os.kill(workers[0], signal.SIGKILL)
        code = proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            kill_group(proc)
    err = proc.stderr.read()
    assert code == 0, err
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 8
    pd.testing.assert_frame_equal(canonical(out), expected)
    # the kill costs one line of warning, not its peers' tracebacks; the only other line is
    # the batch's scale warning (SMALL is at 0.005, below a batch's recommended scale), which
    # the batch prints whether or not a worker is killed
    assert "Traceback" not in err and "Error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1] == f"metropoli: {scale_warning(0.005, 'batch')}", err
    assert lines[:-1] == [line for line in lines if "lost Dask worker" in line], err
    assert err.count("lost Dask worker") == 1, err


@pytest.mark.slow
def test_a_run_that_kills_its_worker_every_time_is_recorded_failed_and_the_rest_complete(
    reference, tmp_path, capsys
):
    """The victim is tried three times (each attempt kills a worker), then recorded failed
    with the reason; every other run is stored once, equal to the uninterrupted batch."""
    from models.experiments.batch import submit_runs
    from models.experiments.batchfile import load_batch
    from models.experiments.expansion import batch_document, expand
    from sim.experiments.driver import drive
    from sim.experiments.executors import RUN_RETRIES, ExecutorOptions, ExecutorSession
    from sim.experiments.runner import Job

    path, expected = reference
    batch = load_batch(path)
    expanded = expand(batch)
    victim = sorted(expanded.runs)[0]

    def submit(executor, runs):
        others = {rid: sc for rid, sc in runs.items() if rid != victim}
        jobs = list(submit_runs(executor, others))
        return jobs + [Job(victim, executor.submit(kill_own_worker, victim, key=f"run-{victim}"))]

    out = tmp_path / "store"
    with ExecutorSession(ExecutorOptions(workers=2)) as executors:
        driven = drive(expanded, batch_document(batch, expanded), out, submit, executors)
    assert not driven.complete
    assert driven.summary.ok == 7 and driven.summary.failed == 1
    runs = pd.read_parquet(out / "runs.parquet").set_index("run_id")
    assert runs.loc[victim, "status"] == "failed"
    assert "KilledWorker" in runs.loc[victim, "error"], runs.loc[victim, "error"]
    assert (runs.drop(victim)["status"] == "ok").all()
    got = canonical(out)
    assert not got.duplicated(KEY).any()
    pd.testing.assert_frame_equal(
        got, expected[expected["run_id"] != victim].reset_index(drop=True)
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("lost Dask worker") == RUN_RETRIES + 1, err
