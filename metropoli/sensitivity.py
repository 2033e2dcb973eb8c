"""``metropoli sensitivity``: Morris screening then Sobol indices, through batch stores.

The analysis is :mod:`calibration.sensitivity`; this is its command line: the options,
the default output folder, the exit status and the messages.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.batch import EXIT_FAILED_RUNS, interrupted
from metropoli.options import add_executor_options, add_run_overrides, warn_below_recommended


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` sub-command."""
    sens = sub.add_parser(
        "sensitivity",
        help="Morris screening then Sobol indices, through the batch store",
        description="Screen every behavioural parameter with Morris elementary effects, "
        "then compute Sobol indices (with confidence intervals) on those that matter, for "
        "the calibration targets and for the plan's goals. Runs go through batch stores "
        "in the output folder, so the same command resumes. Exit 2 for bad input.",
    )
    sens.add_argument("file", type=Path, help="sensitivity TOML file (see calibration/examples/)")
    add_executor_options(sens, "output folder (default results/sensitivity-<name>)")
    add_run_overrides(sens)
    sens.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def command(args: argparse.Namespace) -> int:
    """Run (or resume) a sensitivity analysis and write its tables and plots.

    Returns:
        0 when every table is written, 1 when some runs failed (run again to retry),
        130 when interrupted.

    Raises:
        InputError: bad input (nothing is written) or an output folder holding
            something else.
    """
    from calibration.sensitivity import load_sensitivity, run_sensitivity
    from sim.experiments.executors import ExecutorOptions

    options = ExecutorOptions(args.workers, args.scheduler, args.tls_config)
    spec = load_sensitivity(args.file, scale=args.scale, seeds=args.seeds)
    folder = args.out or Path("results") / f"sensitivity-{spec.name}"
    try:
        complete = run_sensitivity(spec, folder, options, progress=not args.quiet)
    except KeyboardInterrupt:
        return interrupted(folder)
    warn_below_recommended(spec.scale, "sensitivity")
    if not complete:
        return EXIT_FAILED_RUNS
    if not args.quiet:
        print(f"sensitivity {spec.name}: tables and plots in {folder}")
    return 0
