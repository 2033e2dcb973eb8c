"""Scenario files: TOML a committee member can read and edit, checked before anything runs.

A scenario has a ``[run]`` table (start, end, seed, scale), an optional ``[parameters]``
table of model-parameter overrides and optional ``[levers.CODE]`` tables. The engine
checks the shape; the model says which parameters and levers exist through a
:class:`ScenarioSchema`. Every problem raises :class:`~sim.errors.InputError` naming the
file, the key and what was expected.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.calendar import format_month, parse_month
from sim.errors import InputError, shown
from sim.tomlfile import check_keys, parse_toml, read_toml

RUN_KEYS = {"start", "end", "seed", "scale"}
TOP_KEYS = {"run", "parameters", "levers", "description", "name"}

NAME_RULE = "letters A-Za-z0-9, '.', '_' or '-', starting with a letter or digit, at most 80"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
"""A scenario name: one safe folder name on any system (it names the results folder)."""


def is_safe_name(name: str) -> bool:
    """Whether ``name`` is one safe path component (no separator, no ``..``, no leading dot)."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or None.

    None if it is not a number (booleans are not), is not finite, or is an integer too
    large for a float.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class ScenarioSchema:
    """What a model accepts in a scenario.

    Attributes:
        first_month: earliest allowed start (the month of the synthetic population).
        last_month: latest allowed end.
        parameter_bounds: parameter name to its (low, high) valid bounds.
        check_levers: validates the ``levers`` table; returns the model's checked, immutable
            settings by code (months as month indices) or raises :class:`InputError`.
            Called with ``(levers, source, start, end)``.
        min_scale: the smallest scale the model accepts (0: any positive scale).
        min_scale_reason: why, said in the error when a scale is below it.
        read_parameter_file: reads the parameter values of a file named by
            ``[parameters] from = "PATH"`` (a calibration's posterior); called with
            ``(path, source, key)``; None: the model has no such files.
        recheck_levers: checks already-checked lever settings again for other months
            (:meth:`Scenario.with_run` with ``start`` or ``end``); called with
            ``(levers, source, start, end)``; None: the model has no levers.
    """

    first_month: int
    last_month: int
    parameter_bounds: Mapping[str, tuple[float, float]]
    check_levers: Callable[[Mapping[str, Any], str, int, int], Mapping[str, Any]] | None = None
    min_scale: float = 0.0
    min_scale_reason: str = ""
    read_parameter_file: Callable[[Path, str, str], Mapping[str, float]] | None = None
    recheck_levers: Callable[[Mapping[str, Any], str, int, int], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: what to run, with the text it came from.

    Attributes:
        name: the ``name`` key, or the file's stem; one safe folder name (:data:`NAME_RULE`).
        source: where it came from (a path, or ``"<memory>"``).
        text: the TOML text, recorded in every result's manifest.
        start: first month reported (month index).
        end: last month reported (month index).
        seed: the run's seed.
        scale: agents per real person or firm, from ``min_scale`` to 1.
        parameters: parameter overrides.
        levers: the levers' checked settings, by code (what the schema's ``check_levers``
            returns).
        description: free text from the file.
        min_scale: the model's smallest scale, checked again by :meth:`with_run`.
        min_scale_reason: why (for the error message).
        schema: what the model accepts (months and levers checked again by
            :meth:`with_run`); None for a scenario built by hand.
    """

    name: str
    source: str
    text: str
    start: int
    end: int
    seed: int
    scale: float
    parameters: dict[str, float] = field(default_factory=dict)
    levers: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    min_scale: float = field(default=0.0, compare=False, repr=False)
    min_scale_reason: str = field(default="", compare=False, repr=False)
    schema: ScenarioSchema | None = field(default=None, compare=False, repr=False)

    @property
    def sha256(self) -> str:
        """Hash of the scenario text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def months(self) -> int:
        """Number of months reported."""
        return self.end - self.start + 1

    def with_run(
        self,
        seed: int | None = None,
        scale: float | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> Scenario:
        """A copy with ``seed``, ``scale`` or the months (``"YYYY-MM"``) overridden.

        The values are checked as the command line's flags (``--seed``, ``--scale``,
        ``--start``, ``--end``) and named so in messages; new months check the levers
        again (a lever starting after the new end is inactive, not an error).
        """
        seed = self.seed if seed is None else _check_seed(seed, "--seed")
        if scale is not None:
            scale = _check_scale(scale, "--scale", None, self.min_scale, self.min_scale_reason)
        out = replace(self, seed=seed, scale=self.scale if scale is None else scale)
        if start is None and end is None:
            return out
        return out._with_months(start, end)

    def _with_months(self, start: str | None, end: str | None) -> Scenario:
        """A copy running from ``start`` to ``end`` (either may be None: unchanged)."""
        schema = self.schema
        if schema is None:
            raise ValueError("a scenario built without a schema cannot change its months")
        first, last = schema.first_month, schema.last_month
        new_start = (
            self.start if start is None else check_month(start, "--start", None, first, last)
        )
        new_end = self.end if end is None else check_month(end, "--end", None, first, last)
        if new_end < new_start:
            raise InputError(
                f"end {format_month(new_end)} is before start {format_month(new_start)}", "--end"
            )
        levers = self.levers
        if levers and schema.recheck_levers is not None:
            levers = schema.recheck_levers(levers, self.source, new_start, new_end)
        return replace(self, start=new_start, end=new_end, levers=levers)

    def describe(self) -> str:
        """A few lines saying what this scenario runs."""
        lines = [
            f"scenario {self.name} ({self.source})",
            f"  months {format_month(self.start)} to {format_month(self.end)} ({self.months})",
            f"  seed {self.seed}, scale {self.scale:g}",
        ]
        if self.parameters:
            lines.append(
                "  parameters: " + ", ".join(f"{k}={v:g}" for k, v in self.parameters.items())
            )
        return "\n".join(lines)


def load_scenario(path: str | Path, schema: ScenarioSchema) -> Scenario:
    """Read and check a scenario file.

    Raises:
        InputError: the file is missing, not TOML, or breaks the schema.
    """
    path = Path(path)
    text, data = read_toml(path, "a scenario TOML file")
    return scenario_from_data(data, text, schema, source=str(path), name=path.stem)


def parse_scenario(
    text: str, schema: ScenarioSchema, source: str = "<memory>", name: str = "scenario"
) -> Scenario:
    """Check scenario text against the schema and build a :class:`Scenario`."""
    return scenario_from_data(parse_toml(text, source), text, schema, source=source, name=name)


def scenario_from_data(
    data: Mapping[str, Any],
    text: str,
    schema: ScenarioSchema,
    source: str = "<memory>",
    name: str = "scenario",
) -> Scenario:
    """Check an already-parsed scenario table and build a :class:`Scenario`.

    Args:
        data: the scenario as TOML tables (what :func:`tomllib.loads` returns).
        text: the text it stands for, recorded in the scenario.
        schema: what the model accepts.
        source: where it came from, for messages.
        name: the name used when ``data`` has no ``name`` key.
    """
    check_keys(data, TOP_KEYS, source)
    run = data.get("run")
    if not isinstance(run, dict):
        raise InputError("missing [run] table (expected start, end, seed, scale)", source, "run")
    check_keys(run, RUN_KEYS, source, "run", required=sorted(RUN_KEYS))
    start = _check_month(run["start"], source, "run.start", schema)
    end = _check_month(run["end"], source, "run.end", schema)
    if end < start:
        raise InputError(
            f"end {format_month(end)} is before start {format_month(start)}", source, "run.end"
        )
    seed = _check_seed(run["seed"], source, "run.seed")
    scale = _check_scale(
        run["scale"], source, "run.scale", schema.min_scale, schema.min_scale_reason
    )
    parameters = _check_parameters(data.get("parameters", {}), source, schema)
    levers_table = data.get("levers", {})
    if not isinstance(levers_table, dict):
        raise InputError("expected a table of [levers.CODE] tables", source, "levers")
    levers: Mapping[str, Any] = {}
    if schema.check_levers is not None:
        levers = schema.check_levers(levers_table, source, start, end)
    elif levers_table:
        raise InputError("this model has no levers", source, "levers")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError("expected text", source, "description")
    scenario_name = _check_name(data, name, source)
    return Scenario(
        name=scenario_name,
        source=source,
        text=text,
        start=start,
        end=end,
        seed=seed,
        scale=scale,
        parameters=parameters,
        levers=levers,
        description=description,
        min_scale=schema.min_scale,
        min_scale_reason=schema.min_scale_reason,
        schema=schema,
    )


def _check_name(data: Mapping[str, Any], stem: str, source: str) -> str:
    """The scenario's name: the ``name`` key, else the file's stem; one safe folder name."""
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str):
            raise InputError(f"expected text, got {shown(name)}", source, "name")
        if not is_safe_name(name):
            raise InputError(
                f"{shown(name)} cannot name a results folder (expected {NAME_RULE})",
                source,
                "name",
            )
        return name
    if not is_safe_name(stem):
        raise InputError(
            f"the file name {shown(stem)} cannot name a results folder (expected {NAME_RULE}): "
            'rename the file or set name = "..."',
            source,
            "name",
        )
    return stem


def check_month(value: Any, source: str, key: str | None, first: int, last: int) -> int:
    """Check a ``"YYYY-MM"`` value lies in ``[first, last]``; return its month index."""
    try:
        month = parse_month(value)
    except ValueError:
        raise InputError(
            f'expected a month as "YYYY-MM", got {shown(value)}', source, key
        ) from None
    if not first <= month <= last:
        raise InputError(
            f"{value} is out of range (expected {format_month(first)} to {format_month(last)})",
            source,
            key,
        )
    return month


def _check_month(value: Any, source: str, key: str, schema: ScenarioSchema) -> int:
    return check_month(value, source, key, schema.first_month, schema.last_month)


def _check_seed(value: Any, source: str, key: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InputError(
            f"expected a non-negative integer seed below 2**63, got {shown(value)}", source, key
        )
    return int(value)


def _check_scale(
    value: Any, source: str, key: str | None, min_scale: float = 0.0, reason: str = ""
) -> float:
    number = finite_number(value)
    if number is None or not 0 < number <= 1:
        expected = f"from {min_scale:g} to 1" if min_scale > 0 else "in (0, 1]"
        raise InputError(f"expected a number {expected}, got {shown(value)}", source, key)
    if number < min_scale:
        why = f" ({reason})" if reason else ""
        raise InputError(
            f"{shown(value)} is below the minimum scale {min_scale:g}{why} "
            f"(expected a number from {min_scale:g} to 1)",
            source,
            key,
        )
    return number


def _check_parameters(table: Any, source: str, schema: ScenarioSchema) -> dict[str, float]:
    if not isinstance(table, dict):
        raise InputError("expected a table of name = number", source, "parameters")
    out: dict[str, float] = {}
    table = dict(table)
    if "from" in table:  # a parameter file (a calibration's posterior); the file's keys override
        path = table.pop("from")
        if not isinstance(path, str) or schema.read_parameter_file is None:
            raise InputError(
                "expected the path of a parameter file as text", source, "parameters.from"
            )
        folder = Path(source).parent if Path(source).is_file() else Path.cwd()
        values = schema.read_parameter_file(folder / path, source, "parameters.from")
        table = {**values, **table}
    for name, value in table.items():
        key = f"parameters.{name}"
        if name not in schema.parameter_bounds:
            raise InputError(
                "unknown parameter (see `metropoli parameters` for the list)", source, key
            )
        low, high = schema.parameter_bounds[name]
        number = finite_number(value)
        if number is None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InputError(f"expected a number, got {shown(value)}", source, key)
        if number is None or not low <= number <= high:
            raise InputError(
                f"{shown(value)} is out of range (expected {low:g} to {high:g})", source, key
            )
        out[name] = number
    return out
