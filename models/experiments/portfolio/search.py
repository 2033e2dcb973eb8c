"""The search: pymoo's NSGA-III (or NSGA-II) through its ask-and-tell interface.

Each generation pymoo proposes a population (:meth:`Algorithm.ask`), each candidate
repaired to its portfolio's canonical vector within the budget (:func:`~.budget.repair`);
the portfolios not yet evaluated go to the evaluator as one batch (a generation's store,
:mod:`.evaluation`), and pymoo is told the robust objectives and the budget constraints.
Nothing here is random but pymoo, seeded by the file, and the evaluations are assembled by
key, so a rerun replays the same generations, finds their runs in the stores and reaches
the same Pareto set whatever the number of workers.

The **Pareto set** is the non-dominated portfolios of every portfolio evaluated; when they
are more than the population (many objectives make most portfolios non-dominated), those
of the last population. **Convergence** is the hypervolume of the non-dominated evaluated
portfolios after each generation, each objective divided by the size of piano-completo's
mean effect (1 when it is 0), against the reference point 1 in every objective (one
plan's effect worse than the baseline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from models.experiments.portfolio.budget import Budget, repair
from models.experiments.portfolio.decision import BASELINE, Encoding, Portfolio, plan_portfolio
from models.experiments.portfolio.file import Objective, Search
from models.experiments.portfolio.robustness import (
    best_by_cell,
    minimised,
    paired_effects,
    robust_values,
)
from models.experiments.portfolio.states import IN, OUT

REFERENCE_POINT = 1.0
PLAN_KEY = plan_portfolio().key


class Evaluator(Protocol):
    """Measures portfolios in the states of a sample: the model through a store, or a toy."""

    def measure(self, label: str, portfolios: Mapping[str, Portfolio], sample: str) -> pd.DataFrame:
        """Rows ``portfolio, state, seed`` and a column per objective: the raw values."""
        ...


@dataclass
class Archive:
    """Every portfolio evaluated: its key, when first seen, and its in-sample values."""

    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    generation: dict[str, int] = field(default_factory=dict)
    proposed: dict[str, None] = field(default_factory=dict)
    values: list[pd.DataFrame] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """Every in-sample row so far."""
        return pd.concat(self.values, ignore_index=True)


@dataclass(frozen=True)
class SearchResult:
    """What the search found.

    Attributes:
        archive: every portfolio evaluated (baseline and piano-completo as generation -1).
        effects: every in-sample (portfolio, state, seed): paired effects.
        robust: in-sample robust values, one row per portfolio (key index).
        pareto: the Pareto set's keys, best first by the first objective.
        out_effects: the out-of-sample paired effects (Pareto set and references).
        out_robust: their out-of-sample robust values.
        convergence: ``generation, evaluations, hypervolume``.
        scale: each objective's normalisation (|piano-completo's mean effect|, or 1).
    """

    archive: Archive
    effects: pd.DataFrame
    robust: pd.DataFrame
    pareto: list[str]
    out_effects: pd.DataFrame
    out_robust: pd.DataFrame
    convergence: pd.DataFrame
    scale: dict[str, float]


def make_algorithm(search: Search, n_obj: int, encoding: Encoding, budget: Budget):  # noqa: ANN201
    """pymoo's NSGA-III (reference directions from pymoo) or NSGA-II, with the repair."""
    from pymoo.core.repair import Repair

    class BudgetRepair(Repair):
        def _do(self, problem, X, **kwargs):  # noqa: ANN001, ANN003, ANN202, N803
            return np.array([repair(x, encoding, budget) for x in X])

    if search.algorithm == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=search.population, repair=BudgetRepair(), eliminate_duplicates=True)
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    ref_dirs = get_reference_directions("energy", n_obj, search.population, seed=search.seed)
    return NSGA3(
        ref_dirs=ref_dirs,
        pop_size=search.population,
        repair=BudgetRepair(),
        eliminate_duplicates=True,
    )


def run_search(
    search: Search,
    objectives: Sequence[Objective],
    encoding: Encoding,
    budget: Budget,
    evaluator: Evaluator,
    progress: Callable[[str], None] = lambda _: None,
) -> SearchResult:
    """The whole search: references, generations, Pareto set, out-of-sample verification."""
    from pymoo.core.evaluator import Evaluator as PymooEvaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    names = [o.name for o in objectives]
    references = {BASELINE.key: BASELINE, PLAN_KEY: plan_portfolio()}
    archive = Archive()
    _add(archive, references, evaluator.measure("reference", references, IN), -1)
    scale = _scale(archive, objectives)
    problem = Problem(n_var=encoding.n_var, n_obj=len(names), n_ieq_constr=2, xl=0.0, xu=1.0)
    algorithm = make_algorithm(search, len(names), encoding, budget)
    algorithm.setup(problem, termination=("n_gen", search.generations), seed=search.seed)
    rows = []
    for generation in range(search.generations):
        pop = algorithm.ask()
        candidates = [encoding.decode(x) for x in pop.get("X")]
        new = {p.key: p for p in candidates if p.key not in archive.portfolios}
        if new:
            _add(archive, new, evaluator.measure(f"gen-{generation:03d}", new, IN), generation)
        archive.proposed.update(dict.fromkeys(p.key for p in candidates))
        robust = _robust(archive, objectives)
        F = minimised(robust.loc[[p.key for p in candidates]], objectives)  # noqa: N806
        G = np.array([budget.violation(p) for p in candidates])  # noqa: N806
        if algorithm.pop is not None and len(algorithm.pop):  # survivors: regrets move
            kept = [encoding.decode(x).key for x in algorithm.pop.get("X")]
            algorithm.pop.set("F", minimised(robust.loc[kept], objectives))
        PymooEvaluator().eval(StaticProblem(problem, F=F, G=G), pop)
        algorithm.tell(infills=pop)
        hv = _hypervolume(robust.loc[list(archive.proposed)], objectives, scale)
        evaluations = int(sum(len(v) for v in archive.values))
        rows.append({"generation": generation, "evaluations": evaluations, "hypervolume": hv})
        progress(f"generation {generation + 1}/{search.generations}: {len(new)} new portfolios, "
                 f"{evaluations} evaluations, hypervolume {hv:.4g}")
    robust = _robust(archive, objectives)
    last = [encoding.decode(x).key for x in algorithm.pop.get("X")]
    pareto = _pareto(robust.loc[list(archive.proposed)], objectives, last)
    chosen = {**references, **{k: archive.portfolios[k] for k in pareto}}
    out_values = evaluator.measure("out-of-sample", chosen, OUT)
    out_effects = paired_effects(out_values, out_values[out_values.portfolio == BASELINE.key], objectives)
    effects = paired_effects(archive.table(), _baseline_rows(archive), objectives)
    return SearchResult(
        archive=archive,
        effects=effects,
        robust=robust,
        pareto=pareto,
        out_effects=out_effects,
        out_robust=robust_values(out_effects, objectives),
        convergence=pd.DataFrame(rows, columns=["generation", "evaluations", "hypervolume"]),
        scale=scale,
    )


def _add(archive: Archive, portfolios: Mapping[str, Portfolio], values: pd.DataFrame, gen: int) -> None:
    for key, p in portfolios.items():
        archive.portfolios[key] = p
        archive.generation[key] = gen
    archive.values.append(values)


def _baseline_rows(archive: Archive) -> pd.DataFrame:
    table = archive.table()
    return table[table["portfolio"] == BASELINE.key]


def _robust(archive: Archive, objectives: Sequence[Objective]) -> pd.DataFrame:
    effects = paired_effects(archive.table(), _baseline_rows(archive), objectives)
    search_only = effects[effects["portfolio"].isin(archive.proposed)]
    best = best_by_cell(search_only, objectives)
    return robust_values(effects, objectives, best)


def _scale(archive: Archive, objectives: Sequence[Objective]) -> dict[str, float]:
    effects = paired_effects(archive.table(), _baseline_rows(archive), objectives)
    plan = effects[effects["portfolio"] == PLAN_KEY]
    return {o.name: float(abs(plan[o.name].mean())) or 1.0 for o in objectives}


def normalised(robust: pd.DataFrame, objectives: Sequence[Objective], scale: Mapping[str, float]) -> np.ndarray:
    """Minimised objectives divided by each objective's scale."""
    return minimised(robust, objectives) / np.array([scale[o.name] for o in objectives])


def _hypervolume(robust: pd.DataFrame, objectives: Sequence[Objective], scale: Mapping[str, float]) -> float:
    from pymoo.indicators.hv import HV

    if robust.empty:
        return 0.0
    F = normalised(robust, objectives, scale)  # noqa: N806
    return float(HV(ref_point=np.full(len(objectives), REFERENCE_POINT))(F))


def front(F: np.ndarray) -> np.ndarray:  # noqa: N803
    """Indices of the non-dominated rows of a minimisation table."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    return np.asarray(NonDominatedSorting().do(F, only_non_dominated_front=True), dtype=int)


def _pareto(robust: pd.DataFrame, objectives: Sequence[Objective], last: list[str]) -> list[str]:
    keys = list(robust.index)
    F = minimised(robust, objectives)  # noqa: N806
    chosen = [keys[i] for i in front(F)]
    population = len(dict.fromkeys(last))
    if len(chosen) > population:
        kept = [k for k in dict.fromkeys(last) if k in robust.index]
        sub = robust.loc[kept]
        chosen = [kept[i] for i in front(minimised(sub, objectives))]
    first = objectives[0]
    order = sorted(chosen, key=lambda k: (-robust.loc[k, first.name] * (1 if first.direction == "up" else -1), k))
    return order
