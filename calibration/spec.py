"""Calibration files: the run, the targets, the priors and each backend's settings.

A calibration file is TOML (examples in ``calibration/examples/``)::

    name = "labour-students-tourism"
    seed = 7                                  # every random choice of the calibration
    [run]                                     # as a batch's [run]: each evaluation runs
    start = "2015-01"                         # the baseline (no levers) over these
    end = "2018-12"                           # months, at this scale, once per seed; the
    scale = 0.01                              # targets are computed on the mean of the
    seeds = 2                                 # seeds' statistics
    [targets]
    file = "../targets/observed-2015-2018.toml"   # relative to this file
    use = ["unemployment_change", "students_growth"]   # default: every target of the file
    [parameters]                              # the priors: any model parameter or lever
    growth_drift = {}                         # effect (metropoli parameters / levers);
    tourism_trend = { low = 0.0, high = 0.05 }    # {} = uniform on its plausible range
    [derived]                                 # model parameters computed from sampled
    recovery_drift = "recovery_drift_from_window_growth"  # names (calibration.derived)
    [abc]                                     # pyabc ABC-SMC
    population = 40
    generations = 4
    [optimize]                                # optuna
    sampler = "tpe"                           # or "cmaes"
    trials = 40

The priors are declared exactly as a batch's uncertainties (:func:`sim.experiments.declare`):
a range (uniform, triangular or loguniform) within the name's valid bounds. A sampled name
may also be a coordinate that is not a model parameter, read by a ``[derived]`` entry
(:mod:`calibration.derived`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calibration.derived import COORDINATES, Derived, check_admissible, parse_derived
from calibration.targets import Target, last_month, load_targets
from models.experiments import scenario as scenarios
from models.experiments.batchfile import addressable
from sim.calendar import format_month
from sim.errors import InputError
from sim.experiments.batchfile import BatchRun, check_run
from sim.experiments.uncertainties import INTEGER, MONTH, Uncertainty, declare, flatten
from sim.tomlfile import check_keys, read_toml

TOP_KEYS = {
    "name",
    "description",
    "seed",
    "run",
    "targets",
    "parameters",
    "derived",
    "abc",
    "optimize",
}
ABC_KEYS = {"population", "generations", "min_epsilon"}
OPTIMIZE_KEYS = {"sampler", "trials"}
SAMPLERS = ("tpe", "cmaes")


@dataclass(frozen=True)
class AbcSettings:
    """pyabc's ABC-SMC settings.

    Attributes:
        population: accepted particles per generation.
        generations: generations to reach (a resumed calibration continues up to it).
        min_epsilon: stop earlier when the acceptance threshold falls below this.
    """

    population: int = 40
    generations: int = 4
    min_epsilon: float = 0.0


@dataclass(frozen=True)
class OptimizeSettings:
    """optuna's settings.

    Attributes:
        sampler: ``tpe`` (Tree-structured Parzen Estimator) or ``cmaes``.
        trials: complete trials to reach (a resumed study continues up to it).
    """

    sampler: str = "tpe"
    trials: int = 40


@dataclass(frozen=True)
class CalibrationSpec:
    """A checked calibration file.

    Attributes:
        name: the calibration's name (the file's stem unless given).
        source: the file.
        text: its text.
        description: free text.
        seed: the seed of every random choice the calibration makes.
        run: months, scale and the replicate seeds of each evaluation.
        targets: the targets fitted.
        priors: the calibrated names with their prior ranges.
        abc: ABC-SMC settings.
        optimize: optuna settings.
        derived: the model parameters computed from the sampled names (``[derived]``).
    """

    name: str
    source: str
    text: str
    description: str
    seed: int
    run: BatchRun
    targets: tuple[Target, ...]
    priors: tuple[Uncertainty, ...]
    abc: AbcSettings = field(default_factory=AbcSettings)
    optimize: OptimizeSettings = field(default_factory=OptimizeSettings)
    derived: tuple[Derived, ...] = ()

    @property
    def sha256(self) -> str:
        """What identifies the calibration: the checked content, not the file's layout."""
        content = {
            "seed": self.seed,
            "run": [self.run.start, self.run.end, self.run.scale, list(self.run.seeds)],
            "targets": [[t.name, t.observed, t.sd] for t in self.targets],
            "priors": [[p.name, p.distribution, p.low, p.high, p.mode] for p in self.priors],
        }
        if self.derived:  # absent otherwise: the calibrations before it keep their identity
            content["derived"] = [
                [d.parameter, d.derivation.name, d.low, d.high] for d in self.derived
            ]
        text = json.dumps(content, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def names(self) -> list[str]:
        """The sampled names, in the file's order."""
        return [p.name for p in self.priors]

    @property
    def parameter_names(self) -> list[str]:
        """The model parameters a calibration sets: the sampled ones, then the derived."""
        sampled = [n for n in self.names if n not in COORDINATES]
        return sampled + [d.parameter for d in self.derived]

    @property
    def coordinate_names(self) -> list[str]:
        """The sampled names that are not model parameters."""
        return [n for n in self.names if n in COORDINATES]

    def with_run(self, scale: float | None = None, seeds: int | None = None) -> CalibrationSpec:
        """The same calibration at another scale or number of replicate seeds."""
        from dataclasses import replace

        run = self.run
        if scale is not None:
            run = replace(run, scale=float(scale))
        if seeds is not None:
            run = replace(run, seeds=tuple(range(1, seeds + 1)))
        return replace(self, run=run)


def load_calibration(
    path: str | Path, scale: float | None = None, seeds: int | None = None
) -> CalibrationSpec:
    """Read and check a calibration file (``scale`` and ``seeds`` override its ``[run]``).

    Raises:
        InputError: one line naming the file and the key.
    """
    text, data = read_toml(path)
    return parse_calibration(
        text, data, str(path), Path(path).stem, Path(path).parent, scale, seeds
    )


def parse_calibration(
    text: str,
    data: Mapping[str, Any],
    source: str,
    name: str,
    folder: Path,
    scale: float | None = None,
    seeds: int | None = None,
) -> CalibrationSpec:
    """Check a calibration document; the targets file is read relative to ``folder``."""
    check_keys(data, TOP_KEYS, source)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise InputError("expected text", source, key)
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError("expected a non-negative integer seed below 2**32", source, "seed")
    schema = scenarios.schema()
    run = check_run(data.get("run"), source, schema.first_month, schema.last_month, scale, seeds)
    targets = _targets(data.get("targets"), source, folder)
    if last_month(targets) > run.end:
        late = max(targets, key=lambda t: t.last_month)
        raise InputError(
            f"target {late.name} reads months after the run's end "
            f"{format_month(run.end)} (expected run.end at {format_month(late.last_month)} "
            "or later)",
            source,
            "run.end",
        )
    priors = _priors(data.get("parameters"), source)
    derived = parse_derived(data.get("derived"), [p.name for p in priors], addressable(), source)
    check_admissible(priors, derived, int(seed), source)
    return CalibrationSpec(
        name=data.get("name", name),
        source=source,
        text=text,
        description=data.get("description", ""),
        seed=int(seed),
        run=run,
        targets=targets,
        priors=priors,
        abc=_abc(data.get("abc", {}), source),
        optimize=_optimize(data.get("optimize", {}), source),
        derived=derived,
    )


def _targets(table: Any, source: str, folder: Path) -> tuple[Target, ...]:
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise InputError("expected a [targets] table (file, use)", source, "targets")
    check_keys(table, {"file", "use"}, source, "targets")
    from calibration.targets import TARGETS_TOML

    file = table.get("file")
    if file is None:
        path = TARGETS_TOML
    elif isinstance(file, str):
        path = folder / file
    else:
        raise InputError("expected a path as text", source, "targets.file")
    use = table.get("use")
    if use is not None and (
        not isinstance(use, list) or not use or not all(isinstance(u, str) for u in use)
    ):
        raise InputError("expected a non-empty list of target names", source, "targets.use")
    if use is not None and len(set(use)) != len(use):
        raise InputError("a target is listed twice", source, "targets.use")
    try:
        return load_targets(path, use)
    except InputError as err:
        if err.source == str(path) and err.key and use and err.key in use:
            raise InputError(str(err).split(": ", 2)[-1], source, "targets.use") from None
        raise


def _priors(table: Any, source: str) -> tuple[Uncertainty, ...]:
    if not isinstance(table, dict) or not table:
        raise InputError(
            "expected a [parameters] table naming the calibrated names, e.g. growth_drift = {}",
            source,
            "parameters",
        )
    names = {**addressable(), **COORDINATES}
    priors = []
    for name, spec in flatten(table, names).items():
        key = f"parameters.{name}"
        entry = names.get(name)
        if entry is not None and "." in name and not entry.delivery:
            raise InputError(
                "a lever's effect does not act in the baseline a calibration runs (vary it "
                "in metropoli sensitivity); expected a model parameter",
                source,
                key,
            )
        if entry is None or entry.delivery:
            raise InputError(
                "unknown name (expected a model parameter, metropoli parameters, a "
                f"coordinate of calibration.derived ({', '.join(COORDINATES)}), or a "
                "lever's effect size CODE.hook, metropoli levers)",
                source,
                key,
            )
        if entry.kind in (INTEGER, MONTH):
            raise InputError(
                "a whole-number parameter cannot be calibrated here (expected a real one)",
                source,
                key,
            )
        prior = declare(name, spec, entry, source, key)
        if prior.values is not None:
            raise InputError("a prior is a range, not a list of values", source, f"{key}.values")
        if prior.high <= prior.low:
            raise InputError("a prior needs high above low", source, f"{key}.high")
        priors.append(prior)
    return tuple(priors)


def _whole(
    table: Mapping[str, Any], key: str, default: int, low: int, source: str, where: str
) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 10**6:
        raise InputError(f"expected a whole number from {low} to 1000000", source, f"{where}.{key}")
    return int(value)


def _abc(table: Any, source: str) -> AbcSettings:
    if not isinstance(table, dict):
        raise InputError("expected an [abc] table", source, "abc")
    check_keys(table, ABC_KEYS, source, "abc")
    eps = table.get("min_epsilon", 0.0)
    if isinstance(eps, bool) or not isinstance(eps, int | float) or eps < 0:
        raise InputError("expected a non-negative number", source, "abc.min_epsilon")
    return AbcSettings(
        population=_whole(table, "population", 40, 2, source, "abc"),
        generations=_whole(table, "generations", 4, 1, source, "abc"),
        min_epsilon=float(eps),
    )


def _optimize(table: Any, source: str) -> OptimizeSettings:
    if not isinstance(table, dict):
        raise InputError("expected an [optimize] table", source, "optimize")
    check_keys(table, OPTIMIZE_KEYS, source, "optimize")
    sampler = table.get("sampler", "tpe")
    if sampler not in SAMPLERS:
        raise InputError(
            f"expected one of {', '.join(SAMPLERS)}, got {sampler!r}", source, "optimize.sampler"
        )
    return OptimizeSettings(
        sampler=sampler, trials=_whole(table, "trials", 40, 1, source, "optimize")
    )
