"""``metropoli``: run, check and inspect scenarios of the Turin metropolitan model."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from metropoli.batch import add_batch_parser, check_batch, cmd_batch
from metropoli.calibrate import add_calibrate_parser, cmd_calibrate
from metropoli.report import add_report_parser, cmd_report
from metropoli.sensitivity import add_sensitivity_parser, cmd_sensitivity
from sim.cli import ArgumentParser, run_main
from sim.errors import InputError

DESCRIPTION = """\
Agent-based simulator of the Turin metropolitan area (38 comuni), 2015-2025, for the
strategic plan "Torino Metropoli 2025". Scenario files are TOML (see scenarios/)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``metropoli`` command line."""
    parser = ArgumentParser(
        prog="metropoli",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a scenario and write a results folder",
        description="Run a scenario month by month and write a results folder: "
        "manifest.json, indicators.parquet, od.parquet, firms.parquet and plots/.",
    )
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument(
        "--scale",
        type=_number,
        metavar="S",
        help="agents per real person or firm, in (0, 1]; 1 is 1:1 (overrides [run] scale)",
    )
    run.add_argument(
        "--seed",
        type=_integer,
        metavar="N",
        help="random seed, a non-negative integer (overrides [run] seed)",
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder to write; default results/<scenario>-seed<N>-scale<S>. "
        "An existing results folder is kept: the run stops unless --force",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="replace the results folder if it exists (only a results folder, or an empty one)",
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="check the accounting identities after every phase of every month and stop at "
        "the first that breaks (exit status 3); also METROPOLI_CHECK=1. Same results, slower",
    )
    run.add_argument("--no-plots", action="store_true", help="write the tables only")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    check = sub.add_parser(
        "check",
        help="validate a scenario or batch file and say what it would run",
        description="Check a scenario file, or a batch file (how many runs, how long), "
        "without running it.",
    )
    check.add_argument("scenario", type=Path, help="scenario or batch TOML file")
    check.add_argument(
        "--workers", type=_integer, default=2, metavar="N", help="workers to estimate a batch for"
    )
    add_batch_parser(sub, _number, _integer)
    add_report_parser(sub, _integer)
    add_calibrate_parser(sub, _number, _integer)
    add_sensitivity_parser(sub, _number, _integer)

    sub.add_parser(
        "levers",
        help="list the plan's 29 projects as levers",
        description="List the 29 levers: code, name, strategy, priority areas, "
        "yearly cost and what each moves.",
    )
    sub.add_parser(
        "parameters",
        help="list the model parameters with ranges and sources",
        description="List every model parameter: value, unit, plausible range.",
    )
    return parser


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario and write its folder."""
    from models import invariants
    from models.experiments import scenario as scenarios

    sc = scenarios.load(args.scenario).with_run(seed=args.seed, scale=args.scale)
    out = args.out or Path("results") / f"{sc.name}-seed{sc.seed}-scale{sc.scale:g}"
    check = invariants.enabled(True if args.check else None)
    check_out(out, args.force)
    from models.experiments.run import simulate, write_run

    result = simulate(sc, progress=not args.quiet, check=check)
    try:
        folder = write_run(result, out, plots=not args.no_plots, replace=args.force)
    except FileExistsError:
        raise InputError(_EXISTS, str(out)) from None
    except OSError as err:
        raise InputError(
            f"cannot write the results folder ({err.strerror or err})", str(out)
        ) from None
    if not args.quiet:
        t = result.timings
        print(
            f"wrote {folder}  (init {t['init_s']:.1f} s, simulate {t['simulate_s']:.1f} s, "
            f"peak memory {result.peak_rss_mb:.0f} MB)"
        )
    return 0


_EXISTS = "already exists (add --force to replace it, or choose another --out)"


def check_out(out: Path, force: bool) -> None:
    """Refuse an output folder that exists, unless ``force`` and it may be replaced.

    Raises:
        InputError: ``out`` is a file, or a folder without ``--force``, or (with ``--force``)
            a folder that is neither a results folder nor empty.
    """
    from sim.results import replaceable

    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise InputError("exists and is not a folder (expected a results folder)", str(out))
    if not force:
        raise InputError(_EXISTS, str(out))
    if not replaceable(out):
        raise InputError(
            "exists and is not a results folder (no manifest.json); not replaced, even with "
            "--force",
            str(out),
        )


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a scenario (or a batch file) and describe it."""
    from models.components.levers import SPEC_BY_CODE
    from models.experiments import scenario as scenarios
    from sim.calendar import format_month
    from sim.experiments.batchfile import is_batch
    from sim.tomlfile import read_toml

    if is_batch(read_toml(args.scenario)[1]):
        return check_batch(args)
    sc = scenarios.load(args.scenario)
    print(f"OK: {sc.describe()}")
    if not sc.levers:
        print("  levers: none (baseline)")
    total = 0.0
    for code, lever in sc.levers.items():
        spec = SPEC_BY_CODE[code]
        cost = spec.cost_eur * lever.intensity
        total += cost
        where = ", ".join(lever.targets) if lever.targets else "all 38 comuni"
        until = f" until {format_month(lever.end)}" if lever.end is not None else ""
        print(
            f"  {code:4s} {spec.name}: from {format_month(lever.start)}{until}, ramp "
            f"{lever.ramp_months} months, intensity {lever.intensity:g}, {where}; "
            f"{cost / 1e6:.1f} M EUR/year"
        )
    if sc.levers:
        print(f"  total cost at full strength: {total / 1e6:.1f} M EUR/year")
    return 0


def cmd_levers(args: argparse.Namespace) -> int:
    """Print the 29 levers."""
    from models.components.levers import AREA_NAMES, SPECS

    for s in SPECS:
        areas = ", ".join(AREA_NAMES[a] for a in s.areas) or "-"
        print(f"{s.code:4s} {s.name}")
        print(f"     {s.summary}")
        print(
            f"     strategy: {s.strategy}; areas: {areas}; cost {s.cost_eur / 1e6:.1f} M "
            f"EUR/year; default start {s.start}, ramp {s.ramp_months} months"
        )
        print(f"     moves: {s.describe_effects()}")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    """Print the parameters."""
    from models.parameters import PARAMETERS

    for p in PARAMETERS.values():
        print(f"{p.name:36s} {p.value:>12g} {p.unit:22s} [{p.low:g}, {p.high:g}]  {p.component}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``metropoli`` console script."""
    handlers = {
        "run": cmd_run,
        "check": cmd_check,
        "levers": cmd_levers,
        "parameters": cmd_parameters,
        "batch": cmd_batch,
        "report": cmd_report,
        "calibrate": cmd_calibrate,
        "sensitivity": cmd_sensitivity,
    }
    return run_main(build_parser(), argv, handlers)


if __name__ == "__main__":
    sys.exit(main())
