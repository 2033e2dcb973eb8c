"""Explicit points: a table of named values a batch runs as it is (``[design] kind = "points"``).

A point names any of the model's addressable names (or their identifier aliases,
:func:`~sim.experiments.uncertainties.alias`) with one value each; a table of points has
one column per name and one row per point. :func:`read_table` reads one from CSV or
Parquet; :func:`check_points` checks it into the rows a design runs and the
:class:`~sim.experiments.uncertainties.Uncertainty` each column stands for;
:func:`check_point` checks a single point (a mapping), as the Python API takes it.

Every problem raises :class:`~sim.errors.InputError` naming the file, the key, the row
and column, and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calendar import parse_month
from sim.errors import InputError, shown
from sim.experiments.uncertainties import (
    INTEGER,
    MONTH,
    Addressable,
    Uncertainty,
    canonical,
    check_value,
)
from sim.tomlfile import suggestion

SUFFIXES = (".csv", ".parquet")
MAX_POINTS = 1_000_000


def unknown_name(name: str, names: Iterable[str], unknown_help: str) -> str:
    """The message for a name no one can vary: a likely spelling, and what names exist."""
    close = suggestion(name, list(names))
    hint = f"did you mean {close!r}? " if close else ""
    return f"unknown name {shown(name)} ({hint}{unknown_help})"


def read_table(path: Path, source: str, key: str) -> pd.DataFrame:
    """A table of points from a ``.csv`` (every cell read as text) or ``.parquet`` file.

    Raises:
        InputError: another suffix, a missing or unreadable file.
    """
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"expected a .csv or .parquet table of points, got {shown(path.name)}", source, key
        )
    if not path.is_file():
        raise InputError(
            f"no such table of points {str(path)!r} (paths are relative to the batch file)",
            source,
            key,
        )
    try:
        if path.suffix.lower() == ".csv":
            return _read_csv(path)
        return pd.read_parquet(path)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise InputError(
            f"cannot read the table of points {str(path)!r} ({err.__class__.__name__})",
            source,
            key,
        ) from None


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV's cells as text, its header row's names kept as written (repeats included)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, header=None)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    table = raw.iloc[1:].reset_index(drop=True)
    table.columns = list(raw.iloc[0])
    return table


def check_points(
    table: pd.DataFrame,
    names: Mapping[str, Addressable],
    source: str,
    key: str,
    unknown_help: str,
) -> tuple[tuple[tuple[Any, ...], ...], list[Uncertainty]]:
    """Check a table of points; return its rows and the uncertainty of each column.

    Args:
        table: one column per name (dotted or alias), one row per point; cells may be
            text (a CSV), numbers, or ``"YYYY-MM"`` months.
        names: what may be varied, with bounds (months already bounded by the run).
        source: the file that names the table, for messages.
        key: its key (``design.file``), for messages.
        unknown_help: what to say of an unknown name.

    Raises:
        InputError: no column or no row, an unknown or repeated name, a missing value, a
            value of the wrong type or out of range.
    """
    if len(table.columns) == 0 or len(table) == 0:
        raise InputError(
            "the table of points is empty (expected a column per name, a row per point)",
            source,
            key,
        )
    if len(table) > MAX_POINTS:
        raise InputError(f"more than {MAX_POINTS} points", source, key)
    columns = [canonical(str(c)) for c in table.columns]
    for raw, name in zip(table.columns, columns, strict=True):
        if name not in names:
            raise InputError(f"column {unknown_name(str(raw), names, unknown_help)}", source, key)
        if columns.count(name) > 1:
            raise InputError(f"column {shown(name)} is given twice", source, key)
    values: list[list[Any]] = []
    for i, name in enumerate(columns):
        where = f"{key}, row {{}} column {name}"
        cells = table.iloc[:, i].tolist()
        values.append(
            [_cell(v, names[name], source, where.format(r + 1)) for r, v in enumerate(cells)]
        )
    rows = tuple(zip(*values, strict=True))
    uncertainties = [_uncertainty(n, names[n], col) for n, col in zip(columns, values, strict=True)]
    return rows, uncertainties


def check_point(
    point: Mapping[str, Any],
    names: Mapping[str, Addressable],
    source: str,
    unknown_help: str,
) -> dict[str, Any]:
    """One point (name or alias -> value), checked; returned with dotted names.

    Raises:
        InputError: an unknown or repeated name, a value of the wrong type or out of range.
    """
    out: dict[str, Any] = {}
    for raw, value in point.items():
        name = canonical(str(raw))
        if name not in names:
            raise InputError(unknown_name(str(raw), names, unknown_help), source, str(raw))
        if name in out:
            raise InputError("given twice (as a name and as its alias)", source, str(raw))
        out[name] = check_value(value, names[name], source, str(raw))
    return out


def _cell(v: Any, addressable: Addressable, source: str, where: str) -> Any:
    """One cell, as the point holds it; text from a CSV read as the column's kind."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v):
        raise InputError("missing value (expected a value in every cell)", source, where)
    if addressable.kind != MONTH and isinstance(v, str):
        try:
            v = (
                int(v)
                if addressable.kind == INTEGER and v.strip().lstrip("+-").isdigit()
                else float(v)
            )
        except ValueError:
            raise InputError(f"expected a number, got {shown(v)}", source, where) from None
    return check_value(v, addressable, source, where)


def _uncertainty(name: str, addressable: Addressable, column: list[Any]) -> Uncertainty:
    """What a column of points stands for: its name, kind and the range its values span."""
    numbers = [parse_month(v) if addressable.kind == MONTH else v for v in column]
    low, high = float(min(numbers)), float(max(numbers))
    if addressable.kind == INTEGER:
        low, high = int(low), int(high)
    return Uncertainty(name, addressable.kind, low, high, distribution="points")
