"""Objectives made robust: paired effects over the states of the world, one number each.

An objective's **effect** in one state and seed is the portfolio's value minus the
baseline's in the same state and seed (common random numbers). Over the cells (state x
seed) it is summarised by the file's robustness measure:

* ``mean``: the mean effect;
* ``pNN``: the NN-th percentile on the worst side: for an indicator the plan wants up, the
  NN-th percentile of the effect; for one it wants down, the (100 - NN)-th;
* ``regret``: the largest shortfall, over the cells, from the best effect any portfolio
  found in that cell (the baseline included), as a signed effect: a portfolio's regret of
  ``r`` on an "up" indicator is ``-r``, on a "down" one ``+r``; 0 is the best possible.

Every robust value is in the indicator's own units with the sign as measured; the
direction says which way is better. :func:`minimised` turns them into what pymoo
minimises.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from models.experiments.portfolio.file import Objective

CELL = ["state", "seed"]


def sign(objective: Objective) -> float:
    """+1 when the plan wants the indicator up, -1 when down."""
    return 1.0 if objective.direction == "up" else -1.0


def paired_effects(
    values: pd.DataFrame, baseline: pd.DataFrame, objectives: Sequence[Objective]
) -> pd.DataFrame:
    """Each row of ``values`` minus the baseline's row of the same state and seed.

    ``values`` has ``portfolio, state, seed`` and a column per objective.
    """
    names = [o.name for o in objectives]
    base = baseline[[*CELL, *names]].rename(columns={n: f"{n}__base" for n in names})
    joined = values.merge(base, on=CELL, how="left", validate="many_to_one")
    out = values[["portfolio", *CELL]].copy()
    for n in names:
        out[n] = joined[n].to_numpy() - joined[f"{n}__base"].to_numpy()
    return out


def best_by_cell(effects: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """Per cell, the best oriented effect (sign x effect) any portfolio reached, 0 at worst."""
    oriented = effects[CELL].copy()
    for o in objectives:
        oriented[o.name] = sign(o) * effects[o.name]
    best = oriented.groupby(CELL)[[o.name for o in objectives]].max()
    return best.clip(lower=0.0)  # the baseline (effect 0) is always available


def robust_values(
    effects: pd.DataFrame, objectives: Sequence[Objective], best: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per portfolio, one column per objective: its robust value (measured sign)."""
    if best is None and any(o.robustness == "regret" for o in objectives):
        best = best_by_cell(effects, objectives)
    rows = {}
    for key, group in effects.groupby("portfolio", sort=False):
        rows[key] = {o.name: _robust(group, o, best) for o in objectives}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[o.name for o in objectives])


def _robust(group: pd.DataFrame, objective: Objective, best: pd.DataFrame | None) -> float:
    s = sign(objective)
    oriented = s * group[objective.name].to_numpy(dtype=float)
    if objective.robustness == "mean":
        return float(s * oriented.mean())
    if objective.robustness == "regret":
        assert best is not None
        reached = best.loc[pd.MultiIndex.from_frame(group[CELL]), objective.name].to_numpy()
        return float(-s * np.max(reached - oriented))
    q = int(objective.robustness[1:]) / 100.0
    return float(s * np.quantile(oriented, q))


def minimised(values: pd.DataFrame, objectives: Sequence[Objective]) -> np.ndarray:
    """What pymoo minimises: ``-value`` for an "up" objective, ``value`` for a "down" one."""
    return np.column_stack([-sign(o) * values[o.name].to_numpy(dtype=float) for o in objectives])
