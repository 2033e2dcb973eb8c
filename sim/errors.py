"""The error types that user-facing commands turn into one clean line and an exit status.

:class:`InputError` is bad input (exit status 2); :class:`InvariantError` is an accounting
identity that broke during a run in check mode (exit status 3). Their messages are always
one printable line of bounded length, whatever text a hostile file put in a key or value:
control characters, line breaks and other invisible characters are escaped, and an
over-long part is shortened in the middle.
"""

from __future__ import annotations

from typing import Any

MAX_SOURCE = 160  # characters of a file name kept in a message (its end: the file's name)
MAX_KEY = 80
MAX_MESSAGE = 320


def printable(text: str) -> str:
    r"""``text`` with every non-printable character escaped (a line break as ``\n``)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1] if char in "\n\r\t" else f"\\u{ord(char):04x}")
    return "".join(out)


def shorten(text: str, limit: int, keep_end: bool = False) -> str:
    """``text`` cut to at most ``limit`` characters, marking the cut with ``…``."""
    if len(text) <= limit:
        return text
    if keep_end:
        return "…" + text[-(limit - 1) :]
    head = (limit - 1) * 2 // 3
    return text[:head] + "…" + text[-(limit - 1 - head) :]


def shown(value: Any, limit: int = 60) -> str:
    """A value as it is shown in a message: its ``repr``, escaped and at most ``limit`` long."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still shown by its type
        text = f"<{type(value).__name__}>"
    return shorten(printable(text), limit)


class InputError(Exception):
    """Bad input from the user: a wrong scenario file, an unknown key, a value out of range.

    The message is one readable line naming the file, the key and what was expected.

    Args:
        message: what is wrong and what was expected.
        source: the file (or argument) the problem comes from, if any.
        key: the offending key, dotted (``levers.B3.start``), if any.
    """

    def __init__(self, message: str, source: str | None = None, key: str | None = None) -> None:
        self.source = source
        self.key = key
        parts = []
        if source:
            parts.append(shorten(printable(str(source)), MAX_SOURCE, keep_end=True))
        if key:
            parts.append(f"key '{shorten(printable(str(key)), MAX_KEY)}'")
        prefix = ": ".join(parts)
        message = shorten(printable(message), MAX_MESSAGE)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InvariantError(RuntimeError):
    """An accounting identity broke during a run (check mode).

    A bug, or parameters so far from their plausible ranges that the model no longer holds
    together.

    Args:
        message: one line naming the identity, the month, the phase and the zone.
    """

    def __init__(self, message: str) -> None:
        super().__init__(shorten(printable(message), 2 * MAX_MESSAGE))
