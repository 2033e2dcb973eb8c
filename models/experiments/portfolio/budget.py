"""The budget: what a portfolio costs each year of 2016-2025, the caps, and the repair.

A funded project costs ``cost_eur`` x intensity (``models/data/levers.toml``) in every year
from its start year to 2025; a portfolio's cost is the sum. The file's budget (a number, or
a share of what ``piano-completo`` costs) becomes a :class:`Budget` in EUR. The search
meets it in two ways: a pymoo constraint (:meth:`Budget.violation`) and a repair
(:func:`repair`) that unfunds projects, in an order drawn from the candidate itself, until the
candidate fits, so no portfolio the search reports breaks the budget.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from models.components.levers import SPEC_BY_CODE
from models.experiments.portfolio.decision import Encoding, Portfolio, plan_portfolio
from models.experiments.portfolio.file import FIRST_YEAR, LAST_YEAR, BudgetRule
from sim.errors import InputError

YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)


def yearly_costs(portfolio: Portfolio, costs: dict[str, float]) -> np.ndarray:
    """EUR in each year 2016..2025 (``costs``: each project's yearly cost at intensity 1)."""
    total = np.zeros(len(YEARS))
    for f in portfolio.funded:
        total += np.where(YEARS >= f.start_year, costs[f.code] * f.intensity, 0.0)
    return total


@dataclass(frozen=True)
class Budget:
    """The budget in EUR: a total over 2016-2025 and a cap on any year (None: none).

    Attributes:
        total_eur: the most the portfolio may cost over 2016-2025.
        yearly_cap_eur: the most it may cost in any one year.
        costs: the projects' yearly cost at intensity 1 (the model's, or a toy's).
    """

    total_eur: float | None
    yearly_cap_eur: float | None
    costs: dict[str, float]

    def cost(self, portfolio: Portfolio) -> tuple[float, float]:
        """The portfolio's total and its costliest year, EUR."""
        years = yearly_costs(portfolio, self.costs)
        return float(years.sum()), float(years.max())

    def violation(self, portfolio: Portfolio) -> list[float]:
        """Pymoo's constraints (feasible when <= 0): over the total, over the yearly cap."""
        total, peak = self.cost(portfolio)
        return [
            (total - self.total_eur) / self.total_eur if self.total_eur else 0.0,
            (peak - self.yearly_cap_eur) / self.yearly_cap_eur if self.yearly_cap_eur else 0.0,
        ]

    def fits(self, portfolio: Portfolio) -> bool:
        """Whether the portfolio keeps to the budget (with a cent's tolerance for sums)."""
        return max(self.violation(portfolio)) <= 1e-12


def model_costs() -> dict[str, float]:
    """Every project's yearly cost at intensity 1, EUR."""
    return {code: spec.cost_eur for code, spec in SPEC_BY_CODE.items()}


def resolve(rule: BudgetRule, encoding: Encoding, source: str) -> Budget:
    """The file's budget in EUR, checked: an impossible one is refused before any run.

    Raises:
        InputError: even the cheapest allowed portfolio (the fixed-in projects at their
            least intensity and latest start) breaks it.
    """
    costs = model_costs()
    plan_years = yearly_costs(plan_portfolio(), costs)
    total = rule.total if rule.total_share is None else rule.total_share * float(plan_years.sum())
    yearly = (
        rule.yearly if rule.yearly_share is None else rule.yearly_share * float(plan_years.max())
    )
    budget = Budget(total, yearly, costs)
    cheapest = encoding.cheapest()
    low_total, low_peak = budget.cost(cheapest)
    if total is not None and low_total > total * (1 + 1e-12):
        raise InputError(
            f"no portfolio can meet a total of {total:,.0f} EUR: the fixed-in projects alone "
            f"cost at least {low_total:,.0f} EUR over {FIRST_YEAR}-{LAST_YEAR}",
            source,
            "budget.total_eur",
        )
    if yearly is not None and low_peak > yearly * (1 + 1e-12):
        raise InputError(
            f"no portfolio can meet a yearly cap of {yearly:,.0f} EUR: the fixed-in projects "
            f"alone cost at least {low_peak:,.0f} EUR in their costliest year",
            source,
            "budget.yearly_cap_eur",
        )
    return budget


def repair(x: np.ndarray, encoding: Encoding, budget: Budget) -> np.ndarray:
    """The canonical vector of ``x``, with projects unfunded until it keeps to the budget.

    The order in which projects are unfunded is a permutation drawn from a hash of the
    candidate itself: deterministic, and favouring no project.
    """
    x = encoding.canonical(x)
    portfolio = encoding.decode(x)
    if budget.fits(portfolio):
        return x
    seed = int.from_bytes(hashlib.sha256(x.tobytes()).digest()[:8], "little")
    order = np.random.default_rng(seed).permutation(len(portfolio.funded))
    for i in order:
        code = portfolio.funded[i].code
        if code in encoding.decision.fixed_in:
            continue
        x = encoding.unfund(x, code)
        if budget.fits(encoding.decode(x)):
            return encoding.canonical(x)
    return encoding.encode(encoding.cheapest())  # fixed-in at their least (checked to fit)
