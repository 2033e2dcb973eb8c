"""``metropoli portfolio``: search the portfolios of projects to fund under a budget."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from metropoli.options import add_executor_options, number, warn_below_recommended

EXIT_FAILED_RUNS = 1
OUTPUT_NAMES = {
    "portfolio.json",
    "pareto.csv",
    "evaluations.csv",
    "convergence.csv",
    "portfolios",
    "store",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``portfolio`` sub-command."""
    parser = sub.add_parser(
        "portfolio",
        help="search which projects to fund, how hard and from when, under a budget",
        description="Search, with pymoo's NSGA-III (or NSGA-II), the portfolios of projects "
        "whose robust effects on the chosen goals no other portfolio within the budget beats. "
        "Every evaluation is a run of a batch store (one batch per generation), so the search "
        "runs on Dask, survives a kill and resumes: run the same command again. Writes "
        "portfolio.json, pareto.csv, evaluations.csv, convergence.csv, portfolios/ and store/ "
        "(docs/portfolio.md). Exit status 0 done, 1 some runs failed (rerun to retry), 2 bad "
        "input.",
    )
    parser.add_argument("file", type=Path, help="portfolio TOML file (see scenarios/portfolios/)")
    add_executor_options(
        parser, "the output folder (default results/portfolio-<name>); reuse it to resume"
    )
    parser.add_argument("--scale", type=number, metavar="S", help="override [run] scale")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary")


def check_folder(folder: Path) -> None:
    """Refuse, writing nothing, an output folder that holds something else."""
    from sim.errors import InputError

    if folder.exists() and not folder.is_dir():
        raise InputError(
            "exists and is not a folder (expected a portfolio output folder)", str(folder)
        )
    if folder.is_dir():
        foreign = sorted(
            p.name
            for p in folder.iterdir()
            if p.name not in OUTPUT_NAMES and not p.name.startswith(".")
        )
        if foreign:
            raise InputError(
                f"is not empty and holds no portfolio search (found {foreign[0]!r}; expected a "
                "new folder or the folder of the same search)",
                str(folder),
            )


def command(args: argparse.Namespace) -> int:
    """Run the search into its folder; resume what a previous command left."""
    from metropoli.batch import interrupted
    from models.experiments.portfolio.budget import resolve
    from models.experiments.portfolio.decision import Encoding
    from models.experiments.portfolio.evaluation import RunsFailed, StoreEvaluator
    from models.experiments.portfolio.file import load_portfolio
    from models.experiments.portfolio.output import write_outputs
    from models.experiments.portfolio.search import run_search
    from sim.experiments.executors import ExecutorOptions, ExecutorSession

    started = time.monotonic()
    options = ExecutorOptions(args.workers, args.scheduler, args.tls_config)
    spec = load_portfolio(args.file, args.scale)
    encoding = Encoding(spec.decision)
    budget = resolve(spec.budget, encoding, spec.source)  # an impossible budget: before any run
    out = args.out or Path("results") / f"portfolio-{spec.name}"
    check_folder(out)

    def say(text: str) -> None:
        if not args.quiet:
            print(f"portfolio {spec.name}: {text}", file=sys.stderr)

    try:
        with ExecutorSession(options) as executors:
            evaluator = StoreEvaluator(spec, out / "store", executors, progress=not args.quiet)
            result = run_search(spec.search, spec.objectives, encoding, budget, evaluator, say)
    except KeyboardInterrupt:
        return interrupted(out)
    except RunsFailed as err:
        print(f"metropoli: {err}", file=sys.stderr)
        warn_below_recommended(spec.run.scale, "portfolio")
        return EXIT_FAILED_RUNS
    write_outputs(out, spec, encoding, budget, result, time.monotonic() - started)
    if not args.quiet:
        print(
            f"portfolio {spec.name}: {len(result.pareto)} Pareto portfolios of "
            f"{len(result.archive.proposed)} proposed, "
            f"{len(result.effects) + len(result.out_effects)} evaluations, into {out} "
            f"({time.monotonic() - started:.0f} s)"
        )
    warn_below_recommended(spec.run.scale, "portfolio")
    return 0
