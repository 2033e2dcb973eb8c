"""``metropoli parameters``: every model parameter, its value and range."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``parameters`` sub-command."""
    sub.add_parser(
        "parameters",
        help="list the model parameters with ranges and sources",
        description="List every model parameter: value, unit, plausible range, the component "
        "that reads it and its source (the evidence, or the assumption and its reason). "
        "docs/sensitivity.md says which matter.",
    )


def command(args: argparse.Namespace) -> int:
    """Print the parameters."""
    from models.parameters import PARAMETERS

    print(f"{'name':36s} {'value':>12s} {'unit':22s} {'plausible range':18s} read by")
    print(f"{'':36s} {'':>12s} source")
    for p in PARAMETERS.values():
        span = f"[{p.low:g}, {p.high:g}]"
        print(f"{p.name:36s} {p.value:>12g} {p.unit:22s} {span:18s} {p.component}")
        print(f"{'':36s} {'':>12s} {p.source}")
    return 0
