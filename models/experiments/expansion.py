"""A Turin batch expanded into concrete runs, each keyed by what determines it.

* **run keys** (:func:`run_id`): a hash of :func:`run_content`, what determines a run
  (parameters resolved, levers with every effect size, seed, scale, months, model
  version); two cells of a batch that are the same run share it;
* **expansion** (:func:`expand`): scenarios × design points × seeds, each design point
  applied to a scenario (:func:`apply_point`) where it applies;
* **the batch's record** (:func:`batch_document`): what ``batch.json`` says of the batch.

The batch file is read by :mod:`models.experiments.batchfile`; the runs are run by
:mod:`models.experiments.batch`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from models.components.lever_settings import LeverSettings, levers_table, recheck
from models.components.levers import SPEC_BY_CODE
from models.experiments.batchfile import BatchSpec
from models.parameters import resolve
from models.version import MODEL_VERSION, code_version
from sim.calendar import format_month, parse_month
from sim.experiments.designs import expand_design
from sim.experiments.uncertainties import MONTH, Uncertainty
from sim.results import package_versions
from sim.scenario import Scenario

DELIVERY = ("intensity", "start", "ramp_months")
BATCH_PACKAGES = (
    "torino-metropoli",
    "mesa",
    "numba",
    "numpy",
    "pandas",
    "pyarrow",
    "dask",
    "distributed",
    "SALib",
    "scipy",
)


def run_content(sc: Scenario) -> dict[str, Any]:
    """What determines a run, canonically: parameters resolved, levers with every effect size."""
    levers = {}
    tables = levers_table(sc.levers)
    for code in sorted(tables):
        entry = tables[code]
        sizes = {e.hook: float(e.size) for e in SPEC_BY_CODE[code].effects}
        sizes.update(entry.get("effects") or {})
        entry["effects"] = dict(sorted(sizes.items()))
        entry["targets"] = sorted(entry["targets"])
        levers[code] = dict(sorted(entry.items()))
    return {
        "model_version": MODEL_VERSION,
        "seed": int(sc.seed),
        "scale": float(sc.scale),
        "start": format_month(sc.start),
        "end": format_month(sc.end),
        "parameters": dict(sorted(resolve(sc.parameters).items())),
        "levers": levers,
    }


def run_id(sc: Scenario) -> str:
    """A stable key of a run: hash of :func:`run_content` (scenario name and text excluded)."""
    text = json.dumps(run_content(sc), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def apply_point(sc: Scenario, point: Mapping[str, Any], source: str) -> tuple[Scenario, set[str]]:
    """A scenario with a design point's values; also the names that applied to it.

    Parameters always apply; a lever's names apply only where the lever is active.
    """
    parameters = dict(sc.parameters)
    levers = dict(sc.levers)
    applied = set()
    for name, value in point.items():
        if "." not in name:
            parameters[name] = float(value)
            applied.add(name)
            continue
        code, field = name.split(".", 1)
        if code not in levers:
            continue
        applied.add(name)
        levers[code] = _with_value(levers[code], field, value)
    if levers != sc.levers:  # check the changed settings again (a start after the end...)
        levers = {c: recheck(s, source, sc.start, sc.end) for c, s in levers.items()}
    return replace(sc, parameters=parameters, levers=levers), applied


def _with_value(settings: LeverSettings, field: str, value: Any) -> LeverSettings:
    """Settings with a design point's value of ``field`` (a delivery or an effect size).

    A start month arrives as ``"YYYY-MM"`` (a design's month column) and becomes a month
    index here; the values are checked by :func:`~models.components.lever_settings.recheck`.
    """
    if field == "start":
        return replace(settings, start=parse_month(value) if isinstance(value, str) else value)
    if field in DELIVERY:
        return replace(settings, **{field: value})
    return settings.with_size(field, float(value))


@dataclass(frozen=True)
class Expanded:
    """A batch expanded into concrete runs.

    Attributes:
        points: the design points (index = point), a column per varied name.
        cells: one row per scenario × point × seed: ``scenario, point, seed, run_id`` and the
            values that apply to that cell (missing where a lever is not in the scenario).
        runs: each distinct run's scenario, by run_id.
    """

    points: pd.DataFrame
    cells: pd.DataFrame
    runs: dict[str, Scenario]


def expand(batch: BatchSpec) -> Expanded:
    """Every run of the batch: scenarios × design points × seeds (common random numbers)."""
    points = expand_design(batch.design, batch.uncertainties, batch.levers)
    names = list(points.columns)
    records = points.to_dict("records")
    rows, runs = [], {}
    for sc_name, sc in batch.scenarios.items():
        for index, point in enumerate(records):
            concrete, applied = apply_point(sc, point, batch.source)
            for seed in batch.run.seeds:
                run = replace(concrete, seed=int(seed))
                rid = run_id(run)
                runs.setdefault(rid, run)
                row = {"scenario": sc_name, "point": index, "seed": int(seed), "run_id": rid}
                row.update({n: (point[n] if n in applied else None) for n in names})
                rows.append(row)
    cells = pd.DataFrame(rows, columns=["scenario", "point", "seed", "run_id", *names])
    for n in names:  # one type per column: numbers as float64, months as text
        if not any(isinstance(v, str) for v in cells[n]):
            cells[n] = cells[n].astype("float64")
    cells["point"] = cells["point"].astype("int64")
    cells["seed"] = cells["seed"].astype("int64")
    return Expanded(points, cells, runs)


def design_sha256(cells: pd.DataFrame) -> str:
    """Which batch this is: a hash of its cells (scenario, point, seed, run_id)."""
    keys = cells[["scenario", "point", "seed", "run_id"]].astype(str).agg("|".join, axis=1)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def batch_document(batch: BatchSpec, expanded: Expanded) -> dict[str, Any]:
    """What ``batch.json`` records."""
    from sim.experiments.store import utc_now

    def jsonable(v: Any) -> Any:
        return None if isinstance(v, float) and not np.isfinite(v) else v

    return {
        "name": batch.name,
        "description": batch.description,
        "source": batch.source,
        "sha256": batch.sha256,
        "text": batch.text,
        "design_sha256": design_sha256(expanded.cells),
        "model_version": MODEL_VERSION,
        "code_version": code_version(),
        "packages": package_versions(BATCH_PACKAGES),
        "created_utc": utc_now(),
        "run": {
            "start": format_month(batch.run.start),
            "end": format_month(batch.run.end),
            "scale": batch.run.scale,
            "seeds": list(batch.run.seeds),
        },
        "baseline": batch.baseline,
        "scenarios": {
            name: {
                "source": sc.source,
                "parameters": sc.parameters,
                "levers": levers_table(sc.levers),
            }
            for name, sc in batch.scenarios.items()
        },
        "design": {
            "kind": batch.design.kind,
            "samples": batch.design.samples,
            "seed": batch.design.seed,
            "levels": batch.design.levels,
            "second_order": batch.design.second_order,
            "file": batch.design.file,
        },
        "uncertainties": [_describe(u) for u in batch.uncertainties],
        "levers": [_describe(u) for u in batch.levers],
        "points": [
            {k: jsonable(v) for k, v in row.items()} for row in expanded.points.to_dict("records")
        ],
        "cells": len(expanded.cells),
        "runs": len(expanded.runs),
        "indicators": {
            "metro": "every month (date YYYY-MM), comune = 'metro'",
            "comuni": "every year (date YYYY), the mean of the year's monthly values",
        },
    }


def _describe(u: Uncertainty) -> dict[str, Any]:
    low, high = u.low, u.high
    if u.kind == MONTH:
        low, high = format_month(int(low)), format_month(int(high))
    return {
        "name": u.name,
        "kind": u.kind,
        "low": low,
        "high": high,
        "values": list(u.values) if u.values is not None else None,
        "distribution": u.distribution,
        "mode": u.mode,
        "role": u.role,
    }
