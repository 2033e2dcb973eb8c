"""The two stages as batch documents, and the choice of the Sobol stage's inputs.

1. **Morris**: the baseline (no lever) over a Morris design of the screened parameters,
   each over its plausible range (``metropoli parameters``).
2. **Sobol**: a Saltelli sample (SALib; or a Latin hypercube for RBD-FAST) of the ``top``
   parameters by Morris μ* (:func:`morris_ranking`), the parameters forced in, and
   optionally lever effect sizes ``CODE.hook``. With levers every sample row is run twice,
   the baseline and the plan with the row's effect sizes, paired by seed.

Each document is checked and expanded by the batch machinery (:func:`checked_batch`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.sensitivity.spec import SensitivitySpec


def morris_batch(spec: SensitivitySpec) -> dict[str, Any]:
    """The Morris stage as a batch document: the baseline over a Morris design."""
    return {
        "name": f"{spec.name}-morris",
        "description": f"Morris screening of {len(spec.morris_parameters)} parameters "
        f"(metropoli sensitivity {spec.name})",
        "run": _run_table(spec, spec.morris_end, spec.morris_seeds),
        "scenarios": [{"name": "baseline"}],
        "design": {
            "kind": "morris",
            "samples": spec.trajectories,
            "seed": spec.seed,
            "levels": spec.levels,
        },
        "uncertainties": {p: {} for p in spec.morris_parameters},
    }


def _run_table(spec: SensitivitySpec, end: str, seeds: Sequence[int]) -> dict[str, Any]:
    return {"start": spec.start, "end": end, "scale": spec.scale, "seeds": list(seeds)}


@dataclass(frozen=True)
class SobolInputs:
    """The Sobol stage's inputs.

    Attributes:
        names: every sampled name (parameters, then ``CODE.hook``), a column of the sample.
        groups: each name's group (itself, or its project with ``group = "project"``).
        reasons: why each parameter is in (its Morris rank and score, or forced).
    """

    names: tuple[str, ...]
    groups: tuple[str, ...]
    reasons: dict[str, str]

    @property
    def group_names(self) -> list[str]:
        """The groups in order of first appearance (the rows of ``sobol.csv``)."""
        return list(dict.fromkeys(self.groups))

    def problem(self) -> dict[str, Any]:
        """The SALib problem on the unit cube."""
        problem: dict[str, Any] = {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0.0, 1.0]] * len(self.names),
        }
        if len(self.group_names) < len(self.names):
            problem["groups"] = list(self.groups)
        return problem


def morris_ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Parameters ranked by μ* over the outputs: ``parameter, score, rank``.

    Each output's μ* is divided by its largest μ* (outputs whose μ* are all zero or not
    finite are left out), then averaged over the outputs; ties go by name.
    """
    frame = table[["output", "parameter", "mu_star"]].copy()
    top = frame.groupby("output")["mu_star"].transform("max")
    frame["normalised"] = frame["mu_star"] / top
    frame = frame[np.isfinite(frame["normalised"]) & (top > 0)]
    score = frame.groupby("parameter", sort=True)["normalised"].mean()
    ranked = pd.DataFrame({"parameter": score.index, "score": score.to_numpy()})
    if ranked.empty:
        ranked = pd.DataFrame({"parameter": sorted(table["parameter"].unique()), "score": 0.0})
    ranked = ranked.sort_values(["score", "parameter"], ascending=[False, True], kind="stable")
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    return ranked.reset_index(drop=True)


def sobol_inputs(spec: SensitivitySpec, morris: pd.DataFrame) -> SobolInputs:
    """The Sobol stage's inputs: the top parameters by Morris, those forced, the levers."""
    ranked = morris_ranking(morris)
    names, reasons = [], {}
    for row in ranked.head(spec.top).itertuples():
        names.append(row.parameter)
        reasons[row.parameter] = (
            f"Morris rank {row.rank} of {len(ranked)} (mean normalised mu* {row.score:.3f})"
        )
    for p in spec.forced:
        if p not in reasons:
            names.append(p)
            reasons[p] = "forced in ([sobol] parameters)"
    groups = list(names)
    for name in spec.levers:
        names.append(name)
        groups.append(name.split(".")[0] if spec.group == "project" else name)
        reasons[name] = "lever effect size ([sobol] levers), over its prior"
    return SobolInputs(tuple(names), tuple(groups), reasons)


def sobol_sample(spec: SensitivitySpec, inputs: SobolInputs) -> np.ndarray:
    """The Sobol stage's sample on the unit cube, a column per name, rows in run order.

    Saltelli's (first and total order) by default; with ``method = "rbd-fast"`` a Latin
    hypercube whose group's columns are equal in each row (:func:`~calibration.sensitivity.
    fast.fast_sample`).
    """
    from SALib.sample import sobol

    from calibration.sensitivity.fast import fast_sample
    from calibration.sensitivity.spec import RBD_FAST

    if spec.method == RBD_FAST:
        return fast_sample(spec, inputs.problem())
    return sobol.sample(inputs.problem(), spec.samples, calc_second_order=False, seed=spec.seed)


def sobol_batch(spec: SensitivitySpec, inputs: SobolInputs, unit: np.ndarray) -> dict[str, Any]:
    """The Sobol stage as a batch document: one inline scenario per sample row.

    Without levers, row ``i`` is scenario ``pNNNNN``; with levers it is the pair
    ``base-NNNNN`` (no lever) and ``plan-NNNNN`` (the plan with the row's effect sizes).
    Rows that share their parameters share their baseline run (same run id).
    """
    from models.experiments.batchfile import addressable
    from sim.experiments.uncertainties import declare

    names = addressable()
    values = {}
    for j, name in enumerate(inputs.names):
        u = declare(name, {}, names[name], spec.source, f"sobol.{name}")
        values[name] = u.values_at(unit[:, j])
    scenarios = []
    for i in range(len(unit)):
        parameters = {n: values[n][i] for n in inputs.names if "." not in n}
        if not spec.levers:
            scenarios.append({"name": f"p{i:05d}", "parameters": parameters})
            continue
        levers = copy.deepcopy(spec.plan_levers)
        for n in spec.levers:
            code, hook = n.split(".")
            levers[code].setdefault("effects", {})[hook] = values[n][i]
        scenarios.append({"name": f"base-{i:05d}", "parameters": parameters})
        scenarios.append({"name": f"plan-{i:05d}", "parameters": parameters, "levers": levers})
    return {
        "name": f"{spec.name}-sobol",
        "description": f"Sobol indices of {len(inputs.group_names)} inputs "
        f"(metropoli sensitivity {spec.name})",
        "run": _run_table(spec, spec.sobol_end, spec.sobol_seeds),
        "scenarios": scenarios,
    }


def checked_batch(document: Mapping[str, Any], spec: SensitivitySpec, stage: str) -> Any:
    """The stage's batch, checked and expanded: ``(BatchSpec, Expanded, batch.json)``."""
    from models.experiments.batchfile import parse_batch
    from models.experiments.expansion import batch_document, expand

    text = json.dumps(document, sort_keys=True, indent=1) + "\n"
    source = f"{spec.source} ({stage} stage)"
    batch = parse_batch(text, document, source, document["name"], Path(spec.source).parent)
    expanded = expand(batch)
    return batch, expanded, batch_document(batch, expanded)
