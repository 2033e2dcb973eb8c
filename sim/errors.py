"""The one error type that user-facing commands turn into a clean message and exit status 2."""

from __future__ import annotations


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
            parts.append(str(source))
        if key:
            parts.append(f"key '{key}'")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
