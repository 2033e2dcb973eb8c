"""Derived parameters: a calibration that samples coordinates other than the model's own.

A calibration file may sample a **coordinate** that is not a model parameter (registered
in :data:`COORDINATES`, with its unit and bounds) and hand the model parameters computed
from the sampled values by a **derivation** (registered in :data:`DERIVATIONS`: a named
function, never text to evaluate)::

    [parameters]
    growth_drift = { low = -0.01, high = 0.03 }
    recovery_years = { low = 1.0, high = 3.0 }
    labour_demand_growth_2015_2018 = { low = 0.025, high = 0.06 }
    [derived]
    recovery_drift = "recovery_drift_from_window_growth"
    # or, with an admissible range other than the parameter's plausible one:
    # recovery_drift = { derivation = "recovery_drift_from_window_growth", high = 0.2 }

A sampled point whose derived value falls outside the admissible range (by default the
parameter's plausible ``range`` in ``models/data/parameters.toml``) is not a point of the
prior: ABC-SMC's prior density is zero there (:class:`calibration.abc.TruncatedPrior`), and
an optuna trial there fails without a run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calibration.recovery_split import WINDOW_YEARS, recovery_drift_from
from sim.errors import InputError
from sim.experiments.uncertainties import REAL, Addressable, Uncertainty
from sim.tomlfile import check_keys

PROBE_POINTS = 4096
"""Prior points tried when a file is read: none admissible is bad input."""


@dataclass(frozen=True)
class Derivation:
    """A registered function giving one model parameter from sampled names.

    Attributes:
        name: its name in a calibration file's ``[derived]``.
        parameter: the model parameter it gives.
        inputs: the sampled names it reads, in the function's argument order.
        function: the function (numpy arrays or floats in, the same out).
        doc: what it computes.
    """

    name: str
    parameter: str
    inputs: tuple[str, ...]
    function: Callable[..., Any]
    doc: str


@dataclass(frozen=True)
class Derived:
    """One entry of a calibration file's ``[derived]``, checked.

    Attributes:
        derivation: the registered derivation.
        low: the lowest admissible derived value.
        high: the highest.
    """

    derivation: Derivation
    low: float
    high: float

    @property
    def parameter(self) -> str:
        """The model parameter derived."""
        return self.derivation.parameter

    def value(self, values: Mapping[str, Any]) -> Any:
        """The derived value at sampled ``values`` (floats, or columns of a table)."""
        return self.derivation.function(*(values[n] for n in self.derivation.inputs))


WINDOW_GROWTH = "labour_demand_growth_2015_2018"

COORDINATES: dict[str, Addressable] = {
    WINDOW_GROWTH: Addressable(
        WINDOW_GROWTH,
        REAL,
        0.0,
        0.08,
        (-0.5, 0.5),
        doc="labour demand's mean yearly log growth over 2015-2018, 1/year "
        "(growth_drift + recovery_drift * recovery_years / 4 * (1 - exp(-4 / recovery_years)))",
    ),
}
"""Sampled coordinates that are not model parameters: plausible range and valid bounds."""

DERIVATIONS: dict[str, Derivation] = {
    "recovery_drift_from_window_growth": Derivation(
        "recovery_drift_from_window_growth",
        "recovery_drift",
        (WINDOW_GROWTH, "growth_drift", "recovery_years"),
        recovery_drift_from,
        f"recovery_drift = (A - growth_drift) * {WINDOW_YEARS:g} / (recovery_years * "
        f"(1 - exp(-{WINDOW_YEARS:g} / recovery_years))), A = {WINDOW_GROWTH} "
        "(calibration.recovery_split.recovery_drift_from)",
    ),
}
"""The derivations a calibration file may name."""


def parse_derived(
    table: Any,
    sampled: Sequence[str],
    parameters: Mapping[str, Addressable],
    source: str,
) -> tuple[Derived, ...]:
    """Check a calibration file's ``[derived]`` table against its sampled names.

    Raises:
        InputError: one line naming the file and the key.
    """
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise InputError(
            'expected a [derived] table, e.g. recovery_drift = "..."', source, "derived"
        )
    derived = [_entry(name, spec, sampled, parameters, source) for name, spec in table.items()]
    used = {n for d in derived for n in d.derivation.inputs}
    for name in sampled:
        if name in COORDINATES and name not in used:
            raise InputError(
                f"not a model parameter, and no [derived] entry reads it (expected one of "
                f"{', '.join(d.name for d in DERIVATIONS.values() if name in d.inputs)})",
                source,
                f"parameters.{name}",
            )
    return tuple(derived)


def _entry(
    name: str, spec: Any, sampled: Sequence[str], parameters: Mapping[str, Addressable], source: str
) -> Derived:
    key = f"derived.{name}"
    entry = parameters.get(name)
    if entry is None or entry.kind != REAL or "." in name:
        raise InputError("unknown model parameter (expected a real one)", source, key)
    if isinstance(spec, str):
        spec = {"derivation": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("derivation"), str):
        raise InputError(
            'expected a derivation\'s name, or { derivation = "...", low = ..., high = ... }',
            source,
            key,
        )
    check_keys(spec, {"derivation", "low", "high"}, source, key)
    derivation = DERIVATIONS.get(spec["derivation"])
    if derivation is None:
        raise InputError(
            f"unknown derivation {spec['derivation']!r} (expected one of {', '.join(DERIVATIONS)})",
            source,
            key,
        )
    if derivation.parameter != name:
        raise InputError(f"{derivation.name} gives {derivation.parameter}, not {name}", source, key)
    if name in sampled:
        raise InputError(
            "derived and also sampled in [parameters] (expected one or the other)", source, key
        )
    missing = [n for n in derivation.inputs if n not in sampled]
    if missing:
        raise InputError(
            f"{derivation.name} reads {', '.join(missing)}, not sampled (expected in [parameters])",
            source,
            key,
        )
    low, high = (_end(spec, end, default, entry, source, key) for end, default in
                 (("low", entry.low), ("high", entry.high)))  # fmt: skip
    if high <= low:
        raise InputError("expected high above low", source, f"{key}.high")
    return Derived(derivation, low, high)


def _end(
    spec: Mapping[str, Any], end: str, default: float, entry: Addressable, source: str, key: str
) -> float:
    value = spec.get(end, default)
    lo, hi = entry.bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise InputError(
            f"expected a number within the parameter's bounds [{lo:g}, {hi:g}]",
            source,
            f"{key}.{end}",
        )
    return float(value)


def out_of_range(values: Mapping[str, float], derived: Sequence[Derived]) -> str | None:
    """Why the sampled ``values`` are not admissible (a derived value out of range), or None."""
    for d in derived:
        x = float(d.value(values))
        if not d.low <= x <= d.high:
            return f"{d.parameter} = {x:.6g} outside [{d.low:g}, {d.high:g}]"
    return None


def model_values(values: Mapping[str, float], derived: Sequence[Derived]) -> dict[str, float]:
    """The model's parameters at sampled ``values``: the sampled coordinates out, derived in.

    Raises:
        ValueError: a derived value outside its admissible range.
    """
    if not derived:
        return {k: float(v) for k, v in values.items()}
    reason = out_of_range(values, derived)
    if reason is not None:
        raise ValueError(f"not an admissible point: {reason}")
    model = {k: float(v) for k, v in values.items() if k not in COORDINATES}
    model.update({d.parameter: float(d.value(values)) for d in derived})
    return model


def derived_point(
    point: Mapping[str, float], table: pd.DataFrame, derived: Sequence[Derived]
) -> dict[str, float]:
    """The derived parameters at a point estimate of the sampled names.

    Each one is derived from the point, so the point's model parameters give the point's
    coordinates back (with marginal medians, its own median would not: recovery_drift's
    median with growth_drift's and recovery_years' is not the median mean growth). Where
    the point is not admissible (marginal medians need not be), the derived column's
    weighted median in ``table`` (``weight``; admissible particles only) stands in.
    """
    from sim.experiments.posterior import weighted_median

    if derived and out_of_range(point, derived) is not None:
        weights = table["weight"].to_numpy(float)
        return {
            d.parameter: weighted_median(table[d.parameter].to_numpy(float), weights)
            for d in derived
        }
    return {d.parameter: float(d.value(point)) for d in derived}


def with_derived(table: pd.DataFrame, derived: Sequence[Derived]) -> pd.DataFrame:
    """``table`` (one row per particle or trial) with a column per derived parameter."""
    table = table.copy()
    for d in derived:
        table[d.parameter] = np.asarray(d.value(table), dtype=float)
    return table


def check_admissible(
    priors: Sequence[Uncertainty], derived: Sequence[Derived], seed: int, source: str
) -> None:
    """Raise if no point of :data:`PROBE_POINTS` drawn from the priors is admissible."""
    if not derived:
        return
    unit = np.random.default_rng(seed).random((PROBE_POINTS, len(priors)))
    points = pd.DataFrame({p.name: p.values_at(unit[:, i]) for i, p in enumerate(priors)})
    for d in derived:
        x = np.asarray(d.value(points), dtype=float)
        if not np.any((x >= d.low) & (x <= d.high)):
            raise InputError(
                f"{d.derivation.name} gives {d.parameter} outside [{d.low:g}, {d.high:g}] at "
                f"every one of {PROBE_POINTS} prior points (expected priors that admit some)",
                source,
                f"derived.{d.parameter}",
            )
