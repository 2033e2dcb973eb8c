"""Running a scenario: a pure function of (scenario, parameters, seed, scale) to tables.

:func:`simulate` builds a :class:`~models.model.MetroModel`, steps it to the end and
returns a picklable :class:`RunResult`; :func:`write_run` writes the run folder
(manifest, Parquet tables, plots) atomically. Nothing depends on the process or the
machine, so the same scenario, seed and scale give identical tables anywhere.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import invariants
from models.codes import METRO_LABEL, MODE_NAMES, OUTSIDE, SECTOR_NAMES
from models.components.indicators import INDICATOR_NAMES, METRO_ONLY, UNDEFINED_WHEN_EMPTY
from models.components.lever_settings import lever_markers, levers_table
from models.experiments.plots import goal_figures, map_figures, save_figures
from models.model import MetroModel
from models.parameters import resolve
from models.version import MODEL_VERSION, code_version
from sim.calendar import format_month
from sim.memory import release_free_memory
from sim.results import machine, package_versions, write_run_folder
from sim.scenario import Scenario

LARGE_MODEL_ROWS = 1_000_000
"""People rows from which :func:`simulate` collects the finished model before making the
tables (1:1 has about 2.9 million allocated; 0.3 about 0.9 million)."""


@dataclass
class RunResult:
    """What a run produced, in memory.

    Attributes:
        scenario: the scenario that was run (with its seed and scale).
        indicators: tidy table ``date, comune, indicator, value``.
        od: commuting flows ``date, origin, destination, mode, commuters`` (each January).
        firms: firm snapshot ``date, firm_id, sector, employees, comune, founded``.
        timings: seconds: ``init_s``, ``simulate_s`` and per phase.
        agents: counts of rows and live agents at the end.
        peak_rss_mb: peak resident memory of the process so far, MB.
        indicators_left_out: rows not in ``indicators``: ``metro_only`` (comune rows of
            metro-only indicators), ``undefined`` (a comune's share with an empty
            denominator that month).
        checked: whether the accounting identities were checked every month.
    """

    scenario: Scenario
    indicators: pd.DataFrame
    od: pd.DataFrame
    firms: pd.DataFrame
    timings: dict[str, Any] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    indicators_left_out: dict[str, int] = field(default_factory=dict)
    checked: bool = False


def simulate(scenario: Scenario, progress: bool = False, check: bool | None = None) -> RunResult:
    """Run a scenario to its end month and collect its tables.

    Args:
        scenario: a checked scenario.
        progress: show a progress bar on stderr.
        check: check the accounting identities after every phase of every month
            (:mod:`models.invariants`); None follows the ``METROPOLI_CHECK`` variable.

    Raises:
        InvariantError: in check mode, at the first identity that breaks.
    """
    checked = invariants.enabled(check)
    start = time.perf_counter()
    model = MetroModel.from_scenario(scenario)
    if checked:
        invariants.attach(model)
    init_s = time.perf_counter() - start
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=model.end_month - model.month + 1,
            unit="month",
            file=sys.stderr,
            desc=f"{scenario.name} s={scenario.scale:g}",
        )
    try:
        model.run_to_end(bar)
    finally:
        if bar is not None:
            bar.close()
    simulate_s = time.perf_counter() - start
    codes = list(model.territory.codes)
    scale = model.scale
    phases_s = {k: round(v, 4) for k, v in model.plan.seconds.items()}
    agents = {
        "people_rows": model.people.count,
        "people_alive": len(model.people),
        "firm_rows": model.firms.count,
        "firms_alive": len(model.firms),
    }
    records = model.indicators.records
    od_snapshots = model.indicators.od_snapshots
    firm_snapshots = model.indicators.firm_snapshots
    # the model is no longer needed: free it before the result's tables are made. Mesa's
    # agents and the model refer to each other, so only the collector frees it all, and a
    # full collection costs about 0.15 s whatever the scale (the libraries' objects): the
    # tables (about 105 MB at 1:1) are released by hand, and the rest (30 MB at 1:1) is
    # collected only for a large model
    large = model.people.capacity >= LARGE_MODEL_ROWS
    model.people.release()
    model.firms.release()
    del model
    if large:
        gc.collect()
    release_free_memory()
    indicators, left_out = indicator_table(records, codes)
    od = od_table(od_snapshots, codes, scale)
    firms = firm_table(firm_snapshots, codes)
    release_free_memory()  # what making the tables' text columns left behind
    return RunResult(
        scenario=scenario,
        indicators=indicators,
        od=od,
        firms=firms,
        timings={"init_s": init_s, "simulate_s": simulate_s, "phases_s": phases_s},
        agents=agents,
        peak_rss_mb=peak_rss_mb(),
        indicators_left_out=left_out,
        checked=checked,
    )


def indicator_table(
    records: list[tuple[int, np.ndarray]], codes: list[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Tidy indicators from the model's monthly records (indicator × zone arrays).

    Rows that mean "not applicable" are left out: the comuni's rows of the metro-only
    indicators, and a comune's share in a month when its denominator is empty there.

    Returns:
        The table, and how many rows of each kind were left out.
    """
    zones = codes + [METRO_LABEL]
    n_ind, n_zone = len(INDICATOR_NAMES), len(zones)
    months = [format_month(m) for m, _ in records]
    values = np.stack([v for _, v in records]) if records else np.zeros((0, n_ind, n_zone))
    table = pd.DataFrame(
        {
            "date": np.repeat(months, n_ind * n_zone),
            "comune": np.tile(np.repeat(zones, 1), len(months) * n_ind),
            "indicator": np.tile(np.repeat(INDICATOR_NAMES, n_zone), len(months)),
            "value": values.reshape(-1),
        }
    )
    in_comune = np.tile(np.arange(n_zone) < len(codes), len(months) * n_ind)
    metro_only = in_comune & table["indicator"].isin(METRO_ONLY).to_numpy()
    undefined = (
        in_comune
        & table["indicator"].isin(UNDEFINED_WHEN_EMPTY).to_numpy()
        & np.isnan(table["value"].to_numpy())
    )
    keep = ~(metro_only | undefined)
    left_out = {"metro_only": int(metro_only.sum()), "undefined": int(undefined.sum())}
    return table[keep].reset_index(drop=True), left_out


def od_table(
    snapshots: list[tuple[int, np.ndarray]], codes: list[str], scale: float
) -> pd.DataFrame:
    """Commuting flows (full-scale per day) between zones by mode, one snapshot a year."""
    origins = codes + ["outside"]
    frames = []
    for month, od in snapshots:
        o, d, m = np.nonzero(od)
        frames.append(
            pd.DataFrame(
                {
                    "date": format_month(month),
                    "origin": np.asarray(origins)[o],
                    "destination": np.asarray(codes)[d],
                    "mode": np.asarray(MODE_NAMES)[m],
                    "commuters": od[o, d, m] / scale,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["date", "origin", "destination", "mode", "commuters"])
    return pd.concat(frames, ignore_index=True)


def firm_table(
    snapshots: list[tuple[int, dict[str, np.ndarray]]], codes: list[str]
) -> pd.DataFrame:
    """Every live firm each January: id, sector, employees, comune, founding month.

    The snapshots' columns are joined first and made into one frame; the text columns are
    built as object arrays of the few distinct strings (8 bytes a row, where NumPy's
    fixed-width text took 4 bytes a character), which pandas stores as text as before.
    """
    if not snapshots:
        return pd.DataFrame(columns=["date", "firm_id", "sector", "employees", "comune", "founded"])

    def joined(name: str) -> np.ndarray:
        return np.concatenate([snap[name] for _, snap in snapshots])

    counts = [snap["firm_id"].size for _, snap in snapshots]
    dates = np.array([format_month(month) for month, _ in snapshots], dtype=object)
    months, index = np.unique(joined("founded"), return_inverse=True)
    founded = np.array([format_month(int(m)) for m in months], dtype=object)
    return pd.DataFrame(
        {
            "date": np.repeat(dates, counts),
            "firm_id": joined("firm_id").astype(np.int64),
            "sector": np.asarray(SECTOR_NAMES, dtype=object)[joined("sector")],
            "employees": joined("employees").astype(np.int64),
            "comune": np.asarray(codes, dtype=object)[joined("zone")],
            "founded": founded[index],
        }
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def manifest(result: RunResult, write_s: float, plots: list[str]) -> dict[str, Any]:
    """How a result was made: scenario text and hash, seed, scale, versions, timings."""
    s = result.scenario
    return {
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario": {"name": s.name, "source": s.source, "sha256": s.sha256, "text": s.text},
        "seed": s.seed,
        "scale": s.scale,
        "start": format_month(s.start),
        "end": format_month(s.end),
        "parameters": resolve(s.parameters),
        "parameter_overrides": s.parameters,
        "levers": levers_table(s.levers),
        "model_version": MODEL_VERSION,
        "code_version": code_version(),
        "packages": package_versions(),
        "machine": machine(),
        "timings": {
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in result.timings.items()},
            "write_s": round(write_s, 4),
        },
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "agents": result.agents,
        "tables": {
            "indicators.parquet": len(result.indicators),
            "od.parquet": len(result.od),
            "firms.parquet": len(result.firms),
        },
        "indicators_left_out": result.indicators_left_out,
        "invariants_checked": result.checked,
        "plots": plots,
        "zones": {"metro": "the 38 comuni together", "outside": f"zone {OUTSIDE}"},
    }


def write_run(result: RunResult, out: str | Path, plots: bool = True, replace: bool = True) -> Path:
    """Write a run folder atomically: manifest, Parquet tables and (by default) plots.

    Args:
        result: what :func:`simulate` returned.
        out: the folder.
        plots: also write ``plots/``.
        replace: replace ``out`` if it is a results folder; if False an existing ``out``
            raises FileExistsError (see :func:`sim.results.write_run_folder`).
    """
    from models.territory.territory import load_territory

    start = time.perf_counter()
    plot_names: list[str] = []
    markers = lever_markers(result.scenario.levers)

    def extra(folder: Path) -> None:
        if plots:
            figures = goal_figures(result.indicators, markers)
            figures.update(map_figures(result.indicators, load_territory()))
            plot_names.extend(save_figures(figures, folder / "plots"))

    tables = {"indicators": result.indicators, "od": result.od, "firms": result.firms}

    return write_run_folder(
        out,
        lambda: manifest(result, time.perf_counter() - start, plot_names),
        tables,
        extra,
        replace=replace,
    )
