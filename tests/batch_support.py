"""Small batch files and helpers shared by the batch tests (scale 0.005, a year or so)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

SMALL = """
name = "small"
[run]
start = "2015-01"
end = "2015-12"
scale = 0.005
seeds = 2

[[scenarios]]
name = "baseline"

[[scenarios]]
name = "B8-april"
levers.B8 = { start = "2015-04", ramp_months = 2 }

[[scenarios]]
name = "A6-july"
levers.A6 = { start = "2015-07" }

[[scenarios]]
name = "both"
levers.B8 = { start = "2015-10", ramp_months = 0 }
levers.A6 = { start = "2015-05" }
"""

LHS = """
name = "small-lhs"
[run]
start = "2015-01"
end = "2015-09"
scale = 0.005
seeds = 2

[[scenarios]]
name = "baseline"

[[scenarios]]
name = "B8"
levers.B8 = { start = "2015-04" }

[design]
kind = "lhs"
samples = 2
seed = 7

[uncertainties]
B8.talent_exit = {}
"""


def write(folder: Path, text: str, name: str = "batch.toml") -> Path:
    """Write a batch file into ``folder``."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def canonical(folder: Path) -> pd.DataFrame:
    """The store's indicators sorted canonically (independent of completion order)."""
    table = pd.read_parquet(folder / "indicators")
    return table.sort_values(["run_id", "date", "comune", "indicator"]).reset_index(drop=True)


def metropoli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the ``metropoli`` command in a fresh Python process."""
    return subprocess.run(
        [sys.executable, "-m", "metropoli.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def start_metropoli(*args: str) -> subprocess.Popen:
    """Start ``metropoli ARGS`` in its own process group, to be killed (its workers too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "metropoli.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill reaches what it started
    )


def kill_own_worker(*_args: object) -> None:
    """A run that kills the process running it (a Dask worker) with SIGKILL, every time."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
