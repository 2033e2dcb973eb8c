"""What several sub-commands share: argument types and the options of a batch-like command."""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def number(text: str) -> float:
    """A finite number given on the command line."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def integer(text: str) -> int:
    """A whole number given on the command line."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def add_executor_options(parser: argparse.ArgumentParser, out_help: str) -> None:
    """``--out``, ``--workers``, ``--scheduler`` and ``--tls-config`` of a batch-like command.

    Where it writes, and what runs it: this process, local Dask workers on 127.0.0.1, or a
    scheduler.
    """
    parser.add_argument("--out", type=Path, metavar="DIR", help=out_help)
    parser.add_argument(
        "--workers",
        type=integer,
        default=1,
        metavar="N",
        help="local Dask worker processes on 127.0.0.1; 1 runs in this process without Dask",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler, tcp://host:port (a trusted network only) or "
        "tls://host:port (started with `dask scheduler`)",
    )
    parser.add_argument(
        "--tls-config",
        type=Path,
        metavar="FILE",
        help="Dask configuration file naming the CA and client certificates of a tls:// "
        "scheduler (docs/batches.md)",
    )


def add_run_overrides(parser: argparse.ArgumentParser) -> None:
    """``--scale`` and ``--seeds``: override the file's ``[run]`` scale and seeds."""
    parser.add_argument("--scale", type=number, metavar="S", help="override [run] scale")
    parser.add_argument("--seeds", type=integer, metavar="N", help="override [run] seeds: 1..N")


def warn_below_recommended(scale: float, use: str) -> None:
    """Print one warning line on stderr when ``scale`` is below ``use``'s recommended scale.

    Printed when the command has done its work (not before: a bad input stays one line),
    with or without ``--quiet``; ``models.minimum_scale.RECOMMENDED_SCALE`` holds the scales.
    """
    import sys

    from models.minimum_scale import scale_warning

    line = scale_warning(scale, use)
    if line is not None:
        print(f"metropoli: {line}", file=sys.stderr)
