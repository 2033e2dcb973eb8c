"""Scenario batches of the Turin model: what a batch may vary, its runs, forking.

The generic machinery (designs, executors, store) is in :mod:`sim.experiments`; this module
says what is Turin's:

* **addressable names** (:func:`addressable`): every model parameter (default range: its
  plausible range), every lever's effect size as ``CODE.hook`` (default range: the
  effect's prior), and every lever's delivery ``CODE.intensity``, ``CODE.start`` and
  ``CODE.ramp_months`` (usable as levers of the experiment);
* **the batch file** (:func:`load_batch`): scenario files or inline lever tables, seeds,
  months, scale, a design; expanded into concrete runs, each keyed by :func:`run_id`;
* **the run function** (:func:`finish_run`): a pure, picklable function of the run's
  inputs that simulates and reduces the run to the store's indicator rows;
* **forking at the policy month** (:func:`submit_runs`): runs that share seed, scale,
  months and parameters are identical until their first lever starts; that stretch is
  simulated once (:func:`simulate_stretches`), pickled, and every run continues from a copy.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import socket
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from models.components.indicators import INDICATOR_NAMES
from models.components.levers import (
    MAX_RAMP_MONTHS,
    SPEC_BY_CODE,
    SPECS,
    build_levers,
    check_levers,
)
from models.experiments import scenario as scenarios
from models.hooks import HOOKS
from models.model import MetroModel
from models.parameters import PARAMETERS, resolve
from models.population import PopulationCache
from models.version import MODEL_VERSION
from sim.calendar import format_month, parse_month
from sim.errors import InputError
from sim.experiments.batchfile import (
    BatchRun,
    check_design,
    check_run,
    check_top,
    check_varied,
)
from sim.experiments.designs import POSTERIOR, Design, expand_design
from sim.experiments.executors import single_threaded
from sim.experiments.store import RunOutput
from sim.experiments.uncertainties import INTEGER, MONTH, REAL, Addressable, Uncertainty
from sim.results import code_version, cpu_class, package_versions
from sim.scenario import Scenario, scenario_from_data

METRO = "metro"
FIRST_MONTH = parse_month(scenarios.FIRST_MONTH)
DELIVERY = ("intensity", "start", "ramp_months")
# A shared stretch shorter than this is not worth a snapshot (pickling costs about as much
# as simulating a couple of months at small scales).
MIN_FORK_MONTHS = 3
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
UNKNOWN_NAME = (
    "expected a model parameter (metropoli parameters), CODE.hook for a lever's effect "
    "size (metropoli levers), or CODE.intensity, CODE.start, CODE.ramp_months"
)
INDICATOR_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("date", pa.string()),
        ("comune", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
    ]
)


# ---------------------------------------------------------------------- addressable names
def addressable() -> dict[str, Addressable]:
    """Every name a batch may vary, with its kind, default range and valid bounds."""
    names: dict[str, Addressable] = {}
    for p in PARAMETERS.values():
        integer = all(isinstance(b, int) for b in p.bounds)
        names[p.name] = Addressable(
            p.name, INTEGER if integer else REAL, p.low, p.high, p.bounds, False, p.doc
        )
    for spec in SPECS:
        for e in spec.effects:
            multiplicative = HOOKS[e.hook][0] != 0.0
            bounds = (-1.0, float("inf")) if multiplicative else (-float("inf"), float("inf"))
            names[f"{spec.code}.{e.hook}"] = Addressable(
                f"{spec.code}.{e.hook}",
                REAL,
                e.prior[0],
                e.prior[1],
                bounds,
                False,
                f"{spec.code} effect on {e.hook} at full strength ({e.source})",
            )
        start = parse_month(spec.start)
        names[f"{spec.code}.intensity"] = Addressable(
            f"{spec.code}.intensity",
            REAL,
            0.0,
            spec.max_intensity,
            (0.0, spec.max_intensity),
            True,
            f"{spec.code} delivered strength (1 = as the plan intends)",
        )
        names[f"{spec.code}.start"] = Addressable(
            f"{spec.code}.start",
            MONTH,
            start,
            start + 24,
            (0, 10**6),
            True,
            f"{spec.code} first month of delivery (default range: its start to 2 years later)",
        )
        names[f"{spec.code}.ramp_months"] = Addressable(
            f"{spec.code}.ramp_months",
            INTEGER,
            0,
            min(2 * spec.ramp_months, MAX_RAMP_MONTHS),
            (0, MAX_RAMP_MONTHS),
            True,
            f"{spec.code} months to full strength",
        )
    return names


# ---------------------------------------------------------------------- the batch file
@dataclass(frozen=True)
class BatchSpec:
    """A checked batch file.

    Attributes:
        name: the batch's name (the file's stem unless given).
        source: the file.
        text: its text (recorded in batch.json).
        description: free text.
        run: months, scale and seeds.
        scenarios: the checked scenarios (seed and scale not yet set), by name, in order.
        baseline: the scenario others are compared with, or "" if there is none.
        design: how uncertainties are sampled.
        uncertainties: the sampled names.
        levers: the crossed lever options (policies).
    """

    name: str
    source: str
    text: str
    description: str
    run: BatchRun
    scenarios: dict[str, Scenario]
    baseline: str
    design: Design
    uncertainties: tuple[Uncertainty, ...]
    levers: tuple[Uncertainty, ...]

    @property
    def sha256(self) -> str:
        """Hash of the batch file's text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_toml(path: str | Path) -> tuple[str, dict[str, Any]]:
    """A TOML file's text and tables.

    Raises:
        InputError: missing, unreadable or malformed.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file (expected a TOML file)", source) from None
    except IsADirectoryError:
        raise InputError("is a directory (expected a TOML file)", source) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the file ({err.__class__.__name__})", source) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed TOML ({err})", source) from None


def load_batch(path: str | Path, scale: float | None = None, seeds: int | None = None) -> BatchSpec:
    """Read and check a batch file (``scale`` and ``seeds`` override its ``[run]``)."""
    text, data = read_toml(path)
    return parse_batch(text, data, str(path), Path(path).stem, Path(path).parent, scale, seeds)


def parse_batch(
    text: str,
    data: Mapping[str, Any],
    source: str,
    name: str,
    folder: Path,
    scale: float | None = None,
    seeds: int | None = None,
) -> BatchSpec:
    """Check a batch document; scenario files are read relative to ``folder``."""
    check_top(data, source)
    schema = scenarios.schema()
    run = check_run(data.get("run"), source, schema.first_month, schema.last_month, scale, seeds)
    entries = data.get("scenarios")
    if not isinstance(entries, list) or not entries:
        raise InputError(
            "expected a list of [[scenarios]] tables (file = ... or inline levers)",
            source,
            "scenarios",
        )
    checked: dict[str, Scenario] = {}
    for i, entry in enumerate(entries):
        sc = _scenario(entry, i, run, source, folder)
        if sc.name in checked:
            raise InputError(
                f"scenario name {sc.name!r} is used twice (expected distinct names)",
                source,
                f"scenarios[{i}].name",
            )
        checked[sc.name] = sc
    baseline = data.get("baseline", "baseline" if "baseline" in checked else "")
    if baseline and baseline not in checked:
        raise InputError(
            f"{baseline!r} is not one of the batch's scenarios ({', '.join(checked)})",
            source,
            "baseline",
        )
    design = check_design(data.get("design"), source)
    uncertainties, levers = check_varied(data, addressable(), design, run, source, UNKNOWN_NAME)
    if design.kind == POSTERIOR:
        design, uncertainties = posterior_design(design, folder, source)
    active = {code for sc in checked.values() for code in sc.levers}
    for u in [*uncertainties, *levers]:
        code = u.name.split(".")[0]
        if "." in u.name and code not in active:
            section = "levers" if u in levers else "uncertainties"
            raise InputError(
                f"lever {code} is active in none of the batch's scenarios",
                source,
                f"{section}.{u.name}",
            )
    return BatchSpec(
        name=data.get("name", name),
        source=source,
        text=text,
        description=data.get("description", ""),
        run=run,
        scenarios=checked,
        baseline=baseline,
        design=design,
        uncertainties=tuple(uncertainties),
        levers=tuple(levers),
    )


def posterior_design(design: Design, folder: Path, source: str) -> tuple[Design, list[Uncertainty]]:
    """A posterior design's rows (its sample's first ``samples`` draws) and their names.

    Each point is one joint draw of the calibrated parameters, so a batch propagates the
    posterior's uncertainty, correlations included (docs/calibration.md).
    """
    from sim.experiments.posterior import sample_points

    table = sample_points(folder / design.file, design.samples or None, source, "design.file")
    names = list(table.columns)
    uncertainties = [
        Uncertainty(n, REAL, float(table[n].min()), float(table[n].max())) for n in names
    ]
    rows = tuple(tuple(float(v) for v in row) for row in table.itertuples(index=False))
    return replace(design, samples=len(rows), rows=rows), uncertainties


SCENARIO_ENTRY_KEYS = {"file", "name", "description", "levers", "parameters"}


def _scenario(entry: Any, i: int, run: BatchRun, source: str, folder: Path) -> Scenario:
    key = f"scenarios[{i}]"
    if not isinstance(entry, dict):
        raise InputError("expected a [[scenarios]] table", source, key)
    unknown = sorted(set(entry) - SCENARIO_ENTRY_KEYS)
    if unknown:
        raise InputError(
            f"unknown key (expected {sorted(SCENARIO_ENTRY_KEYS)})", source, f"{key}.{unknown[0]}"
        )
    run_table = {
        "start": format_month(run.start),
        "end": format_month(run.end),
        "seed": run.seeds[0],
        "scale": run.scale,
    }
    if "file" in entry:
        if set(entry) - {"file", "name"}:
            raise InputError(
                "a scenario from a file takes only file and name (edit the file, or "
                "write the scenario inline)",
                source,
                f"{key}.{sorted(set(entry) - {'file', 'name'})[0]}",
            )
        if not isinstance(entry["file"], str):
            raise InputError("expected a path as text", source, f"{key}.file")
        path = folder / entry["file"]
        if not path.is_file():
            raise InputError(
                f"no such scenario file {str(path)!r} (paths are relative to the batch file)",
                source,
                f"{key}.file",
            )
        text, data = read_toml(path)
        data = dict(data)
        data["run"] = run_table  # the batch's months, scale and seeds govern
        sc = scenario_from_data(data, text, scenarios.schema(), source=str(path), name=path.stem)
        if "name" in entry:
            if not isinstance(entry["name"], str) or not entry["name"]:
                raise InputError("expected text", source, f"{key}.name")
            sc = replace(sc, name=entry["name"])
        return sc
    if not isinstance(entry.get("name"), str) or not entry.get("name"):
        raise InputError("an inline scenario needs a name (text)", source, f"{key}.name")
    data = {k: v for k, v in entry.items() if k != "file"}
    data["run"] = run_table
    try:
        return scenario_from_data(data, "", scenarios.schema(), source=source, name=entry["name"])
    except InputError as err:
        raise _rekey(err, source, key) from None


def _rekey(err: InputError, source: str, prefix: str) -> InputError:
    """The same error with its key put under ``prefix`` (an inline scenario's entry)."""
    message = str(err)
    head = f"{source}: key '{err.key}': " if err.key else f"{source}: "
    message = message[len(head) :] if message.startswith(head) else message
    return InputError(message, source, f"{prefix}.{err.key}" if err.key else prefix)


# ---------------------------------------------------------------------- the runs
def run_content(sc: Scenario) -> dict[str, Any]:
    """What determines a run, canonically: parameters resolved, levers with every effect size."""
    levers = {}
    for code in sorted(sc.levers):
        entry = dict(sc.levers[code])
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
    levers = copy.deepcopy(sc.levers)
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
        if field in DELIVERY:
            levers[code][field] = value
        else:
            levers[code].setdefault("effects", {})[field] = float(value)
    if levers != sc.levers:  # check the changed tables again (a start after the end...)
        raw = {c: {k: v for k, v in e.items() if v is not None} for c, e in levers.items()}
        levers = check_levers(raw, source, sc.start, sc.end)
    return replace(sc, parameters=parameters, levers=levers), applied


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
            name: {"source": sc.source, "parameters": sc.parameters, "levers": sc.levers}
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


# ---------------------------------------------------------------------- running
@dataclass(frozen=True)
class Snapshot:
    """A model's state at the start of ``month``, and the seconds it took to get there.

    ``state`` is the pickled model (bytes: compact to hold and to send to another worker)
    or, when the model cannot be pickled, a deep copy of it (some Mesa objects hold local
    functions that pickle refuses and ``copy.deepcopy`` shares). Either way a run
    continues from a fresh copy and the snapshot itself never changes.
    """

    state: Any
    month: int
    seconds: float

    @classmethod
    def of(cls, model: MetroModel, month: int, seconds: float) -> Snapshot:
        """Freeze ``model`` (not changed)."""
        try:
            state: Any = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError):
            state = copy.deepcopy(model)
        return cls(state, month, seconds)

    def thaw(self) -> MetroModel:
        """A fresh, independent copy of the model."""
        if isinstance(self.state, bytes):
            return pickle.loads(self.state)
        return copy.deepcopy(self.state)


POPULATIONS = PopulationCache()
"""The populations of this process's runs: a batch's runs that share a seed and scale (and
the few parameters the population reads) build it once per process."""


def new_model(sc: Scenario) -> MetroModel:
    """The model of a run, at January 2015, with its levers; its population from the cache."""
    return MetroModel(
        seed=sc.seed,
        scale=sc.scale,
        parameters=sc.parameters,
        levers=build_levers(sc.levers),
        start=format_month(sc.start),
        end=format_month(sc.end),
        populations=POPULATIONS,
    )


def simulate_stretches(shared: Scenario, months: Sequence[int]) -> tuple[Snapshot, ...]:
    """Simulate the lever-free stretch shared by a group of runs, keeping its state.

    Args:
        shared: the group's scenario without levers (seed, scale, months, parameters).
        months: the fork months, ascending: a snapshot is taken at the start of each
            (before any lever of the runs forked there acts).

    One task takes every snapshot of the group from one live model: Mesa 3.3 cannot pickle
    a grid that was itself unpickled (its dynamic cell class is not registered again), so
    a snapshot is never made from a snapshot.
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
    snapshot is unpickled, so the shared one is never changed; the run's levers replace
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
            np.full(metro.size, METRO, dtype=object),
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
    """The first month any lever of the scenario acts (None for a lever-free run)."""
    starts = [parse_month(e["start"]) for e in sc.levers.values() if e["intensity"] > 0]
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
