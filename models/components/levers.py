"""The plan's 29 projects (A1-A8, B1-B21) as policy levers.

A lever has two halves, kept apart as in Starsim's delivery/product split and EMA
Workbench's levers-versus-uncertainties:

* **delivery** (:class:`Lever`): when it starts, how fast it ramps up, how strongly
  (intensity, 1 = as the plan intends), where (target comuni), until when;
* **effect** (:class:`LeverSpec` with its :class:`Effect` list): which hooks of
  :mod:`models.hooks` it moves, by how much at full strength, with a prior on that size.

Each month the model resets the hooks and every active lever applies
``size × strength(month)`` to its hooks in its target comuni (or, for the hooks the model
reads metro-wide, to the whole area); kernels only read hooks. Every effect size is an
assumption with a prior (see ``docs/levers.md``): the plan gives no quantified targets,
so these are the uncertain parameters that calibration and sensitivity analysis explore.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.components.indicators import INDICATOR_NAMES
from models.hooks import HOOKS, METRO_HOOKS
from models.territory.territory import load_territory
from sim.calendar import format_month, parse_month
from sim.components import Component
from sim.errors import InputError, shown
from sim.scenario import check_month, finite_number
from sim.tomlfile import check_keys, key_problem

if TYPE_CHECKING:
    from models.model import MetroModel

GOVERNANCE, ECONOMIC = "governance", "economic development"
UNIVERSITY, INTERNATIONAL, SOCIAL = "universitaria", "internazionale", "sociale"
AREA_NAMES = {
    UNIVERSITY: "Torino universitaria e dell'innovazione",
    INTERNATIONAL: "Torino internazionale",
    SOCIAL: "Torino sociale",
}
LEVER_KEYS = {"start", "ramp_months", "intensity", "end", "targets", "effects"}
MAX_RAMP_MONTHS = 120


@dataclass(frozen=True)
class Effect:
    """What a lever changes at full strength.

    Attributes:
        hook: a hook of :data:`models.hooks.HOOKS`.
        size: relative change of a multiplicative hook (``-0.15`` multiplies it by 0.85),
            or the amount added to an additive hook (neutral value 0).
        prior: ``(low, high)`` of a uniform prior on ``size``.
        metro_wide: the hook acts on the whole area (every zone, including the metro-wide
            entry), whatever the lever's targets; true exactly for :data:`METRO_HOOKS`.
        source: where the size and prior come from ("assumption" unless a study is named).
    """

    hook: str
    size: float
    prior: tuple[float, float]
    metro_wide: bool = False
    source: str = "assumption"


@dataclass(frozen=True)
class LeverSpec:
    """A project of the plan and its modelled effect.

    Attributes:
        code: ``A1`` ... ``B21``.
        name: the plan's Italian name.
        summary: one line in English.
        strategy: governance or economic development.
        areas: the priority areas it serves (mapping documented in docs/levers.md).
        start: default start month.
        ramp_months: default months to reach full strength.
        cost_eur: yearly cost at intensity 1, EUR (assumption, see docs/levers.md).
        effects: the hooks it moves.
        moves: metro-area indicators it moves, with the sign (+1 or -1): the documented
            targets that ``tests/test_levers.py`` checks against the baseline.
        mechanism: how the effect follows from what the plan says.
        targets: default target comuni (ISTAT codes); empty means all 38.
        max_intensity: the largest intensity a scenario may set.
    """

    code: str
    name: str
    summary: str
    strategy: str
    areas: tuple[str, ...]
    start: str
    ramp_months: int
    cost_eur: float
    effects: tuple[Effect, ...]
    moves: Mapping[str, int]
    mechanism: str
    targets: tuple[str, ...] = ()
    max_intensity: float = 1.0

    def describe_effects(self) -> str:
        """The effects as short text: ``startup_exit -25%, innovation +5%``."""
        parts = []
        for e in self.effects:
            if HOOKS[e.hook][0] == 0.0:
                parts.append(f"{e.hook} {e.size:+g}")
            else:
                parts.append(f"{e.hook} {e.size:+.0%}")
        return ", ".join(parts)

    def describe_moves(self) -> str:
        """The target indicators with their direction: ``firms_active +, firm_deaths -``."""
        return ", ".join(f"{k} {'+' if v > 0 else '-'}" for k, v in self.moves.items())


@dataclass
class Lever:
    """A lever as delivered in a scenario.

    Attributes:
        spec: the project.
        start: first month of delivery (month index).
        ramp_months: months from start to full intensity (linear).
        intensity: strength at the end of the ramp (1 = as the plan intends).
        end: last month of delivery, or None (to the end of the run).
        targets: zone indices it acts on.
    """

    spec: LeverSpec
    start: int
    ramp_months: int
    intensity: float
    end: int | None
    targets: np.ndarray = field(repr=False)

    def strength(self, month: int) -> float:
        """Intensity times the ramp at ``month``; 0 outside delivery."""
        if month < self.start or (self.end is not None and month > self.end):
            return 0.0
        ramp = (
            1.0 if self.ramp_months <= 0 else min(1.0, (month - self.start + 1) / self.ramp_months)
        )
        return self.intensity * ramp

    def apply(self, model: MetroModel, month: int) -> None:
        """Move the hooks for ``month`` (called by the model's ``levers`` phase)."""
        s = self.strength(month)
        if s == 0.0:
            return
        for effect in self.spec.effects:
            hook = getattr(model.hooks, effect.hook)
            where = slice(None) if effect.metro_wide else self.targets
            if HOOKS[effect.hook][0] == 0.0:
                hook[where] += effect.size * s
            else:
                hook[where] *= max(1.0 + effect.size * s, 0.0)

    def yearly_cost(self, month: int) -> float:
        """Yearly cost rate at ``month``, EUR."""
        return self.spec.cost_eur * self.strength(month)


LEVERS_TOML = Path(__file__).resolve().parent.parent / "data" / "levers.toml"
"""The 29 projects shipped with the package."""

_SPEC_KEYS = {
    "name": str,
    "summary": str,
    "strategy": str,
    "areas": list,
    "start": str,
    "ramp_months": int,
    "cost_eur": float,
    "mechanism": str,
    "moves": dict,
    "effects": list,
}
_OPTIONAL_SPEC_KEYS = {"targets": list, "max_intensity": float}
_EFFECT_KEYS = {"hook": str, "size": float, "prior": list}
_OPTIONAL_EFFECT_KEYS = {"source": str}


def load_specs(path: str | Path = LEVERS_TOML) -> tuple[LeverSpec, ...]:
    """Read and check the projects' table, in file order.

    Raises:
        ValueError: naming the file and the key, for an unknown or missing key, a value of
            the wrong type, an unknown strategy, area, hook or indicator, or a size outside
            its prior.
    """
    path = Path(path)
    with path.open("rb") as f:
        data = tomllib.load(f)
    specs = []
    for code, entry in data.items():

        def fail(key: str, what: str, code: str = code) -> ValueError:
            return ValueError(f"{path}: {code}.{key}: {what}")

        _check_keys(entry, _SPEC_KEYS, _OPTIONAL_SPEC_KEYS, path, code)
        if entry["strategy"] not in (GOVERNANCE, ECONOMIC):
            raise fail("strategy", f"expected {GOVERNANCE!r} or {ECONOMIC!r}")
        if not set(entry["areas"]) <= set(AREA_NAMES):
            raise fail("areas", f"expected some of {sorted(AREA_NAMES)}")
        for name, sign in entry["moves"].items():
            if name not in INDICATOR_NAMES or sign not in (-1, 1):
                raise fail("moves", f"{name} = {sign!r}: expected an indicator = 1 or -1")
        effects = []
        for k, e in enumerate(entry["effects"]):
            key = f"effects[{k}]"
            _check_keys(e, _EFFECT_KEYS, _OPTIONAL_EFFECT_KEYS, path, f"{code}.{key}")
            if e["hook"] not in HOOKS:
                raise fail(f"{key}.hook", f"{e['hook']!r} is not a hook of models/hooks.py")
            low, high = e["prior"]
            if not low <= e["size"] <= high:
                raise fail(f"{key}.size", f"expected within the prior [{low}, {high}]")
            effects.append(
                Effect(
                    hook=e["hook"],
                    size=float(e["size"]),
                    prior=(float(low), float(high)),
                    metro_wide=e["hook"] in METRO_HOOKS,
                    source=e.get("source", "assumption"),
                )
            )
        specs.append(
            LeverSpec(
                code=code,
                name=entry["name"],
                summary=entry["summary"],
                strategy=entry["strategy"],
                areas=tuple(entry["areas"]),
                start=entry["start"],
                ramp_months=entry["ramp_months"],
                cost_eur=float(entry["cost_eur"]),
                effects=tuple(effects),
                moves=dict(entry["moves"]),
                mechanism=entry["mechanism"],
                targets=tuple(entry.get("targets", ())),
                max_intensity=float(entry.get("max_intensity", 1.0)),
            )
        )
    return tuple(specs)


def _check_keys(
    entry: Any,
    required: Mapping[str, type],
    optional: Mapping[str, type],
    path: Path,
    where: str,
) -> None:
    """Keys and value types of the table ``where`` of ``path`` (an integer is a valid float).

    Raises:
        ValueError: ``path: where.key: what is wrong``.
    """
    if not isinstance(entry, dict):
        raise ValueError(f"{path}: {where}: expected a table")
    problem = key_problem(entry, [*required, *optional], where, required)
    if problem is not None:
        raise ValueError(f"{path}: {problem[0]}: {problem[1]}")
    for key, kind in {**required, **optional}.items():
        if key in entry:
            value = entry[key]
            ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
            if not ok or isinstance(value, bool):
                raise ValueError(f"{path}: {where}.{key}: expected {kind.__name__}, got {value!r}")


SPECS: tuple[LeverSpec, ...] = load_specs()
"""The 29 projects, in plan order."""
SPEC_BY_CODE: dict[str, LeverSpec] = {s.code: s for s in SPECS}


def codes_in_area(area: str) -> list[str]:
    """Codes of the levers serving a priority area, in plan order."""
    return [s.code for s in SPECS if area in s.areas]


def check_levers(table: Mapping[str, Any], source: str, start: int, end: int) -> dict[str, Any]:
    """Check a scenario's ``[levers]`` table; return it normalised (every key filled).

    Raises:
        InputError: an unknown code or key, or a value out of range.
    """
    codes = load_territory().codes
    out: dict[str, Any] = {}
    for code, entry in table.items():
        base = f"levers.{code}"
        if code not in SPEC_BY_CODE:
            raise InputError(
                f"unknown lever (expected one of {', '.join(SPEC_BY_CODE)})", source, base
            )
        spec = SPEC_BY_CODE[code]
        if not isinstance(entry, dict):
            raise InputError(f"expected a table [levers.{code}]", source, base)
        check_keys(entry, LEVER_KEYS, source, base)
        lever_start = check_month(
            entry.get("start", _clip(spec.start, start, end)), source, f"{base}.start", start, end
        )
        lever_end = None
        if "end" in entry:
            lever_end = check_month(entry["end"], source, f"{base}.end", lever_start, end)
        ramp = entry.get("ramp_months", spec.ramp_months)
        if isinstance(ramp, bool) or not isinstance(ramp, int) or not 0 <= ramp <= MAX_RAMP_MONTHS:
            raise InputError(
                f"expected a whole number of months from 0 to {MAX_RAMP_MONTHS}, got {ramp!r}",
                source,
                f"{base}.ramp_months",
            )
        intensity = entry.get("intensity", 1.0)
        number = finite_number(intensity)  # None for a non-number or an int beyond a float
        if number is None or not 0.0 <= number <= spec.max_intensity:
            raise InputError(
                f"expected a number from 0 to {spec.max_intensity:g}, got {intensity!r}",
                source,
                f"{base}.intensity",
            )
        targets = entry.get("targets", list(spec.targets))
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise InputError(
                'expected a list of ISTAT codes as text, e.g. ["001272"]', source, f"{base}.targets"
            )
        for t in targets:
            if t not in codes:
                raise InputError(
                    f"{t!r} is not one of the 38 comuni (expected an ISTAT code "
                    'such as "001272" for Torino)',
                    source,
                    f"{base}.targets",
                )
        if len(set(targets)) != len(targets):
            twice = next(t for t in targets if targets.count(t) > 1)
            raise InputError(
                f"{twice!r} is listed twice (expected each comune once)",
                source,
                f"{base}.targets",
            )
        out[code] = {
            "start": format_month(lever_start),
            "ramp_months": int(ramp),
            "intensity": float(intensity),
            "end": format_month(lever_end) if lever_end is not None else None,
            "targets": list(targets),
        }
        if "effects" in entry:
            out[code]["effects"] = check_effects(spec, entry["effects"], source, f"{base}.effects")
    return out


def check_effects(spec: LeverSpec, table: Any, source: str, key: str) -> dict[str, float]:
    """Check a lever's ``effects`` table (hook = size at full strength); return it as floats.

    Raises:
        InputError: not a table, a hook the lever does not move, a size that is not a
            finite number, or a multiplicative size under -1 (the hook would turn negative).
    """
    hooks = [e.hook for e in spec.effects]
    if not isinstance(table, dict):
        raise InputError(
            f"expected a table of hook = size (hooks: {', '.join(hooks)})", source, key
        )
    out: dict[str, float] = {}
    for hook, size in table.items():
        if hook not in hooks:
            raise InputError(
                f"{spec.code} does not move this hook (expected one of {', '.join(hooks)})",
                source,
                f"{key}.{hook}",
            )
        number = finite_number(size)  # None for a non-number or an int beyond a float
        if number is None:
            raise InputError(
                f"expected a finite number, got {shown(size)}", source, f"{key}.{hook}"
            )
        if HOOKS[hook][0] != 0.0 and number < -1.0:
            raise InputError(
                f"{size!r} would make the multiplicative hook negative (expected a size >= -1)",
                source,
                f"{key}.{hook}",
            )
        out[hook] = number
    return out


def with_effect_sizes(spec: LeverSpec, sizes: Mapping[str, float] | None) -> LeverSpec:
    """The spec with some effect sizes replaced (the same object when there are none)."""
    if not sizes:
        return spec
    effects = tuple(
        replace(e, size=float(sizes[e.hook])) if e.hook in sizes else e for e in spec.effects
    )
    return replace(spec, effects=effects)


def _clip(month: str, start: int, end: int) -> str:
    """A default start month moved inside the run."""
    return format_month(min(max(parse_month(month), start), end))


def build_levers(table: Mapping[str, Any]) -> list[Lever]:
    """Levers from a checked, normalised ``[levers]`` table, in code order."""
    codes = load_territory().codes
    index = {c: i for i, c in enumerate(codes)}
    order = [s.code for s in SPECS]
    levers = []
    for code in sorted(table, key=order.index):
        entry = table[code]
        targets = entry["targets"]
        zones = np.array(
            [index[t] for t in targets] if targets else range(len(codes)), dtype=np.int64
        )
        levers.append(
            Lever(
                spec=with_effect_sizes(SPEC_BY_CODE[code], entry.get("effects")),
                start=parse_month(entry["start"]),
                ramp_months=int(entry["ramp_months"]),
                intensity=float(entry["intensity"]),
                end=parse_month(entry["end"]) if entry.get("end") else None,
                targets=zones,
            )
        )
    return levers


def lever_markers(table: Mapping[str, Any], max_codes: int = 4) -> list[tuple[str, str]]:
    """``(label, "YYYY-MM")`` per start month of the active levers, for plots.

    Levers starting in the same month share one marker labelled with their codes (the
    first ``max_codes`` of them and how many more), so that a plan of 29 projects does
    not draw 29 overlapping lines.
    """
    order = [s.code for s in SPECS]
    by_month: dict[str, list[str]] = {}
    for code in sorted(table, key=order.index):
        entry = table[code]
        if entry.get("intensity", 1.0) > 0:
            by_month.setdefault(entry["start"], []).append(code)
    markers = []
    for month in sorted(by_month):
        codes = by_month[month]
        label = " ".join(codes[:max_codes])
        if len(codes) > max_codes:
            label += f" +{len(codes) - max_codes}"
        markers.append((label, month))
    return markers


class LeverDelivery(Component):
    """The levers' month: reset the hooks, let each active lever move its own, and cost.

    Attributes:
        cost: the active levers' cost this month, EUR (full scale).
    """

    name = "lever_delivery"
    stream = "levers"
    doc = "active levers set the hooks for this month"

    def __init__(self, model: MetroModel) -> None:
        super().__init__(model)
        self.cost = 0.0

    def step(self, month: int) -> None:
        """Neutral hooks, then every lever's effect at its strength this month."""
        m = self.model
        m.hooks.reset()
        for lever in m.levers:
            lever.apply(m, month)
        self.cost = sum(lever.yearly_cost(month) for lever in m.levers) / 12.0
