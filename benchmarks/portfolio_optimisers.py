"""Which optimiser for the portfolio search: hypervolume per evaluation under a budget.

    python3 benchmarks/portfolio_optimisers.py [--seeds 5] [--evaluations 2000] [--quick]

Compares pymoo's NSGA-III and NSGA-II (through pymoo's ask-and-tell interface, as the search
uses them), each with and without a budget repair, and optuna's NSGAIIISampler as a third
reference, on three problems with a budget constraint (docs/portfolio-optimisers.md):

* ``dtlz2-3`` and ``dtlz2-9``: DTLZ2 with 3 and 9 objectives (k = 10 distance variables),
  under a linear "budget" ``w . x <= cap`` that cuts the Pareto front;
* ``mixed-9``: a synthetic portfolio like the real one: for each of the plan's 29 projects
  whether it is funded, its intensity (0.25 to 1) and its start year (2016 to 2025), their
  cost from ``models/data/levers.toml`` (``cost_eur`` x intensity a year from the start),
  a yearly cap and a total cap at half of ``piano-completo``, and 9 goals with diminishing
  returns, some projects hurting some goals.

Every evaluation of a run is kept; the hypervolume at a budget of ``n`` evaluations is that
of the feasible non-dominated set among the first ``n`` (the search keeps every evaluation in
its store, so it can report that set). It is normalised: the share of a fixed box it
dominates. DTLZ2: the box ``[0, 1.1]^M``, exact (pymoo's ``HV``) for 3 objectives, Monte
Carlo for 9 (50,000 points, the same for every run, so that differences are paired).
``mixed-9``: the box from the best value of each goal found by any run to 0 (no improvement
on the baseline, which funds nothing), Monte Carlo. Prints a Markdown table and writes
benchmarks/out/portfolio_optimisers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out" / "portfolio_optimisers.json"
CHECKPOINTS = (250, 500, 1000, 2000)
MC_POINTS = 50_000
DTLZ2_REF = 1.1
DISTANCE_VARS = 10
BUDGET_SHARE = 0.45
"""DTLZ2's cap: the mean of the variables at most 0.45 (the distance variables' optimum 0.5
spends most of it, so the position variables' budget cuts the front)."""
YEARS = np.arange(2016, 2026)
MIN_INTENSITY = 0.25


@dataclass(frozen=True)
class Problem:
    """A test problem on ``[0, 1]^n_var``: ``evaluate(X) -> (F, G)``, minimised, ``G <= 0``."""

    name: str
    n_var: int
    n_obj: int
    n_constr: int
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    repair: Callable[[np.ndarray], np.ndarray]


def dtlz2(n_obj: int) -> Problem:
    """DTLZ2 with ``n_obj`` objectives and the linear budget ``mean(x) <= BUDGET_SHARE``."""
    from pymoo.problems import get_problem

    n_var = n_obj + DISTANCE_VARS - 1
    base = get_problem("dtlz2", n_var=n_var, n_obj=n_obj)
    cap = BUDGET_SHARE * n_var

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return base.evaluate(x, return_values_of=["F"]), (x.sum(axis=1) - cap)[:, None]

    def repair(x: np.ndarray) -> np.ndarray:
        spend = x.sum(axis=1)
        over = spend > cap
        x = x.copy()
        x[over] *= (cap * (1 - 1e-9) / spend[over])[
            :, None
        ]  # shrink towards 0, the cheapest decision
        return x

    return Problem(f"dtlz2-{n_obj}", n_var, n_obj, 1, evaluate, repair)


def mixed(n_obj: int = 9) -> Problem:
    """The synthetic portfolio: 29 projects x (funded, intensity, start), two caps, 9 goals.

    A decision ``x`` in ``[0, 1]^87`` is decoded per project ``i``: funded when
    ``x[i] >= 0.5``, intensity ``0.25 + 0.75 x[29 + i]``, start year ``2016 + floor(10
    x[58 + i])``. The effect of a funded project on goal ``j`` is ``a_ij intensity^0.6
    years / 10`` (``years`` from its start to 2025); a goal's value is ``tanh`` of the sum
    over a scale (diminishing returns); the objectives are minus the goals.
    """
    from models.components.levers import SPECS

    n = len(SPECS)
    cost = np.array([s.cost_eur for s in SPECS])
    rng = np.random.default_rng(2025)
    effect = np.zeros((n, n_obj))
    for i in range(n):
        goals = rng.choice(n_obj, size=rng.integers(1, 4), replace=False)
        effect[i, goals] = rng.uniform(0.2, 1.0, size=len(goals))
        harmed = (rng.random(n_obj) < 0.15) & (effect[i] == 0)
        effect[i, harmed] = -rng.uniform(0.1, 0.4, size=int(harmed.sum()))
    scale = 0.5 * np.clip(effect, 0, None).sum(axis=0)
    yearly_cap = 0.5 * cost.sum()
    total_cap = 0.5 * cost.sum() * len(YEARS)

    def decode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        funded = x[:, :n] >= 0.5
        intensity = MIN_INTENSITY + (1 - MIN_INTENSITY) * x[:, n : 2 * n]
        start = YEARS[0] + np.minimum(np.floor(len(YEARS) * x[:, 2 * n :]), len(YEARS) - 1)
        return funded, intensity, start

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        funded, intensity, start = decode(x)
        years = (YEARS[-1] + 1 - start) * funded
        goals = np.tanh(((intensity**0.6 * years / len(YEARS)) @ effect) / scale)
        yearly = cost * intensity * funded
        g = np.column_stack(
            [yearly.sum(axis=1) / yearly_cap - 1, (yearly * years).sum(axis=1) / total_cap - 1]
        )
        return -goals, g

    def repair(x: np.ndarray) -> np.ndarray:
        x = x.copy()
        for row in x:  # drop the funded project nearest to "off" until both caps hold
            while (evaluate(row[None])[1] > 0).any():
                on = np.flatnonzero(row[:n] >= 0.5)
                row[on[np.argmin(row[on])]] = 0.49
        return x

    return Problem(f"mixed-{n_obj}", 3 * n, n_obj, 2, evaluate, repair)


def reference_directions(n_obj: int, pop: int, kind: str = "das-dennis") -> np.ndarray:
    """NSGA-III's reference directions: Das-Dennis (about 45) or ``pop`` by Riesz energy."""
    from pymoo.util.ref_dirs import get_reference_directions

    if kind == "das-dennis":
        partitions = {3: 8, 9: 2}[n_obj]
        return get_reference_directions("das-dennis", n_obj, n_partitions=partitions)
    return get_reference_directions("energy", n_obj, pop, seed=1)


def run_pymoo(  # noqa: PLR0913
    problem: Problem,
    algorithm: str,
    pop: int,
    repair: bool,
    crossover: str,
    dirs: str,
    evaluations: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One pymoo run by ask and tell; every evaluation's ``(F, feasible)`` in order."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.core.repair import Repair
    from pymoo.problems.static import StaticProblem

    class Budget(Repair):
        def _do(self, _problem, x, **kwargs):
            return problem.repair(x)

    shell = PymooProblem(
        n_var=problem.n_var, n_obj=problem.n_obj, n_ieq_constr=problem.n_constr, xl=0.0, xu=1.0
    )
    extra: dict = {"repair": Budget()} if repair else {}
    if crossover == "UX":
        from pymoo.operators.crossover.ux import UniformCrossover

        extra["crossover"] = UniformCrossover()
    if algorithm == "NSGA-III":
        algo = NSGA3(reference_directions(problem.n_obj, pop, dirs), pop_size=pop, **extra)
    else:
        algo = NSGA2(pop_size=pop, **extra)
    algo.setup(shell, seed=seed, verbose=False)
    fs, ok = [], []
    done = 0
    while done < evaluations:
        offspring = algo.ask()
        f, g = problem.evaluate(offspring.get("X"))
        Evaluator().eval(StaticProblem(shell, F=f, G=g), offspring)
        algo.tell(infills=offspring)
        fs.append(f)
        ok.append((g <= 0).all(axis=1))
        done += len(f)
    return np.concatenate(fs)[:evaluations], np.concatenate(ok)[:evaluations]


def run_optuna(problem: Problem, pop: int, evaluations: int, seed: int) -> tuple:
    """One run of optuna's NSGAIIISampler (its constraints, no repair), in order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIIISampler(
        population_size=pop,
        seed=seed,
        reference_points=reference_directions(problem.n_obj, pop),
        constraints_func=lambda t: t.user_attrs["g"],
    )
    study = optuna.create_study(directions=["minimize"] * problem.n_obj, sampler=sampler)
    fs, ok = [], []

    def objective(trial: optuna.Trial) -> list[float]:
        x = np.array([[trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(problem.n_var)]])
        f, g = problem.evaluate(x)
        trial.set_user_attr("g", [float(v) for v in g[0]])
        fs.append(f[0])
        ok.append(bool((g <= 0).all()))
        return [float(v) for v in f[0]]

    study.optimize(objective, n_trials=evaluations)
    return np.array(fs), np.array(ok)


def feasible_front(f: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """The non-dominated points among the feasible ones."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    f = f[ok]
    if not len(f):
        return f
    return f[NonDominatedSorting().do(f, only_non_dominated_front=True)]


def dominated_share(front: np.ndarray, low: np.ndarray, high: np.ndarray, exact: bool) -> float:
    """The share of the box ``[low, high]`` that ``front`` dominates (normalised hypervolume).

    Exact (pymoo's ``HV``) or Monte Carlo over :data:`MC_POINTS` points fixed by one seed.
    """
    from pymoo.indicators.hv import HV

    front = front[(front < high).all(axis=1)]
    if not len(front):
        return 0.0
    if exact:
        return float(HV(ref_point=high)(front) / np.prod(high - low))
    rng = np.random.default_rng(0)
    points = (low + (high - low) * rng.random((MC_POINTS, len(low)))).astype(np.float32)
    front = front.astype(np.float32)
    hit = np.zeros(MC_POINTS, dtype=bool)
    for start in range(0, len(front), 64):  # a block of the front at a time, on the misses
        todo = np.flatnonzero(~hit)
        block = front[start : start + 64]
        hit[todo] = np.any(np.all(block[None, :, :] <= points[todo, None, :], axis=2), axis=1)
    hit = int(hit.sum())
    return hit / MC_POINTS


CONFIGS = (
    ("NSGA-III", 48, False, "SBX", "das-dennis"),
    ("NSGA-III", 96, False, "SBX", "energy"),
    ("NSGA-III", 48, True, "SBX", "das-dennis"),
    ("NSGA-III", 48, True, "SBX", "energy"),
    ("NSGA-III", 48, False, "UX", "das-dennis"),
    ("NSGA-III", 48, True, "UX", "das-dennis"),
    ("NSGA-II", 48, False, "SBX", "-"),
    ("NSGA-II", 96, False, "SBX", "-"),
    ("NSGA-II", 48, True, "SBX", "-"),
    ("optuna NSGAIII", 48, False, "UX", "das-dennis"),
)
"""(algorithm, population, budget repair, crossover, reference directions) of each run.
Crossover: pymoo's default simulated binary crossover (SBX) or uniform crossover (UX,
optuna's default); pymoo's polynomial mutation in both. Reference directions (NSGA-III):
Das-Dennis (45 for 3 objectives with 8 partitions, 45 for 9 with 2) or Riesz energy (as many
as the population)."""


KEYS = ("algorithm", "pop", "repair", "crossover", "dirs")


def runs(problem: Problem, seeds: int, evaluations: int) -> list[dict]:
    """Every configuration x seed on one problem: each run's evaluations and seconds."""
    out = []
    for algorithm, pop, repair, crossover, dirs in CONFIGS:
        for seed in range(1, seeds + 1):
            started = time.process_time()
            if algorithm.startswith("optuna"):
                f, ok = run_optuna(problem, pop, evaluations, seed)
            else:
                f, ok = run_pymoo(
                    problem, algorithm, pop, repair, crossover, dirs, evaluations, seed
                )
            seconds = time.process_time() - started
            out.append(
                {
                    "algorithm": algorithm,
                    "pop": pop,
                    "repair": repair,
                    "crossover": crossover,
                    "dirs": dirs,
                    "seed": seed,
                    "f": f,
                    "ok": ok,
                    "cpu_s": seconds,
                }
            )
            print(f"  {problem.name} {algorithm} {pop} repair {repair} {crossover} seed {seed}: "
                  f"{seconds:.1f} s CPU", flush=True)  # fmt: skip
    return out


def score(problem: Problem, results: list[dict], checkpoints: tuple[int, ...]) -> None:
    """Add each run's normalised hypervolume at each checkpoint (``hv``) in place."""
    if problem.name.startswith("dtlz2"):
        low, high = np.zeros(problem.n_obj), np.full(problem.n_obj, DTLZ2_REF)
    else:  # from the best of each goal any run found to no improvement (0)
        every = np.concatenate([r["f"][r["ok"]] for r in results])
        low, high = every.min(axis=0), np.zeros(problem.n_obj)
    exact = problem.n_obj <= 3
    for r in results:
        r["hv"] = [
            dominated_share(feasible_front(r["f"][:n], r["ok"][:n]), low, high, exact)
            for n in checkpoints
        ]
        r["feasible"] = float(r["ok"].mean())


def table(problem: Problem, results: list[dict], checkpoints: tuple[int, ...]) -> list[str]:
    """Markdown rows: per configuration, mean (sd) normalised hypervolume at each checkpoint."""
    rows = []
    for config in CONFIGS:
        algorithm, pop, repair, crossover, dirs = config
        mine = [r for r in results if tuple(r[k] for k in KEYS) == config]
        hv = np.array([r["hv"] for r in mine])
        cells = " | ".join(f"{m:.4f} ({s:.4f})" for m, s in zip(hv.mean(0), hv.std(0), strict=True))
        feasible = np.mean([r["feasible"] for r in mine])
        cpu = np.mean([r["cpu_s"] for r in mine])
        rows.append(
            f"| {problem.name} | {algorithm} | {pop} | {'yes' if repair else 'no'} | {crossover} "
            f"| {dirs} "
            f"| {cells} "
            f"| {feasible:.0%} | {cpu:.1f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run every problem, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=max(CHECKPOINTS))
    parser.add_argument("--problems", nargs="*", default=["dtlz2-3", "dtlz2-9", "mixed-9"])
    args = parser.parse_args(argv)
    checkpoints = tuple(c for c in CHECKPOINTS if c <= args.evaluations)
    makers = {"dtlz2-3": lambda: dtlz2(3), "dtlz2-9": lambda: dtlz2(9), "mixed-9": mixed}
    head = " | ".join(f"HV at {c}" for c in checkpoints)
    lines = [
        f"| problem | algorithm | population | repair | crossover | directions | {head} | feasible "
        "| CPU s a run |",
        "|" + "---|" * (8 + len(checkpoints)),
    ]
    record = {}
    for name in args.problems:
        problem = makers[name]()
        results = runs(problem, args.seeds, args.evaluations)
        score(problem, results, checkpoints)
        lines += table(problem, results, checkpoints)
        record[name] = [{k: v for k, v in r.items() if k not in ("f", "ok")} for r in results]
    print("\n".join(lines))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"checkpoints": checkpoints, "runs": record}, indent=1) + "\n")


if __name__ == "__main__":
    main()
