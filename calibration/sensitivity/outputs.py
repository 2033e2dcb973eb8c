"""A sensitivity stage's outputs, read from its batch store.

Each calibration target's statistic (:mod:`calibration.targets`, the targets the stage's
months cover) and each goal's headline indicator
(:data:`models.components.indicators.HEADLINE_INDICATORS`): its metro mean in the stage's
last year. With levers in a stage a goal's output is the plan minus the baseline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from calibration.sensitivity.spec import SensitivitySpec


def output_names(spec: SensitivitySpec, end: str, paired: bool) -> list[str]:
    """The stage's outputs: ``target.NAME`` (those its months cover), ``goalN.INDICATOR``.

    With ``paired`` (levers in the stage) a goal's output is the plan minus the baseline,
    ``goalN.INDICATOR.diff``; the targets are read on the baseline.
    """
    out = [f"target.{t.name}" for t in _targets(spec, end)]
    if spec.goals:
        from models.components.indicators import HEADLINE_INDICATORS

        suffix = ".diff" if paired else ""
        out += [f"goal{n}.{ind}{suffix}" for n, ind in sorted(HEADLINE_INDICATORS.items())]
    return out


def _targets(spec: SensitivitySpec, end: str) -> tuple[Any, ...]:
    if not spec.targets:
        return ()
    from calibration.targets import load_targets
    from sim.calendar import parse_month

    return tuple(t for t in load_targets() if t.last_month <= parse_month(end))


def run_outputs(spec: SensitivitySpec, rows: pd.DataFrame, end: str) -> pd.DataFrame:
    """Each run's outputs (unpaired): one row per run_id, a column per output.

    Args:
        spec: the sensitivity.
        rows: the store's metro monthly indicator rows.
        end: the stage's last month (its year is the goals' year).
    """
    from models.components.indicators import HEADLINE_INDICATORS

    rows = rows.sort_values(["run_id", "indicator", "date"], kind="stable")
    columns = []
    targets = _targets(spec, end)
    if targets:
        from calibration.targets import statistics_from_rows

        stats = statistics_from_rows(targets, rows)
        columns.append(stats.rename(columns=lambda c: f"target.{c}"))
    if spec.goals:
        year = rows[rows["date"].str.startswith(end[:4])]
        for n, ind in sorted(HEADLINE_INDICATORS.items()):
            means = year[year["indicator"] == ind].groupby("run_id", sort=True)["value"].mean()
            columns.append(means.rename(f"goal{n}.{ind}").to_frame())
    table = pd.concat(columns, axis=1).sort_index()
    table.index.name = "run_id"
    return table


def _indicators(spec: SensitivitySpec, end: str) -> list[str]:
    from models.components.indicators import HEADLINE_INDICATORS

    names = {t.indicator for t in _targets(spec, end)}
    if spec.goals:
        names |= set(HEADLINE_INDICATORS.values())
    return sorted(names)


def store_outputs(spec: SensitivitySpec, folder: Path, end: str) -> pd.DataFrame:
    """Each cell of the store (scenario, point, seed, run_id) with its run's outputs."""
    from sim.experiments.analysis import Batch

    batch = Batch.open(folder)
    rows = batch.indicators(indicator=_indicators(spec, end), comune="metro", period="month")
    outputs = run_outputs(spec, rows, end)
    cells = batch.design()[["scenario", "point", "seed", "run_id"]]
    return cells.merge(outputs, left_on="run_id", right_index=True, how="left")
