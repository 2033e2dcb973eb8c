"""The portfolio search on a toy problem with a known Pareto front (no model runs).

Eight on/off projects with additive effects on three objectives, each effect scaled in
each state of the world; every one of the 256 portfolios is enumerated for the true
front. The search goes through the same machinery as ``metropoli portfolio`` (pymoo's
ask-and-tell, the budget's repair, the robustness measures), with a toy evaluator in
place of the batch store.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from models.experiments.portfolio.budget import Budget
from models.experiments.portfolio.decision import Encoding, Funded, Portfolio
from models.experiments.portfolio.file import Decision, Objective, Search
from models.experiments.portfolio.robustness import minimised, paired_effects, robust_values
from models.experiments.portfolio.search import Normalisation, front, hypervolume, run_search

CODES = ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8")
RNG = np.random.default_rng(7)
EFFECTS = RNG.uniform(-0.3, 1.0, size=(3, 8))  # objective x project
COSTS = dict(zip(CODES, RNG.uniform(1.0, 5.0, size=8), strict=True))
STATES = 6
FACTORS = np.random.default_rng(11).uniform(0.5, 1.5, size=(STATES * 2, 8))
OBJECTIVES = (
    Objective("o1", "jobs", (2025, 2025), "mean", "up"),
    Objective("o2", "poverty_rate", (2025, 2025), "p10", "down"),
    Objective("o3", "talents", (2025, 2025), "mean", "up"),
)
SIGNS = np.array([1.0, -1.0, 1.0])


class ToyEvaluator:
    """Additive effects, each project's scaled by a factor per state (seed 1 only)."""

    def __init__(self) -> None:
        self.measured: list[str] = []

    def measure(self, label: str, portfolios: Mapping[str, Portfolio], sample: str) -> pd.DataFrame:
        rows = []
        offset = 0 if sample == "in" else STATES
        for key, p in portfolios.items():
            self.measured.append(key)
            on = np.array([c in p.by_code() for c in CODES], dtype=float)
            for s in range(STATES):
                value = SIGNS * (EFFECTS @ (on * FACTORS[offset + s]))
                rows.append(
                    {
                        "portfolio": key,
                        "state": s,
                        "seed": 1,
                        **dict(zip(["o1", "o2", "o3"], value, strict=True)),
                    }
                )
        return pd.DataFrame(rows)


def _setup() -> tuple[Encoding, Budget]:
    decision = Decision(CODES, (), True, (1.0, 1.0), 0.05, (2016, 2016))
    encoding = Encoding(decision)
    total = 0.6 * sum(COSTS.values()) * 10  # ten years of 60% of every project's cost
    return encoding, Budget(total, None, COSTS)


def _true_front(encoding: Encoding, budget: Budget) -> np.ndarray:
    """Every feasible portfolio's robust objectives, as pymoo minimises them (179 of 256)."""
    portfolios = []
    for bits in itertools.product((0, 1), repeat=8):
        p = Portfolio(tuple(Funded(c, 1.0, 2016) for c, b in zip(CODES, bits, strict=True) if b))
        if budget.fits(p):
            portfolios.append(p)
    values = ToyEvaluator().measure("all", {p.key: p for p in portfolios}, "in")
    base = values[values.portfolio == Portfolio(()).key]
    robust = robust_values(paired_effects(values, base, OBJECTIVES), OBJECTIVES)
    return minimised(robust, OBJECTIVES)


def _hv(F: np.ndarray, norm: Normalisation) -> float:  # noqa: N803
    """The hypervolume of the non-dominated rows of ``F`` (minimised, not yet normalised)."""
    names = [o.name for o in OBJECTIVES]
    offset = np.array([norm.offset[n] for n in names])
    scaled = (F[front(F)] - offset) / np.array([norm.scale[n] for n in names])
    return hypervolume(scaled)


@pytest.mark.parametrize("algorithm", ["nsga3", "nsga2"])
def test_search_reaches_the_true_front_within_budget(algorithm: str) -> None:
    encoding, budget = _setup()
    evaluator = ToyEvaluator()
    result = run_search(Search(algorithm, 12, 8, 3), OBJECTIVES, encoding, budget, evaluator)
    true = _true_front(encoding, budget)
    assert len(result.archive.proposed) < len(true) / 2  # a search, not an enumeration
    true_hv = _hv(true, result.normalisation)
    found_hv = _hv(minimised(result.robust.loc[result.pareto], OBJECTIVES), result.normalisation)
    assert true_hv > 0
    assert found_hv >= 0.95 * true_hv, (found_hv, true_hv)
    assert result.convergence["hypervolume"].iloc[-1] == pytest.approx(found_hv)
    for key in result.pareto:  # no reported portfolio breaks the budget
        assert budget.fits(result.archive.portfolios[key])
    for key in result.archive.proposed:
        assert budget.fits(result.archive.portfolios[key])
    # no portfolio measured twice in sample; the references and the Pareto set out of sample
    in_sample = evaluator.measured[: len(result.archive.portfolios)]
    assert len(in_sample) == len(set(in_sample))
    assert set(result.out_robust.index) >= set(result.pareto)
    assert result.convergence["hypervolume"].is_monotonic_increasing


def test_search_is_deterministic() -> None:
    encoding, budget = _setup()
    a = run_search(Search("nsga3", 12, 4, 5), OBJECTIVES, encoding, budget, ToyEvaluator())
    b = run_search(Search("nsga3", 12, 4, 5), OBJECTIVES, encoding, budget, ToyEvaluator())
    assert a.pareto == b.pareto
    pd.testing.assert_frame_equal(a.convergence, b.convergence)
