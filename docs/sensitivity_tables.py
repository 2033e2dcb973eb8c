"""The Sobol tables of docs/calibration.md, from a `metropoli sensitivity` output folder.

For each output of ``sobol.csv``: the inputs whose total index ST is largest, with S1 and ST
and their 95% bootstrap intervals, and how much of the output's variance the lever effect
sizes and the behavioural parameters explain together (sums of S1, a lower bound of their
share; interactions are in ST). From an RBD-FAST analysis (``method = "rbd-fast"``, no ST:
the table says so) the inputs whose S1 is largest, ΣS1 with its interval and the share of
seed noise. Prints Markdown::

    python3 -m docs.sensitivity_tables results/sensitivity-goals [--top 5]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from models.components.indicators import GOALS, HEADLINE_INDICATORS


def _interval(value: float, conf: float) -> str:
    return f"{value:.2f} ± {conf:.2f}"


def _fast_interval(value: float, conf: float | None) -> str:
    """RBD-FAST's ``S1 ± conf``; a bootstrap resample without variance leaves it undefined."""
    if conf is None or conf != conf:  # None in the JSON, NaN (empty) in the CSV
        return f"{value:.2f} ± undefined"
    return _interval(value, conf)


def _goal_parts(table: pd.DataFrame) -> Iterator[tuple[int, str, str, pd.DataFrame]]:
    """Each goal's headline output present in ``table``: goal, indicator, output, its rows."""
    for goal, indicator in HEADLINE_INDICATORS.items():
        name = f"goal{goal}.{indicator}.diff"
        part = table[table["output"] == name]
        if not part.empty:
            yield goal, indicator, name, part


def goal_rows(table: pd.DataFrame, parameters: set[str], top: int) -> list[str]:
    """One Markdown row per goal output: its top inputs by ST and the two groups' S1 sums."""
    rows = []
    for goal, indicator, _name, part in _goal_parts(table):
        ranked = part.sort_values(["ST", "parameter"], ascending=[False, True], kind="stable")
        drivers = "; ".join(
            f"`{r.parameter}` ST {_interval(r.ST, r.ST_conf)}, S1 {_interval(r.S1, r.S1_conf)}"
            for r in ranked.head(top).itertuples()
        )
        is_parameter = part["parameter"].isin(parameters)
        s1_levers = part.loc[~is_parameter, "S1"].clip(lower=0).sum()
        s1_parameters = part.loc[is_parameter, "S1"].clip(lower=0).sum()
        rows.append(
            f"| {goal} {GOALS[goal]}: `{indicator}` | {drivers} | "
            f"{s1_levers:.2f} | {s1_parameters:.2f} |"
        )
    return rows


def fast_goal_rows(table: pd.DataFrame, inputs: dict, top: int) -> list[str]:
    """RBD-FAST's rows: the top inputs by S1, ΣS1 with its interval; no ST to show."""
    parameters = set(_parameter_names(inputs))
    rows = []
    for goal, indicator, name, part in _goal_parts(table):
        ranked = part.sort_values(["S1", "parameter"], ascending=[False, True], kind="stable")
        drivers = "; ".join(
            f"`{r.parameter}` S1 {_fast_interval(r.S1, r.S1_conf)}"
            for r in ranked.head(top).itertuples()
        )
        is_parameter = part["parameter"].isin(parameters)
        entry = inputs["outputs"].get(name, {})
        noise = entry.get("seed_noise_share")
        rows.append(
            f"| {goal} {GOALS[goal]}: `{indicator}` | {drivers} | "
            f"{part.loc[~is_parameter, 'S1'].clip(lower=0).sum():.2f} | "
            f"{part.loc[is_parameter, 'S1'].clip(lower=0).sum():.2f} | "
            f"{_fast_interval(entry['S1_sum'], entry['S1_sum_conf'])} | "
            f"{'not measured' if noise is None else f'{noise:.2f}'} |"
        )
    return rows


def markdown(folder: Path, top: int = 4) -> str:
    """The goals' Sobol table of a sensitivity folder, with its header."""
    table = pd.read_csv(folder / "sobol.csv")
    inputs = json.loads((folder / "sobol_inputs.json").read_text(encoding="utf-8"))
    if table["ST"].isna().all() and len(table):  # RBD-FAST: first order only
        lines = [
            "| goal: headline indicator (plan − baseline, 2025) | largest first-order indices "
            "(S1 ± 95% interval; ST not available from RBD-FAST) | Σ S1 levers | "
            "Σ S1 parameters | Σ S1 (± 95%) | seed-noise share |",
            "|---|---|---|---|---|---|",
            *fast_goal_rows(table, inputs, top),
        ]
        return "\n".join(lines)
    parameters = set(_parameter_names(inputs))
    lines = [
        "| goal: headline indicator (plan − baseline, 2025) | largest total indices "
        "(ST, S1 ± 95% interval) | Σ S1 levers | Σ S1 parameters |",
        "|---|---|---|---|",
        *goal_rows(table, parameters, top),
    ]
    return "\n".join(lines)


def _parameter_names(inputs: dict) -> list[str]:
    """The behavioural parameters among the Sobol inputs (the rest are lever effect sizes)."""
    return [i["name"] for i in inputs["inputs"] if "." not in i["name"]]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the goals' Sobol table of a sensitivity folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args(argv)
    print(markdown(args.folder, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
