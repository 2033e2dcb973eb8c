"""Does the portfolio search beat as many random feasible portfolios? Hypervolume, real model.

Usage::

    python3 benchmarks/portfolio_vs_random.py [--workers 2] [--scale 0.005] [--end 2017-12]
        [--states 4] [--oos 2] [--population 12] [--generations 4] [--out DIR]

Runs ``scenarios/portfolios/half-budget.toml`` (the 29 projects, half of piano-completo's
cost, nine objectives) made small enough for a shared machine: the run ends at ``--end``,
every objective is the paired effect in that last year, ``--states`` states in sample and
``--oos`` out of sample, a population of ``--population`` for ``--generations``. Then as
many random feasible portfolios as the search proposed (uniform vectors, as pymoo's first
population, each repaired into the budget) are evaluated in the same states with the same
seeds, through the same batch stores. Both sets' robust objectives are taken against the
same best-in-each-state (for the regret objective), and each set's non-dominated
hypervolume is computed with the search's normalisation (docs/portfolio.md). Prints the
figures and writes them as JSON to DIR/benchmark.json; the search's own outputs go to DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's packages

from models.experiments.portfolio.budget import repair, resolve
from models.experiments.portfolio.decision import BASELINE, Encoding
from models.experiments.portfolio.evaluation import StoreEvaluator
from models.experiments.portfolio.file import load_portfolio
from models.experiments.portfolio.output import write_outputs
from models.experiments.portfolio.robustness import best_by_cell, paired_effects, robust_values
from models.experiments.portfolio.search import Normalisation, front, hypervolume, run_search
from models.experiments.portfolio.states import IN
from sim.calendar import parse_month
from sim.experiments.executors import ExecutorOptions, ExecutorSession

FILE = Path(__file__).resolve().parent.parent / "scenarios" / "portfolios" / "half-budget.toml"


def small_spec(args: argparse.Namespace):  # noqa: ANN201
    """half-budget.toml cut to the benchmark's size."""
    spec = load_portfolio(FILE, args.scale)
    end = parse_month(args.end)
    year = end // 12
    return replace(
        spec,
        run=replace(spec.run, end=end),
        objectives=tuple(replace(o, years=(year, year)) for o in spec.objectives),
        states=replace(spec.states, in_sample=args.states, out_of_sample=args.oos),
        search=replace(
            spec.search,
            population=args.population,
            generations=args.generations,
            seed=args.search_seed,
        ),
    )


def front_hypervolume(robust: pd.DataFrame, norm) -> float:  # noqa: ANN001
    """The non-dominated set's hypervolume, normalised as the search's convergence."""
    F = norm.apply(robust)  # noqa: N806
    return hypervolume(F[front(F)])


def main() -> None:
    """Run the search and the random portfolios; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.005)
    parser.add_argument("--end", default="2017-12")
    parser.add_argument("--states", type=int, default=4)
    parser.add_argument("--oos", type=int, default=2)
    parser.add_argument("--population", type=int, default=12)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--seed", type=int, default=99, help="the random portfolios' seed")
    parser.add_argument("--search-seed", type=int, default=1, help="the search's seed")
    parser.add_argument("--out", type=Path, default=Path("results/benchmark-portfolio"))
    args = parser.parse_args()
    spec = small_spec(args)
    encoding = Encoding(spec.decision)
    budget = resolve(spec.budget, encoding, spec.source)
    with ExecutorSession(ExecutorOptions(args.workers, None)) as executors:
        evaluator = StoreEvaluator(spec, args.out / "store", executors, progress=False)
        started = time.monotonic()
        result = run_search(spec.search, spec.objectives, encoding, budget, evaluator, print)
        search_s = time.monotonic() - started
        write_outputs(args.out, spec, encoding, budget, result, search_s)
        proposed = list(result.archive.proposed)
        rng = np.random.default_rng(args.seed)
        randoms: dict[str, object] = {}
        for _ in range(100 * len(proposed)):
            if len(randoms) == len(proposed):
                break
            p = encoding.decode(repair(rng.random(encoding.n_var), encoding, budget))
            randoms.setdefault(p.key, p)
        new = {k: p for k, p in randoms.items() if k not in result.archive.portfolios}
        started = time.monotonic()
        fresh = evaluator.measure("random", new, IN) if new else None
        random_s = time.monotonic() - started
    table = result.archive.table()
    values = pd.concat([table, fresh], ignore_index=True) if fresh is not None else table
    base = values[values.portfolio == BASELINE.key].drop_duplicates(["state", "seed"])
    effects = paired_effects(
        values.drop_duplicates(["portfolio", "state", "seed"]), base, spec.objectives
    )
    pool = effects[effects.portfolio.isin(set(proposed) | set(randoms))]
    robust = robust_values(pool, spec.objectives, best_by_cell(pool, spec.objectives))
    base = robust_values(
        effects[effects.portfolio == BASELINE.key],
        spec.objectives,
        best_by_cell(pool, spec.objectives),
    )
    norm = Normalisation.of(pd.concat([robust, base]), result.archive, spec.objectives)
    figures = {
        "command": "python3 benchmarks/portfolio_vs_random.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out"),
        "portfolios_each": len(proposed),
        "random_portfolios": len(randoms),
        "runs_per_portfolio": spec.states.in_sample * len(spec.run.seeds),
        "hypervolume_search": front_hypervolume(robust.loc[proposed], norm),
        "hypervolume_random": front_hypervolume(robust.loc[list(randoms)], norm),
        "pareto_search": len(result.pareto),
        "search_runs": len(result.effects) + len(result.out_effects),
        "search_s": round(search_s, 1),
        "search_runs_per_hour": round(
            3600 * (len(result.effects) + len(result.out_effects)) / search_s
        ),
        "random_runs": 0 if fresh is None else len(fresh),
        "random_s": round(random_s, 1),
        "convergence": result.convergence.to_dict("records"),
    }
    print(json.dumps(figures, indent=2))
    (args.out / "benchmark.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
