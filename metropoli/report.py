"""``metropoli report``: a batch store to a static HTML report."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.options import integer


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    report = sub.add_parser(
        "report",
        help="write a reviewers' report (static HTML) of a batch store",
        description="Turn a batch store (metropoli batch --out DIR) into one folder, "
        "index.html and its figures, that opens with no server and no network: each "
        "scenario's paired effect against the baseline on the plan's goals with intervals, "
        "fan charts, maps of the comuni, cost and effect, PRIM where uncertainties were "
        "sampled, and provenance. A previous report in the folder is replaced whole.",
    )
    report.add_argument("store", type=Path, help="the batch store folder")
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

    started = time.perf_counter()
    folder = build_report(
        args.store, args.out, baseline=args.baseline, year=args.year, observed=observed_points()
    )
    if not args.quiet:
        print(f"wrote {folder / 'index.html'}  ({time.perf_counter() - started:.1f} s)")
    return 0
