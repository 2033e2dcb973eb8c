"""The model as a library: named points from Python, as ``metropoli batch`` runs them.

Other tools (EMA Workbench, SALib, optuna, a notebook) drive the model through four
functions, documented with examples in ``docs/api.md``:

* :func:`uncertainties`: what can vary, one row per name (its identifier alias, kind,
  default range, valid bounds, prior, source);
* :func:`outcomes`: what is measured, one row per metro outcome;
* :func:`run_point`: one run of a scenario at a point (``{"A2.growth_drift": 0.003,
  "layoff_speed": 0.3}``), the point applied exactly as a batch applies it;
* :func:`evaluate`: a table of points x scenarios x seeds through the executors and the
  store of ``metropoli batch`` (resumable, on Dask, stored runs skipped), as a table of
  metro outcomes.

A point's names are the batch file's names or their Python-identifier aliases
(:func:`alias`: ``A2__growth_drift``). Bad input raises :class:`~sim.errors.InputError`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from models.codes import METRO_LABEL
from models.components.indicators import INDICATORS
from models.components.levers import SPEC_BY_CODE
from models.experiments import scenario as scenarios
from models.experiments.batchfile import (
    UNKNOWN_NAME,
    BatchSpec,
    addressable,
    check_active,
    points_design,
)
from models.experiments.expansion import apply_point, batch_document, expand
from models.experiments.run import RunResult, simulate
from models.parameters import PARAMETERS
from sim.calendar import format_month
from sim.errors import InputError
from sim.experiments.batchfile import BatchRun, check_seed_list, month_in_run
from sim.experiments.designs import POINTS, Design
from sim.experiments.points import check_point
from sim.experiments.uncertainties import MONTH, Addressable, alias, canonical
from sim.scenario import Scenario

__all__ = [
    "RunResult",
    "alias",
    "canonical",
    "evaluate",
    "metro_outcomes",
    "outcomes",
    "run_point",
    "uncertainties",
]

ScenarioLike = Scenario | str | Path
"""A checked scenario, or the path of a scenario file."""


def uncertainties() -> pd.DataFrame:
    """What a point may set: one row per name a batch may vary.

    Columns: ``name`` (as a batch file writes it), ``alias`` (a Python identifier),
    ``kind`` (real, integer, month), ``low`` and ``high`` (the default range: a
    parameter's plausible range, an effect's prior; months as ``"YYYY-MM"``),
    ``bound_low`` and ``bound_high`` (the values accepted), ``prior`` (uniform on the
    default range), ``delivery`` (a lever's delivery, usable as a policy lever) and
    ``source`` (the evidence, or the assumption).
    """
    rows = []
    for name, a in addressable().items():
        low, high = a.low, a.high
        if a.kind == MONTH:
            low, high = format_month(int(low)), format_month(int(high))
        rows.append(
            {
                "name": name,
                "alias": alias(name),
                "kind": a.kind,
                "low": low,
                "high": high,
                "bound_low": a.bounds[0],
                "bound_high": a.bounds[1],
                "prior": "uniform",
                "delivery": a.delivery,
                "source": _source(name, a),
            }
        )
    return pd.DataFrame(rows)


def _source(name: str, a: Addressable) -> str:
    if name in PARAMETERS:
        return PARAMETERS[name].source
    code, field = name.split(".", 1)
    effects = {e.hook: e for e in SPEC_BY_CODE[code].effects}
    return effects[field].source if field in effects else a.doc


def outcomes() -> pd.DataFrame:
    """What is measured: one row per metro indicator.

    Columns: ``name``, ``goal`` (the plan's goal 1-8; 0 context, 9 sustainability),
    ``unit`` and ``measured`` (how :func:`metro_outcomes` and :func:`evaluate` read it:
    the metro value in the run's last month).
    """
    return pd.DataFrame(
        [
            {"name": n, "goal": g, "unit": u, "measured": "metro value in the run's last month"}
            for n, g, u in INDICATORS
        ]
    )


def metro_outcomes(result: RunResult) -> dict[str, float]:
    """A run's outcomes: each metro indicator in the run's last month, by name."""
    table = result.indicators
    last = format_month(result.scenario.end)
    rows = table[(table["comune"] == METRO_LABEL) & (table["date"] == last)]
    return {str(k): float(v) for k, v in zip(rows["indicator"], rows["value"], strict=True)}


def _scenario(scenario: ScenarioLike) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else scenarios.load(scenario)


def run_point(
    scenario: ScenarioLike,
    point: Mapping[str, Any],
    *,
    seed: int,
    scale: float,
    start: str | None = None,
    end: str | None = None,
) -> RunResult:
    """Run ``scenario`` at ``point`` with ``seed`` and ``scale`` (months: its own or given).

    Args:
        scenario: a scenario, or a scenario file's path.
        point: name (or alias) -> value; values as a batch file gives them (months as
            ``"YYYY-MM"``). A lever's names need the lever in the scenario.
        seed: the run's seed.
        scale: agents per real person or firm.
        start: first month, ``"YYYY-MM"`` (default: the scenario's).
        end: last month (default: the scenario's); a lever starting later is inactive.

    Raises:
        InputError: an unknown name, a value out of range, a lever not in the scenario.
    """
    sc = _scenario(scenario).with_run(seed=seed, scale=scale, start=start, end=end)
    checked = check_point(point, _names(sc.start, sc.end), "point", UNKNOWN_NAME)
    concrete, applied = apply_point(sc, checked, "point")
    for name in checked.keys() - applied:
        raise InputError(f"lever {name.split('.')[0]} is not in scenario {sc.name}", "point", name)
    return simulate(concrete)


def _names(start: int, end: int) -> dict[str, Addressable]:
    run = BatchRun(start, end, 1.0, (1,))
    return {n: month_in_run(a, run) if a.kind == MONTH else a for n, a in addressable().items()}


def evaluate(
    scenarios: ScenarioLike | Sequence[ScenarioLike],
    points: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    seeds: int | Sequence[int],
    scale: float,
    start: str | None = None,
    end: str | None = None,
    store: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Every scenario at every point and seed, run as ``metropoli batch`` runs a points design.

    Args:
        scenarios: one scenario (or file) or several, with distinct names.
        points: a table (a column per name or alias, a row per point) or a list of points.
        seeds: a number of seeds (1..N) or a list of seeds.
        scale: agents per real person or firm.
        start: first month (default: the first scenario's).
        end: last month (default: the first scenario's).
        store: a store folder to keep the runs in (resumed, stored runs skipped; it must
            hold this evaluation or nothing); None: a temporary one.
        workers: local Dask worker processes (None or 1: this process).
        scheduler: an existing Dask scheduler's address.

    Returns:
        one row per scenario x point x seed: ``scenario, point, seed, run_id``, the point's
        values (dotted names) and each metro outcome in the last month (:func:`outcomes`).
    """
    batch = _batch(scenarios, points, seeds, scale, start, end)
    expanded = expand(batch)
    if store is not None:
        return _drive(batch, expanded, Path(store), workers, scheduler)
    with tempfile.TemporaryDirectory(prefix="metropoli-evaluate-") as folder:
        return _drive(batch, expanded, Path(folder) / "store", workers, scheduler)


def _batch(
    scenarios_: ScenarioLike | Sequence[ScenarioLike],
    points: pd.DataFrame | Sequence[Mapping[str, Any]],
    seeds: int | Sequence[int],
    scale: float,
    start: str | None,
    end: str | None,
) -> BatchSpec:
    """The batch :func:`evaluate` runs: the scenarios, a points design, the run's settings."""
    many = [scenarios_] if isinstance(scenarios_, Scenario | str | Path) else list(scenarios_)
    if not many:
        raise InputError("expected at least one scenario", "evaluate", "scenarios")
    seed_list = check_seed_list(seeds, "evaluate", "seeds")
    first = _scenario(many[0]).with_run(start=start, end=end)
    checked: dict[str, Scenario] = {}
    for item in many:
        sc = _scenario(item).with_run(
            seed=seed_list[0],
            scale=scale,
            start=format_month(first.start),
            end=format_month(first.end),
        )
        if sc.name in checked:
            raise InputError(f"scenario name {sc.name!r} is used twice", "evaluate", "scenarios")
        checked[sc.name] = sc
    run = BatchRun(first.start, first.end, float(scale), seed_list)
    if isinstance(points, pd.DataFrame):
        table = points
    else:  # a list of points: names and aliases of one name are one column
        table = pd.DataFrame([{canonical(str(k)): v for k, v in p.items()} for p in points])
    design, varied = points_design(Design(POINTS), table, run, "evaluate", "points")
    check_active(varied, (), checked, "evaluate")
    return BatchSpec(
        name="evaluate",
        source="evaluate",
        text="",
        description="models.experiments.api.evaluate",
        run=run,
        scenarios=checked,
        baseline="baseline" if "baseline" in checked else "",
        design=design,
        uncertainties=tuple(varied),
        levers=(),
    )


def _drive(
    batch: BatchSpec, expanded: Any, folder: Path, workers: int | None, scheduler: str | None
) -> pd.DataFrame:
    """Run the batch into ``folder`` as ``metropoli batch`` does; its cells with outcomes."""
    from models.experiments.batch import fork_groups, submit_runs
    from sim.experiments.analysis import Batch
    from sim.experiments.driver import drive
    from sim.experiments.executors import ExecutorOptions, ExecutorSession

    options = ExecutorOptions(workers or 1, scheduler)
    document = batch_document(batch, expanded)
    with ExecutorSession(options) as executors:
        driven = drive(
            expanded,
            document,
            folder,
            partial(submit_runs),
            executors,
            progress=False,
            groups=fork_groups,
        )
    if not driven.complete:
        raise RuntimeError(f"some runs failed: {driven.text}")
    last = format_month(batch.run.end)
    rows = Batch.open(folder).indicators(comune=METRO_LABEL, dates=(last, last))
    wide = rows.pivot(index="run_id", columns="indicator", values="value")
    names = [n for n, _, _ in INDICATORS if n in wide.columns]
    cells = expanded.cells.merge(wide[names], left_on="run_id", right_index=True, how="left")
    return cells.reset_index(drop=True)
