"""``metropoli report``: a batch store, or a portfolio folder, to a static HTML report.

The folder's kind decides the report: a folder with ``portfolio.json`` (``metropoli
portfolio --out DIR``) gets the portfolio report, any other the batch report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.options import integer


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    report = sub.add_parser(
        "report",
        help="write a reviewers' report (static HTML) of a batch store or a portfolio folder",
        description="Turn a batch store (metropoli batch --out DIR) into one folder, "
        "index.html and its figures, that opens with no server and no network: each "
        "scenario's paired effect against the baseline on the plan's goals with intervals, "
        "fan charts, maps of the comuni, cost and effect, PRIM where uncertainties were "
        "sampled, and provenance. On a portfolio folder (metropoli portfolio --out DIR, it "
        "holds portfolio.json): the Pareto set's trade-offs, how often each project is "
        "chosen, cost and effect, the cheapest portfolio that matches piano-completo, the "
        "out-of-sample verification and the convergence. A previous report in the folder "
        "is replaced whole.",
    )
    report.add_argument("store", type=Path, help="the batch store or portfolio folder")
    report.add_argument(
        "--baseline", metavar="NAME", help="scenario to compare against (default the batch's)"
    )
    report.add_argument(
        "--out", type=Path, metavar="DIR", help="report folder (default STORE-report beside it)"
    )
    report.add_argument(
        "--year",
        type=integer,
        metavar="YYYY",
        help="the year effects are measured in (default 2025, or the batch's last year)",
    )
    report.add_argument("--quiet", action="store_true", help="print nothing when done")


def command(args: argparse.Namespace) -> int:
    """Build the report of a batch store."""
    import time

    from calibration.observed_path import observed_points
    from models.experiments.report import build_report
    from models.experiments.report.portfolio_build import build_portfolio_report
    from models.experiments.report.portfolio_folder import is_portfolio_folder
    from sim.errors import InputError

    started = time.perf_counter()
    if is_portfolio_folder(args.store):
        for option in ("baseline", "year"):
            if getattr(args, option) is not None:
                raise InputError(
                    "a portfolio report takes no such option (its baseline and years are "
                    "the search's)",
                    key=f"--{option}",
                )
        folder = build_portfolio_report(args.store, args.out)
    else:
        folder = build_report(
            args.store,
            args.out,
            baseline=args.baseline,
            year=args.year,
            observed=observed_points(),
        )
    if not args.quiet:
        print(f"wrote {folder / 'index.html'}  ({time.perf_counter() - started:.1f} s)")
    return 0
