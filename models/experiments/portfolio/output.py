"""The output folder of ``metropoli portfolio`` (its contract: docs/portfolio.md).

::

    DIR/portfolio.json     the manifest: file, model version, scale, objectives, budget,
                           search, states, seeds, evaluations, elapsed time, the projects
                           decided, the hypervolume's normalisation and reference point
    DIR/pareto.csv         one row per Pareto portfolio (P01, P02, ...): decision, cost,
                           each objective's robust value in and out of sample
    DIR/evaluations.csv    every portfolio x state x seed evaluated: paired effects
    DIR/convergence.csv    generation, evaluations, hypervolume
    DIR/portfolios/P01.toml ...  each Pareto portfolio as a scenario file
    DIR/store/             the evaluations' batch stores (reference, gen-000, ..., out-of-sample)

Each file is written whole or not at all (:func:`sim.atomic.atomic_write_bytes`), the
manifest last.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from models.experiments.portfolio.budget import Budget
from models.experiments.portfolio.decision import BASELINE, Encoding
from models.experiments.portfolio.evaluation import portfolio_scenario
from models.experiments.portfolio.file import PortfolioSpec
from models.experiments.portfolio.search import PLAN_KEY, REFERENCE_POINT, SearchResult
from models.experiments.portfolio.states import IN, OUT, seeds
from models.version import MODEL_VERSION
from sim.atomic import atomic_write_bytes

NAMES = {BASELINE.key: "baseline", PLAN_KEY: "piano-completo"}


def pareto_ids(result: SearchResult) -> dict[str, str]:
    """Each Pareto portfolio's id, P01, P02, ... in the search's order."""
    return {key: f"P{i + 1:02d}" for i, key in enumerate(result.pareto)}


def write_outputs(
    folder: Path,
    spec: PortfolioSpec,
    encoding: Encoding,
    budget: Budget,
    result: SearchResult,
    elapsed_s: float,
) -> None:
    """Write every file of the output folder (the store is already there)."""
    ids = pareto_ids(result)
    (folder / "portfolios").mkdir(parents=True, exist_ok=True)
    for key, pid in ids.items():
        text, _ = portfolio_scenario(result.archive.portfolios[key], pid, spec, spec.run.seeds[0])
        atomic_write_bytes(folder / "portfolios" / f"{pid}.toml", text.encode("utf-8"))
    _csv(folder / "pareto.csv", pareto_table(spec, encoding, budget, result))
    _csv(folder / "evaluations.csv", evaluations_table(spec, budget, result))
    _csv(folder / "convergence.csv", result.convergence)
    text = json.dumps(manifest(spec, encoding, budget, result, elapsed_s), indent=2) + "\n"
    atomic_write_bytes(folder / "portfolio.json", text.encode("utf-8"))


def _csv(path: Path, table: pd.DataFrame) -> None:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n", float_format="%.10g")
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8"))


def pareto_table(
    spec: PortfolioSpec, encoding: Encoding, budget: Budget, result: SearchResult
) -> pd.DataFrame:
    """One row per Pareto portfolio: decision, cost, robust objectives in and out of sample."""
    rows = []
    for key, pid in pareto_ids(result).items():
        portfolio = result.archive.portfolios[key]
        funded = portfolio.by_code()
        row: dict[str, Any] = {"portfolio": pid}
        for code in encoding.codes:
            f = funded.get(code)
            row[f"{code}.funded"] = 1 if f else 0
            row[f"{code}.intensity"] = f.intensity if f else 0.0
            row[f"{code}.start"] = f.start_year if f else None
        row["cost_total_eur"], row["cost_peak_year_eur"] = budget.cost(portfolio)
        for o in spec.objectives:
            row[f"{o.name}.in_sample"] = float(result.robust.loc[key, o.name])
            row[f"{o.name}.out_of_sample"] = float(result.out_robust.loc[key, o.name])
        row["key"] = key
        rows.append(row)
    table = pd.DataFrame(rows)
    for code in encoding.codes:
        table[f"{code}.start"] = table[f"{code}.start"].astype("Int64")
    return table


def evaluations_table(spec: PortfolioSpec, budget: Budget, result: SearchResult) -> pd.DataFrame:
    """Every portfolio x state x seed evaluated, in and out of sample: paired effects."""
    ids = pareto_ids(result)
    parts = []
    for sample, effects in ((IN, result.effects), (OUT, result.out_effects)):
        table = effects.copy()
        keys = table["portfolio"]
        table.insert(1, "pareto_id", keys.map(ids).fillna(""))
        table.insert(2, "generation", keys.map(result.archive.generation).astype(int))
        table.insert(3, "sample", sample)
        costs = {k: budget.cost(result.archive.portfolios[k])[0] for k in keys.unique()}
        table.insert(6, "cost_total_eur", keys.map(costs))
        table["portfolio"] = keys.map(lambda k: NAMES.get(k, k))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def manifest(
    spec: PortfolioSpec, encoding: Encoding, budget: Budget, result: SearchResult, elapsed_s: float
) -> dict[str, Any]:
    """What ``portfolio.json`` records."""
    in_rows = len(result.effects)
    return {
        "name": spec.name,
        "description": spec.description,
        "source": Path(spec.source).name,
        "model_version": MODEL_VERSION,
        "scale": spec.run.scale,
        "run": {"start": _month(spec.run.start), "end": _month(spec.run.end)},
        "objectives": [
            {
                "name": o.name,
                "indicator": o.indicator,
                "direction": o.direction,
                "robustness": o.robustness,
                "years": list(o.years),
            }
            for o in spec.objectives
        ],
        "budget": {"yearly_cap_eur": budget.yearly_cap_eur, "total_eur": budget.total_eur},
        "search": {
            "algorithm": spec.search.algorithm,
            "population": spec.search.population,
            "generations": spec.search.generations,
            "seed": spec.search.seed,
        },
        "states": {
            "in_sample": spec.states.in_sample,
            "out_of_sample": spec.states.out_of_sample,
            "posterior": str(spec.states.posterior) if spec.states.posterior else None,
            "effects_from_priors": spec.states.effects,
            "seed": spec.states.seed,
        },
        "seeds": {"in_sample": list(seeds(spec, IN)), "out_of_sample": list(seeds(spec, OUT))},
        "evaluations": in_rows + len(result.out_effects),
        "evaluations_in_sample": in_rows,
        "portfolios_evaluated": len(result.archive.portfolios),
        "elapsed_s": round(elapsed_s, 1),
        "projects": list(encoding.codes),
        "fixed_in": list(encoding.decision.fixed_in),
        "pareto": len(result.pareto),
        "hypervolume": {
            "reference_point": [REFERENCE_POINT] * len(spec.objectives),
            "offset": result.normalisation.offset,
            "scale": result.normalisation.scale,
            "normalisation": "(m - offset) / scale, m each objective's robust value as pymoo "
            "minimises it (-value when the plan wants it up, +value when down), offset the "
            "baseline's m (0 but for a regret), scale |piano-completo's mean effect| in sample "
            "(for a regret: the baseline's regret; 1 when 0); the reference point is one such "
            "unit worse than the baseline",
        },
        "references": {"baseline": BASELINE.key, "piano-completo": PLAN_KEY},
    }


def _month(index: int) -> str:
    from sim.calendar import format_month

    return format_month(index)
