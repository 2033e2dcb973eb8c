"""One calibration API, two backends: ``calibrate(targets, priors, method="abc" | "optimize")``.

Both backends fit the same targets with the same priors and the same summary statistics
(the mean over replicate seeds of each target's statistic, :mod:`calibration.evaluate`)
and the same distance (:func:`calibration.targets.distance`). Both write their output
folder as they go and resume from it:

* ``calibration.json``: what is being calibrated (spec, observed values, seeds, versions);
* ``abc.db`` (pyabc's SQLite history) or ``optuna.journal`` (optuna's journal file);
* ``posterior.csv`` (abc: the last generation's weighted particles) or ``trials.csv``;
* ``generations.csv`` (abc); ``fit.csv`` (each target: observed, sd, simulated, band);
* ``posterior.toml``: the point estimate (and the posterior sample, abc), usable by
  scenarios (``[parameters] from = ...``) and batches (``[design] kind = "posterior"``);
  with derived parameters (:mod:`calibration.derived`) it holds the model's parameters,
  the derived ones included, and the sampled coordinates apart (``[coordinates]``);
* ``posterior.png`` and ``fit.png``.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.derived import Derived, derived_point, with_derived
from calibration.evaluate import Setup
from calibration.spec import AbcSettings, CalibrationSpec, OptimizeSettings, load_calibration
from calibration.targets import Target
from models.version import MODEL_VERSION
from sim.atomic import atomic_write_bytes
from sim.calendar import format_month, parse_month
from sim.errors import InputError
from sim.experiments.batchfile import BatchRun
from sim.experiments.executors import ExecutorOptions, open_executor
from sim.experiments.posterior import posterior_document, resample, weighted_median
from sim.experiments.uncertainties import Uncertainty
from sim.results import code_version, package_versions

METHODS = ("abc", "optimize")
DOCUMENT = "calibration.json"
POSTERIOR_TOML = "posterior.toml"
SAMPLE_SIZE = 100
PACKAGES = ("torino-metropoli", "mesa", "numba", "numpy", "pyabc", "optuna", "dask", "SALib")


@dataclass
class CalibrationResult:
    """What a calibration gave.

    Attributes:
        method: ``abc`` or ``optimize``.
        folder: the output folder.
        point: the point estimate of the model's parameters, derived ones included (each
            one's weighted posterior median, or the best trial).
        sample: an equally weighted posterior sample of them (abc), else None.
        table: the particles with their weights (abc) or the trials (optimize).
        fit: per target: observed, sd, simulated mean and 5-95% band, z-score.
        coordinates: the point estimate of the sampled names that are not model parameters.
        coordinate_sample: their draws, the rows of ``sample`` (abc), else None.
    """

    method: str
    folder: Path
    point: dict[str, float]
    sample: pd.DataFrame | None
    table: pd.DataFrame
    fit: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)
    coordinates: dict[str, float] = field(default_factory=dict)
    coordinate_sample: pd.DataFrame | None = None


def calibrate(  # noqa: PLR0913 - keyword-only options of the one public entry point
    targets: Sequence[Target],
    priors: Sequence[Uncertainty],
    method: str = "abc",
    *,
    out: str | Path,
    run: BatchRun | None = None,
    seed: int = 0,
    settings: AbcSettings | OptimizeSettings | None = None,
    observed: Mapping[str, float] | None = None,
    workers: int | str = 1,
    name: str = "calibration",
    derived: Sequence[Derived] = (),
) -> CalibrationResult:
    """Calibrate ``priors`` against ``targets`` (or resume the calibration in ``out``).

    Args:
        targets: the targets (:func:`calibration.targets.load_targets`).
        priors: the calibrated names with their priors (as a batch's uncertainties).
        method: ``abc`` (pyabc ABC-SMC) or ``optimize`` (optuna).
        out: the output folder (created; an existing one must hold this calibration).
        run: months, scale and replicate seeds (default 2015-01..2018-12, 0.01, seeds 1-2).
        seed: the seed of every random choice of the calibration.
        settings: the backend's settings (:class:`AbcSettings` or :class:`OptimizeSettings`;
            default: their defaults).
        observed: observed statistics by target (default: the targets' observed values;
            a parameter-recovery test passes synthetic ones).
        workers: local Dask workers (1: this process), or a Dask scheduler's address.
        name: the calibration's name.
        derived: model parameters computed from the sampled names
            (:func:`calibration.derived.parse_derived`).
    """
    spec = CalibrationSpec(
        name=name,
        source="<api>",
        text="",
        description="",
        seed=seed,
        run=run or BatchRun(parse_month("2015-01"), parse_month("2018-12"), 0.01, (1, 2)),
        targets=tuple(targets),
        priors=tuple(priors),
        abc=settings if isinstance(settings, AbcSettings) else AbcSettings(),
        optimize=settings if isinstance(settings, OptimizeSettings) else OptimizeSettings(),
        derived=tuple(derived),
    )
    count, scheduler = (1, workers) if isinstance(workers, str) else (workers, None)
    return run_calibration(spec, method, Path(out), count, scheduler, observed)


def calibrate_file(
    path: str | Path,
    method: str = "abc",
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    scale: float | None = None,
    seeds: int | None = None,
    progress: bool = True,
) -> int:
    """``metropoli calibrate FILE``: calibrate, write the folder, print a summary; exit status."""
    spec = load_calibration(path, scale=scale, seeds=seeds)
    folder = Path(out) if out is not None else Path("results") / f"calibrate-{spec.name}-{method}"
    result = run_calibration(spec, method, folder, workers, scheduler, None, progress)
    if progress:
        print(summary_text(spec, result))
    return 0


def run_calibration(
    spec: CalibrationSpec,
    method: str,
    out: Path,
    workers: int = 1,
    scheduler: str | None = None,
    observed: Mapping[str, float] | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Run or resume ``spec`` with ``method`` into ``out``; write every output."""
    if method not in METHODS:
        raise InputError(f"expected one of {', '.join(METHODS)}, got {method!r}", "--method")
    observed = (
        dict(observed) if observed is not None else {t.name: t.observed for t in spec.targets}
    )
    missing = [t.name for t in spec.targets if t.name not in observed]
    if missing:
        raise InputError(f"no observed value for target {missing[0]!r}", key="observed")
    options = ExecutorOptions(workers, scheduler)
    document = _document(spec, method, observed)
    held = _holds(out, document)  # refuse a wrong folder before starting any worker
    setup = Setup(spec.targets, spec.run.start, spec.run.end, spec.run.scale, (), spec.derived)
    with open_executor(options) as executor:  # an unreachable scheduler: nothing written yet
        if not held:
            _claim(out, document)
        if method == "abc":
            result = _abc(spec, out, setup, observed, executor.map, progress)
        else:
            result = _optimize(spec, out, setup, observed, executor.map, progress)
    write_outputs(spec, result, observed)
    return result


def _document(spec: CalibrationSpec, method: str, observed: Mapping[str, float]) -> dict[str, Any]:
    return {
        "name": spec.name,
        "method": method,
        "source": spec.source,
        "text": spec.text,
        "sha256": spec.sha256,
        "observed": {k: float(v) for k, v in observed.items()},
        "model_version": MODEL_VERSION,
        "code_version": code_version(),
        "packages": package_versions(PACKAGES),
        "seed": spec.seed,
        "run": {
            "start": format_month(spec.run.start),
            "end": format_month(spec.run.end),
            "scale": spec.run.scale,
            "seeds": list(spec.run.seeds),
        },
        "targets": [
            {"name": t.name, "observed": observed[t.name], "sd": t.sd, "source": t.source}
            for t in spec.targets
        ],
        "priors": [
            {"name": p.name, "distribution": p.distribution, "low": p.low, "high": p.high}
            for p in spec.priors
        ],
        "abc": vars(spec.abc),
        "optimize": vars(spec.optimize),
    } | _derived_document(spec)


def _derived_document(spec: CalibrationSpec) -> dict[str, Any]:
    """The ``[derived]`` entries (nothing without them: older documents are unchanged)."""
    if not spec.derived:
        return {}
    return {
        "derived": [
            {"name": d.parameter, "derivation": d.derivation.name, "low": d.low, "high": d.high}
            for d in spec.derived
        ]
    }


IDENTITY = ("sha256", "method", "observed", "model_version")


def _holds(out: Path, document: Mapping[str, Any]) -> bool:
    """Check, writing nothing, that ``out`` may hold this calibration; true if it does."""
    path = out / DOCUMENT
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder (expected an output folder)", str(out))
    if path.is_file():
        try:
            held = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise InputError(
                f"unreadable {DOCUMENT} (expected a calibration folder)", str(out)
            ) from None
        for key in IDENTITY:
            if held.get(key) != document[key]:
                raise InputError(
                    f"holds another calibration ({key} differs); choose another --out, or "
                    "delete the folder to start again",
                    str(out),
                )
        return True
    if out.is_dir() and any(p.name != "abc.db" for p in out.iterdir()):
        raise InputError("is not empty and holds no calibration (choose another --out)", str(out))
    return False


def _claim(out: Path, document: Mapping[str, Any]) -> None:
    """Create ``out`` for this calibration (:func:`_holds` said it may)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / DOCUMENT
    atomic_write_bytes(path, json.dumps(document, indent=2, sort_keys=True).encode("utf-8"))


# ---------------------------------------------------------------------- the backends
def _abc(
    spec: CalibrationSpec,
    out: Path,
    setup: Setup,
    observed: Mapping[str, float],
    map_: Callable[..., Iterable[Any]],
    progress: bool,
) -> CalibrationResult:
    from calibration.abc import generations_table, posterior_table, run_abc

    history = run_abc(
        out,
        setup,
        spec.priors,
        observed,
        seed=spec.seed,
        population=spec.abc.population,
        generations=spec.abc.generations,
        replicates=len(spec.run.seeds),
        min_epsilon=spec.abc.min_epsilon,
        map_=map_,
    )
    table = with_derived(posterior_table(history), spec.derived)
    weights = table["weight"].to_numpy(float)
    sampled = {n: weighted_median(table[n].to_numpy(float), weights) for n in spec.names}
    point = sampled | derived_point(sampled, table, spec.derived)
    point = {n: point[n] for n in spec.parameter_names}
    coordinates = {n: sampled[n] for n in spec.coordinate_names}
    names = spec.parameter_names
    size = max(SAMPLE_SIZE, spec.abc.population)
    drawn = resample(table, [*names, *spec.coordinate_names], size, spec.seed)
    sample = drawn[names]
    coordinate_sample = drawn[spec.coordinate_names] if coordinates else None
    w, stats = history.get_weighted_sum_stats(t=history.max_t)
    simulated = pd.DataFrame([{t.name: float(s[t.name]) for t in spec.targets} for s in stats])
    fit = fit_table(spec.targets, observed, simulated, np.asarray(w, dtype=float))
    generations = generations_table(history)
    if progress:
        print(generations.to_string(index=False), file=sys.stderr)
    extra = {"generations": generations}
    return CalibrationResult(
        "abc", out, point, sample, table, fit, extra, coordinates, coordinate_sample
    )


def _optimize(
    spec: CalibrationSpec,
    out: Path,
    setup: Setup,
    observed: Mapping[str, float],
    map_: Callable[..., Iterable[Any]],
    progress: bool,
) -> CalibrationResult:
    from calibration.optimize import run_optimize, trials_table

    def say(done: int, best: float) -> None:
        print(f"trial {done}/{spec.optimize.trials}: best distance {best:.4g}", file=sys.stderr)

    study = run_optimize(
        out,
        setup,
        spec.priors,
        observed,
        seed=spec.seed,
        sampler=spec.optimize.sampler,
        trials=spec.optimize.trials,
        seeds=spec.run.seeds,
        map_=map_,
        progress=say if progress else None,
    )
    table = with_derived(trials_table(study, spec.names), spec.derived)
    best = table.loc[table["distance"].idxmin()]
    point = {n: float(best[n]) for n in spec.parameter_names}
    coordinates = {n: float(best[n]) for n in spec.coordinate_names}
    simulated = pd.DataFrame([{t.name: float(best[t.name]) for t in spec.targets}])
    fit = fit_table(spec.targets, observed, simulated, np.ones(1))
    return CalibrationResult("optimize", out, point, None, table, fit, {}, coordinates)


def fit_table(
    targets: Sequence[Target],
    observed: Mapping[str, float],
    simulated: pd.DataFrame,
    weights: np.ndarray,
) -> pd.DataFrame:
    """Per target: observed, sd, the simulated weighted mean and 5%-95% band, z of the mean."""
    rows = []
    w = weights / weights.sum()
    for t in targets:
        x = simulated[t.name].to_numpy(float)
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(w[order])
        q = [float(x[order][min(np.searchsorted(cum, p), len(x) - 1)]) for p in (0.05, 0.5, 0.95)]
        mean = float(np.sum(w * x))
        rows.append(
            {
                "target": t.name,
                "indicator": t.indicator,
                "statistic": t.statistic,
                "observed": float(observed[t.name]),
                "sd": t.sd,
                "simulated_mean": mean,
                "simulated_q05": q[0],
                "simulated_median": q[1],
                "simulated_q95": q[2],
                "z": (mean - observed[t.name]) / t.sd,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- writing
def _csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(path, frame.to_csv(index=False, float_format="%.10g").encode("utf-8"))


def write_outputs(
    spec: CalibrationSpec, result: CalibrationResult, observed: Mapping[str, float]
) -> None:
    """Write the tables, the posterior file and the plots into the result's folder."""
    from calibration.plots import fit_figure, posterior_figure

    out = result.folder
    _csv(result.table, out / ("posterior.csv" if result.method == "abc" else "trials.csv"))
    _csv(result.fit, out / "fit.csv")
    if "generations" in result.extra:
        _csv(result.extra["generations"], out / "generations.csv")
    text = posterior_document(
        spec.name,
        result.method,
        MODEL_VERSION,
        spec.sha256,
        result.point,
        result.sample,
        coordinates=result.coordinates,
        coordinate_sample=result.coordinate_sample,
    )
    atomic_write_bytes(out / POSTERIOR_TOML, text.encode("utf-8"))
    for name, figure in (
        ("posterior.png", posterior_figure(spec.priors, result)),
        ("fit.png", fit_figure(result.fit)),
    ):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
        import matplotlib.pyplot as plt

        plt.close(figure)
        atomic_write_bytes(out / name, buffer.getvalue())


def summary_text(spec: CalibrationSpec, result: CalibrationResult) -> str:
    """A one-screen summary: the point estimate and the fit per target."""
    lines = [f"calibration {spec.name} ({result.method}): {result.folder}"]
    lines.append("  point estimate:")
    estimate = {**result.point, **result.coordinates}
    for p in spec.priors:
        lines.append(f"    {p.name:32s} {estimate[p.name]:.5g}   prior [{p.low:g}, {p.high:g}]")
    for d in spec.derived:
        lines.append(
            f"    {d.parameter:32s} {estimate[d.parameter]:.5g}   derived ({d.derivation.name})"
        )
    lines.append("  fit (observed vs simulated, z = (simulated - observed) / sd):")
    for row in result.fit.itertuples():
        lines.append(
            f"    {row.target:26s} observed {row.observed:10.4g}"
            f"  simulated {row.simulated_mean:10.4g}"
            f"  [{row.simulated_q05:.4g}, {row.simulated_q95:.4g}]  z {row.z:+.2f}"
        )
    lines.append(f"  posterior file: {result.folder / POSTERIOR_TOML}")
    return "\n".join(lines)
