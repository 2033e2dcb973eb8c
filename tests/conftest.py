"""Shared fixtures: small runs made once per test session."""

from __future__ import annotations

import pytest

from models.experiments import scenario as scenarios
from models.experiments.run import simulate
from sim.scenario import parse_scenario

BASELINE_TEXT = """
name = "test-baseline"
[run]
start = "2015-01"
end = "2025-12"
seed = 1
scale = 0.01
"""


def make_scenario(text: str = BASELINE_TEXT, **run):
    """A scenario from TOML text, with ``seed``/``scale`` overridden if given."""
    sc = parse_scenario(text, scenarios.schema(), source="<test>", name="test")
    return sc.with_run(**run) if run else sc


@pytest.fixture(scope="session")
def baseline_result():
    """The 2015-2025 baseline at scale 0.01, seed 1."""
    return simulate(make_scenario())
