"""``metropoli levers``: the plan's 29 projects as levers."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``levers`` sub-command."""
    sub.add_parser(
        "levers",
        help="list the plan's 29 projects as levers",
        description="List the 29 levers: code, name, strategy, priority areas, "
        "yearly cost and what each moves.",
    )


def command(args: argparse.Namespace) -> int:
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
