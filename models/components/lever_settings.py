"""A lever as a scenario delivers it: one typed, immutable :class:`LeverSettings` per code.

A scenario's ``[levers.CODE]`` table is checked once, where the file is read
(:func:`check_levers`), into a :class:`LeverSettings` with months as month indices; a batch
changes it with :func:`dataclasses.replace` and checks it again (:func:`recheck`); the
model turns it into a :class:`~models.components.levers.Lever`
(:func:`~models.components.levers.build_levers`). Months are ``"YYYY-MM"`` text only at
the edges: the scenario file, :func:`levers_table` (run manifests, ``batch.json``, run
keys) and :func:`lever_markers` (plots).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from models.components.levers import MAX_RAMP_MONTHS, SPEC_BY_CODE, SPECS, LeverSpec
from models.hooks import HOOKS
from models.territory.territory import load_territory
from sim.calendar import format_month, parse_month
from sim.errors import InputError, shown
from sim.scenario import check_month, finite_number
from sim.tomlfile import check_keys, suggestion

LEVER_KEYS = {"start", "ramp_months", "intensity", "end", "targets", "effects"}
LAST_MONTH = "2040-12"
"""The latest month a scenario may name: a run's end, or a lever's start after the run's end."""


@dataclass(frozen=True)
class LeverSettings:
    """How a scenario delivers one lever, checked (every key filled).

    Attributes:
        code: the project, ``A1`` ... ``B21``.
        start: first month of delivery (month index).
        ramp_months: months from start to full intensity (linear).
        intensity: strength at the end of the ramp (1 = as the plan intends).
        end: last month of delivery (month index), or None (to the end of the run).
        targets: target comuni (ISTAT codes), in the scenario's order; empty means all 38.
        effects: effect sizes the scenario sets, ``(hook, size)`` in its order; None when
            it sets none (the spec's sizes hold), kept apart from an empty table so that
            manifests say what the file said.
    """

    code: str
    start: int
    ramp_months: int
    intensity: float
    end: int | None = None
    targets: tuple[str, ...] = ()
    effects: tuple[tuple[str, float], ...] | None = None

    @property
    def sizes(self) -> dict[str, float]:
        """The effect sizes the scenario sets, by hook (empty when it sets none)."""
        return dict(self.effects or ())

    def with_size(self, hook: str, size: float) -> LeverSettings:
        """A copy with the effect size of ``hook`` set (unchecked: see :func:`recheck`)."""
        sizes = self.sizes
        sizes[hook] = size
        return replace(self, effects=tuple(sizes.items()))


def check_levers(
    table: Mapping[str, Any], source: str, start: int, end: int
) -> dict[str, LeverSettings]:
    """Check a scenario's ``[levers]`` table; return each lever's settings, by code.

    Raises:
        InputError: an unknown code or key, or a value out of range.
    """
    out: dict[str, LeverSettings] = {}
    for code, entry in table.items():
        out[code] = check_lever(code, entry, source, start, end)
    return out


def check_lever(code: str, entry: Any, source: str, start: int, end: int) -> LeverSettings:
    """Check one ``[levers.CODE]`` table of a run from ``start`` to ``end`` (month indices).

    Raises:
        InputError: an unknown code or key, or a value out of range.
    """
    base = f"levers.{code}"
    if code not in SPEC_BY_CODE:
        close = suggestion(str(code), SPEC_BY_CODE)
        hint = f"did you mean {close}? " if close else ""
        raise InputError(
            f"unknown lever ({hint}expected one of {', '.join(SPEC_BY_CODE)}; metropoli levers)",
            source,
            base,
        )
    spec = SPEC_BY_CODE[code]
    if not isinstance(entry, dict):
        raise InputError(f"expected a table [levers.{code}]", source, base)
    check_keys(entry, LEVER_KEYS, source, base)
    last = parse_month(LAST_MONTH)
    if "start" in entry:  # a start after the run's end is valid: the lever is inactive
        lever_start = check_month(entry["start"], source, f"{base}.start", start, last)
    else:  # the spec's start, moved inside the run
        lever_start = min(max(parse_month(spec.start), start), end)
    lever_end = None
    if "end" in entry:
        latest = end if lever_start <= end else last
        lever_end = check_month(entry["end"], source, f"{base}.end", lever_start, latest)
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
    targets = check_targets(entry.get("targets", list(spec.targets)), source, f"{base}.targets")
    effects = None
    if "effects" in entry:
        sizes = check_effects(spec, entry["effects"], source, f"{base}.effects")
        effects = tuple(sizes.items())
    return LeverSettings(
        code=code,
        start=lever_start,
        ramp_months=int(ramp),
        intensity=float(intensity),
        end=lever_end,
        targets=targets,
        effects=effects,
    )


def inactive(levers: Mapping[str, LeverSettings], end: int) -> str:
    """One line naming the levers that start after the run's ``end`` ("" if none).

    They are valid and inactive in the run (not started yet), as the line says.
    """
    late = [f"{code} ({format_month(s.start)})" for code, s in levers.items() if s.start > end]
    if not late:
        return ""
    return (
        f"inactive in this run, starting after its end {format_month(end)}: "
        f"{len(late)} lever{'s' if len(late) > 1 else ''}, {', '.join(late)}"
    )


def check_targets(targets: Any, source: str, key: str) -> tuple[str, ...]:
    """Check a lever's ``targets``: distinct ISTAT codes of the 38 comuni, as text.

    Raises:
        InputError: not a list of text, a code that is not a comune, or one listed twice.
    """
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise InputError('expected a list of ISTAT codes as text, e.g. ["001272"]', source, key)
    codes = load_territory().codes
    for t in targets:
        if t not in codes:
            raise InputError(
                f"{t!r} is not one of the 38 comuni (expected an ISTAT code "
                'such as "001272" for Torino)',
                source,
                key,
            )
    if len(set(targets)) != len(targets):
        twice = next(t for t in targets if targets.count(t) > 1)
        raise InputError(f"{twice!r} is listed twice (expected each comune once)", source, key)
    return tuple(targets)


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
            close = suggestion(str(hook), hooks)
            hint = f"did you mean {close!r}? " if close else ""
            raise InputError(
                f"{spec.code} does not move this hook ({hint}expected one of {', '.join(hooks)})",
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


def recheck(settings: LeverSettings, source: str, start: int, end: int) -> LeverSettings:
    """Check settings changed by :func:`dataclasses.replace` again, as a scenario's table.

    The same checks and messages as the file's (a start after the end, an intensity out
    of range...), on the table :func:`settings_table` writes.

    Raises:
        InputError: a value out of range, keyed ``levers.CODE.key``.
    """
    entry = {k: v for k, v in settings_table(settings).items() if v is not None}
    return check_lever(settings.code, entry, source, start, end)


def recheck_levers(
    levers: Mapping[str, LeverSettings], source: str, start: int, end: int
) -> dict[str, LeverSettings]:
    """Every lever's settings checked again for a run from ``start`` to ``end``."""
    return {code: recheck(s, source, start, end) for code, s in levers.items()}


def settings_table(settings: LeverSettings) -> dict[str, Any]:
    """One lever's settings as its normalised table, months as ``"YYYY-MM"``.

    Keys in the order run manifests and ``batch.json`` have always had: ``start``,
    ``ramp_months``, ``intensity``, ``end`` (None: to the end of the run), ``targets``
    (a list) and, only when the scenario sets effect sizes, ``effects`` (hook = size).
    """
    s = settings
    table: dict[str, Any] = {
        "start": format_month(s.start),
        "ramp_months": s.ramp_months,
        "intensity": s.intensity,
        "end": format_month(s.end) if s.end is not None else None,
        "targets": list(s.targets),
    }
    if s.effects is not None:
        table["effects"] = dict(s.effects)
    return table


def levers_table(levers: Mapping[str, LeverSettings]) -> dict[str, dict[str, Any]]:
    """A scenario's levers as JSON-ready tables, by code (the edge to manifests and hashes)."""
    return {code: settings_table(s) for code, s in levers.items()}


def lever_markers(levers: Mapping[str, LeverSettings], max_codes: int = 4) -> list[tuple[str, str]]:
    """``(label, "YYYY-MM")`` per start month of the active levers, for plots.

    Levers starting in the same month share one marker labelled with their codes (the
    first ``max_codes`` of them and how many more), so that a plan of 29 projects does
    not draw 29 overlapping lines.
    """
    order = [s.code for s in SPECS]
    by_month: dict[int, list[str]] = {}
    for code in sorted(levers, key=order.index):
        if levers[code].intensity > 0:
            by_month.setdefault(levers[code].start, []).append(code)
    markers = []
    for month in sorted(by_month):
        codes = by_month[month]
        label = " ".join(codes[:max_codes])
        if len(codes) > max_codes:
            label += f" +{len(codes) - max_codes}"
        markers.append((label, format_month(month)))
    return markers
