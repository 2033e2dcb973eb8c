"""Property-based tests of scenario files: any document runs, or is refused cleanly.

Each example is a scenario file drawn by :func:`tests.fuzzing.cases` (valid, or with one
defect) written into an empty folder that is also the working directory. ``metropoli run``
is called in process (``metropoli.cli.main``) and must either

* exit 0 with its results folder in ``./results/`` and nothing else written, or
* exit 2 with one line naming the file (and the key, where the defect is in a key), no
  traceback and nothing written anywhere, the folder above included.

Valid documents are kept tiny (one or two months at the minimum scale) so that runs are
quick; a hostile value that happens to be valid but long (a scale of 1, an end in 2040) is
checked with ``metropoli check`` instead of being run. A few real processes check the same
contract end to end (exit status, stderr, no traceback).
"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from metropoli.cli import main
from models.components.levers import MAX_RAMP_MONTHS, SPECS
from models.experiments import scenario as scenarios
from models.minimum_scale import minimum_scale
from models.parameters import PARAMETERS
from models.territory.territory import load_territory
from sim.calendar import parse_month
from sim.errors import InputError
from tests import fuzzing

ROOT = Path(__file__).resolve().parent.parent
SCALE = minimum_scale()
CODES = list(load_territory().codes)
MONTHS = ["2015-01", "2015-02"]


def _parameter_value(name: str) -> st.SearchStrategy[float]:
    p = PARAMETERS[name]
    low, high = p.bounds
    return st.one_of(
        st.sampled_from([float(low), float(high), float(p.value)]),
        st.floats(float(p.low), float(p.high)),  # the plausible range
        st.floats(float(low), float(high)),
    )


@st.composite
def _lever(draw: st.DrawFn, end: str) -> dict:
    spec = draw(st.sampled_from(SPECS))
    months = MONTHS[: MONTHS.index(end) + 1]
    entry: dict = {}
    if draw(st.booleans()):
        entry["start"] = draw(st.sampled_from(months))
    if draw(st.booleans()):
        entry["ramp_months"] = draw(st.integers(0, MAX_RAMP_MONTHS))
    if draw(st.booleans()):
        entry["intensity"] = draw(st.floats(0.0, spec.max_intensity))
    if draw(st.booleans()):
        default_start = min(max(spec.start, months[0]), months[-1])  # moved inside the run
        first = months.index(entry.get("start", default_start))
        entry["end"] = draw(st.sampled_from(months[first:]))
    if draw(st.booleans()):
        entry["targets"] = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=5))
    return {spec.code: entry}


@st.composite
def valid_scenarios(draw: st.DrawFn) -> dict:
    """A valid scenario of one or two months at a scale near the minimum."""
    end = draw(st.sampled_from(MONTHS))
    doc: dict = {}
    if draw(st.booleans()):
        doc["name"] = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True))
    if draw(st.booleans()):
        doc["description"] = draw(fuzzing.odd_text())
    doc["run"] = {
        "start": "2015-01",
        "end": end,
        "seed": draw(st.integers(0, 2**63 - 1)),
        "scale": draw(st.floats(SCALE, 0.008)),
    }
    names = draw(st.lists(st.sampled_from(sorted(PARAMETERS)), unique=True, max_size=3))
    if names or draw(st.booleans()):
        doc["parameters"] = {n: draw(_parameter_value(n)) for n in names}
    levers = draw(st.lists(_lever(end), max_size=3))
    if levers or draw(st.booleans()):
        doc["levers"] = {code: entry for lever in levers for code, entry in lever.items()}
    return doc


def _affected(key: str) -> set[str]:
    """The keys whose check can fail when ``key`` is wrong."""
    if key in ("run.start", "run.end"):
        return {key, "run.end", "levers"}  # the end follows the start; levers lie inside
    parts = key.split(".")
    if parts[0] == "levers" and len(parts) == 3 and parts[2] == "start":
        return {key, f"levers.{parts[1]}.end"}
    return {key}


SCENARIO = fuzzing.FileSpec(
    valid=valid_scenarios(),
    required=frozenset({"run", "run.start", "run.end", "run.seed", "run.scale"}),
    affected=_affected,
)


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _small_enough_to_run(path: Path) -> bool:
    sc = scenarios.load(path)
    return sc.scale <= 0.01 and sc.end <= parse_month("2015-03")


def check_case(case: fuzzing.Case) -> None:
    """Run one case in a fresh folder and check the contract of the module docstring."""
    with tempfile.TemporaryDirectory() as base:
        base = Path(base)
        work = base / "work"
        work.mkdir()
        path = work / "scenario.toml"
        path.write_bytes(case.raw)
        try:
            valid = _small_enough_to_run(path) or None
        except InputError:
            valid = False
        command = "run" if valid in (True, False) else "check"
        err, out = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        try:
            os.chdir(work)
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                args = [command, str(path)] + (
                    ["--quiet", "--no-plots"] if command == "run" else []
                )
                code = main(args)
        finally:
            os.chdir(cwd)
        event(f"{case.defect.split(':')[0]}: {command} exit {code}")
        if code == 0:
            assert case.may_pass, (case, err.getvalue())
            written = _listing(work) - {"scenario.toml"}
            if command == "run":
                folders = {p for p in written if "/" not in p.removeprefix("results/")}
                assert len(folders) == 2 and "results" in folders, written
                (folder,) = folders - {"results"}
                assert (work / folder / "manifest.json").is_file()
                assert all(p.startswith(folder) or p == "results" for p in written)
            else:
                assert written == set()
        else:
            fuzzing.assert_refused(code, err.getvalue(), str(path), case.keys)
            assert _listing(work) == {"scenario.toml"}
        assert _listing(base) == {"work", *(f"work/{p}" for p in _listing(work))}


@pytest.mark.parametrize("defect", fuzzing.DEFECTS)
@fuzzing.CI
@given(data=st.data())
def test_a_scenario_file_runs_or_is_refused_in_one_line(defect, data):
    check_case(data.draw(fuzzing.cases(SCENARIO, (defect,)), label="case"))


@pytest.mark.slow
@pytest.mark.parametrize("defect", fuzzing.DEFECTS)
@fuzzing.SLOW
@given(data=st.data())
def test_a_scenario_file_runs_or_is_refused_in_one_line_many_examples(defect, data):
    check_case(data.draw(fuzzing.cases(SCENARIO, (defect,)), label="case"))


# Each counterexample the exploring profile found, replayed on every run (the gate is
# derandomized: docs/robustness.md); ``st.data()`` tests take no ``@example``, so they are
# the examples of this test. 75d57a8: levers.B7 with its start dropped and only
# end = 2015-01: the default start (2016-01) comes after the end, and the end's check is
# the one that fails.
_B7 = {
    "run": {"start": "2015-01", "end": "2015-02", "seed": 1, "scale": SCALE},
    "levers": {"B7": {"end": "2015-01"}},
}
COUNTEREXAMPLES = [
    fuzzing.Case(_B7, fuzzing.render(_B7), "missing", SCENARIO.affected("levers.B7.start"), True)
]


@fuzzing.CI
@given(case=st.sampled_from(COUNTEREXAMPLES))
def test_the_counterexamples_the_exploring_profile_found_stay_fixed(case):
    check_case(case)


# --- real processes --------------------------------------------------------------------------

GOOD = f'[run]\nstart = "2015-01"\nend = "2015-01"\nseed = 1\nscale = {SCALE!r}\n'
NASTY = {
    "utf16": GOOD.encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "newline in a key": ('"x\\ny" = 1\n' + GOOD).encode(),
    "ansi escape in a name": ('name = "\\u001b[2J"\n' + GOOD).encode(),
    "path in a name": ('name = "../../../etc/cron.d/x"\n' + GOOD).encode(),
    "huge integer": GOOD.replace(f"scale = {SCALE!r}", "scale = " + "9" * 400).encode(),
    "deep nesting": ("x = " + "[" * 5000 + "]" * 5000 + "\n" + GOOD).encode(),
    "long unknown key": (GOOD + "[levers.A1]\n" + "k" * 100_000 + " = 1\n").encode(),
}


@pytest.mark.parametrize("label", list(NASTY))
def test_a_real_process_refuses_a_nasty_file_in_one_line(tmp_path, label):
    path = tmp_path / "s.toml"
    path.write_bytes(NASTY[label])
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", str(path), "--quiet"],
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    err = proc.stderr.decode("utf-8", errors="replace")
    fuzzing.assert_refused(proc.returncode, err, str(path), set())
    assert len(err) < 600, err
    assert proc.stdout == b""
    assert _listing(tmp_path) == {"s.toml"}


@pytest.mark.parametrize("kind", ["fifo", "device", "dangling link", "directory"])
def test_a_real_process_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path = tmp_path / "s.toml"
    if kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer forever
    elif kind == "device":
        path = Path("/dev/zero")  # reading it would never end
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "nowhere.toml")
    else:
        path.mkdir()
    before = _listing(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "metropoli.cli", "run", str(path), "--quiet"],
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    fuzzing.assert_refused(proc.returncode, proc.stderr.decode(), str(path), set())
    assert _listing(tmp_path) == before
