"""A sensitivity file: read, checked, as a :class:`SensitivitySpec`.

``calibration/examples/sensitivity-small.toml`` documents every key. Errors name the file
and the key (:class:`sim.errors.InputError`); the checks run in the order of the file's
tables, so the first mistake is the one reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.tomlfile import check_keys

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PLAN = ROOT / "scenarios" / "piano-completo.toml"
TOP_KEYS = {"name", "description", "seed", "run", "morris", "sobol", "outputs"}
MORRIS_KEYS = {"parameters", "trajectories", "levels", "end", "seeds"}
SOBOL_KEYS = {
    "top",
    "parameters",
    "levers",
    "group",
    "samples",
    "end",
    "plan",
    "seeds",
    "method",
    "harmonics",
}
OUTPUT_KEYS = {"targets", "goals"}
GROUPS = ("project", "effect")
SALTELLI, RBD_FAST = "saltelli", "rbd-fast"
METHODS = (SALTELLI, RBD_FAST)
HARMONICS = 10  # RBD-FAST's M, SALib's default
SAMPLES_PER_HARMONIC = 8
"""RBD-FAST needs ``samples >= 8 M``: SALib's bootstrap draws half the rows, and its bias
correction ``2M/n`` (Tissot and Prieur 2012) must stay at most 0.5 on those ``n = N/2``."""


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
        samples: Saltelli base sample (a power of 2), or RBD-FAST's rows.
        plan: the plan scenario file the levers act in.
        plan_levers: its ``[levers]`` tables as written.
        targets: the calibration targets are outputs.
        goals: the goals' headline indicators are outputs.
        method: the Sobol stage's estimator, ``saltelli`` or ``rbd-fast``.
        harmonics: RBD-FAST's harmonics M (unused by Saltelli).
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
    method: str = SALTELLI
    harmonics: int = HARMONICS

    def settings(self) -> dict[str, Any]:
        """What the analysis depends on (not the file's name, comments or description).

        A Saltelli analysis's settings carry no method nor harmonics: they are the
        settings, and so the hash, of the folders written before RBD-FAST existed.
        """
        out = asdict(self)
        for key in ("source", "description", "plan"):
            out.pop(key)
        if self.method == SALTELLI:
            out.pop("method")
            out.pop("harmonics")
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
    from sim.tomlfile import read_toml

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

    seed = _header(data, source)
    schema = scenarios.schema()
    run = check_run(data.get("run"), source, schema.first_month, schema.last_month, scale, seeds)
    morris = _table(data, "morris", source, required=True)
    morris_settings = _morris_settings(morris, run, schema.last_month, source)
    flags = _output_flags(_table(data, "outputs", source, required=False), source)
    sobol = _table(data, "sobol", source, required=False)
    screened = len(morris_settings["morris_parameters"])
    sobol_settings = _sobol_settings(
        sobol, "sobol" in data, screened, run, schema.last_month, source, folder
    )
    return SensitivitySpec(
        name=data.get("name", name),
        source=source,
        description=data.get("description", ""),
        seed=seed,
        start=format_month(run.start),
        scale=run.scale,
        morris_seeds=_stage_seeds(morris, run.seeds, seeds, source, "morris.seeds"),
        sobol_seeds=_stage_seeds(sobol, run.seeds, seeds, source, "sobol.seeds"),
        **morris_settings,
        **sobol_settings,
        **flags,
    )


def _header(data: Mapping[str, Any], source: str) -> int:
    """Check the top-level keys, the name and description; the samplers' seed."""
    check_keys(data, TOP_KEYS, source)
    for key in ("name", "description"):
        if key in data and (not isinstance(data[key], str) or not data[key]):
            raise InputError("expected text", source, key)
    seed = data.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32 - 1:
        raise InputError("expected a non-negative integer seed below 2**32 - 1", source, "seed")
    return int(seed)


def _morris_settings(morris: Mapping[str, Any], run: Any, last: int, source: str) -> dict[str, Any]:
    """The ``[morris]`` table's fields of :class:`SensitivitySpec` (not its seeds)."""
    check_keys(morris, MORRIS_KEYS, source, "morris")
    params, skipped = _parameters(morris.get("parameters", "all"), source, "morris.parameters")
    trajectories = _integer(morris.get("trajectories", 4), 2, 10**5, source, "morris.trajectories")
    levels = _integer(morris.get("levels", 4), 2, 1000, source, "morris.levels")
    if levels % 2:
        raise InputError(
            f"expected an even number of levels, got {levels}", source, "morris.levels"
        )
    return {
        "morris_parameters": params,
        "skipped": skipped,
        "trajectories": trajectories,
        "levels": levels,
        "morris_end": _end(morris, run, last, source, "morris.end"),
    }


def _output_flags(outputs: Mapping[str, Any], source: str) -> dict[str, bool]:
    """The ``[outputs]`` table: whether the targets and the goals are outputs."""
    check_keys(outputs, OUTPUT_KEYS, source, "outputs")
    flags = {}
    for key in sorted(OUTPUT_KEYS):
        value = outputs.get(key, True)
        if not isinstance(value, bool):
            raise InputError("expected true or false", source, f"outputs.{key}")
        flags[key] = value
    if not any(flags.values()):
        raise InputError("expected at least one output (targets or goals)", source, "outputs")
    return flags


def _sobol_settings(
    sobol: Mapping[str, Any],
    present: bool,
    screened: int,
    run: Any,
    last: int,
    source: str,
    folder: Path,
) -> dict[str, Any]:
    """The ``[sobol]`` table's fields of :class:`SensitivitySpec` (not its seeds)."""
    check_keys(sobol, SOBOL_KEYS, source, "sobol")
    top = _integer(sobol.get("top", 4), 0, screened, source, "sobol.top")
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
    method, samples, harmonics = _estimator(sobol, source)
    sobol_end = _end(sobol, run, last, source, "sobol.end")
    plan_path, plan_levers, levers = _plan_levers(sobol, source, folder)
    if present and not (top or forced or levers):
        raise InputError(
            "the Sobol stage has no input (expected top > 0, parameters or levers)", source, "sobol"
        )
    return {
        "sobol": present,
        "sobol_end": sobol_end,
        "top": top,
        "forced": forced,
        "levers": levers,
        "group": group,
        "samples": samples,
        "method": method,
        "harmonics": harmonics,
        "plan": str(plan_path),
        "plan_levers": plan_levers,
    }


def _estimator(sobol: Mapping[str, Any], source: str) -> tuple[str, int, int]:
    """The Sobol stage's ``method``, ``samples`` and ``harmonics``, checked together."""
    method = sobol.get("method", SALTELLI)
    if method not in METHODS:
        raise InputError(
            f"expected one of {', '.join(METHODS)}, got {method!r}", source, "sobol.method"
        )
    samples = _integer(sobol.get("samples", 8), 2, 2**20, source, "sobol.samples")
    if method == SALTELLI:
        if "harmonics" in sobol:
            raise InputError(
                'harmonics is an option of method = "rbd-fast" only (Saltelli has none)',
                source,
                "sobol.harmonics",
            )
        if samples & (samples - 1):
            raise InputError(
                f"expected a power of 2 for a Sobol sample (Saltelli's scheme), got {samples}",
                source,
                "sobol.samples",
            )
        return method, samples, HARMONICS
    harmonics = _integer(sobol.get("harmonics", HARMONICS), 1, 1000, source, "sobol.harmonics")
    if samples < SAMPLES_PER_HARMONIC * harmonics:
        raise InputError(
            f"expected at least {SAMPLES_PER_HARMONIC} x harmonics = "
            f"{SAMPLES_PER_HARMONIC * harmonics} rows for RBD-FAST with {harmonics} harmonics, "
            f"got {samples}",
            source,
            "sobol.samples",
        )
    return method, samples, harmonics


def _plan_levers(
    sobol: Mapping[str, Any], source: str, folder: Path
) -> tuple[Path, dict[str, Any], tuple[str, ...]]:
    """The plan file, its ``[levers]`` tables of the named projects, the effect sizes."""
    plan_path = DEFAULT_PLAN
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
    if not levers_raw:
        if not isinstance(levers_raw, list):
            raise InputError(
                'expected "all" or a list of CODE.hook or CODE', source, "sobol.levers"
            )
        return plan_path, {}, ()
    from sim.tomlfile import read_toml

    plan_levers = dict(read_toml(plan_path)[1].get("levers") or {})
    levers = _levers(levers_raw, plan_levers, source)
    codes = sorted({n.split(".")[0] for n in levers})
    return plan_path, {code: plan_levers[code] for code in codes}, levers


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
    from models.experiments.batchfile import addressable
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
