"""Declared uncertainties and experiment levers: a name, a range or a list, a distribution.

A model says which names may be varied (:class:`Addressable`: kind, default range, valid
bounds); a batch file picks some of them with a range, a list of values or a distribution
(:func:`declare`). Designs sample points in the unit hypercube and :meth:`Uncertainty.values_at`
maps them onto each uncertainty's values, so every design works the same for every kind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim import fpmath
from sim.calendar import format_month, parse_month
from sim.errors import InputError
from sim.tomlfile import check_keys

REAL, INTEGER, MONTH = "real", "integer", "month"
DISTRIBUTIONS = ("uniform", "triangular", "loguniform")
SPEC_KEYS = {"low", "high", "values", "distribution", "mode"}
UNCERTAINTY, LEVER = "uncertainty", "lever"
ALIAS_SEPARATOR = "__"
"""A dotted name's Python-identifier alias: ``A2.growth_drift`` is also ``A2__growth_drift``."""


def alias(name: str) -> str:
    """The Python-identifier alias of a name: its dots as ``__`` (``A2__growth_drift``).

    A name without a dot (a model parameter) is its own alias. EMA Workbench, SALib and
    keyword arguments take identifiers; every place that takes a dotted name takes this.
    """
    return name.replace(".", ALIAS_SEPARATOR)


def canonical(name: str) -> str:
    """The dotted name of a name or of its alias (``A2__growth_drift`` -> ``A2.growth_drift``)."""
    return name.replace(ALIAS_SEPARATOR, ".") if isinstance(name, str) else name


@dataclass(frozen=True)
class Addressable:
    """A name a batch may vary, as the model declares it.

    Attributes:
        name: ``parameter`` or ``CODE.hook``, ``CODE.intensity``...
        kind: ``real``, ``integer`` or ``month`` (a month index, written ``"YYYY-MM"``).
        low: default low end of the range (the plausible range, or the effect's prior).
        high: default high end.
        bounds: the values a batch may set.
        delivery: true for a lever's delivery (usable as a lever of the experiment).
        doc: what it is, for messages and listings.
    """

    name: str
    kind: str
    low: float
    high: float
    bounds: tuple[float, float]
    delivery: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Uncertainty:
    """One varied name of a batch, with its range or its list of values.

    Attributes:
        name: the addressable name.
        kind: ``real``, ``integer`` or ``month``.
        low: low end of the range (month index for months).
        high: high end of the range.
        values: explicit values (a factorial design uses these), or None.
        distribution: ``uniform``, ``triangular`` (with ``mode``) or ``loguniform``.
        mode: peak of a triangular distribution.
        role: ``uncertainty`` (sampled by the design) or ``lever`` (crossed, as a policy).
    """

    name: str
    kind: str
    low: float
    high: float
    values: tuple[Any, ...] | None = None
    distribution: str = "uniform"
    mode: float | None = None
    role: str = UNCERTAINTY

    def values_at(self, unit: np.ndarray) -> list[Any]:
        """The values at points ``unit`` of [0, 1] (a design's column), as Python scalars."""
        u = np.clip(np.asarray(unit, dtype=float), 0.0, np.nextafter(1.0, 0.0))
        if self.values is not None:
            index = np.floor(u * len(self.values)).astype(int)
            return [self.values[i] for i in index]
        if self.kind in (INTEGER, MONTH):
            n = int(self.high) - int(self.low) + 1
            ints = int(self.low) + np.floor(u * n).astype(int)
            if self.kind == MONTH:
                return [format_month(int(m)) for m in ints]
            return [int(v) for v in ints]
        if self.distribution == "triangular":
            width = self.high - self.low
            c = 0.5 if self.mode is None or width == 0 else (self.mode - self.low) / width
            x = stats.triang.ppf(u, c, loc=self.low, scale=width)
        elif self.distribution == "loguniform":
            x = fpmath.exp(
                fpmath.log(self.low) + u * (fpmath.log(self.high) - fpmath.log(self.low))
            )
        else:
            x = self.low + u * (self.high - self.low)
        return [float(v) for v in x]

    def describe(self) -> str:
        """One short line: ``B8.talent_exit uniform [-0.3, -0.1]``."""
        if self.values is not None:
            return f"{self.name} in {list(self.values)}"
        if self.kind == MONTH:
            first, last = format_month(int(self.low)), format_month(int(self.high))
            return f"{self.name} months {first} to {last}"
        return f"{self.name} {self.distribution} [{self.low:g}, {self.high:g}]"


def declare(
    name: str,
    spec: Any,
    addressable: Addressable,
    source: str,
    key: str,
    role: str = UNCERTAINTY,
) -> Uncertainty:
    """Check a batch file's entry for ``name`` and build its :class:`Uncertainty`.

    Args:
        name: the addressable name.
        spec: the entry: a table with ``low``/``high`` (default: the model's range),
            ``values``, ``distribution`` and ``mode``; ``{}`` takes every default.
        addressable: what the model declares for the name.
        source: the batch file, for messages.
        key: the entry's dotted key, for messages.
        role: ``uncertainty`` or ``lever``.

    Raises:
        InputError: an unknown key, a value of the wrong type or out of bounds, a
            distribution that is not known, low above high.
    """
    if not isinstance(spec, dict):
        raise InputError(
            "expected a table such as { low = 0.1, high = 0.3 } or { values = [...] } "
            "({} takes the model's range)",
            source,
            key,
        )
    check_keys(spec, SPEC_KEYS, source, key)
    kind = addressable.kind
    lo_b, hi_b = addressable.bounds
    distribution = spec.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS:
        raise InputError(
            f"unknown distribution {distribution!r} (expected one of {', '.join(DISTRIBUTIONS)})",
            source,
            f"{key}.distribution",
        )
    if kind != REAL and distribution != "uniform":
        raise InputError(
            f"a {kind} takes the uniform distribution only", source, f"{key}.distribution"
        )
    values = None
    if "values" in spec:
        values = _listed(spec, kind, addressable.bounds, source, f"{key}.values")
        as_numbers = [parse_month(v) if kind == MONTH else v for v in values]
        low, high = float(min(as_numbers)), float(max(as_numbers))
    else:
        if role == LEVER:
            raise InputError(
                "a lever of the experiment takes a list of values (its policy options)",
                source,
                f"{key}.values",
            )
        low = _bound(spec, "low", addressable, source, key)
        high = _bound(spec, "high", addressable, source, key)
        if high < low:
            raise InputError(f"high is below low ({high:g} < {low:g})", source, f"{key}.high")
        if distribution == "loguniform" and low <= 0:
            raise InputError("a loguniform range needs low > 0", source, f"{key}.low")
    mode = None
    if "mode" in spec:
        if distribution != "triangular":
            raise InputError("mode is for the triangular distribution", source, f"{key}.mode")
        mode = _number(spec["mode"], kind, low, high, source, f"{key}.mode")
    return Uncertainty(name, kind, low, high, values, distribution, mode, role)


def _bound(
    spec: Mapping[str, Any], end: str, addressable: Addressable, source: str, key: str
) -> Any:
    """The entry's ``low`` or ``high``, checked; the model's default when it gives none.

    The default is already a value of the name's kind (a month as its index), so it is
    taken as it is rather than parsed as the file's text would be.
    """
    lo_b, hi_b = addressable.bounds
    if end not in spec:
        default = getattr(addressable, end)
        return int(default) if addressable.kind == INTEGER else float(default)
    return _number(spec[end], addressable.kind, lo_b, hi_b, source, f"{key}.{end}")


def _listed(
    spec: Mapping[str, Any], kind: str, bounds: tuple[float, float], source: str, key: str
) -> tuple[Any, ...]:
    """The checked ``values`` list of an entry (its key is ``key``)."""
    raw = spec["values"]
    if not isinstance(raw, list) or not raw:
        raise InputError("expected a non-empty list of values", source, key)
    values = tuple(_value(v, kind, bounds[0], bounds[1], source, key) for v in raw)
    if len(set(values)) != len(values):
        raise InputError("a value is listed twice", source, key)
    if {"low", "high", "mode"} & set(spec) or "distribution" in spec:
        raise InputError(
            "give either values or a range (low, high, distribution), not both", source, key
        )
    return values


def check_value(v: Any, addressable: Addressable, source: str, key: str) -> Any:
    """One value of ``addressable`` (a point's), checked against its bounds.

    Returns:
        a float (real), an int (integer) or ``"YYYY-MM"`` text (month), as a design's
        point holds it.

    Raises:
        InputError: a value of the wrong type (text for a number, a number for a month)
            or outside the bounds.
    """
    if addressable.kind != MONTH and isinstance(v, np.generic):
        v = v.item()
    lo, hi = addressable.bounds
    return _value(v, addressable.kind, lo, hi, source, key)


def _value(v: Any, kind: str, lo: float, hi: float, source: str, key: str) -> Any:
    if kind == MONTH:
        month = _month(v, lo, hi, source, key)
        return format_month(month)
    return _number(v, kind, lo, hi, source, key)


def _month(v: Any, lo: float, hi: float, source: str, key: str) -> int:
    try:
        month = parse_month(v)
    except ValueError:
        raise InputError(f'expected a month as "YYYY-MM", got {v!r}', source, key) from None
    if not lo <= month <= hi:
        raise InputError(
            f"{v} is out of range (expected {format_month(int(lo))} to {format_month(int(hi))})",
            source,
            key,
        )
    return month


def _number(v: Any, kind: str, lo: float, hi: float, source: str, key: str) -> Any:
    if kind == MONTH:
        return (
            float(_month(v, lo, hi, source, key))
            if isinstance(v, str)
            else _bad_month(v, source, key)
        )
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(f"expected a finite number, got {v!r}", source, key)
    if kind == INTEGER and not (isinstance(v, int) or float(v).is_integer()):
        raise InputError(f"expected a whole number, got {v!r}", source, key)
    if not lo <= v <= hi:
        raise InputError(f"{v!r} is out of range (expected {lo:g} to {hi:g})", source, key)
    return int(v) if kind == INTEGER else float(v)


def _bad_month(v: Any, source: str, key: str) -> float:
    raise InputError(f'expected a month as "YYYY-MM", got {v!r}', source, key)


def flatten(table: Mapping[str, Any], names: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten ``{B8 = {talent_exit = {...}}}`` into ``{"B8.talent_exit": {...}}``.

    A table is an entry when its dotted path is one of ``names``; otherwise its keys are
    read as the next parts of the name. Both ``"B8.talent_exit" = {}`` and
    ``B8.talent_exit = {}`` then mean the same, and so does the alias ``B8__talent_exit``
    (:func:`alias`). Unknown paths are kept as they are, for the caller to reject by name.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = canonical(f"{prefix}{key}")
        if path in names or not isinstance(value, dict) or not value:
            out[path] = value
        elif set(value) <= SPEC_KEYS:
            out[path] = value
        else:
            out.update(flatten(value, names, prefix=f"{path}."))
    return out
