"""Results folders are whole or absent, and a killed writer leaves nothing behind.

The kill tests send SIGKILL to a real ``metropoli run`` process while it writes the tables
or the plots; the process cannot clean up, so its watchdog (sim/atomic.py) must.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from models.minimum_scale import minimum_scale
from sim.atomic import GRACE_S, StagedFolder, clean_stale
from sim.results import read_manifest, write_run_folder

ROOT = Path(__file__).resolve().parent.parent
SCALE = minimum_scale()
YEAR = f'[run]\nstart = "2015-01"\nend = "2015-12"\nseed = 1\nscale = {SCALE!r}\n'
WAIT_S = 60.0  # how long to wait for a watchdog before calling it a failure (not a speed test)


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what}")
        time.sleep(0.01)


# --- in process ------------------------------------------------------------------------------


def test_a_failed_write_leaves_nothing(tmp_path):
    def explode(folder):
        (folder / "half.txt").write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_run_folder(tmp_path / "run", {"a": 1}, {"t": pd.DataFrame({"x": [1]})}, explode)
    assert _entries(tmp_path) == []


def test_replace_keeps_nothing_of_the_old_folder_and_no_temporaries(tmp_path):
    out = tmp_path / "run"
    write_run_folder(out, {"n": 1}, {"t": pd.DataFrame({"x": [1]})})
    (out / "stale.txt").write_text("from the first run")
    write_run_folder(out, {"n": 2}, {"t": pd.DataFrame({"x": [2]})})
    assert read_manifest(out)["n"] == 2
    assert _entries(out) == ["manifest.json", "t.parquet"]
    assert _entries(tmp_path) == ["run"]


def test_without_replace_an_existing_folder_stays_and_nothing_is_left(tmp_path):
    out = tmp_path / "run"
    write_run_folder(out, {"n": 1}, {})
    with pytest.raises(FileExistsError):
        write_run_folder(out, {"n": 2}, {}, replace=False)
    assert read_manifest(out)["n"] == 1
    assert _entries(tmp_path) == ["run"]


def test_a_folder_that_is_not_a_results_folder_is_never_replaced(tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        write_run_folder(out, {"n": 2}, {}, replace=True)
    assert _entries(out) == ["mine.txt"]
    assert _entries(tmp_path) == ["notes"]


def _abandon(target: Path, token: str, old: bool) -> None:
    """What a writer killed mid-way (machine crash, no watchdog) leaves beside ``target``."""
    lock = target.parent / f".{target.name}.lock-{token}"
    lock.write_text("")
    (target.parent / f".{target.name}.tmp-{token}").mkdir()
    (target.parent / f".{target.name}.tmp-{token}" / "indicators.parquet").write_bytes(b"PAR")
    if old:
        (target.parent / f".{target.name}.old-{token}").mkdir()
        (target.parent / f".{target.name}.old-{token}" / "manifest.json").write_text("{}")
    past = time.time() - 2 * GRACE_S
    os.utime(lock, (past, past))


def test_the_next_write_removes_what_a_dead_writer_left(tmp_path):
    _abandon(tmp_path / "a", "0123456789abcdef", old=False)
    # killed between moving the old folder aside and moving the new one in: put it back
    _abandon(tmp_path / "b", "fedcba9876543210", old=True)
    assert len(_entries(tmp_path)) == 5
    write_run_folder(tmp_path / "c", {"n": 1}, {})
    assert _entries(tmp_path) == ["b", "c"]
    assert _entries(tmp_path / "b") == ["manifest.json"]


def test_a_young_or_held_lock_is_left_alone(tmp_path):
    young = tmp_path / ".a.lock-0123456789abcdef"
    young.write_text("")
    (tmp_path / ".a.tmp-0123456789abcdef").mkdir()
    assert clean_stale(tmp_path) == []
    with StagedFolder(tmp_path / "b", watchdog=False) as tmp:
        lock = next(tmp_path.glob(".b.lock-*"))
        past = time.time() - 2 * GRACE_S
        os.utime(lock, (past, past))
        assert clean_stale(tmp_path) == []  # its writer (this process) holds it
        assert tmp.is_dir()
    assert _entries(tmp_path) == [".a.lock-0123456789abcdef", ".a.tmp-0123456789abcdef"]


# --- a real process, killed ------------------------------------------------------------------


def _killed_writer(tmp_path: Path, watchdog: bool) -> Path:
    """A process that starts writing ``tmp_path/run`` and is SIGKILLed mid-way."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from sim.atomic import StagedFolder
        with StagedFolder(Path({str(tmp_path / "run")!r}), watchdog={watchdog}) as tmp:
            (tmp / "indicators.parquet").write_bytes(b"half")
            print("writing", flush=True)
            time.sleep(600)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "writing"
    assert any(p.name.startswith(".run.tmp-") for p in tmp_path.iterdir())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return tmp_path / "run"


def test_the_watchdog_removes_the_temporaries_of_a_killed_writer(tmp_path):
    _killed_writer(tmp_path, watchdog=True)
    _wait_until(lambda: _entries(tmp_path) == [], "the watchdog to clean up")


def test_without_a_watchdog_the_next_run_cleans_up(tmp_path):
    _killed_writer(tmp_path, watchdog=False)
    left = _entries(tmp_path)
    assert len(left) == 2 and left[0].startswith(".run.lock-") and left[1].startswith(".run.tmp-")
    past = time.time() - 2 * GRACE_S
    os.utime(tmp_path / left[0], (past, past))  # as if the machine had restarted since
    scenario = tmp_path / "s.toml"
    scenario.write_text(YEAR.replace('end = "2015-12"', 'end = "2015-01"'), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", str(scenario), "--out", str(tmp_path / "b")]
        + ["--quiet", "--no-plots"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert _entries(tmp_path) == ["b", "s.toml"]


def _kill_metropoli_while(tmp_path: Path, stage: str, extra: list[str]) -> dict:
    """Run ``metropoli run`` into ``tmp_path/results/run``; SIGKILL it during ``stage``.

    Returns what the temporary folder held at the moment of the kill.
    """
    scenario = tmp_path / "s.toml"
    scenario.write_text(YEAR, encoding="utf-8")
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "metropoli.cli", "run", str(scenario), "--out", str(results / "run")]
        + ["--quiet", *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen: dict = {}

    def in_stage() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it was killed: {proc.stderr.read()!r}")
        tmps = [p for p in results.iterdir() if p.name.startswith(".run.tmp-")]
        if not tmps:
            return False
        files = {p.name for p in tmps[0].iterdir()}
        if stage == "tables":
            seen["files"] = files
            return True
        plots = tmps[0] / "plots"
        if plots.is_dir() and any(plots.iterdir()):
            seen["files"], seen["plots"] = files, len(list(plots.iterdir()))
            return True
        return False

    _wait_until(in_stage, f"the run to write its {stage}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return seen


@pytest.mark.parametrize("stage", ["tables", "plots"])
def test_sigkill_while_writing_leaves_no_folder_and_no_temporary(tmp_path, stage):
    seen = _kill_metropoli_while(tmp_path, stage, [])
    assert "manifest.json" not in seen["files"]  # killed before the end of the write
    if stage == "plots":
        assert {"indicators.parquet", "od.parquet", "firms.parquet"} <= seen["files"]
    results = tmp_path / "results"
    _wait_until(lambda: _entries(results) == [], "the watchdog to clean up")


def test_sigkill_while_replacing_keeps_the_previous_result_whole(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(YEAR, encoding="utf-8")
    out = tmp_path / "results" / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", str(scenario), "--out", str(out)]
        + ["--quiet", "--no-plots"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _kill_metropoli_while(tmp_path, "plots", ["--force", "--seed", "2"])
    _wait_until(lambda: _entries(out.parent) == ["run"], "the watchdog to clean up")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
