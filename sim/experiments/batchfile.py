"""The generic half of a batch file: ``[run]``, ``[design]``, ``[uncertainties]``, ``[levers]``.

They are checked before anything runs (the model checks the batch's scenarios).

Every problem raises :class:`~sim.errors.InputError` naming the file, the key and what was
expected, as for scenario files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.experiments.designs import (
    FACTORIAL,
    KINDS,
    LHS,
    MORRIS,
    POINTS,
    POSTERIOR,
    REPLICATES,
    SOBOL,
    TABLE_KINDS,
    Design,
)
from sim.experiments.points import unknown_name
from sim.experiments.uncertainties import (
    LEVER,
    MONTH,
    UNCERTAINTY,
    Addressable,
    Uncertainty,
    declare,
    flatten,
)
from sim.scenario import check_month
from sim.tomlfile import check_keys

TOP_KEYS = {
    "name",
    "description",
    "run",
    "baseline",
    "scenarios",
    "design",
    "uncertainties",
    "levers",
}
RUN_KEYS = {"start", "end", "scale", "seeds"}
DESIGN_KEYS = {"kind", "samples", "seed", "levels", "second_order", "file"}
MAX_SEEDS = 100_000


@dataclass(frozen=True)
class BatchRun:
    """The batch's ``[run]`` table: months, scale and seeds every scenario runs with."""

    start: int
    end: int
    scale: float
    seeds: tuple[int, ...]


def is_batch(data: Mapping[str, Any]) -> bool:
    """A TOML document is a batch file when it has scenarios, a design, uncertainties or seeds.

    A scenario file has none of them (its ``[run]`` has one ``seed``).
    """
    run = data.get("run")
    return bool(
        {"scenarios", "design", "uncertainties"} & set(data)
        or (isinstance(run, dict) and "seeds" in run)
    )


def check_top(data: Mapping[str, Any], source: str) -> None:
    """Reject unknown top-level keys."""
    check_keys(data, TOP_KEYS, source)
    for key in ("name", "description", "baseline"):
        if key in data and not isinstance(data[key], str):
            raise InputError("expected text", source, key)


def check_run(
    table: Any,
    source: str,
    first: int,
    last: int,
    scale: float | None = None,
    seeds: int | None = None,
    min_scale: float = 0.0,
) -> BatchRun:
    """Check ``[run]``; ``scale`` and ``seeds`` (seeds 1..N) come from the command line.

    A problem with a value from the command line names its flag (``--scale``), not a key.
    """
    if not isinstance(table, dict):
        raise InputError("missing [run] table (expected start, end, scale, seeds)", source, "run")
    check_keys(table, RUN_KEYS, source, "run", required=sorted(RUN_KEYS))
    start = check_month(table["start"], source, "run.start", first, last)
    end = check_month(table["end"], source, "run.end", start, last)
    value = table["scale"] if scale is None else scale
    where, key = ("--scale", None) if scale is not None else (source, "run.scale")
    expected = f"from {min_scale:g} to 1" if min_scale > 0 else "in (0, 1]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected a number {expected}, got {value!r}", where, key)
    if not (math.isfinite(value) and 0 < value <= 1):
        raise InputError(f"expected a number {expected}, got {value!r}", where, key)
    if value < min_scale:
        raise InputError(
            f"{value!r} is below the minimum scale {min_scale:g} (expected a number {expected})",
            where,
            key,
        )
    if seeds is not None:
        if not 1 <= seeds <= MAX_SEEDS:
            raise InputError(f"expected 1 to {MAX_SEEDS} seeds, got {seeds}", "--seeds")
        seed_list: tuple[int, ...] = tuple(range(1, seeds + 1))
    else:
        seed_list = check_seed_list(table["seeds"], source)
    return BatchRun(start, end, float(value), seed_list)


def check_seed_list(value: Any, source: str, key: str = "run.seeds") -> tuple[int, ...]:
    """Seeds as a batch takes them: a number N (seeds 1..N) or a list of distinct seeds."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_SEEDS:
            raise InputError(
                f"expected a number of seeds from 1 to {MAX_SEEDS}, or a list of seeds",
                source,
                key,
            )
        return tuple(range(1, value + 1))
    if isinstance(value, list) and value:
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**63:
                raise InputError(f"expected non-negative integer seeds, got {v!r}", source, key)
        if len(set(value)) != len(value):
            raise InputError("a seed is listed twice", source, key)
        return tuple(int(v) for v in value)
    raise InputError(
        f"expected a number of seeds (1..N) or a non-empty list of seeds, got {value!r}",
        source,
        key,
    )


def check_design(table: Any, source: str) -> Design:
    """Check ``[design]`` (absent: replicates only)."""
    if table is None:
        return Design()
    if not isinstance(table, dict):
        raise InputError("expected a [design] table", source, "design")
    check_keys(table, DESIGN_KEYS, source, "design")
    kind = table.get("kind", REPLICATES)
    if kind not in KINDS:
        raise InputError(f"expected one of {', '.join(KINDS)}, got {kind!r}", source, "design.kind")
    samples = table.get("samples", 0)
    file = table.get("file", "")
    if kind == POSTERIOR and "file" not in table:
        pass  # no file: the model's shipped posterior, resolved by the model's batch files
    elif kind in TABLE_KINDS and (not isinstance(file, str) or not file):
        what = "posterior file" if kind == POSTERIOR else "table of points (.csv or .parquet)"
        raise InputError(
            f"expected the {what}'s path as text (relative to the batch file)",
            source,
            "design.file",
        )
    if kind not in TABLE_KINDS and "file" in table:
        raise InputError("file is for the posterior and points designs", source, "design.file")
    if kind == POSTERIOR and "samples" in table:
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 10**6:
            raise InputError(
                "expected a whole number of posterior draws from 1 to 1000000 (default: all)",
                source,
                "design.samples",
            )
    elif kind in (LHS, SOBOL, MORRIS):
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 10**6:
            raise InputError(
                f"expected a whole number of samples from 1 to 1000000 for design {kind!r}",
                source,
                "design.samples",
            )
        if kind == SOBOL and samples & (samples - 1):
            raise InputError(
                f"expected a power of 2 for a Sobol sample (Saltelli's scheme), got {samples}",
                source,
                "design.samples",
            )
    elif "samples" in table:
        raise InputError(f"design {kind!r} takes no samples", source, "design.samples")
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError("expected a non-negative integer seed below 2**32", source, "design.seed")
    levels = table.get("levels", 4)
    if kind != MORRIS and "levels" in table:
        raise InputError("levels is for the morris design", source, "design.levels")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
        raise InputError("expected an even number of levels, 2 or more", source, "design.levels")
    second = table.get("second_order", False)
    if not isinstance(second, bool):
        raise InputError("expected true or false", source, "design.second_order")
    if kind != SOBOL and "second_order" in table:
        raise InputError("second_order is for the sobol design", source, "design.second_order")
    return Design(kind, int(samples), int(seed), int(levels), second, file)


def month_in_run(addressable: Addressable, run: BatchRun) -> Addressable:
    """A month name as a batch may vary it: from the run's start to the model's last month.

    A month after the run's end is allowed (a lever starting then is inactive in the run);
    the default range starts no earlier than the run and ends no later than its end when
    it can (a default range wholly after the end is that single month).
    """
    low = max(addressable.low, run.start)
    high = max(min(addressable.high, run.end), low)
    return Addressable(
        addressable.name,
        MONTH,
        low,
        high,
        (run.start, max(addressable.bounds[1], run.end)),
        addressable.delivery,
        addressable.doc,
    )


def check_varied(
    data: Mapping[str, Any],
    names: Mapping[str, Addressable],
    design: Design,
    run: BatchRun,
    source: str,
    unknown_help: str,
) -> tuple[list[Uncertainty], list[Uncertainty]]:
    """Check ``[uncertainties]`` and ``[levers]``; return (uncertainties, levers).

    Args:
        data: the whole batch document.
        names: what the model lets a batch vary.
        design: the checked design (it says what uncertainties must give).
        run: the checked run (month ranges must fall inside it).
        source: the batch file.
        unknown_help: what to say of an unknown name.
    """
    out: dict[str, list[Uncertainty]] = {UNCERTAINTY: [], LEVER: []}
    seen: set[str] = set()
    for section, role in (("uncertainties", UNCERTAINTY), ("levers", LEVER)):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise InputError("expected a table of name = { ... }", source, section)
        for name, spec in flatten(table, names).items():
            key = f"{section}.{name}"
            if name not in names:
                raise InputError(unknown_name(name, names, unknown_help), source, key)
            addressable = names[name]
            if role == LEVER and not addressable.delivery:
                raise InputError(
                    "a lever of the experiment is a delivery (CODE.intensity, CODE.start, "
                    "CODE.ramp_months); put other names under [uncertainties]",
                    source,
                    key,
                )
            if name in seen:
                raise InputError("varied twice (in [uncertainties] and [levers])", source, key)
            seen.add(name)
            if addressable.kind == MONTH:
                addressable = month_in_run(addressable, run)
            out[role].append(declare(name, spec, addressable, source, key, role))
    uncertainties = out[UNCERTAINTY]
    if design.kind == REPLICATES and uncertainties:
        raise InputError(
            "design 'replicates' varies nothing (set [design] kind to factorial, lhs, sobol "
            "or morris)",
            source,
            f"uncertainties.{uncertainties[0].name}",
        )
    if design.kind == POSTERIOR and uncertainties:
        raise InputError(
            "a posterior design varies the posterior's parameters jointly; vary nothing else "
            "under [uncertainties]",
            source,
            f"uncertainties.{uncertainties[0].name}",
        )
    if design.kind == POINTS and uncertainties:
        raise InputError(
            "a points design runs the table's points as they are; put every varied name in "
            "the table (a column each), not under [uncertainties]",
            source,
            f"uncertainties.{uncertainties[0].name}",
        )
    if design.kind not in (REPLICATES, *TABLE_KINDS) and not uncertainties:
        raise InputError(
            f"design {design.kind!r} needs at least one entry in [uncertainties]",
            source,
            "design.kind",
        )
    if design.kind == FACTORIAL:
        for u in uncertainties:
            if u.values is None:
                raise InputError(
                    "a factorial design takes a list of values", source, f"uncertainties.{u.name}"
                )
    return uncertainties, out[LEVER]
