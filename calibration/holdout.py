"""Out-of-sample check: calibrate on the years up to a cut, forecast the held-out years.

Usage::

    python3 -m calibration.holdout [CALIBRATION_FILE] [--fit-until 2017]
        [--population 24] [--generations 4] [--replicates N] [--scale S]
        [--draws 50] [--seeds 2] [--workers 1] [--out DIR]

The calibration file (default ``calibration/examples/observed-2015-2018.toml``, the one of
the shipped defaults) gives the priors, the targets and the run. Its change and growth
targets are recomputed for every year they span (``jobs_growth`` 2015->2018 also gives
``jobs_growth_2016`` and ``jobs_growth_2017`` from the same observed series,
:func:`calibration.targets.retimed_target`); a target whose observed value cannot be
recomputed for a year (a stated value, a series without that year) is left out for that
year. Targets whose last date falls in or before ``--fit-until`` are **fitted**, with the
same ABC-SMC as ``metropoli calibrate --method abc`` and runs that end in December of the
cut year; the others (up to 2018, never later: later years are withheld) are **held out**.
The held-out targets' observed values reach neither the calibration's spec nor its runs.

Then the baseline is run 2015-2018 at each of the posterior's first ``--draws`` draws and
``--seeds`` seeds; for each target the command prints the observed value, the predictive
median and 5-95% band, the observed value's percentile and whether it lies in the 50% and
90% bands (:mod:`calibration.predictive`), and the coverage over the held-out targets
(also with each target's sd added as observation error). The output folder (default
``results/holdout-<name>-until-<year>``) holds ``fit/`` (the calibration's folder: running
the command again resumes it), ``predictive.csv`` (every draw x seed), ``holdout.csv`` and
``holdout.json``. Exit status 0 when done, 2 for bad input (one line).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.evaluate import Setup, simulate_statistics
from calibration.predictive import coverage, summary, with_observation_error
from calibration.spec import AbcSettings, CalibrationSpec, load_calibration
from calibration.targets import (
    LAST_OBSERVED_YEAR,
    TARGETS_TOML,
    Target,
    last_month,
    yearly_variants,
)
from sim.atomic import atomic_write_bytes
from sim.calendar import parse_month
from sim.errors import InputError
from sim.tomlfile import read_toml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CALIBRATION = ROOT / "calibration" / "examples" / "observed-2015-2018.toml"
FITTED, HELD_OUT = "fitted", "held-out"


@dataclass(frozen=True)
class Split:
    """The targets of an out-of-sample check.

    Attributes:
        cut: the last fitted year.
        fitted: targets whose last date is in or before ``cut``.
        held_out: targets whose last date is after ``cut`` (at most 2018).
        dropped: ``NAME_YEAR`` of the variants whose observed value cannot be computed.
    """

    cut: int
    fitted: tuple[Target, ...]
    held_out: tuple[Target, ...]
    dropped: tuple[str, ...]


def target_year(target: Target) -> int:
    """The year of a target's last date (the year it needs observed)."""
    return int((target.last or target.first)[:4])


def targets_file(calibration: str | Path) -> Path:
    """The targets file a calibration file reads (``[targets] file``, or the shipped one)."""
    _, data = read_toml(calibration)
    file = (data.get("targets") or {}).get("file")
    return Path(calibration).parent / file if isinstance(file, str) else TARGETS_TOML


def split_targets(targets: Sequence[Target], file: str | Path, cut: int) -> Split:
    """Every year's variant of ``targets`` (from ``file``), fitted up to ``cut``, the rest held.

    Raises:
        InputError: no target left to fit, or none to hold out.
    """
    variants, dropped = yearly_variants(targets, file)
    ordered = sorted(variants, key=target_year)
    fitted = tuple(t for t in ordered if target_year(t) <= cut)
    held = tuple(t for t in ordered if cut < target_year(t) <= LAST_OBSERVED_YEAR)
    if not fitted:
        raise InputError(f"no target ends in or before {cut} (nothing to fit)", "--fit-until")
    if not held:
        raise InputError(f"no target ends after {cut} (nothing to forecast)", "--fit-until")
    return Split(cut, fitted, held, tuple(dropped))


def fit_spec(
    spec: CalibrationSpec,
    split: Split,
    population: int,
    generations: int,
    replicates: int | None = None,
    scale: float | None = None,
) -> CalibrationSpec:
    """The calibration of the fitted years only: its targets, runs ending at the cut."""
    run = replace(spec.run, end=parse_month(f"{split.cut}-12"))
    if scale is not None:
        run = replace(run, scale=float(scale))
    if replicates is not None:
        run = replace(run, seeds=tuple(range(1, replicates + 1)))
    fitted = replace(
        spec,
        name=f"{spec.name}-until-{split.cut}",
        description=f"{spec.name} fitted on 2015-{split.cut} only (calibration.holdout)",
        text="",
        targets=split.fitted,
        run=run,
        abc=AbcSettings(population, generations, spec.abc.min_epsilon),
    )
    assert last_month(fitted.targets) <= fitted.run.end  # noqa: S101 - the split's promise
    return fitted


def _one(task: tuple[Mapping[str, float], int, Setup]) -> dict[str, float]:
    values, seed, setup = task
    return simulate_statistics(values, seed, setup)


def forecast(
    draws: pd.DataFrame,
    seeds: Sequence[int],
    targets: Sequence[Target],
    scale: float,
    start: int,
    executor: Any,
) -> pd.DataFrame:
    """Every draw x seed's statistics of ``targets``: one row each (draw, seed, targets)."""
    setup = Setup(tuple(targets), start, last_month(targets), scale)
    tasks, keys = [], []
    for i, row in enumerate(draws.to_dict("records")):
        for seed in seeds:
            tasks.append(({k: float(v) for k, v in row.items()}, int(seed), setup))
            keys.append({"draw": i, "seed": int(seed), **row})
    results = executor.map(_one, tasks)
    return pd.DataFrame([{**k, **r} for k, r in zip(keys, results, strict=True)])


def check_table(split: Split, predictive: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each target's row: role, observed, predictive median and bands, percentile, in-band."""
    rows = []
    for role, targets in ((FITTED, split.fitted), (HELD_OUT, split.held_out)):
        for k, t in enumerate(targets):
            sample = predictive[t.name].to_numpy(float)
            noisy = with_observation_error(sample, t.sd, seed + k)
            loose = summary(noisy, t.observed)
            rows.append(
                {
                    "role": role,
                    "target": t.name,
                    "span": f"{t.first}->{t.last}" if t.last else t.first,
                    "observed": t.observed,
                    "sd": t.sd,
                    **summary(sample, t.observed),
                    "in_50_with_sd": loose["in_50"],
                    "in_90_with_sd": loose["in_90"],
                }
            )
    return pd.DataFrame(rows)


def coverages(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """By role: the number of targets and the share inside each band."""
    out = {}
    for role, rows in table.groupby("role", sort=False):
        out[str(role)] = {
            "targets": int(len(rows)),
            **{c: coverage(rows[c]) for c in ("in_50", "in_90", "in_50_with_sd", "in_90_with_sd")},
        }
    return out


def text_table(table: pd.DataFrame, covered: Mapping[str, Mapping[str, float]]) -> str:
    """The printed table and the coverage lines."""
    shown = table[
        [
            "role",
            "target",
            "span",
            "observed",
            "median",
            "q05",
            "q95",
            "percentile",
            "in_50",
            "in_90",
        ]
    ]
    lines = [shown.to_string(index=False, float_format=lambda v: f"{v:.4g}")]
    for role, c in covered.items():
        lines.append(
            f"coverage over {c['targets']} {role} targets: 50% band {c['in_50']:.0%}, "
            f"90% band {c['in_90']:.0%}; with each target's sd added as observation error: "
            f"50% {c['in_50_with_sd']:.0%}, 90% {c['in_90_with_sd']:.0%}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Budget:
    """What an out-of-sample check may spend.

    Attributes:
        population: ABC particles per generation.
        generations: ABC generations.
        replicates: seeds per particle (None: the calibration file's).
        scale: the runs' scale (None: the calibration file's).
        draws: posterior draws forecast.
        seeds: seeds per draw.
    """

    population: int = 24
    generations: int = 4
    replicates: int | None = None
    scale: float | None = None
    draws: int = 50
    seeds: int = 2


def run_holdout(
    calibration: str | Path,
    cut: int,
    budget: Budget,
    out: Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit up to ``cut``, forecast the held-out years; write the folder; the table and document."""
    from calibration.api import SAMPLE_SIZE, run_calibration
    from sim.experiments.executors import ExecutorOptions, open_executor

    spec = load_calibration(calibration)
    split = split_targets(spec.targets, targets_file(calibration), cut)
    fit = fit_spec(
        spec, split, budget.population, budget.generations, budget.replicates, budget.scale
    )
    folder = out or Path("results") / f"holdout-{fit.name}"
    if budget.draws > max(SAMPLE_SIZE, budget.population):
        raise InputError(
            f"the posterior sample will hold {max(SAMPLE_SIZE, budget.population)} draws, "
            f"fewer than the {budget.draws} asked",
            "--draws",
        )
    clock = time.perf_counter()
    result = run_calibration(fit, "abc", folder / "fit", workers, scheduler, progress=progress)
    fitted_s = time.perf_counter() - clock
    sample = result.sample
    clock = time.perf_counter()
    with open_executor(ExecutorOptions(workers, scheduler)) as executor:
        predictive = forecast(
            sample.iloc[: budget.draws],
            range(1, budget.seeds + 1),
            [*split.fitted, *split.held_out],
            fit.run.scale,
            fit.run.start,
            executor,
        )
    forecast_s = time.perf_counter() - clock
    table = check_table(split, predictive, spec.seed)
    document = {
        "calibration": str(calibration),
        "fit_until": cut,
        "fitted": [t.name for t in split.fitted],
        "held_out": [t.name for t in split.held_out],
        "not_computable": list(split.dropped),
        "budget": {**vars(budget), "scale": fit.run.scale, "replicates": len(fit.run.seeds)},
        "evaluations": int(result.extra["generations"]["samples"].sum()),
        "seconds": {"fit": round(fitted_s, 1), "forecast": round(forecast_s, 1)},
        "workers": workers,
        "coverage": coverages(table),
        "targets": table.to_dict("records"),
    }
    _write(folder, predictive, table, document)
    return table, document


def _write(folder: Path, predictive: pd.DataFrame, table: pd.DataFrame, document: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("predictive.csv", predictive), ("holdout.csv", table)):
        text = frame.to_csv(index=False, float_format="%.10g")
        atomic_write_bytes(folder / name, text.encode("utf-8"))
    text = json.dumps(document, indent=2, default=float)
    atomic_write_bytes(folder / "holdout.json", text.encode("utf-8"))


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a positive {kind.__name__}, got {text!r}"
            ) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    """The command line."""
    from sim.cli import ArgumentParser

    p = ArgumentParser(prog="python3 -m calibration.holdout", description=__doc__.splitlines()[0])
    p.add_argument(
        "calibration",
        nargs="?",
        type=Path,
        default=DEFAULT_CALIBRATION,
        help="calibration TOML file (default calibration/examples/observed-2015-2018.toml)",
    )
    p.add_argument(
        "--fit-until",
        type=int,
        choices=range(2016, LAST_OBSERVED_YEAR),
        default=LAST_OBSERVED_YEAR - 1,
        metavar="YEAR",
        help="the last fitted year: 2016 or 2017 (default 2017; later years are forecast)",
    )
    whole, real = _positive(int), _positive(float)
    p.add_argument(
        "--population", type=whole, default=24, metavar="N", help="ABC particles (default 24)"
    )
    p.add_argument(
        "--generations", type=whole, default=4, metavar="N", help="ABC generations (default 4)"
    )
    p.add_argument(
        "--replicates", type=whole, metavar="N", help="seeds per particle (default: the file's)"
    )
    p.add_argument("--scale", type=real, metavar="S", help="the runs' scale (default: the file's)")
    p.add_argument(
        "--draws", type=whole, default=50, metavar="N", help="posterior draws (default 50)"
    )
    p.add_argument("--seeds", type=whole, default=2, metavar="N", help="seeds per draw (default 2)")
    p.add_argument(
        "--workers", type=whole, default=1, metavar="N", help="local Dask workers (1: this process)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, tcp://host:port"
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default results/holdout-...)"
    )
    p.add_argument("--quiet", action="store_true", help="print the table only")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the out-of-sample check and print its table (exit status 0, or 2 for bad input)."""
    p = parser()
    try:
        args = p.parse_args(argv)
        if args.population < 2:
            p.error("argument --population: expected at least 2 particles")
        if args.scale is not None and args.scale > 1:
            p.error(f"argument --scale: expected a scale in (0, 1], got {args.scale:g}")
    except SystemExit as exit_:  # --help (0) or a usage error (2, already printed)
        return int(exit_.code or 0)
    budget = Budget(
        args.population, args.generations, args.replicates, args.scale, args.draws, args.seeds
    )
    try:
        table, document = run_holdout(
            args.calibration,
            args.fit_until,
            budget,
            args.out,
            args.workers,
            args.scheduler,
            progress=not args.quiet,
        )
    except InputError as err:
        print(f"{p.prog}: error: {err}", file=sys.stderr)
        return 2
    print(text_table(table, document["coverage"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
