"""``metropoli sensitivity``: Morris screening, then Sobol indices on what matters.

A sensitivity file (``calibration/examples/sensitivity-small.toml`` documents every key)
names the behavioural parameters to screen, the Sobol stage's inputs and the outputs.
The command runs two stages, each a batch store inside the output folder, so that the
batch machinery (:mod:`models.experiments.batch`, :mod:`sim.experiments`) does the runs, the resume
after a crash and the Dask workers:

1. **Morris** (``OUT/morris/``): the baseline (no lever) over a Morris design of the
   parameters, each over its plausible range (``metropoli parameters``). Elementary
   effects are taken on the unit-cube sample the design used (SALib), so a parameter's
   units and range do not matter and the steps are exact.
2. **Sobol** (``OUT/sobol/``): a Saltelli sample (SALib) of the ``top`` parameters by
   Morris μ* (each output's μ* divided by that output's largest, averaged over the
   outputs), the parameters forced in, and optionally lever effect sizes ``CODE.hook``
   (grouped per project with SALib groups by default). With levers, every point is run
   twice, the baseline and the plan (``scenarios/piano-completo.toml`` by default) with
   the point's effect sizes, paired by seed; the goals' outputs are then the plan minus
   the baseline.

Outputs: each calibration target's statistic (:mod:`calibration.targets`) and each goal's
headline indicator (:data:`models.components.indicators.HEADLINE_INDICATORS`): its metro mean in the
stage's last year. Seeds are averaged per design point before SALib sees them.

Files in ``OUT/``: ``sensitivity.json`` (what this folder is), ``morris.csv``,
``sobol.csv``, ``sobol_inputs.json`` (the Sobol stage's inputs and why each was chosen),
``morris.png``, ``sobol.png``. Every file is written whole or not at all, and only when its
content changes: the same command again resumes the stores and gives the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLAN = ROOT / "scenarios" / "piano-completo.toml"
TOP_KEYS = {"name", "description", "seed", "run", "morris", "sobol", "outputs"}
MORRIS_KEYS = {"parameters", "trajectories", "levels", "end", "seeds"}
SOBOL_KEYS = {"top", "parameters", "levers", "group", "samples", "end", "plan", "seeds"}
OUTPUT_KEYS = {"targets", "goals"}
GROUPS = ("project", "effect")
IDENTITY = "sensitivity.json"
MORRIS_DIR, SOBOL_DIR = "morris", "sobol"
RESAMPLES = 1000  # bootstrap resamples of the confidence intervals
CONF_LEVEL = 0.95
EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130
MORRIS_COLUMNS = ["output", "parameter", "mu", "mu_star", "sigma", "mu_star_conf"]
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


# ---------------------------------------------------------------------- the file
@dataclass(frozen=True)
class SensitivitySpec:
    """A checked sensitivity file (command-line overrides applied).

    Attributes:
        name: its name (the file's stem unless given).
        source: the file.
        description: free text.
        seed: the samplers' seed (the bootstraps use ``seed + 1``).
        start: first month, ``YYYY-MM``.
        scale: the runs' scale.
        morris_seeds: the Morris stage's seeds (averaged per design point).
        sobol_seeds: the Sobol stage's seeds (averaged per design point).
        morris_end: the Morris stage's last month.
        morris_parameters: the screened parameters, in order.
        skipped: integer parameters left out of ``parameters = "all"``.
        trajectories: Morris trajectories.
        levels: Morris grid levels.
        sobol: whether there is a Sobol stage.
        sobol_end: the Sobol stage's last month.
        top: how many parameters Morris chooses for the Sobol stage.
        forced: parameters forced into the Sobol stage.
        levers: lever effect sizes ``CODE.hook`` in the Sobol stage.
        group: ``project`` (one Sobol group per project's effects) or ``effect``.
        samples: Saltelli base sample (a power of 2).
        plan: the plan scenario file the levers act in.
        plan_levers: its ``[levers]`` tables as written.
        targets: the calibration targets are outputs.
        goals: the goals' headline indicators are outputs.
    """

    name: str
    source: str
    description: str
    seed: int
    start: str
    scale: float
    morris_seeds: tuple[int, ...]
    sobol_seeds: tuple[int, ...]
    morris_end: str
    morris_parameters: tuple[str, ...]
    skipped: tuple[str, ...]
    trajectories: int
    levels: int
    sobol: bool
    sobol_end: str
    top: int
    forced: tuple[str, ...]
    levers: tuple[str, ...]
    group: str
    samples: int
    plan: str
    plan_levers: dict[str, Any] = field(default_factory=dict)
    targets: bool = True
    goals: bool = True

    def settings(self) -> dict[str, Any]:
        """What the analysis depends on (not the file's name, comments or description)."""
        out = asdict(self)
        for key in ("source", "description", "plan"):
            out.pop(key)
        out["morris_seeds"] = list(self.morris_seeds)
        out["sobol_seeds"] = list(self.sobol_seeds)
        return out

    @property
    def sha256(self) -> str:
        """Hash of :meth:`settings`: which sensitivity an output folder holds."""
        text = json.dumps(self.settings(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_sensitivity(
    path: str | Path, scale: float | None = None, seeds: int | None = None
) -> SensitivitySpec:
    """Read and check a sensitivity file (``scale`` and ``seeds`` override its ``[run]``).

    Raises:
        InputError: naming the file and key: an unknown key, an unknown or integer
            parameter, an unknown lever effect, a value of the wrong type or out of range.
    """
    from models.experiments.batch import read_toml

    text, data = read_toml(path)
    return parse_sensitivity(data, str(path), Path(path).stem, Path(path).parent, scale, seeds)


def parse_sensitivity(
    data: Mapping[str, Any],
    source: str,
    name: str,
    folder: Path,
    scale: float | None = None,
    seeds: int | None = None,
) -> SensitivitySpec:
    """Check a sensitivity document; a ``plan`` file is read relative to ``folder``."""
    from models.experiments import scenario as scenarios
    from sim.calendar import format_month
    from sim.experiments.batchfile import check_run

    _unknown(data, TOP_KEYS, source, "")
    for key in ("name", "description"):
        if key in data and (not isinstance(data[key], str) or not data[key]):
            raise InputError("expected text", source, key)
    seed = data.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32 - 1:
        raise InputError("expected a non-negative integer seed below 2**32 - 1", source, "seed")
    schema = scenarios.schema()
    run = check_run(data.get("run"), source, schema.first_month, schema.last_month, scale, seeds)
    morris = _table(data, "morris", source, required=True)
    _unknown(morris, MORRIS_KEYS, source, "morris")
    params, skipped = _parameters(morris.get("parameters", "all"), source, "morris.parameters")
    trajectories = _integer(morris.get("trajectories", 4), 2, 10**5, source, "morris.trajectories")
    levels = _integer(morris.get("levels", 4), 2, 1000, source, "morris.levels")
    if levels % 2:
        raise InputError(
            f"expected an even number of levels, got {levels}", source, "morris.levels"
        )
    morris_end = _end(morris, run, schema.last_month, source, "morris.end")
    outputs = _table(data, "outputs", source, required=False)
    _unknown(outputs, OUTPUT_KEYS, source, "outputs")
    flags = {}
    for key in sorted(OUTPUT_KEYS):
        value = outputs.get(key, True)
        if not isinstance(value, bool):
            raise InputError("expected true or false", source, f"outputs.{key}")
        flags[key] = value
    if not any(flags.values()):
        raise InputError("expected at least one output (targets or goals)", source, "outputs")
    sobol = _table(data, "sobol", source, required=False)
    _unknown(sobol, SOBOL_KEYS, source, "sobol")
    has_sobol = "sobol" in data
    top = _integer(sobol.get("top", 4), 0, len(params), source, "sobol.top")
    forced_raw = sobol.get("parameters", [])
    if not isinstance(forced_raw, list):
        raise InputError("expected a list of parameter names", source, "sobol.parameters")
    forced = (
        _parameters(forced_raw, source, "sobol.parameters", empty=True)[0] if forced_raw else ()
    )
    group = sobol.get("group", "project")
    if group not in GROUPS:
        raise InputError(
            f"expected one of {', '.join(GROUPS)}, got {group!r}", source, "sobol.group"
        )
    samples = _integer(sobol.get("samples", 8), 2, 2**20, source, "sobol.samples")
    if samples & (samples - 1):
        raise InputError(
            f"expected a power of 2 for a Sobol sample (Saltelli's scheme), got {samples}",
            source,
            "sobol.samples",
        )
    sobol_end = _end(sobol, run, schema.last_month, source, "sobol.end")
    plan_path, plan_levers = DEFAULT_PLAN, {}
    levers_raw = sobol.get("levers", [])
    if "plan" in sobol:
        if not isinstance(sobol["plan"], str) or not sobol["plan"]:
            raise InputError("expected a scenario file's path as text", source, "sobol.plan")
        plan_path = folder / sobol["plan"]
        if not plan_path.is_file():
            raise InputError(
                f"no such scenario file {str(plan_path)!r} (paths are relative to this file)",
                source,
                "sobol.plan",
            )
    levers: tuple[str, ...] = ()
    if levers_raw:
        from models.experiments.batch import read_toml

        plan_levers = dict(read_toml(plan_path)[1].get("levers") or {})
        levers = _levers(levers_raw, plan_levers, source)
    elif not isinstance(levers_raw, list):
        raise InputError('expected "all" or a list of CODE.hook or CODE', source, "sobol.levers")
    if has_sobol and not (top or forced or levers):
        raise InputError(
            "the Sobol stage has no input (expected top > 0, parameters or levers)", source, "sobol"
        )
    return SensitivitySpec(
        name=data.get("name", name),
        source=source,
        description=data.get("description", ""),
        seed=int(seed),
        start=format_month(run.start),
        scale=run.scale,
        morris_seeds=_stage_seeds(morris, run.seeds, seeds, source, "morris.seeds"),
        sobol_seeds=_stage_seeds(sobol, run.seeds, seeds, source, "sobol.seeds"),
        morris_end=morris_end,
        morris_parameters=params,
        skipped=skipped,
        trajectories=trajectories,
        levels=levels,
        sobol=has_sobol,
        sobol_end=sobol_end,
        top=top,
        forced=forced,
        levers=levers,
        group=group,
        samples=samples,
        plan=str(plan_path),
        plan_levers={code: plan_levers[code] for code in sorted({n.split(".")[0] for n in levers})},
        targets=flags["targets"],
        goals=flags["goals"],
    )


def _unknown(table: Mapping[str, Any], keys: set[str], source: str, prefix: str) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        where = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise InputError(f"unknown key (expected one of {sorted(keys)})", source, where)


def _table(data: Mapping[str, Any], key: str, source: str, required: bool) -> dict[str, Any]:
    if key not in data:
        if required:
            raise InputError(f"missing [{key}] table", source, key)
        return {}
    if not isinstance(data[key], dict):
        raise InputError(f"expected a [{key}] table", source, key)
    return data[key]


def _integer(value: Any, low: int, high: int, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(
            f"expected a whole number from {low} to {high}, got {value!r}", source, key
        )
    return int(value)


def _end(table: Mapping[str, Any], run: Any, last: int, source: str, key: str) -> str:
    from sim.calendar import format_month
    from sim.scenario import check_month

    if "end" not in table:
        return format_month(run.end)
    return format_month(check_month(table["end"], source, key, run.start, last))


def _stage_seeds(
    table: Mapping[str, Any],
    run: tuple[int, ...],
    override: int | None,
    source: str,
    key: str,
) -> tuple[int, ...]:
    """A stage's seeds: ``--seeds``, else the stage's ``seeds``, else ``[run] seeds``."""
    if override is not None or "seeds" not in table:
        return run
    value = table["seeds"]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100_000:
        return tuple(range(1, value + 1))
    if isinstance(value, list) and value:
        if all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63 for v in value):
            if len(set(value)) == len(value):
                return tuple(value)
    raise InputError(
        f"expected a number of seeds (1..N) or a list of distinct seeds, got {value!r}",
        source,
        key,
    )


def _parameters(
    value: Any, source: str, key: str, empty: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The named real parameters, and the integer ones ``"all"`` leaves out."""
    from models.experiments.batch import addressable
    from models.parameters import PARAMETERS
    from sim.experiments.uncertainties import REAL

    names = addressable()
    if value == "all":
        real = tuple(p for p in PARAMETERS if names[p].kind == REAL)
        return real, tuple(p for p in PARAMETERS if names[p].kind != REAL)
    if not isinstance(value, list) or (not value and not empty):
        raise InputError('expected "all" or a non-empty list of parameter names', source, key)
    for i, p in enumerate(value):
        if not isinstance(p, str) or p not in PARAMETERS:
            raise InputError(
                f"unknown parameter {p!r} (expected a model parameter: metropoli parameters)",
                source,
                f"{key}[{i}]",
            )
        if names[p].kind != REAL:
            raise InputError(
                f"{p!r} takes whole numbers; screening takes real-valued parameters only "
                '(parameters = "all" leaves the integer ones out)',
                source,
                f"{key}[{i}]",
            )
    if len(set(value)) != len(value):
        raise InputError("a parameter is listed twice", source, key)
    return tuple(value), ()


def _levers(value: Any, plan: Mapping[str, Any], source: str) -> tuple[str, ...]:
    """Every effect size ``CODE.hook`` named by ``value`` (``"all"``, codes, CODE.hook)."""
    from models.components.levers import SPEC_BY_CODE

    key = "sobol.levers"
    active = [c for c in plan if c in SPEC_BY_CODE]
    if value == "all":
        items: list[Any] = active
    elif isinstance(value, list):
        items = value
    else:
        raise InputError('expected "all" or a list of CODE.hook or CODE', source, key)
    out: list[str] = []
    for i, item in enumerate(items):
        code, _, hook = item.partition(".") if isinstance(item, str) else ("", "", "")
        if code not in SPEC_BY_CODE:
            raise InputError(
                f"unknown lever effect {item!r} (expected CODE.hook or CODE: metropoli levers)",
                source,
                f"{key}[{i}]",
            )
        hooks = [e.hook for e in SPEC_BY_CODE[code].effects]
        if hook and hook not in hooks:
            raise InputError(
                f"{code} has no effect {hook!r} (expected one of {', '.join(hooks)})",
                source,
                f"{key}[{i}]",
            )
        if code not in plan:
            raise InputError(
                f"lever {code} is not in the plan scenario (add it there, or set sobol.plan)",
                source,
                f"{key}[{i}]",
            )
        for h in [hook] if hook else hooks:
            if f"{code}.{h}" in out:
                raise InputError(f"{code}.{h} is listed twice", source, f"{key}[{i}]")
            out.append(f"{code}.{h}")
    return tuple(out)


# ---------------------------------------------------------------------- outputs of runs
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


def _store_outputs(spec: SensitivitySpec, folder: Path, end: str) -> pd.DataFrame:
    from sim.experiments.analysis import Batch

    batch = Batch.open(folder)
    rows = batch.indicators(indicator=_indicators(spec, end), comune="metro", period="month")
    outputs = run_outputs(spec, rows, end)
    cells = batch.design()[["scenario", "point", "seed", "run_id"]]
    return cells.merge(outputs, left_on="run_id", right_index=True, how="left")


# ---------------------------------------------------------------------- the stages' batches
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
    """Saltelli's sample on the unit cube (first and total order), rows in run order."""
    from SALib.sample import sobol

    return sobol.sample(inputs.problem(), spec.samples, calc_second_order=False, seed=spec.seed)


def sobol_batch(spec: SensitivitySpec, inputs: SobolInputs, unit: np.ndarray) -> dict[str, Any]:
    """The Sobol stage as a batch document: one inline scenario per sample row.

    Without levers, row ``i`` is scenario ``pNNNNN``; with levers it is the pair
    ``base-NNNNN`` (no lever) and ``plan-NNNNN`` (the plan with the row's effect sizes).
    Rows that share their parameters share their baseline run (same run id).
    """
    from models.experiments.batch import addressable
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
    from models.experiments.batch import batch_document, expand, parse_batch

    text = json.dumps(document, sort_keys=True, indent=1) + "\n"
    source = f"{spec.source} ({stage} stage)"
    batch = parse_batch(text, document, source, document["name"], Path(spec.source).parent)
    expanded = expand(batch)
    return batch, expanded, batch_document(batch, expanded)


# ---------------------------------------------------------------------- analysis
def morris_table(spec: SensitivitySpec, folder: Path) -> pd.DataFrame:
    """Morris indices of every output for every screened parameter (``morris.csv``)."""
    from SALib.analyze import morris

    from sim.experiments.designs import MORRIS, Design, unit_sample

    d = len(spec.morris_parameters)
    unit = unit_sample(Design(MORRIS, spec.trajectories, spec.seed, spec.levels), d)
    cells = _store_outputs(spec, folder, spec.morris_end)
    outputs = output_names(spec, spec.morris_end, paired=False)
    y = cells.groupby("point", sort=True)[outputs].mean()  # seeds averaged
    problem = {"num_vars": d, "names": list(spec.morris_parameters), "bounds": [[0.0, 1.0]] * d}
    frames = []
    for name in outputs:
        values = y[name].to_numpy(float)
        if len(values) != len(unit) or not np.isfinite(values).all():
            continue
        with warnings.catch_warnings():  # SALib warns of constant subsets; the table shows them
            warnings.simplefilter("ignore")
            result = morris.analyze(
                problem,
                unit,
                values,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=spec.levels,
                seed=spec.seed + 1,
            )
        frame = pd.DataFrame(
            {
                "output": name,
                "parameter": list(spec.morris_parameters),
                "mu": np.asarray(result["mu"], float),
                "mu_star": np.asarray(result["mu_star"], float),
                "sigma": np.asarray(result["sigma"], float),
                "mu_star_conf": np.asarray(result["mu_star_conf"], float),
            }
        )
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=MORRIS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MORRIS_COLUMNS]


def sobol_outputs(spec: SensitivitySpec, folder: Path) -> pd.DataFrame:
    """Each sample row's outputs for each seed (paired differences with levers).

    Returns:
        one row per ``(row, seed)``, a column per output of the stage.
    """
    cells = _store_outputs(spec, folder, spec.sobol_end)
    index = cells["scenario"].str.rsplit("-", n=1).str[-1].str.lstrip("p").astype(int)
    cells = cells.assign(row=index)
    names = output_names(spec, spec.sobol_end, paired=bool(spec.levers))
    if not spec.levers:
        return cells.set_index(["row", "seed"]).sort_index()[names]
    base = cells[cells["scenario"].str.startswith("base-")].set_index(["row", "seed"])
    plan = cells[cells["scenario"].str.startswith("plan-")].set_index(["row", "seed"])
    plan = plan.reindex(base.index)
    paired = base[[n for n in names if n.startswith("target.")]].copy()
    for n in names:
        if n.endswith(".diff"):
            paired[n] = plan[n[: -len(".diff")]] - base[n[: -len(".diff")]]
    return paired.sort_index()[names]


def seed_noise(per_seed: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Per output: its variance over the sample (seeds averaged), and how much is noise.

    The noise is the mean seed-to-seed variance of a row divided by the seeds (the
    variance of a mean of seeds); its share is that over the variance. A share near 1
    means the sample's spread is mostly noise: its indices mean little.
    """
    out: dict[str, dict[str, float | None]] = {}
    n = per_seed.groupby(level="row").size().min()
    means = per_seed.groupby(level="row", sort=True).mean()
    for name in per_seed.columns:
        total = float(means[name].var(ddof=1))
        noise = float(per_seed[name].groupby(level="row").var(ddof=1).mean()) / n if n > 1 else None
        share = noise / total if noise is not None and total > 0 else None
        out[name] = {
            "variance": _rounded(total),
            "seed_noise_share": _rounded(share),
        }
    return out


def _rounded(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(f"{x:.6g}")


def sobol_table(
    spec: SensitivitySpec, folder: Path, inputs: SobolInputs, unit: np.ndarray
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """Sobol first and total indices per output and input group (``sobol.csv``).

    Returns:
        the table, the outputs left out (each with why: constant, or not computed), and
        each output's variance and seed-noise share (:func:`seed_noise`).
    """
    from SALib.analyze import sobol

    per_seed = sobol_outputs(spec, folder)
    y = per_seed.groupby(level="row", sort=True).mean().reindex(range(len(unit)))
    frames, left_out = [], []
    problem = inputs.problem()
    for name in output_names(spec, spec.sobol_end, paired=bool(spec.levers)):
        values = y[name].to_numpy(float)
        if not np.isfinite(values).all():
            left_out.append(f"{name}: not computed in some runs")
            continue
        step = len(inputs.group_names) + 2  # Saltelli's blocks: A, AB_1..AB_D, B
        if np.ptp(np.r_[values[0::step], values[step - 1 :: step]]) == 0.0:
            left_out.append(f"{name}: constant over the base samples A and B (no variance)")
            continue
        with warnings.catch_warnings():  # SALib warns of constant subsets; the table shows them
            warnings.simplefilter("ignore")
            result = sobol.analyze(
                problem,
                values,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=spec.seed + 1,
            )
        frames.append(
            pd.DataFrame(
                {
                    "output": name,
                    "parameter": inputs.group_names,
                    "S1": np.asarray(result["S1"], float),
                    "S1_conf": np.asarray(result["S1_conf"], float),
                    "ST": np.asarray(result["ST"], float),
                    "ST_conf": np.asarray(result["ST_conf"], float),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table.reindex(columns=SOBOL_COLUMNS), left_out, seed_noise(per_seed)


# ---------------------------------------------------------------------- plots
def morris_figure(table: pd.DataFrame, title: str, top: int = 8) -> Any:
    """One panel per output: the ``top`` parameters' μ* with their bootstrap intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    return _panels(outputs, title, lambda ax, name: _morris_panel(ax, table, name, top))


def _morris_panel(ax: Any, table: pd.DataFrame, name: str, top: int) -> None:
    rows = table[table["output"] == name].sort_values(
        ["mu_star", "parameter"], ascending=[False, True], kind="stable"
    )
    rows = rows.head(top).iloc[::-1]
    y = np.arange(len(rows))
    ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], color="#1f4e79", ecolor="#888888")
    ax.scatter(rows["sigma"], y, color="#c0392b", marker="|", s=120, zorder=3, label="sigma")
    ax.set_yticks(y, rows["parameter"], fontsize=7)
    ax.set_title(name, fontsize=9)
    ax.tick_params(axis="x", labelsize=7)


def sobol_figure(table: pd.DataFrame, title: str) -> Any:
    """One panel per output: S1 and ST of each input with their 95% intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    return _panels(outputs, title, lambda ax, name: _sobol_panel(ax, table, name))


def _sobol_panel(ax: Any, table: pd.DataFrame, name: str) -> None:
    rows = table[table["output"] == name].iloc[::-1]
    y = np.arange(len(rows))
    ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color="#c0392b", label="ST")
    ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color="#1f4e79", label="S1")
    ax.axvline(0.0, color="#444444", lw=0.6)
    ax.set_yticks(y, rows["parameter"], fontsize=7)
    ax.set_title(name, fontsize=9)
    ax.tick_params(axis="x", labelsize=7)


def _panels(outputs: Sequence[str], title: str, draw: Any, ncols: int = 3) -> Any:
    from matplotlib.figure import Figure

    n = max(len(outputs), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols, 2.9 * nrows + 0.7), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, outputs, strict=False):
        draw(ax, name)
    for ax in axes[len(outputs) :]:
        ax.set_axis_off()
    if outputs:
        axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    return fig


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


# ---------------------------------------------------------------------- the command
def run_sensitivity_file(
    path: str | Path,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    scale: float | None = None,
    seeds: int | None = None,
    progress: bool = True,
) -> int:
    """Run (or resume) a sensitivity analysis and write its tables and plots.

    Args:
        path: the sensitivity TOML file.
        out: the output folder (default ``results/sensitivity-<name>``).
        workers: local Dask worker processes; 1 runs in this process.
        scheduler: an existing Dask scheduler's address.
        scale: overrides ``[run] scale``.
        seeds: overrides every stage's seeds (seeds 1..N).
        progress: progress bars and a summary on stderr and stdout.

    Returns:
        0 when every table is written, 1 when some runs failed (run again to retry),
        130 when interrupted.

    Raises:
        InputError: bad input (nothing is written) or an output folder holding
            something else.
    """
    from sim.experiments.executors import ExecutorOptions, ExecutorSession

    options = ExecutorOptions(workers, scheduler)
    spec = load_sensitivity(path, scale=scale, seeds=seeds)
    folder = Path(out) if out is not None else Path("results") / f"sensitivity-{spec.name}"
    morris_doc = checked_batch(morris_batch(spec), spec, "morris")
    _check_folder(folder, spec, morris_doc[2])
    try:
        with ExecutorSession(options) as executors:
            runner = _Runner(executors, progress)
            _write_identity(folder, spec)
            if not runner.run(folder / MORRIS_DIR, morris_doc, "morris"):
                return EXIT_FAILED_RUNS
            morris = morris_table(spec, folder / MORRIS_DIR)
            _write(folder / "morris.csv", _csv(morris))
            title = (
                "Morris mu* (bars, 95% bootstrap) and sigma (|) on the unit cube, seeds "
                "averaged\n"
                f"metropoli sensitivity {spec.source}"
            )
            _write(folder / "morris.png", _png(morris_figure(morris, title)))
            if not spec.sobol:
                return 0
            inputs = sobol_inputs(spec, morris)
            unit = sobol_sample(spec, inputs)
            sobol_doc = checked_batch(sobol_batch(spec, inputs, unit), spec, "sobol")
            if not (folder / "sobol_inputs.json").exists():  # the choice, before the runs
                _write(folder / "sobol_inputs.json", _inputs_json(spec, inputs, morris, unit, None))
            if not runner.run(folder / SOBOL_DIR, sobol_doc, "sobol"):
                return EXIT_FAILED_RUNS
            table, left_out, noise = sobol_table(spec, folder / SOBOL_DIR, inputs, unit)
            _write(folder / "sobol.csv", _csv(table))
            analysed = {"outputs_left_out": left_out, "outputs": noise}
            _write(folder / "sobol_inputs.json", _inputs_json(spec, inputs, morris, unit, analysed))
            title = (
                "Sobol S1 and ST (95% bootstrap intervals), seeds averaged\n"
                f"metropoli sensitivity {spec.source}"
            )
            _write(folder / "sobol.png", _png(sobol_figure(table, title)))
    except KeyboardInterrupt:
        print(
            f"metropoli: interrupted; the finished runs are stored in {folder}; run the same "
            "command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if progress:
        print(f"sensitivity {spec.name}: tables and plots in {folder}")
    return 0


def _check_folder(folder: Path, spec: SensitivitySpec, morris_document: Mapping[str, Any]) -> None:
    """Refuse, writing nothing, a folder that holds something other than this sensitivity."""
    from sim.experiments.store import BatchStore

    source = str(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder (expected an output folder)", source)
    if not folder.exists():
        return
    identity = folder / IDENTITY
    if identity.exists():
        try:
            held = json.loads(identity.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(
                f"{IDENTITY} is unreadable ({err.__class__.__name__})", source
            ) from None
        if held.get("sha256") != spec.sha256:
            raise InputError(
                f"holds a different sensitivity ({held.get('name', '?')!r}, settings "
                f"{str(held.get('sha256'))[:12]}) than {spec.name!r} (settings "
                f"{spec.sha256[:12]}); choose another --out or remove the folder",
                source,
            )
        BatchStore.verify(folder / MORRIS_DIR, morris_document)
        return
    foreign = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    if foreign:
        raise InputError(
            f"is not empty and holds no sensitivity (found {sorted(foreign)[0]!r}; expected a "
            "new folder or a sensitivity output folder)",
            source,
        )


def _write_identity(folder: Path, spec: SensitivitySpec) -> None:
    document = {
        "name": spec.name,
        "source": spec.source,
        "description": spec.description,
        "sha256": spec.sha256,
        "settings": spec.settings(),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the folder ({err.strerror or err})", str(folder)) from None
    if not (folder / IDENTITY).exists():
        _write(folder / IDENTITY, (json.dumps(document, indent=1) + "\n").encode("utf-8"))


class _Runner:
    """Runs a stage's batch into its store through the batch driver."""

    def __init__(self, executors: Any, progress: bool) -> None:
        self.executors = executors
        self.progress = progress

    def run(self, folder: Path, checked: tuple[Any, Any, dict[str, Any]], stage: str) -> bool:
        """Run every pending run of the stage; true when every run is stored."""
        from models.experiments.batch import submit_runs
        from sim.experiments.driver import drive

        _, expanded, document = checked
        driven = drive(
            expanded,
            document,
            folder,
            submit_runs,
            self.executors,
            label=stage,
            progress=self.progress,
        )
        if not self.progress and not driven.complete:
            print(driven.text)
        return driven.complete


def _csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, float_format="%.10g", lineterminator="\n").encode("utf-8")


def _inputs_json(
    spec: SensitivitySpec,
    inputs: SobolInputs,
    morris: pd.DataFrame,
    unit: np.ndarray,
    analysed: dict[str, Any] | None,
) -> bytes:
    ranked = morris_ranking(morris)
    document = {
        "sensitivity": spec.name,
        "rule": f"the top {spec.top} parameters by Morris mu* (each output's mu* divided by "
        "its largest, averaged over the outputs; ties by name), then those forced in, then "
        "the lever effect sizes",
        "morris_ranking": [
            {"rank": int(r.rank), "parameter": r.parameter, "score": round(float(r.score), 6)}
            for r in ranked.itertuples()
        ],
        "skipped_integer_parameters": list(spec.skipped),
        "inputs": [
            {"name": n, "group": g, "why": inputs.reasons[n]}
            for n, g in zip(inputs.names, inputs.groups, strict=True)
        ],
        "groups": inputs.group_names,
        "sample": {
            "scheme": "Saltelli (SALib sobol.sample, first and total order)",
            "base": spec.samples,
            "rows": int(len(unit)),
            "seed": spec.seed,
        },
        "paired": bool(spec.levers),
        "plan": Path(spec.plan).name if spec.levers else None,
    }
    document.update(analysed or {"outputs_left_out": "(not analysed yet)"})
    return (json.dumps(document, indent=1) + "\n").encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` whole (temporary name, then rename) unless the file already holds it."""
    from sim.experiments.store import atomic_write_bytes

    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)
