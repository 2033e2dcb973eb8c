"""``metropoli run``: run a scenario and write its results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli import forecast
from metropoli.options import integer, number, warn_below_recommended
from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    run = sub.add_parser(
        "run",
        help="run a scenario and write a results folder",
        description="Run a scenario month by month and write a results folder: "
        "manifest.json, indicators.parquet, od.parquet, firms.parquet and plots/.",
    )
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument(
        "--scale",
        type=number,
        metavar="S",
        help="agents per real person or firm, in (0, 1]; 1 is 1:1 (overrides [run] scale)",
    )
    run.add_argument(
        "--seed",
        type=integer,
        metavar="N",
        help="random seed, a non-negative integer (overrides [run] seed)",
    )
    run.add_argument("--start", metavar="YYYY-MM", help="first month (overrides [run] start)")
    run.add_argument(
        "--end",
        metavar="YYYY-MM",
        help="last month (overrides [run] end); a lever starting later is inactive",
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
    forecast.add_arguments(run)


def command(args: argparse.Namespace) -> int:
    """Run a scenario and write its folder (or, with ``--posterior``, a forecast's store)."""
    forecast.check_options(args)
    if args.posterior is not None:
        return forecast.command(args)
    from models import invariants
    from models.components.lever_settings import inactive
    from models.experiments import scenario as scenarios

    sc = scenarios.load(args.scenario).with_run(
        seed=args.seed, scale=args.scale, start=args.start, end=args.end
    )
    out = args.out or Path("results") / f"{sc.name}-seed{sc.seed}-scale{sc.scale:g}"
    check = invariants.enabled(True if args.check else None)
    check_out(out, args.force)
    from models.experiments.run import simulate, write_run

    late = inactive(sc.levers, sc.end)
    if late and not args.quiet:
        print(late)

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
    warn_below_recommended(sc.scale, "run")
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
