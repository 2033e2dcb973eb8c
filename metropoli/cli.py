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
    portfolio,
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
    "portfolio": portfolio,
}


class VersionAction(argparse.Action):
    """``--version``: the code's version (with its commit when known) and the model's."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:  # noqa: D102
        from models.version import MODEL_VERSION, code_version

        print(f"metropoli {code_version()} (model version {MODEL_VERSION})")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    """The ``metropoli`` command line."""
    parser = ArgumentParser(
        prog="metropoli",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=VersionAction, help="print the code's and the model's version and exit"
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
