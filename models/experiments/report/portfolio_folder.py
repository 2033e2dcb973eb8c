"""Open and check a portfolio folder (``metropoli portfolio --out DIR``) for its report.

The folder's contract (docs/portfolio.md, "The output folder"): ``portfolio.json`` (the
manifest), ``pareto.csv`` (one row per Pareto portfolio), ``evaluations.csv`` (every
portfolio x state x seed evaluated, long form, with ``baseline`` and ``piano-completo`` as
references), ``convergence.csv`` (hypervolume per generation). Anything missing or of the
wrong shape is one :class:`~sim.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError, shown

MANIFEST = "portfolio.json"
REFERENCE = "piano-completo"
BASELINE = "baseline"
MANIFEST_KEYS = ("objectives", "budget", "search", "states", "evaluations", "projects")
OBJECTIVE_KEYS = ("name", "indicator", "direction", "robustness")
EVALUATION_COLUMNS = (
    "portfolio",
    "pareto_id",
    "generation",
    "sample",
    "state",
    "seed",
    "cost_total_eur",
)
CONVERGENCE_COLUMNS = ("generation", "evaluations", "hypervolume")


@dataclass(frozen=True)
class Objective:
    """One objective of the search: its name, the indicator, the wanted direction (+1/-1)."""

    name: str
    indicator: str
    direction: int
    robustness: str
    years: tuple[int, ...]

    @property
    def wanted(self) -> str:
        """The wanted direction as the manifest says it: ``up`` or ``down``."""
        return "up" if self.direction > 0 else "down"


@dataclass(frozen=True)
class PortfolioFolder:
    """A checked portfolio folder: the manifest and its three tables."""

    path: Path
    manifest: dict[str, Any]
    objectives: tuple[Objective, ...]
    projects: tuple[str, ...]
    pareto: pd.DataFrame
    evaluations: pd.DataFrame
    convergence: pd.DataFrame

    @property
    def names(self) -> list[str]:
        """The objectives' names, in the manifest's order."""
        return [o.name for o in self.objectives]


def is_portfolio_folder(folder: Path) -> bool:
    """Whether ``folder`` is a portfolio folder (it holds ``portfolio.json``)."""
    return (Path(folder) / MANIFEST).is_file()


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("missing (expected a table written by `metropoli portfolio`)", str(path))
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise InputError(f"unreadable CSV ({err.__class__.__name__})", str(path)) from None
    for column in columns:
        if column not in table.columns:
            raise InputError(
                "missing column (expected the portfolio folder's table)", str(path), column
            )
    return table


def _numeric(table: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any():
            raise InputError("expected a number in every row", str(path), column)
        table[column] = values


def _objectives(manifest: Mapping[str, Any], source: str) -> tuple[Objective, ...]:
    entries = manifest["objectives"]
    if not isinstance(entries, list) or not entries:
        raise InputError("expected a non-empty list of objectives", source, "objectives")
    out = []
    for i, entry in enumerate(entries):
        key = f"objectives[{i}]"
        if not isinstance(entry, dict) or any(k not in entry for k in OBJECTIVE_KEYS):
            raise InputError(f"expected a table with {', '.join(OBJECTIVE_KEYS)}", source, key)
        direction = entry["direction"]
        if direction not in ("up", "down"):
            raise InputError(
                f"expected 'up' or 'down', got {shown(direction)}", source, f"{key}.direction"
            )
        years = entry.get("years") or []
        years = years if isinstance(years, list) else [years]
        if not all(isinstance(y, int) for y in years):
            raise InputError(
                f"expected a list of years, got {shown(years)}", source, f"{key}.years"
            )
        out.append(
            Objective(
                name=str(entry["name"]),
                indicator=str(entry["indicator"]),
                direction=1 if direction == "up" else -1,
                robustness=str(entry["robustness"]),
                years=tuple(years),
            )
        )
    return tuple(out)


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"unreadable JSON ({err.__class__.__name__})", str(path)) from None
    if not isinstance(manifest, dict):
        raise InputError("expected a JSON object (the portfolio manifest)", str(path))
    for key in MANIFEST_KEYS:
        if key not in manifest:
            raise InputError(
                "missing (expected the manifest of `metropoli portfolio`)", str(path), key
            )
    budget = manifest["budget"]
    for key in ("yearly_cap_eur", "total_eur"):
        if not isinstance(budget, dict) or not isinstance(budget.get(key), int | float):
            raise InputError("expected a number of EUR", str(path), f"budget.{key}")
    for table, keys in (
        ("search", ("algorithm", "population", "generations", "seed")),
        ("states", ("in_sample", "out_of_sample")),
    ):
        for key in keys:
            if not isinstance(manifest[table], dict) or key not in manifest[table]:
                raise InputError(
                    "missing (expected the manifest of `metropoli portfolio`)",
                    str(path),
                    f"{table}.{key}",
                )
    projects = manifest["projects"]
    if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
        raise InputError("expected a list of project codes", str(path), "projects")
    return manifest


def open_portfolio(folder: str | Path) -> PortfolioFolder:
    """Read and check a portfolio folder.

    Raises:
        InputError: the folder, a file or a column is missing, a value is not a number, or
            ``evaluations.csv`` holds no ``piano-completo`` or no Pareto portfolio.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            "no such folder (expected a folder written by `metropoli portfolio`)", str(folder)
        )
    manifest = _manifest(folder)
    source = str(folder / MANIFEST)
    objectives = _objectives(manifest, source)
    projects = tuple(manifest["projects"])
    names = [o.name for o in objectives]
    decision = [f"{c}.{part}" for c in projects for part in ("funded", "intensity")]
    results = [f"{n}.{s}" for n in names for s in ("in_sample", "out_of_sample")]
    path = folder / "pareto.csv"
    pareto = _read_csv(
        path, ["portfolio", *decision, "cost_total_eur", "cost_peak_year_eur", *results]
    )
    if pareto.empty:
        raise InputError("no Pareto portfolio (expected one row or more)", str(path))
    _numeric(pareto, [*decision, "cost_total_eur", "cost_peak_year_eur", *results], path)
    pareto["portfolio"] = pareto["portfolio"].astype(str)
    path = folder / "evaluations.csv"
    evaluations = _read_csv(path, [*EVALUATION_COLUMNS, *names])
    _numeric(evaluations, ["generation", "seed", "cost_total_eur", *names], path)
    evaluations["pareto_id"] = evaluations["pareto_id"].fillna("").astype(str)
    evaluations["portfolio"] = evaluations["portfolio"].astype(str)
    evaluations["state"] = evaluations["state"].astype(str)
    bad = ~evaluations["sample"].isin(["in", "out"])
    if bad.any():
        raise InputError(
            f"expected 'in' or 'out', got {shown(evaluations['sample'][bad].iloc[0])}",
            str(path),
            "sample",
        )
    if not (evaluations["portfolio"] == REFERENCE).any():
        raise InputError(
            f"no row of {REFERENCE!r} (expected the reference's evaluations)",
            str(path),
            "portfolio",
        )
    missing = set(pareto["portfolio"]) - set(evaluations["pareto_id"])
    if missing:
        raise InputError(
            f"no evaluation of the Pareto portfolio {shown(sorted(missing)[0])}",
            str(path),
            "pareto_id",
        )
    path = folder / "convergence.csv"
    convergence = _read_csv(path, CONVERGENCE_COLUMNS)
    _numeric(convergence, CONVERGENCE_COLUMNS, path)
    return PortfolioFolder(folder, manifest, objectives, projects, pareto, evaluations, convergence)
