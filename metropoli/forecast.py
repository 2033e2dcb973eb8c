"""``metropoli run SCENARIO --posterior [FILE]``: a forecast with the calibration's uncertainty.

The scenario is run at each of the posterior's first ``--draws`` joint draws of the
calibrated parameters (the shipped ``calibration/posterior/observed-2015-2018.toml`` by
default) and ``--seeds`` seeds, as a batch with a posterior design: the same store, resume
and report as ``metropoli batch``. A scenario other than the baseline is run beside the
baseline (same draws, same seeds), so that ``metropoli report`` gives its paired effects;
the report of a posterior batch draws the observed 2015-2018 path on the baseline's fans.
A plain ``metropoli run`` (no ``--posterior``) is unchanged: one run at the defaults, the
calibration's point estimate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import tomli_w

from sim.calendar import format_month
from sim.errors import InputError

DEFAULT_DRAWS = 25
BASELINE = "baseline"
ROOT = Path(__file__).resolve().parent.parent
BASELINE_FILE = ROOT / "scenarios" / "baseline.toml"
SINGLE_RUN_ONLY = ("check", "force")


def add_arguments(run: argparse.ArgumentParser) -> None:
    """``--posterior``, ``--draws``, ``--seeds`` and the executor options of ``metropoli run``."""
    from metropoli.options import integer
    from models.parameters import CALIBRATED_POSTERIOR

    group = run.add_argument_group(
        "forecast with the calibration's uncertainty (a batch store; docs/calibration.md)"
    )
    group.add_argument(
        "--posterior",
        nargs="?",
        const=CALIBRATED_POSTERIOR,
        type=Path,
        metavar="FILE",
        help="run the scenario at posterior draws x seeds into a batch store (default "
        "results/forecast-<scenario>; resumable), beside the baseline; FILE defaults to the "
        "shipped calibration/posterior/observed-2015-2018.toml",
    )
    group.add_argument(
        "--draws",
        type=integer,
        metavar="N",
        help=f"the posterior sample's first N draws (default {DEFAULT_DRAWS})",
    )
    group.add_argument(
        "--seeds", type=integer, metavar="N", help="seeds 1..N per draw (default: the --seed)"
    )
    group.add_argument(
        "--workers", type=integer, metavar="N", help="local Dask workers (default 1: this process)"
    )


def check_options(args: argparse.Namespace) -> None:
    """Refuse forecast options without ``--posterior`` and single-run options with it."""
    if args.posterior is None:
        for name in ("draws", "seeds", "workers"):
            if getattr(args, name) is not None:
                raise InputError(f"--{name} is for a forecast (add --posterior)", key=f"--{name}")
        return
    for name in SINGLE_RUN_ONLY:
        if getattr(args, name):
            raise InputError(
                f"--{name} is for a single run, not a forecast over posterior draws",
                key=f"--{name}",
            )
    for name in ("draws", "seeds", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InputError(f"expected a whole number of at least 1, got {value}", key=f"--{name}")


def forecast_document(
    sc: Any, scenario: Path, posterior: Path, draws: int, seeds: list[int]
) -> dict[str, Any]:
    """The batch document of a forecast: the scenario (and the baseline) over posterior draws."""
    entries = [{"file": str(scenario.resolve())}]
    if sc.name != BASELINE:
        entries.insert(0, {"file": str(BASELINE_FILE)})
    return {
        "name": f"forecast-{sc.name}",
        "description": f"{sc.name} over {draws} draws of {posterior} x {len(seeds)} seeds",
        "baseline": BASELINE,
        "run": {
            "start": format_month(sc.start),
            "end": format_month(sc.end),
            "scale": sc.scale,
            "seeds": seeds,
        },
        "scenarios": entries,
        "design": {"kind": "posterior", "file": str(posterior.resolve()), "samples": draws},
    }


def summary_text(out: Path, scenario: str, end: str) -> str:
    """The headline indicators in the last month: median and 5-95% over draws x seeds."""
    from models.codes import METRO_LABEL
    from models.components.indicators import HEADLINE_INDICATORS
    from sim.experiments import Batch

    names = list(HEADLINE_INDICATORS.values())
    cells = Batch.open(out).cells(indicator=names, comune=METRO_LABEL, dates=(end, end))
    cells = cells[cells["scenario"] == scenario]
    runs = cells[["point", "seed"]].drop_duplicates()
    lines = [f"{scenario}, {end}: median [5%, 95%] over {len(runs)} runs (draws x seeds)"]
    for name in names:
        x = cells.loc[cells["indicator"] == name, "value"]
        if len(x):
            q = x.quantile([0.05, 0.5, 0.95])
            lines.append(f"  {name:30s} {q[0.5]:14.6g}  [{q[0.05]:.6g}, {q[0.95]:.6g}]")
    return "\n".join(lines)


def version_warning(posterior: Path) -> str:
    """A note when the posterior was fitted with another model version ("" if not)."""
    import tomllib

    from models.version import MODEL_VERSION

    fitted = tomllib.loads(posterior.read_text(encoding="utf-8")).get("model_version", "")
    if fitted and fitted != MODEL_VERSION:
        return (
            f"metropoli: note: {posterior} was fitted with model {fitted}; this is model "
            f"{MODEL_VERSION} (docs/versions.md says what changed between them)"
        )
    return ""


def command(args: argparse.Namespace) -> int:
    """Run the forecast batch into its store and print the headline indicators' bands."""
    from metropoli.batch import run_batch
    from models.experiments import scenario as scenarios
    from models.experiments.batchfile import parse_batch
    from models.experiments.expansion import expand
    from sim.experiments.executors import ExecutorOptions

    options = ExecutorOptions(args.workers or 1, None)
    sc = scenarios.load(args.scenario).with_run(
        seed=args.seed, scale=args.scale, start=args.start, end=args.end
    )
    seeds = list(range(1, args.seeds + 1)) if args.seeds else [sc.seed]
    data = forecast_document(sc, args.scenario, args.posterior, args.draws or DEFAULT_DRAWS, seeds)
    batch = parse_batch(tomli_w.dumps(data), data, str(args.scenario), data["name"], Path.cwd())
    out = args.out or Path("results") / data["name"]
    stale = version_warning(args.posterior)
    if stale:
        print(stale, file=sys.stderr)
    status = run_batch(batch, expand(batch), out, options, quiet=args.quiet)
    if status == 0 and not args.quiet:
        print(summary_text(out, sc.name, format_month(sc.end)))
        if len(batch.scenarios) > 1:
            print(f"paired effects, observed 2015-2018 on the fans: metropoli report {out}")
    return status
