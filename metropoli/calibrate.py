"""``metropoli calibrate``: fit parameters to the observed series (ABC-SMC or optimisation)."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.options import add_executor_options, add_run_overrides

METHODS = ("abc", "optimize")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` sub-command."""
    cal = sub.add_parser(
        "calibrate",
        help="fit parameters to the observed 2015-2018 series (ABC-SMC or optimisation)",
        description="Calibrate the parameters named in a calibration file against its "
        "targets: --method abc (pyabc ABC-SMC, a posterior sample) or --method optimize "
        "(optuna, a point estimate). Writes the output folder as it goes; running the same "
        "command again resumes where it stopped. Exit status 0 when done, 2 for bad input.",
    )
    cal.add_argument("file", type=Path, help="calibration TOML file (see calibration/examples/)")
    cal.add_argument("--method", choices=METHODS, default="abc", help="the backend (default abc)")
    add_executor_options(cal, "output folder (default results/calibrate-<name>-<method>)")
    add_run_overrides(cal)
    cal.add_argument("--quiet", action="store_true", help="no progress output")


def command(args: argparse.Namespace) -> int:
    """Run (or resume) a calibration and write its tables, plots and posterior file."""
    from calibration.api import calibrate_file
    from sim.experiments.executors import ExecutorOptions

    # refuse bad options before reading the file
    ExecutorOptions(args.workers, args.scheduler, args.tls_config)
    return calibrate_file(
        args.file,
        method=args.method,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        scale=args.scale,
        seeds=args.seeds,
        progress=not args.quiet,
    )
