"""The plan's 29 projects (A1-A8, B1-B21) as policy levers.

A lever has two halves, kept apart as in Starsim's delivery/product split and EMA
Workbench's levers-versus-uncertainties:

* **delivery** (:class:`~models.components.lever_settings.LeverSettings`, checked from
  the scenario's table; a :class:`Lever` once built for a run): when it starts, how fast
  it ramps up, how strongly (intensity, 1 = as the plan intends), where (target comuni),
  until when;
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
from sim.components import Component
from sim.tomlfile import key_problem

if TYPE_CHECKING:
    from models.components.lever_settings import LeverSettings
    from models.model import MetroModel

GOVERNANCE, ECONOMIC = "governance", "economic development"
UNIVERSITY, INTERNATIONAL, SOCIAL = "universitaria", "internazionale", "sociale"
AREA_NAMES = {
    UNIVERSITY: "Torino universitaria e dell'innovazione",
    INTERNATIONAL: "Torino internazionale",
    SOCIAL: "Torino sociale",
}
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
        spec: the project, with the effect sizes the scenario sets.
        settings: its delivery: start, ramp, intensity, end (month indices), targets.
        targets: the zone indices it acts on (all 38 comuni when the settings name none).
    """

    spec: LeverSpec
    settings: LeverSettings
    targets: np.ndarray = field(repr=False)

    def strength(self, month: int) -> float:
        """Intensity times the ramp at ``month``; 0 outside delivery."""
        s = self.settings
        if month < s.start or (s.end is not None and month > s.end):
            return 0.0
        ramp = 1.0 if s.ramp_months <= 0 else min(1.0, (month - s.start + 1) / s.ramp_months)
        return s.intensity * ramp

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


def with_effect_sizes(spec: LeverSpec, sizes: Mapping[str, float] | None) -> LeverSpec:
    """The spec with some effect sizes replaced (the same object when there are none)."""
    if not sizes:
        return spec
    effects = tuple(
        replace(e, size=float(sizes[e.hook])) if e.hook in sizes else e for e in spec.effects
    )
    return replace(spec, effects=effects)


def build_levers(levers: Mapping[str, LeverSettings]) -> list[Lever]:
    """Levers from a scenario's checked settings (:mod:`models.components.lever_settings`).

    In plan order, each with its spec's effect sizes as the settings replace them.
    """
    codes = load_territory().codes
    index = {c: i for i, c in enumerate(codes)}
    order = [s.code for s in SPECS]
    out = []
    for code in sorted(levers, key=order.index):
        settings = levers[code]
        zones = np.array(
            [index[t] for t in settings.targets] if settings.targets else range(len(codes)),
            dtype=np.int64,
        )
        spec = with_effect_sizes(SPEC_BY_CODE[code], settings.sizes)
        out.append(Lever(spec=spec, settings=settings, targets=zones))
    return out


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
