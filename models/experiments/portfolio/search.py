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
of the last population. **Convergence** is the hypervolume of the non-dominated portfolios
evaluated up to each generation, computed once the search is over with the final robust
values (a regret depends on the best portfolio found in each state, known at the end).
Each objective as pymoo minimises it is measured from the baseline's value and divided by
a scale (:class:`Normalisation`): the size of piano-completo's mean effect for a mean or a
percentile, the baseline's own regret for a regret (1 when either is 0); the reference
point is 1 in every objective: one such unit worse than the baseline.
"""

from __future__ import annotations

import math
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
        normalisation: how objectives are scaled for the hypervolume.
    """

    archive: Archive
    effects: pd.DataFrame
    robust: pd.DataFrame
    pareto: list[str]
    out_effects: pd.DataFrame
    out_robust: pd.DataFrame
    convergence: pd.DataFrame
    normalisation: Normalisation


def make_algorithm(search: Search, n_obj: int, encoding: Encoding, budget: Budget):  # noqa: ANN201
    """Pymoo's NSGA-III (reference directions from pymoo) or NSGA-II, with the repair."""
    from pymoo.core.repair import Repair

    class BudgetRepair(Repair):
        def _do(self, problem, X, **kwargs):  # noqa: ANN001, ANN003, ANN202, N803
            return np.array([repair(x, encoding, budget) for x in X])

    if search.algorithm == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=search.population, repair=BudgetRepair(), eliminate_duplicates=True)
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    ref_dirs = get_reference_directions(
        "das-dennis", n_obj, n_partitions=das_dennis_partitions(n_obj, search.population)
    )
    return NSGA3(
        ref_dirs=ref_dirs,
        pop_size=search.population,
        repair=BudgetRepair(),
        eliminate_duplicates=True,
    )


def das_dennis_partitions(n_obj: int, population: int) -> int:
    """The most Das-Dennis partitions whose directions number at most the population.

    Das-Dennis over Riesz-energy directions, as measured in docs/portfolio-optimisers.md
    (on the 29-project problem, hypervolume 0.551 against 0.371 at 2,000 evaluations).
    The file's check guarantees ``population >= n_obj`` (one partition: the corners).
    """
    partitions = 1
    while math.comb(partitions + n_obj, n_obj - 1) <= population:
        partitions += 1
    return partitions


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
        evaluations = int(sum(len(v) for v in archive.values))
        rows.append((generation, evaluations, len(archive.proposed)))
        progress(
            f"generation {generation + 1}/{search.generations}: {len(new)} new portfolios, "
            f"{evaluations} evaluations"
        )
    robust = _robust(archive, objectives)
    norm = Normalisation.of(robust, archive, objectives)
    proposed = list(archive.proposed)
    convergence = pd.DataFrame(
        [
            {
                "generation": g,
                "evaluations": e,
                "hypervolume": hypervolume(norm.apply(robust.loc[proposed[:n]])),
            }
            for g, e, n in rows
        ],
        columns=["generation", "evaluations", "hypervolume"],
    )
    last = [encoding.decode(x).key for x in algorithm.pop.get("X")]
    pareto = _pareto(robust.loc[list(archive.proposed)], objectives, last)
    chosen = {**references, **{k: archive.portfolios[k] for k in pareto}}
    out_values = evaluator.measure("out-of-sample", chosen, OUT)
    out_effects = paired_effects(
        out_values, out_values[out_values.portfolio == BASELINE.key], objectives
    )
    effects = paired_effects(archive.table(), _baseline_rows(archive), objectives)
    return SearchResult(
        archive=archive,
        effects=effects,
        robust=robust,
        pareto=pareto,
        out_effects=out_effects,
        out_robust=robust_values(  # regrets against the Pareto set's best, as in sample
            out_effects,
            objectives,
            best_by_cell(out_effects[out_effects.portfolio.isin(pareto)], objectives),
        ),
        convergence=convergence,
        normalisation=norm,
    )


def _add(
    archive: Archive, portfolios: Mapping[str, Portfolio], values: pd.DataFrame, gen: int
) -> None:
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


@dataclass(frozen=True)
class Normalisation:
    """Objectives for the hypervolume: (minimised - the baseline's) / scale; reference 1.

    Attributes:
        objectives: the objectives, in order.
        offset: the baseline's minimised value of each (0 but for a regret).
        scale: |piano-completo's mean effect| (a mean or percentile), the baseline's regret
            (a regret); 1 when that is 0.
    """

    objectives: tuple[Objective, ...]
    offset: dict[str, float]
    scale: dict[str, float]

    @classmethod
    def of(
        cls, robust: pd.DataFrame, archive: Archive, objectives: Sequence[Objective]
    ) -> Normalisation:
        """The normalisation of a finished search."""
        effects = paired_effects(archive.table(), _baseline_rows(archive), objectives)
        plan = effects[effects["portfolio"] == PLAN_KEY]
        base = minimised(robust.loc[[BASELINE.key]], objectives)[0]
        offset, scale = {}, {}
        for o, b in zip(objectives, base, strict=True):
            offset[o.name] = float(b)
            size = abs(float(b)) if o.robustness == "regret" else abs(float(plan[o.name].mean()))
            scale[o.name] = size or 1.0
        return cls(tuple(objectives), offset, scale)

    def apply(self, robust: pd.DataFrame) -> np.ndarray:
        """The robust values of some portfolios, normalised (rows as given)."""
        names = [o.name for o in self.objectives]
        offset = np.array([self.offset[n] for n in names])
        return (minimised(robust, self.objectives) - offset) / np.array(
            [self.scale[n] for n in names]
        )


def hypervolume(F: np.ndarray) -> float:  # noqa: N803
    """The hypervolume of normalised objectives against the reference point 1 in each."""
    from pymoo.indicators.hv import HV

    if len(F) == 0:
        return 0.0
    return float(HV(ref_point=np.full(F.shape[1], REFERENCE_POINT))(F))


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
    order = sorted(
        chosen,
        key=lambda k: (-robust.loc[k, first.name] * (1 if first.direction == "up" else -1), k),
    )
    return order
