"""The scale-convergence table: each scale's mean and seed sd, and its bias against a reference.

Pure statistics on one value per run (``quantity, indicator, scale, seed, value``): no
model. For each quantity (a scenario's level, or a paired effect) and indicator, at each
scale, the mean and the sample sd over seeds, and the **bias** against the reference scale
(the mean at the scale minus the mean at the reference), with the 95% Welch interval of
that difference of means (``scipy.stats.ttest_ind(..., equal_var=False)``). At the
reference scale the bias is 0 by definition.

The verdict of a row (:func:`verdict`):

* ``reference``: the reference scale itself;
* ``no bias detected``: the interval contains 0;
* ``bias within seed spread``: the interval excludes 0 but the bias is no larger than the
  seed sd at that scale (a single run's noise there hides it);
* ``bias beyond seed spread``: the interval excludes 0 and the bias is larger than the
  seed sd at that scale;
* ``too few seeds``: fewer than two seeds at the scale or at the reference.

A use (a single run, a batch, ...) averages ``k`` seeds, so its noise is ``sd/sqrt(k)``:
:func:`recommended_scales` gives, for each use, the smallest scale at and above which no
row of the use's quantities has a bias shown (interval excluding 0) to exceed that noise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95
REFERENCE, NO_BIAS, WITHIN, BEYOND, FEW = (
    "reference",
    "no bias detected",
    "bias within seed spread",
    "bias beyond seed spread",
    "too few seeds",
)
COLUMNS = [
    "quantity",
    "indicator",
    "scale",
    "seeds",
    "mean",
    "sd",
    "bias",
    "bias_low",
    "bias_high",
    "bias_over_sd",
    "verdict",
]


def bias_interval(
    sample: Sequence[float], reference: Sequence[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """``mean(sample) - mean(reference)`` and its Welch interval at ``level``.

    Both samples without spread give the exact difference as its own interval; fewer than
    two values on either side give NaN bounds.
    """
    a, b = np.asarray(sample, float), np.asarray(reference, float)
    bias = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return bias, math.nan, math.nan
    if a.std(ddof=1) == 0 and b.std(ddof=1) == 0:
        return bias, bias, bias
    with warnings.catch_warnings():  # values equal but for rounding: scipy warns, still right
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(level)
    return bias, float(ci.low), float(ci.high)


def verdict(bias: float, low: float, high: float, sd: float, noise: float | None = None) -> str:
    """Whether ``bias`` (interval ``low``-``high``) is beyond ``noise`` (default ``sd``)."""
    if math.isnan(low) or math.isnan(high):
        return FEW
    if low <= 0 <= high:
        return NO_BIAS
    return BEYOND if abs(bias) > (sd if noise is None else noise) else WITHIN


def convergence_table(values: pd.DataFrame, reference: float) -> pd.DataFrame:
    """One row per quantity, indicator and scale: mean, sd, bias against ``reference``.

    Args:
        values: ``quantity, indicator, scale, seed, value``, one row per run (or pair).
        reference: the scale the others are compared with (one of ``values``' scales).
    """
    rows = []
    for (quantity, indicator), group in values.groupby(["quantity", "indicator"], sort=False):
        ref = group.loc[group["scale"] == reference, "value"].to_numpy(float)
        for scale, at in group.groupby("scale", sort=True):
            x = at["value"].to_numpy(float)
            sd = float(x.std(ddof=1)) if len(x) > 1 else math.nan
            if scale == reference:
                bias, low, high, word = 0.0, 0.0, 0.0, REFERENCE
            else:
                bias, low, high = bias_interval(x, ref)
                word = verdict(bias, low, high, sd)
            rows.append(
                {
                    "quantity": quantity,
                    "indicator": indicator,
                    "scale": float(scale),
                    "seeds": len(x),
                    "mean": float(x.mean()),
                    "sd": sd,
                    "bias": bias,
                    "bias_low": low,
                    "bias_high": high,
                    "bias_over_sd": bias / sd if sd > 0 else (0.0 if bias == 0 else math.inf),
                    "verdict": word,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class Use:
    """A use of the model at a small scale.

    Attributes:
        name: how the page and the warning name it (``run``, ``batch``, ...).
        quantities: the table's quantities its answers rest on.
        seeds: how many seeds it averages in one answer (its noise is ``sd/sqrt(seeds)``).
    """

    name: str
    quantities: tuple[str, ...]
    seeds: int


def beyond_noise(row: Mapping[str, float], seeds: int) -> bool:
    """Whether the row's bias is shown (interval excluding 0) to exceed ``seeds`` seeds' noise."""
    low, high = float(row["bias_low"]), float(row["bias_high"])
    if row["verdict"] in (REFERENCE, FEW) or low <= 0 <= high:
        return False
    return abs(float(row["bias"])) > float(row["sd"]) / math.sqrt(seeds)


def recommended_scales(table: pd.DataFrame, uses: Sequence[Use]) -> dict[str, float]:
    """Each use's smallest scale at and above which no bias exceeds the use's noise."""
    scales = sorted(table["scale"].unique())
    out = {}
    for use in uses:
        rows = table[table["quantity"].isin(use.quantities)]
        bad = [float(r["scale"]) for r in rows.to_dict("records") if beyond_noise(r, use.seeds)]
        above = [s for s in scales if not bad or s > max(bad)]
        out[use.name] = float(above[0]) if above else float(scales[-1])
    return out
