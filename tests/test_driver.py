"""The batch driver and the executor options, on a toy batch that knows nothing of Turin.

Every command that runs a batch (``metropoli batch``, each stage of ``metropoli
sensitivity``) goes through :func:`sim.experiments.driver.drive`; calibration maps its
evaluations over an executor opened by the same :func:`open_executor`. These tests are
fast: the runs are one-line functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from sim.errors import InputError
from sim.experiments.driver import drive
from sim.experiments.executors import (
    ExecutorOptions,
    ExecutorSession,
    SerialExecutor,
    open_executor,
)
from sim.experiments.runner import Job
from sim.experiments.store import RunOutput, read_status

BROKEN: set[str] = set()  # run ids that raise (the toy's way of failing a run)


def toy_run(run_id: str, value: float) -> RunOutput:
    if run_id in BROKEN:
        raise ValueError(f"run {run_id} broke")
    return RunOutput(run_id, pa.table({"run_id": [run_id], "value": [value]}))


def toy_submit(executor, pending):
    return [
        Job(rid, executor.submit(toy_run, rid, v, key=f"run-{rid}")) for rid, v in pending.items()
    ]


@dataclass(frozen=True)
class Toy:
    runs: dict[str, float]
    cells: pd.DataFrame


def toy_batch() -> tuple[Toy, dict]:
    runs = {"a": 1.0, "b": 2.0, "c": 3.0}
    cells = pd.DataFrame(
        {
            "scenario": ["s", "s", "s", "t"],
            "point": [0, 1, 2, 0],
            "seed": [1, 1, 1, 1],
            "run_id": ["a", "b", "c", "a"],  # t shares a's run
        }
    )
    return Toy(runs, cells), {"name": "toy", "design_sha256": "toy-design"}


class Refusing(ExecutorSession):
    """A session that must not be asked for its executor."""

    def get(self):
        raise AssertionError("the driver opened an executor it did not need")


def test_the_driver_stores_retries_and_then_skips(tmp_path, capsys):
    expanded, document = toy_batch()
    out = tmp_path / "store"
    BROKEN.add("b")
    try:
        with ExecutorSession(ExecutorOptions()) as executors:
            first = drive(expanded, document, out, toy_submit, executors, label="toy")
    finally:
        BROKEN.clear()
    assert not first.complete and first.summary.ok == 2 and first.summary.failed == 1
    printed = capsys.readouterr()
    assert "toy: 3 runs into" in printed.err and "failed b: ValueError: run b broke" in printed.out
    with ExecutorSession(ExecutorOptions()) as executors:
        second = drive(expanded, document, out, toy_submit, executors, progress=False)
    assert second.complete and second.summary.skipped == 2 and second.summary.ok == 1
    assert capsys.readouterr().out == ""
    assert {r: s["status"] for r, s in read_status(out).items()} == dict.fromkeys("abc", "ok")
    third = drive(expanded, document, out, toy_submit, Refusing(ExecutorOptions()), label="toy")
    assert third.complete and third.summary is None
    assert capsys.readouterr().out.strip() == f"toy: all 3 runs already stored in {out}"


def test_a_folder_of_another_batch_is_refused_before_an_executor_opens(tmp_path):
    expanded, document = toy_batch()
    out = tmp_path / "store"
    with ExecutorSession(ExecutorOptions()) as executors:
        drive(expanded, document, out, toy_submit, executors, progress=False)
    other = dict(document, design_sha256="another-design")
    with pytest.raises(InputError, match="holds a different batch"):
        drive(expanded, other, out, toy_submit, Refusing(ExecutorOptions()), progress=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="holds no batch"):
        drive(expanded, document, foreign, toy_submit, Refusing(ExecutorOptions()))
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    "workers, scheduler, source, message",
    [
        (0, None, "--workers", "at least 1 worker"),
        (-2, None, "--workers", "at least 1 worker"),
        (1, "localhost", "--scheduler", "expected a scheduler address"),
        (1, "tcp://host:port", "--scheduler", "expected a scheduler address"),
    ],
)
def test_bad_executor_options_are_input_errors(workers, scheduler, source, message):
    with pytest.raises(InputError, match=message) as caught:
        ExecutorOptions(workers, scheduler)
    assert caught.value.source == source


def test_executor_options_and_the_lazy_session():
    assert ExecutorOptions().in_process
    assert not ExecutorOptions(2).in_process
    assert not ExecutorOptions(1, "tcp://127.0.0.1:8786").in_process
    session = ExecutorSession(ExecutorOptions())
    with session:
        executor = session.get()
        assert isinstance(executor, SerialExecutor) and session.get() is executor
    with session:  # closed, then opened again on demand
        assert session.get() is not executor


def test_an_executor_maps_in_the_order_of_the_items():
    with open_executor(ExecutorOptions()) as executor:
        assert executor.map(lambda x: x * x, iter([3, 1, 2])) == [9, 1, 4]


def test_an_unreachable_scheduler_is_an_input_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="cannot reach the Dask scheduler") as caught:
        open_executor(ExecutorOptions(1, f"tcp://127.0.0.1:{port}"))
    assert caught.value.source == "--scheduler"


def test_calibrate_refuses_a_malformed_scheduler_before_writing(tmp_path: Path):
    from calibration import calibrate
    from calibration.spec import load_calibration

    spec = load_calibration(
        Path(__file__).resolve().parent.parent / "calibration" / "examples" / "small.toml"
    )
    out = tmp_path / "cal"
    with pytest.raises(InputError, match="expected a scheduler address"):
        calibrate(spec.targets, spec.priors, out=out, run=spec.run, workers="localhost")
    assert not out.exists()
