"""The page's tables and sentences from the effects table: headline, goals, counts.

An effect within the numerical tolerance of zero is "no change" and shows no numbers; an
indicator no scenario moves gets no row but one mention; every label is readable and
carries its unit (:mod:`models.experiments.report.words`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from models.components.indicators import GOALS
from models.experiments.report import words
from models.experiments.report.content import (
    DIRECTIONS,
    GOAL_INDICATORS,
    LUMPY,
    RECOMMENDED_SCALE,
    RECOMMENDED_SEEDS,
    Store,
    effect_scale,
)
from sim.experiments.summary import CHANGE, LOSS, NO_CHANGE, UNCLEAR, WIN

DIRECTION_WORDS = {1: "more is better", -1: "less is better", 0: "neither direction is better"}


def effect_cell(row: Mapping[str, Any], months: int = 12) -> dict[str, Any]:
    """What a table cell shows of one effect: median, interval, relative change, status."""
    name = row["indicator"]
    scale = effect_scale(name, months)
    relative = row.get("relative")
    shown = row["status"] != NO_CHANGE
    return {
        "median": words.number(row["median"] * scale) if shown else "",
        "low": words.number(row["low"] * scale) if shown else "",
        "high": words.number(row["high"] * scale) if shown else "",
        "relative": (
            f"{relative * 100:+.1f}%".replace("-", "−")
            if shown
            and not row.get("one_event")
            and relative is not None
            and np.isfinite(relative)
            and not words.is_percent(name)
            else ""
        ),
        "status": row["status"],
        "tag": tag(row),
        "n": int(row["n"]),
    }


def tag(row: Mapping[str, Any]) -> str:
    """The word under a cell: its status, said in full where it needs saying."""
    if row.get("one_event"):
        return "one event: no verdict"
    if row["status"] == UNCLEAR:
        return "unclear: interval covers 0"
    return str(row["status"])


def row_unit(name: str) -> str:
    """The unit of a row of effects (the year's sum for lumpy indicators)."""
    return words.unit(name, difference=True, yearly_sum=name in LUMPY)


def not_moved(effects: pd.DataFrame) -> list[str]:
    """The indicators that no scenario moves (every effect "no change"), in goal order."""
    moved = set(effects.loc[effects["status"] != NO_CHANGE, "indicator"])
    present = set(effects["indicator"])
    return [
        n
        for goal in GOALS
        for n in GOAL_INDICATORS.get(goal, ())
        if goal >= 1 and n in present and n not in moved
    ]


def goal_tables(
    effects: pd.DataFrame, scenarios: Sequence[str], months: int = 12
) -> list[dict[str, Any]]:
    """Per goal, a table: one row per indicator some scenario moves, one cell per scenario."""
    quiet = set(not_moved(effects))
    out = []
    for goal, title in GOALS.items():
        if goal < 1:
            continue
        rows = []
        for name in GOAL_INDICATORS[goal]:
            if name in quiet:
                continue
            cells = []
            for scenario in scenarios:
                match = effects[(effects["indicator"] == name) & (effects["scenario"] == scenario)]
                cells.append(effect_cell(match.iloc[0].to_dict(), months) if len(match) else None)
            if any(cells):
                rows.append(
                    {
                        "indicator": name,
                        "label": words.label(name),
                        "unit": row_unit(name),
                        "direction": DIRECTION_WORDS[DIRECTIONS.get(name, 0)],
                        "lumpy": name in LUMPY,
                        "cells": cells,
                    }
                )
        out.append(
            {
                "goal": goal,
                "title": title,
                "label": f"Goal {goal}: {title}" if goal <= 8 else title,
                "anchor": f"goal-{goal}" if goal <= 8 else "sustainability",
                "rows": rows,
                "quiet": [words.label(n) for n in GOAL_INDICATORS[goal] if n in quiet],
            }
        )
    return out


def answer(effects: pd.DataFrame, scenarios: Sequence[str]) -> list[dict[str, Any]]:
    """Per scenario, how many goal indicators it clearly moves each way, and which."""
    out = []
    for scenario in scenarios:
        rows = effects[effects["scenario"] == scenario]

        def named(status: str, rows: pd.DataFrame = rows) -> list[str]:
            return sorted(words.label(n) for n in rows.loc[rows["status"] == status, "indicator"])

        out.append(
            {
                "scenario": scenario,
                "better": named(WIN),
                "worse": named(LOSS),
                "changed": named(CHANGE),
                "unclear": int((rows["status"] == UNCLEAR).sum()),
                "no_change": int((rows["status"] == NO_CHANGE).sum()),
                "total": len(rows),
            }
        )
    return out


def headlines(
    effects: pd.DataFrame, scenarios: Sequence[str], year: str, months: int = 12
) -> list[dict[str, Any]]:
    """Per scenario, one plain sentence per goal on the goal's headline indicator."""
    out = []
    for scenario in scenarios:
        sentences = []
        for goal, name in words.HEADLINES.items():
            match = effects[(effects["scenario"] == scenario) & (effects["indicator"] == name)]
            if not len(match):
                continue
            row = match.iloc[0].to_dict()
            label = f"Goal {goal}" if goal <= 8 else "Sustainability"
            sentences.append(
                {
                    "goal": label,
                    "text": words.sentence(scenario, row, year, effect_scale(name, months)),
                    "status": row["status"],
                }
            )
        out.append({"scenario": scenario, "sentences": sentences})
    return out


def declared_run(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[run]`` table of the batch file as written (before ``--seeds``/``--scale``)."""
    import tomllib

    try:
        run = tomllib.loads(document.get("text", "")).get("run", {})
    except tomllib.TOMLDecodeError:
        return {}
    return run if isinstance(run, dict) else {}


def what_ran(store: Store, effects: pd.DataFrame) -> dict[str, Any]:
    """What actually ran, what the batch file declared, and the warnings a reader needs.

    The seeds are those of the finished runs; the warnings say when they are fewer than
    :data:`~models.experiments.report.content.RECOMMENDED_SEEDS` or the scale is below
    :data:`~models.experiments.report.content.RECOMMENDED_SCALE`.
    """
    done = store.runs[store.runs["status"] == "ok"]
    seeds = sorted(int(s) for s in done["seed"].unique())
    scale = float(store.document["run"]["scale"])
    declared = declared_run(store.document)
    declared_seeds = declared.get("seeds")
    if isinstance(declared_seeds, list):
        declared_seeds = len(declared_seeds)
    verdicts = effects[effects["status"] != NO_CHANGE]
    flat = int((verdicts["low"] == verdicts["high"]).sum())
    warnings = []
    if len(seeds) < RECOMMENDED_SEEDS:
        warnings.append(
            f"Effects come from {len(seeds)} seed{'s' if len(seeds) != 1 else ''}; the docs "
            f"recommend at least {RECOMMENDED_SEEDS} (docs/replicates.md, \u201cUse several "
            f"seeds\u201d). With so few seeds an interval is about the range of the seeds' "
            f"differences" + (f", and {flat} of these intervals have zero width." if flat else ".")
        )
    if scale < RECOMMENDED_SCALE:
        warnings.append(
            f"The runs are at scale {scale:g}; the docs recommend {RECOMMENDED_SCALE:g} or more "
            f"(docs/report.md, \u201cMaps of the 38 comuni\u201d; the shipped batches of "
            f"docs/batches.md run at {RECOMMENDED_SCALE:g}): small comuni have few agents, and "
            f"a single firm or plant can make an effect."
        )
    return {
        "seeds": seeds,
        "n_seeds": len(seeds),
        "scale": f"{scale:g}",
        "runs_ok": len(done),
        "runs": len(store.runs),
        "declared_seeds": declared_seeds,
        "declared_scale": declared.get("scale"),
        "overridden": (declared_seeds not in (None, len(store.document["run"]["seeds"])))
        or (declared.get("scale") not in (None, scale)),
        "warnings": warnings,
    }
