"""Every model parameter: value, unit, plausible range, valid bounds, reader and source.

The parameters are data, in ``models/data/parameters.toml``: one table per parameter,
grouped by the component that reads it. This module is their schema
(:class:`Parameter`) and its checking loader. The plausible range is what calibration
and sensitivity analysis explore; the bounds are what a scenario file may set (outside
them the model is meaningless). ``source`` names the evidence, or says "assumption" with
the reason.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sim.tomlfile import key_problem

PARAMETERS_TOML = Path(__file__).resolve().parent / "data" / "parameters.toml"
"""The parameter table shipped with the package."""
CALIBRATED_POSTERIOR = (
    Path(__file__).resolve().parent.parent / "calibration" / "posterior" / "observed-2015-2018.toml"
)
"""The shipped calibration's posterior file: the defaults hold its point estimate, and a
forecast draws from its sample (``metropoli run --posterior``, ``[design] kind =
"posterior"`` with no file; docs/calibration.md)."""

COMPONENTS = (
    "population",
    "space",
    "demography",
    "education",
    "firms",
    "labour",
    "commuting",
    "housing",
    "comuni",
)
"""The groups of the table: the components that read parameters, in the month's order
(``population`` builds the initial state; ``space`` is the distance rule every component
uses)."""

_REQUIRED = ("value", "unit", "range", "bounds", "source", "doc")
_OPTIONAL = ("also_read_by",)


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes:
        name: identifier used in scenario files (``[parameters]``) and code.
        value: default value.
        unit: unit of measure.
        low: low end of the plausible range.
        high: high end of the plausible range.
        bounds: values a scenario may set.
        component: the component that reads it (its group in the table).
        source: evidence, or "assumption: <reason>".
        doc: what it means.
        also_read_by: other components that read it.
    """

    name: str
    value: float
    unit: str
    low: float
    high: float
    bounds: tuple[float, float]
    component: str
    source: str
    doc: str
    also_read_by: tuple[str, ...] = ()


def load_parameters(path: str | Path = PARAMETERS_TOML) -> dict[str, Parameter]:
    """Read and check a parameter table.

    Raises:
        ValueError: naming the file and the key, for an unknown group or key, a missing
            key, a value of the wrong type, a range outside the bounds or a default
            outside the range, or a name used twice.
    """
    path = Path(path)
    with path.open("rb") as f:
        data = tomllib.load(f)
    out: dict[str, Parameter] = {}
    for component, table in data.items():
        if component not in COMPONENTS:
            raise ValueError(f"{path}: [{component}] is not a component ({', '.join(COMPONENTS)})")
        for name, entry in table.items():
            key = f"{component}.{name}"
            if name in out:
                raise ValueError(f"{path}: {key}: {name} is already in [{out[name].component}]")
            out[name] = _parameter(path, key, component, name, entry)
    return out


def _parameter(path: Path, key: str, component: str, name: str, entry: Any) -> Parameter:
    """One checked entry of the table."""

    def fail(what: str) -> ValueError:
        return ValueError(f"{path}: {key}: {what}")

    if not isinstance(entry, dict):
        raise fail("expected a table")
    problem = key_problem(entry, _REQUIRED + _OPTIONAL, key, _REQUIRED)
    if problem is not None:
        raise ValueError(f"{path}: {problem[0]}: {problem[1]}")
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(f"value: expected a finite number, got {value!r}")
    pairs = {}
    for k in ("range", "bounds"):
        pair = entry[k]
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
            or not pair[0] <= pair[1]
        ):
            raise fail(f"{k}: expected [low, high], got {pair!r}")
        pairs[k] = (pair[0], pair[1])
    (low, high), bounds = pairs["range"], pairs["bounds"]
    if not bounds[0] <= low <= value <= high <= bounds[1]:
        raise fail(f"expected bounds {bounds} to hold the range {pairs['range']} and the value")
    for k in ("unit", "source", "doc"):
        if not isinstance(entry[k], str) or not entry[k]:
            raise fail(f"{k}: expected text")
    also = entry.get("also_read_by", [])
    if not isinstance(also, list) or not all(c in COMPONENTS and c != component for c in also):
        raise fail(f"also_read_by: expected other components, got {also!r}")
    return Parameter(
        name=name,
        value=value,
        unit=entry["unit"],
        low=low,
        high=high,
        bounds=bounds,
        component=component,
        source=entry["source"],
        doc=entry["doc"],
        also_read_by=tuple(also),
    )


PARAMETERS: Mapping[str, Parameter] = MappingProxyType(load_parameters())
"""Every parameter by name, in the table's order."""


def defaults() -> dict[str, float]:
    """Default value of every parameter."""
    return {name: float(p.value) for name, p in PARAMETERS.items()}


def bounds() -> dict[str, tuple[float, float]]:
    """Valid bounds of every parameter, for scenario checking."""
    return {name: p.bounds for name, p in PARAMETERS.items()}


def resolve(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults with scenario overrides applied (names already checked)."""
    values = defaults()
    values.update(overrides or {})
    return values


def markdown_table(component: str | None = None) -> str:
    """The parameters (of one component, or all) as a Markdown table for the ODD document."""
    rows = [
        "| name | value | unit | plausible range | read by | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        if component is None or p.component == component:
            source = p.source.replace("|", "/").replace("\n", " ")
            readers = ", ".join((p.component, *p.also_read_by))
            rows.append(
                f"| `{p.name}` | {p.value:g} | {p.unit} | {p.low:g} – {p.high:g} | "
                f"{readers} | {source} |"
            )
    return "\n".join(rows)
