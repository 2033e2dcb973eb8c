"""The registry of random draws: no two uses of one number, and room for every bound."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from models import draws
from models.components.housing import candidate_draw
from models.model import MetroModel
from models.parameters import PARAMETERS
from sim.random import DrawRegistry

ROOT = Path(__file__).resolve().parent.parent
DRAW_FUNCTIONS = {"uniform", "gumbel", "standard_normal", "laplace"}


def test_no_two_blocks_of_a_stream_share_a_number():
    assert draws.DRAWS.overlaps() == []
    streams = {b.stream for b in draws.DRAWS.blocks()}
    assert streams == {
        "demography",
        "education",
        "firms",
        "labour",
        "outside-hires",
        "commuting",
        "housing",
        "student-kind",
    }


def test_the_registry_refuses_an_overlapping_block():
    registry = DrawRegistry()
    registry.reserve("s", "a", 0, 10)
    registry.reserve("t", "same numbers, another stream", 0, 10)
    with pytest.raises(ValueError, match="overlaps a"):
        registry.reserve("s", "b", 9)
    # a normal draw d reads the uniforms 2d and 2d + 1
    registry.reserve("s", "normal", 6, uniforms_per_draw=2)  # uniforms 12, 13
    with pytest.raises(ValueError, match="overlaps normal"):
        registry.reserve("s", "c", 13)


def test_candidate_blocks_hold_the_largest_valid_number_of_candidates():
    assert PARAMETERS["job_choice_candidates"].bounds[1] <= draws.MAX_JOB_CANDIDATES
    assert PARAMETERS["move_candidates"].bounds[1] <= draws.MAX_MOVE_CANDIDATES
    assert draws.DRAWS.block("labour", "vacancies compared").count == draws.MAX_JOB_CANDIDATES


def test_every_candidate_home_and_taste_shock_has_its_own_number():
    d = draws.HOUSING_DRAWS
    for n in (6, 18, 19, 40, draws.MAX_MOVE_CANDIDATES):
        candidates = [candidate_draw(d, c) for c in range(1, n + 1)]
        tastes = [d.taste + c for c in range(n + 1)]
        used = candidates + tastes + [d.move]
        assert len(set(used)) == len(used), n
        blocks = draws.DRAWS.blocks("housing")
        for number in used:  # every number used lies in a declared block
            assert any(number in b.uniforms for b in blocks), (n, number)
    # the first 18 candidates keep the numbers they always had (results unchanged)
    assert [candidate_draw(d, c) for c in range(1, 19)] == [1 + c for c in range(1, 19)]


def _from_the_registry(node: ast.expr) -> bool:
    """A draw number worked out from the kernel's ``draws`` layout (``draws.taste + c``)."""
    return any(isinstance(n, ast.Name) and n.id == "draws" for n in ast.walk(node))


def test_every_draw_number_comes_from_the_registry():
    offenders = []
    for path in sorted((ROOT / "models").rglob("*.py")):
        if "reference" in path.parts:
            continue  # the Mesa reference states the kernels' rules with their numbers
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id in DRAW_FUNCTIONS and len(node.args) >= 3:
                if not _from_the_registry(node.args[2]):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_forty_candidate_homes_run_and_move_people():
    model = MetroModel(seed=1, scale=0.005, end="2015-06", parameters={"move_candidates": 40})
    moved = 0
    while model.running:
        cells = model.people.cell.copy()
        model.step()
        n = cells.size
        moved += int(np.count_nonzero(model.people.cell[:n] != cells))
    assert moved > 0
