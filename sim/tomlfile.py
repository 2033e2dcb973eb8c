"""TOML files a person writes: read them safely, parse them, check their keys.

Every file format of the project (scenarios, batches, calibration and sensitivity files,
the model's own data tables) reads and checks its tables through these few functions, so
every format refuses the same bad input with the same words:

* :func:`read_text_file`: the text of a regular file of UTF-8 text, not too big;
* :func:`parse_toml` and :func:`read_toml`: the tables, malformed TOML refused;
* :func:`check_keys` (and :func:`key_problem`, for checkers that raise another error):
  an unknown key refused with the keys expected (and the likely one, for a misspelling),
  a missing required key refused naming its table.

Every problem raises :class:`~sim.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.errors import InputError

MAX_FILE_BYTES = 4 * 1024 * 1024  # a file a person edits is text; this is generous
MAX_TYPO = 2  # a suggestion is at most this many edits away from the unknown key


def read_text_file(path: Path, what: str = "a TOML file") -> str:
    """The text of a user's file: a regular file of UTF-8 text (a BOM is allowed), not too big.

    Args:
        path: the file.
        what: what the file should be, said in the messages ("a scenario TOML file").

    Raises:
        InputError: missing, a folder, a device or pipe, too big, unreadable, not UTF-8.
    """
    source = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"no such file (expected {what})", source) from None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the file ({_reason(err)})", source) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"is a directory (expected {what})", source)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"is not a regular file (expected {what})", source)
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(
            f"is {info.st_size:,} bytes (expected {what} of at most {MAX_FILE_BYTES:,})", source
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise InputError(f"cannot read the file ({_reason(err)})", source) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"is larger than {MAX_FILE_BYTES:,} bytes (expected {what})", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"is not UTF-8 text (byte {err.start}; expected {what} saved as UTF-8)", source
        ) from None


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or err.__class__.__name__


def parse_toml(text: str, source: str = "<memory>") -> dict[str, Any]:
    """The tables of TOML text already read.

    Raises:
        InputError: malformed TOML, or arrays or tables nested too deeply to parse.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed TOML ({err})", source) from None
    except RecursionError:
        raise InputError("malformed TOML (arrays or tables nested too deeply)", source) from None


def read_toml(path: str | Path, what: str = "a TOML file") -> tuple[str, dict[str, Any]]:
    """A TOML file's text and tables.

    Args:
        path: the file.
        what: what the file should be, said in the messages.

    Raises:
        InputError: missing, not a regular file, too big, unreadable, not UTF-8, malformed.
    """
    path = Path(path)
    text = read_text_file(path, what)
    return text, parse_toml(text, str(path))


def key_problem(
    table: Mapping[str, Any],
    allowed: Iterable[str],
    where: str = "",
    required: Iterable[str] = (),
) -> tuple[str, str] | None:
    """The first problem with a table's keys, as ``(dotted key, message)``; None if none.

    The first unknown key in sorted order, else the first missing ``required`` key in the
    order given. For checkers that raise their own error type; others call
    :func:`check_keys`.

    Args:
        table: the table whose keys are checked.
        allowed: the keys it may have (``required`` ones are allowed too); listed in the
            message in the order given, or sorted if a set.
        where: the table's dotted key (``run``, ``levers.B3``); "" for the top level.
        required: the keys it must have.
    """
    required = list(required)
    names = sorted(allowed) if isinstance(allowed, set | frozenset) else list(allowed)
    names += [k for k in required if k not in names]
    prefix = f"{where}." if where else ""
    unknown = sorted(str(k) for k in table if k not in names)
    if unknown:
        key = unknown[0]
        expected = f"expected one of {', '.join(names)}"
        close = suggestion(key, names)
        hint = f"did you mean {close!r}? " if close else ""
        return f"{prefix}{key}", f"unknown key ({hint}{expected})"
    for key in required:
        if key not in table:
            place = f"in [{where}]" if where else "at the top level"
            return f"{prefix}{key}", f"missing (expected {place})"
    return None


def check_keys(
    table: Mapping[str, Any],
    allowed: Iterable[str],
    source: str,
    where: str = "",
    required: Iterable[str] = (),
) -> None:
    """Refuse a table with an unknown key or without a required one.

    Args:
        table: the table whose keys are checked.
        allowed: the keys it may have (see :func:`key_problem`).
        source: the file, for the message.
        where: the table's dotted key; "" for the top level.
        required: the keys it must have.

    Raises:
        InputError: ``unknown key (expected one of a, b, c)``, with ``did you mean 'x'?``
            when the key is a likely misspelling of ``x``; or ``missing (expected in
            [where])``; naming the key as ``where.key``.
    """
    problem = key_problem(table, allowed, where, required)
    if problem is not None:
        key, message = problem
        raise InputError(message, source, key)


def suggestion(key: str, names: Iterable[str]) -> str | None:
    """The allowed name ``key`` most likely misspells, or None.

    A name that differs only in case (``b8`` for ``B8``), else the nearest by edit distance:
    at most two edits away (one for a key of three characters or fewer, so that short
    codes are not all suggested for each other), case ignored, the first nearest in
    ``names`` order on a tie.
    """
    names = list(names)
    folded = key.casefold()
    for name in names:
        if name.casefold() == folded:
            return name
    limit = 1 if len(key) <= 3 else MAX_TYPO
    best: tuple[int, str] | None = None
    for name in names:
        if abs(len(name) - len(key)) > limit:  # cheap for a huge key
            continue
        distance = edit_distance(folded, name.casefold())
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
