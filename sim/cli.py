"""Command-line plumbing: argument errors and input errors as one line and exit status 2.

Exit statuses: 0 done; 2 bad input (a usage error or an :class:`~sim.errors.InputError`);
3 an accounting identity broke in check mode (:class:`~sim.errors.InvariantError`);
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from sim.errors import InputError, InvariantError

EXIT_INPUT = 2
EXIT_INVARIANT = 3


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line (``prog: error: ...``), status 2."""

    def error(self, message: str) -> None:  # noqa: D102
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def run_main(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    handlers: dict[str, Callable[[argparse.Namespace], int]],
) -> int:
    """Parse ``argv`` and call the handler of the chosen subcommand.

    An :class:`~sim.errors.InputError` becomes one line on stderr and exit status 2, an
    :class:`~sim.errors.InvariantError` one line and exit status 3.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, already printed)
        return int(exit_.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # the reader went away (``metropoli levers | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except InputError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except InvariantError as err:
        print(f"{parser.prog}: invariant broken: {err}", file=sys.stderr)
        return EXIT_INVARIANT
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; nothing was written", file=sys.stderr)
        return 130
