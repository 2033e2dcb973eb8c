"""The batch file of the Turin model: what a batch may vary, and the file read and checked.

The generic half of a batch file (``[run]``, ``[design]``, ``[uncertainties]``,
``[levers]``) is checked by :mod:`sim.experiments.batchfile`; this module says what is
Turin's:

* **addressable names** (:func:`addressable`): every model parameter (default range: its
  plausible range), every lever's effect size as ``CODE.hook`` (default range: the
  effect's prior), and every lever's delivery ``CODE.intensity``, ``CODE.start`` and
  ``CODE.ramp_months`` (usable as levers of the experiment);
* **the batch file** (:func:`load_batch`, :func:`parse_batch`): scenario files or inline
  lever tables, seeds, months, scale, a design, checked into a :class:`BatchSpec`.

:mod:`models.experiments.expansion` expands a :class:`BatchSpec` into concrete runs;
:mod:`models.experiments.batch` runs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from models.components.levers import MAX_RAMP_MONTHS, SPECS
from models.experiments import scenario as scenarios
from models.hooks import HOOKS
from models.parameters import PARAMETERS
from sim.calendar import format_month, parse_month
from sim.errors import InputError
from sim.experiments.batchfile import (
    BatchRun,
    check_design,
    check_run,
    check_top,
    check_varied,
    is_batch,
    month_in_run,
)
from sim.experiments.designs import POINTS, POSTERIOR, Design
from sim.experiments.points import check_points, read_table
from sim.experiments.uncertainties import INTEGER, MONTH, REAL, Addressable, Uncertainty
from sim.scenario import Scenario, scenario_from_data
from sim.tomlfile import check_keys, read_toml

UNKNOWN_NAME = (
    "expected a model parameter (metropoli parameters), CODE.hook for a lever's effect "
    "size (metropoli levers), or CODE.intensity, CODE.start, CODE.ramp_months"
)
SCENARIO_ENTRY_KEYS = {"file", "name", "description", "levers", "parameters"}


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
            (parse_month(scenarios.FIRST_MONTH), parse_month(scenarios.LAST_MONTH)),
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


def load_batch(path: str | Path, scale: float | None = None, seeds: int | None = None) -> BatchSpec:
    """Read and check a batch file (``scale`` and ``seeds`` override its ``[run]``)."""
    text, data = read_toml(path, "a batch TOML file")
    if not is_batch(data):
        raise InputError(
            "this is a scenario file (no [[scenarios]], [design] or seeds), not a batch: "
            f"run it with `metropoli run {path}`",
            str(path),
        )
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
    run = check_run(
        data.get("run"),
        source,
        schema.first_month,
        schema.last_month,
        scale,
        seeds,
        schema.min_scale,
    )
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
    if design.kind == POINTS:
        table = read_table(folder / design.file, source, "design.file")
        design, uncertainties = points_design(design, table, run, source, "design.file")
    check_active(uncertainties, levers, checked, source)
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


def check_active(
    uncertainties: Sequence[Uncertainty],
    levers: Sequence[Uncertainty],
    checked: Mapping[str, Scenario],
    source: str,
) -> None:
    """Refuse a lever's name when that lever is in none of the scenarios (it would do nothing).

    Raises:
        InputError: ``lever CODE is active in none of the batch's scenarios``.
    """
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


def posterior_design(design: Design, folder: Path, source: str) -> tuple[Design, list[Uncertainty]]:
    """A posterior design's rows (its sample's first ``samples`` draws) and their names.

    Each point is one joint draw of the calibrated parameters, so a batch propagates the
    posterior's uncertainty, correlations included (docs/calibration.md). Without a
    ``file``, the draws are the shipped calibration's (``CALIBRATED_POSTERIOR``).
    """
    from models.parameters import CALIBRATED_POSTERIOR, bounds
    from sim.experiments.posterior import sample_points

    path = folder / design.file if design.file else CALIBRATED_POSTERIOR
    table = sample_points(path, bounds(), design.samples or None, source, "design.file")
    names = list(table.columns)
    uncertainties = [
        Uncertainty(n, REAL, float(table[n].min()), float(table[n].max())) for n in names
    ]
    rows = tuple(tuple(float(v) for v in row) for row in table.itertuples(index=False))
    return replace(design, samples=len(rows), rows=rows), uncertainties


def points_design(
    design: Design, table: pd.DataFrame, run: BatchRun, source: str, key: str
) -> tuple[Design, list[Uncertainty]]:
    """A points design: the table's rows, checked, and an uncertainty per column.

    Any name a batch may vary (or its alias) may be a column; each row is one design
    point, run as it is (no sampling, no crossing but with the ``[levers]`` options).
    """
    names = {n: month_in_run(a, run) if a.kind == MONTH else a for n, a in addressable().items()}
    rows, uncertainties = check_points(table, names, source, key, UNKNOWN_NAME)
    return replace(design, samples=len(rows), rows=rows), uncertainties


def _scenario(entry: Any, i: int, run: BatchRun, source: str, folder: Path) -> Scenario:
    key = f"scenarios[{i}]"
    if not isinstance(entry, dict):
        raise InputError("expected a [[scenarios]] table", source, key)
    check_keys(entry, SCENARIO_ENTRY_KEYS, source, key)
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
