"""``metropoli parameters``: every model parameter, its value and range."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``parameters`` sub-command."""
    sub.add_parser(
        "parameters",
        help="list the model parameters with ranges and sources",
        description="List every model parameter: value, unit, plausible range.",
    )


def command(args: argparse.Namespace) -> int:
    """Print the parameters."""
    from models.parameters import PARAMETERS

    for p in PARAMETERS.values():
        print(f"{p.name:36s} {p.value:>12g} {p.unit:22s} [{p.low:g}, {p.high:g}]  {p.component}")
    return 0
