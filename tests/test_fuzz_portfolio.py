"""Property-based tests of portfolio files: accepted, or refused in one line naming the key.

Each example is a portfolio file drawn by :func:`tests.fuzzing.cases` (valid, or with one
defect: a key missing, an unknown key, a hostile value, spoiled bytes), given to
``metropoli portfolio``. The search itself is replaced by a sentinel: a file that reaches
it was accepted (its budget, states and objectives checked); anything else must be a
refusal with exit status 2, one line, no traceback, the file and the key named, and nothing
written.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from metropoli.cli import main
from models.components.indicators import HEADLINE_INDICATORS
from models.components.levers import SPECS
from models.minimum_scale import minimum_scale
from tests import fuzzing
from tests.batch_support import ROOT

POSTERIOR = str(ROOT / "calibration" / "posterior" / "observed-2015-2018.toml")
CODES = [s.code for s in SPECS]
ENDS = {"2016-06": 2016, "2017-12": 2017, "2025-12": 2025}


class Accepted(Exception):
    """The file reached the search."""


@st.composite
def _objective(draw: st.DrawFn, goal: int, last: int) -> dict:
    first = draw(st.integers(2016, last))
    entry: dict = {"goal": goal, "years": [first, draw(st.integers(first, last))]}
    if draw(st.booleans()):
        entry["robustness"] = draw(st.sampled_from(["mean", "p10", "p25", "regret"]))
    return entry


@st.composite
def valid_portfolios(draw: st.DrawFn) -> dict:
    """A valid portfolio file (the budget always within reach)."""
    end = draw(st.sampled_from(sorted(ENDS)))
    doc: dict = {
        "run": {
            "start": "2015-01",
            "end": end,
            "scale": draw(st.floats(minimum_scale(), 0.01)),
            "seeds": draw(st.integers(1, 3)),
        }
    }
    if draw(st.booleans()):
        doc["name"] = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True))
    projects = draw(
        st.one_of(
            st.sampled_from(["all", "A", "B"]),
            st.lists(st.sampled_from(CODES), min_size=2, max_size=6, unique=True),
        )
    )
    decision: dict = {"projects": projects}
    if isinstance(projects, list) and draw(st.booleans()):
        decision["fixed_in"] = projects[:1]
    if draw(st.booleans()):
        decision["on_off"] = True
    else:
        low = draw(st.sampled_from([0.25, 0.5, 1.0]))
        decision["intensity"] = [low, 1.0]
        decision["intensity_step"] = draw(st.sampled_from([0.05, 0.25]))
        decision["start_years"] = [2016, draw(st.integers(2016, 2025))]
    doc["decision"] = decision
    doc["budget"] = {"total_eur": draw(st.sampled_from(["half of piano-completo", 4e8]))}
    if draw(st.booleans()):
        doc["budget"]["yearly_cap_eur"] = "piano-completo"
    goals = draw(
        st.lists(st.sampled_from(sorted(HEADLINE_INDICATORS)), min_size=2, max_size=3, unique=True)
    )
    doc["objectives"] = [draw(_objective(g, ENDS[end])) for g in goals]
    states: dict = {"in_sample": draw(st.integers(1, 4)), "out_of_sample": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        states["posterior"] = POSTERIOR
    else:
        states["effects"] = True
    doc["states"] = states
    doc["search"] = {
        "algorithm": draw(st.sampled_from(["nsga3", "nsga2"])),
        "population": draw(st.integers(4, 12)),
        "generations": draw(st.integers(1, 5)),
    }
    return doc


DEPENDS = {
    "run": {"objectives", "search"},  # objectives' years lie in the run; nsga3 per objective
    "objectives": {"search"},
    "decision": {"budget"},  # the fixed-in projects must fit
    "states": set(),
}


def _affected(key: str) -> set[str]:
    top = key.split(".")[0].split("[")[0]
    return {key, top, *DEPENDS.get(top, set())}


PORTFOLIO = fuzzing.FileSpec(
    valid=valid_portfolios(),
    required=frozenset(
        {
            "run",
            "run.start",
            "run.end",
            "run.scale",
            "run.seeds",
            "decision",
            "budget",
            "objectives",
        }
    ),
    affected=_affected,
)


def check_case(case: fuzzing.Case) -> None:
    """Give the file to the command; accepted, or refused as the contract says."""
    with tempfile.TemporaryDirectory() as base:
        path = Path(base) / "portfolio.toml"
        path.write_bytes(case.raw)
        out = Path(base) / "out"
        err = io.StringIO()
        search = "models.experiments.portfolio.search.run_search"
        with mock.patch(search, side_effect=Accepted), contextlib.redirect_stderr(err):
            try:
                code = main(["portfolio", str(path), "--out", str(out), "--quiet"])
            except Accepted:
                code = 0
        event(f"{case.defect.split(':')[0]}: exit {code}")
        if case.defect == "none":  # a valid file is accepted
            assert code == 0, err.getvalue()
        if code == 0:
            assert case.may_pass, (case, err.getvalue())
        else:
            fuzzing.assert_refused(code, err.getvalue(), str(path), case.keys)
        assert not out.exists()


@pytest.mark.parametrize("defect", fuzzing.DEFECTS)
@fuzzing.CI
@given(data=st.data())
def test_a_portfolio_file_is_accepted_or_refused_in_one_line(
    defect: str, data: st.DataObject
) -> None:
    check_case(data.draw(fuzzing.cases(PORTFOLIO, (defect,)), label="case"))


@pytest.mark.slow
@pytest.mark.parametrize("defect", fuzzing.DEFECTS)
@fuzzing.SLOW
@given(data=st.data())
def test_a_portfolio_file_is_accepted_or_refused_in_one_line_many_examples(
    defect: str, data: st.DataObject
) -> None:
    check_case(data.draw(fuzzing.cases(PORTFOLIO, (defect,)), label="case"))
