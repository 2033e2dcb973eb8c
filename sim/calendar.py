"""Months as integers: ``year * 12 + (month - 1)``, and their ``"YYYY-MM"`` text form."""

from __future__ import annotations

import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> int:
    """Parse ``"YYYY-MM"`` into a month index.

    Args:
        text: a month such as ``"2015-01"``.

    Returns:
        ``year * 12 + month - 1``.

    Raises:
        ValueError: if ``text`` is not of the form ``YYYY-MM`` with a month from 01 to 12.
    """
    match = _MONTH.match(text) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f'expected a month as "YYYY-MM", got {text!r}')
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def format_month(index: int) -> str:
    """Format a month index as ``"YYYY-MM"``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of_year(index: int) -> int:
    """Calendar month, 1 to 12, of a month index."""
    return index % 12 + 1


def year_of(index: int) -> int:
    """Calendar year of a month index."""
    return index // 12
