"""``metropoli``: run, check and inspect scenarios of the Turin metropolitan model.

Each sub-command is a module of this package with ``add_parser(sub)`` and
``command(args) -> int`` (the exit status); :data:`COMMANDS` lists them in the order of the
help. Bad input raises :class:`sim.errors.InputError`, printed as one line, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from metropoli import (
    batch,
    calibrate,
    check,
    explore,
    levers,
    parameters,
    report,
    run,
    sensitivity,
    view,
)
from sim.cli import ArgumentParser, run_main

DESCRIPTION = """\
Agent-based simulator of the Turin metropolitan area (38 comuni), 2015-2025, for the
strategic plan "Torino Metropoli 2025". Scenario files are TOML (see scenarios/)."""

COMMANDS = {
    "run": run,
    "check": check,
    "batch": batch,
    "report": report,
    "view": view,
    "explore": explore,
    "calibrate": calibrate,
    "sensitivity": sensitivity,
    "levers": levers,
    "parameters": parameters,
}


def build_parser() -> argparse.ArgumentParser:
    """The ``metropoli`` command line."""
    parser = ArgumentParser(
        prog="metropoli",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``metropoli`` console script."""
    handlers = {name: module.command for name, module in COMMANDS.items()}
    return run_main(build_parser(), argv, handlers)


if __name__ == "__main__":
    sys.exit(main())
