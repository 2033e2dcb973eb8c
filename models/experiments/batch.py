"""Running a Turin batch: the run function, its reduction to the store's rows, forking.

* **the run function** (:func:`finish_run`): a pure, picklable function of the run's
  inputs that simulates and reduces the run to the store's indicator rows
  (:func:`reduce_records`);
* **forking at the policy month** (:func:`submit_runs`): runs that share seed, scale,
  months and parameters are identical until their first lever starts; that stretch is
  simulated once (:func:`simulate_stretches`), forked, and every run continues from a copy.

The batch file is read by :mod:`models.experiments.batchfile` and expanded into runs by
:mod:`models.experiments.expansion`; the generic machinery (designs, executors, store) is
in :mod:`sim.experiments`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from models.codes import METRO_LABEL
from models.components.indicators import INDICATOR_NAMES
from models.components.levers import build_levers
from models.experiments import scenario as scenarios
from models.experiments.expansion import run_id
from models.model import MetroModel
from models.parameters import resolve
from models.population import PopulationCache
from sim.calendar import format_month, parse_month
from sim.experiments.executors import single_threaded
from sim.experiments.store import RunOutput
from sim.results import cpu_class
from sim.scenario import Scenario

FIRST_MONTH = parse_month(scenarios.FIRST_MONTH)
# A shared stretch shorter than this is run by each run from scratch: so few months leave
# little to share (a snapshot itself costs milliseconds, MetroModel.fork).
MIN_FORK_MONTHS = 3
INDICATOR_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("date", pa.string()),
        ("comune", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Snapshot:
    """A model's state at the start of ``month``, and the seconds it took to get there.

    ``state`` is a fork of the model (:meth:`MetroModel.fork`): its tables, layers,
    components and generators copied, its territory shared, no Mesa grid. Taking it and
    thawing it each cost a few milliseconds at small scales (a deep copy of the whole model,
    grid included, cost more than building the model again: docs/batches.md). A run
    continues from a fresh fork of it, so the snapshot itself never changes. Dask sends it
    to another worker with cloudpickle.
    """

    state: MetroModel
    month: int
    seconds: float

    @classmethod
    def of(cls, model: MetroModel, month: int, seconds: float) -> Snapshot:
        """Freeze ``model`` (not changed)."""
        return cls(model.fork(), month, seconds)

    def thaw(self) -> MetroModel:
        """A fresh, independent copy of the model."""
        return self.state.fork()


POPULATIONS = PopulationCache()
"""The populations of this process's runs: a batch's runs that share a seed and scale (and
the few parameters the population reads) build it once per process."""


def new_model(sc: Scenario) -> MetroModel:
    """The model of a run, at January 2015, with its levers; its population from the cache."""
    return MetroModel.from_scenario(sc, POPULATIONS)


def simulate_stretches(shared: Scenario, months: Sequence[int]) -> tuple[Snapshot, ...]:
    """Simulate the lever-free stretch shared by a group of runs, keeping its state.

    Args:
        shared: the group's scenario without levers (seed, scale, months, parameters).
        months: the fork months, ascending: a snapshot is taken at the start of each
            (before any lever of the runs forked there acts).

    One task takes every snapshot of the group from one live model.
    """
    single_threaded()
    start = time.perf_counter()
    model, month = new_model(replace(shared, levers={})), FIRST_MONTH
    snapshots = []
    for until in months:
        for _ in range(until - month):
            model.step()
        month = until
        snapshots.append(Snapshot.of(model, until, time.perf_counter() - start))
    return tuple(snapshots)


def finish_run(
    snapshots: Sequence[Snapshot] | None, index: int, sc: Scenario, rid: str
) -> RunOutput:
    """Run one scenario to its end (from ``snapshots[index]`` if given) and reduce it.

    A pure function of its arguments: the same inputs give the same rows anywhere. The
    snapshot is forked, so the shared one is never changed; the run's levers replace
    the (empty) levers of the shared stretch, through the model's ``levers`` attribute.
    """
    single_threaded()
    snapshot = snapshots[index] if snapshots is not None else None
    start = time.perf_counter()
    if snapshot is None:
        model = new_model(sc)
    else:
        model = snapshot.thaw()
        model.levers = build_levers(sc.levers)
    init_s = time.perf_counter() - start
    start = time.perf_counter()
    while model.running:
        model.step()
    simulate_s = time.perf_counter() - start
    start = time.perf_counter()
    table = reduce_records(monthly_records(model), list(model.territory.codes), rid)
    reduce_s = time.perf_counter() - start
    timings = {"init_s": init_s, "simulate_s": simulate_s, "reduce_s": reduce_s}
    if snapshot is not None:
        timings["shared_s"] = snapshot.seconds
    info = {
        "forked_at": format_month(snapshot.month) if snapshot else "",
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "cpu_class": cpu_class(),
    }
    return RunOutput(rid, table, timings, info)


def monthly_records(model: MetroModel) -> list[tuple[int, np.ndarray]]:
    """The model's monthly indicator records ``(month, indicators x zones)``."""
    return model.indicators.records


def reduce_records(
    records: Sequence[tuple[int, np.ndarray]], codes: list[str], rid: str
) -> pa.Table:
    """The store's rows of a run: metro values every month, comuni values every year.

    A comune's yearly value is the mean of its monthly values in that year (for a flow
    "per month" that is the mean month; times 12 gives the year's total); a year the run
    covers only in part is averaged over the months it covers. Rows whose value is
    undefined (NaN: a rate with an empty denominator, a metro-only indicator) are left out.
    """
    months = np.array([m for m, _ in records], dtype=np.int64)
    values = np.stack([v for _, v in records])  # (months, indicators, 39 zones)
    n_ind = len(INDICATOR_NAMES)
    names = np.asarray(INDICATOR_NAMES, dtype=object)
    metro_dates = np.repeat(np.array([format_month(int(m)) for m in months], dtype=object), n_ind)
    metro = values[:, :, len(codes)].reshape(-1)
    years = np.unique(months // 12)
    yearly = np.stack([values[months // 12 == y, :, : len(codes)].mean(axis=0) for y in years])
    n_com = len(codes)
    date = np.concatenate(
        [metro_dates, np.repeat(np.array([f"{y:04d}" for y in years], dtype=object), n_ind * n_com)]
    )
    comune = np.concatenate(
        [
            np.full(metro.size, METRO_LABEL, dtype=object),
            np.tile(np.asarray(codes, dtype=object), years.size * n_ind),
        ]
    )
    indicator = np.concatenate(
        [np.tile(names, months.size), np.tile(np.repeat(names, n_com), years.size)]
    )
    value = np.concatenate([metro, yearly.reshape(-1)])
    keep = ~np.isnan(value)
    return pa.table(
        {
            "run_id": pa.array(np.full(int(keep.sum()), rid, dtype=object), pa.string()),
            "date": pa.array(date[keep], pa.string()),
            "comune": pa.array(comune[keep], pa.string()),
            "indicator": pa.array(indicator[keep], pa.string()),
            "value": pa.array(value[keep], pa.float64()),
        },
        schema=INDICATOR_SCHEMA,
    )


def first_lever_month(sc: Scenario) -> int | None:
    """The first month any lever of the scenario acts (None for a lever-free run).

    A lever starting after the run's end never acts in it (it is inactive).
    """
    starts = [s.start for s in sc.levers.values() if s.intensity > 0 and s.start <= sc.end]
    return min(starts) if starts else None


def fork_plan(
    runs: Mapping[str, Scenario],
) -> list[tuple[Scenario, list[int], dict[int | None, list[str]]]]:
    """Groups of runs identical until their levers start, with their fork months.

    Returns:
        per group: its lever-free scenario, the sorted fork months, and the run ids that
        continue from each fork month (key None: from scratch, not forked).
    """
    groups: dict[str, list[str]] = {}
    for rid, sc in runs.items():
        key = json.dumps(
            [sc.seed, sc.scale, sc.start, sc.end, sorted(resolve(sc.parameters).items())]
        )
        groups.setdefault(key, []).append(rid)
    plan = []
    for rids in groups.values():
        shared = replace(runs[rids[0]], levers={}, name="shared")
        by_month: dict[int | None, list[str]] = {}
        firsts = {rid: first_lever_month(runs[rid]) for rid in rids}
        forks = sorted(
            {m for m in firsts.values() if m is not None and m - FIRST_MONTH >= MIN_FORK_MONTHS}
        )
        lever_free_to = forks[-1] if forks else None
        for rid in rids:
            first = firsts[rid]
            if len(rids) < 2:
                month = None
            elif first is None:
                month = lever_free_to
            else:
                month = max((m for m in forks if m <= first), default=None)
            by_month.setdefault(month, []).append(rid)
        used = sorted(m for m in by_month if m is not None)
        plan.append((shared, used, by_month))
    return plan


def fork_groups(runs: Mapping[str, Scenario], fork: bool = True) -> list[list[str]]:
    """The units of runs :func:`submit_runs` is given whole, one list of run ids each.

    Each fork group (its runs share one snapshot task, :func:`fork_plan`), or each run
    alone when not forking. The driver submits a window of these units at a time
    (:func:`sim.experiments.driver.drive`).
    """
    if not fork:
        return [[rid] for rid in runs]
    return [
        [rid for rids in by_month.values() for rid in rids] for _, _, by_month in fork_plan(runs)
    ]


def submit_runs(executor: Any, runs: Mapping[str, Scenario], fork: bool = True) -> list[Any]:
    """Submit every run to ``executor`` (forking shared stretches); return the jobs."""
    from sim.experiments.runner import Job

    jobs = []
    if not fork:
        for rid, sc in runs.items():
            jobs.append(Job(rid, executor.submit(finish_run, None, 0, sc, rid, key=f"run-{rid}")))
        return jobs
    for shared, months, by_month in fork_plan(runs):
        stretches = None
        if months:
            tag = run_id(shared)
            stretches = executor.submit(simulate_stretches, shared, months, key=f"stretch-{tag}")
        for month, rids in by_month.items():
            for rid in rids:
                if month is None:
                    handle = executor.submit(finish_run, None, 0, runs[rid], rid, key=f"run-{rid}")
                else:
                    index = months.index(month)
                    handle = executor.submit(
                        finish_run, stretches, index, runs[rid], rid, key=f"run-{rid}"
                    )
                jobs.append(Job(rid, handle))
    order = {rid: i for i, rid in enumerate(runs)}
    return sorted(jobs, key=lambda j: order[j.run_id])
