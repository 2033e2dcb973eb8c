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

from models.components.levers import SPECS
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


def test_robustness_measures_by_hand() -> None:
    effects = pd.DataFrame(
        {
            "portfolio": ["a"] * 4 + ["b"] * 4,
            "state": [0, 1, 2, 3] * 2,
            "seed": [1] * 8,
            "up": [1.0, 2.0, 3.0, 4.0, 4.0, 0.0, 0.0, 4.0],
            "down": [-1.0, -2.0, -3.0, -4.0, 0.0, 0.0, 0.0, -8.0],
        }
    )

    def objective(name: str, robustness: str) -> Objective:
        return Objective(name, name, (2025, 2025), robustness, name)

    mean = robust_values(effects, [objective("up", "mean"), objective("down", "mean")])
    assert mean.loc["a"].tolist() == [2.5, -2.5] and mean.loc["b"].tolist() == [2.0, -2.0]
    p25 = robust_values(effects, [objective("up", "p25"), objective("down", "p25")])
    # the worst side: the 25th percentile of an "up" effect, the 75th of a "down" one
    assert p25.loc["a"].tolist() == [1.75, -1.75] and p25.loc["b"].tolist() == [0.0, 0.0]
    regret = robust_values(effects, [objective("up", "regret"), objective("down", "regret")])
    # best per state: up 4, 2, 3, 4; down -1, -2, -3, -8 (oriented 1, 2, 3, 8)
    assert regret.loc["a"].tolist() == [-3.0, 4.0]  # up: 4 - 1 in state 0; down: 8 - 4 in state 3
    assert regret.loc["b"].tolist() == [-3.0, 3.0]  # up: 3 - 0 in state 2; down: 3 - 0 in state 2


def test_budget_costs_the_plan_and_repairs_into_the_budget() -> None:
    from models.experiments.portfolio.budget import model_costs, repair, resolve, yearly_costs
    from models.experiments.portfolio.decision import plan_portfolio
    from models.experiments.portfolio.file import BudgetRule

    plan = yearly_costs(plan_portfolio(), model_costs())
    assert plan.sum() == 600e6 and plan[0] == 48.3e6 and plan.max() == 61.3e6
    codes = tuple(s.code for s in SPECS)
    decision = Decision(codes, ("B2",), False, (0.25, 1.0), 0.25, (2016, 2025))
    encoding = Encoding(decision)
    budget = resolve(BudgetRule(None, 0.5, None, 0.6), encoding, "test")
    assert (budget.total_eur, budget.yearly_cap_eur) == (300e6, 0.6 * 61.3e6)
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.random(encoding.n_var)
        fixed = repair(x, encoding, budget)
        portfolio = encoding.decode(fixed)
        assert budget.fits(portfolio) and "B2" in portfolio.by_code()
        assert (repair(x, encoding, budget) == fixed).all()  # deterministic
        assert (encoding.canonical(fixed) == fixed).all()
