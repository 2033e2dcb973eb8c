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

A use (a single run, a batch, ...) averages ``k`` seeds, so its noise is ``sd/sqrt(k)``;
:func:`recommended_scales` gives, for each use, the smallest scale at and above which no
row of the use's quantities has a bias shown to exceed that noise: its interval excludes 0
at the 95% level for all the use's rows at that scale together (Bonferroni: with 27 rows
and 95% each, one or two would exclude 0 by chance), and ``|bias| > sd/sqrt(k)``.
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
    "se",
    "dof",
    "verdict",
]


ROUNDING = 1e-9
"""Relative differences below this are floating-point rounding, not bias: tourist arrivals
are computed at full scale without randomness, and differ between scales in their last bits
only (sums over comuni in another order)."""


def welch(sample: Sequence[float], reference: Sequence[float]) -> tuple[float, float, float]:
    """``mean(sample) - mean(reference)``, its standard error and Welch's degrees of freedom.

    Values that differ by rounding only (:data:`ROUNDING`) count as equal; samples without
    spread give a standard error of 0; fewer than two values on either side give NaN.
    """
    a, b = np.asarray(sample, float), np.asarray(reference, float)
    bias = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return bias, math.nan, math.nan
    tol = ROUNDING * max(abs(float(a.mean())), abs(float(b.mean())))
    if a.std(ddof=1) <= tol and b.std(ddof=1) <= tol:
        return (0.0 if abs(bias) <= tol else bias), 0.0, math.inf
    with warnings.catch_warnings():  # values nearly equal: scipy warns, still right
        warnings.simplefilter("ignore", RuntimeWarning)
        dof = float(stats.ttest_ind(a, b, equal_var=False).df)
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return bias, se, dof


def bias_interval(
    sample: Sequence[float], reference: Sequence[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """``mean(sample) - mean(reference)`` and its Welch interval at ``level``."""
    bias, se, dof = welch(sample, reference)
    half = se * float(stats.t.ppf(0.5 + level / 2, dof)) if se > 0 else se
    return bias, bias - half, bias + half


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
                bias, low, high, se, dof, word = 0.0, 0.0, 0.0, 0.0, math.inf, REFERENCE
            else:
                bias, se, dof = welch(x, ref)
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
                    "se": se,
                    "dof": dof,
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


def beyond_noise(row: Mapping[str, float], seeds: int, rows: int = 1) -> bool:
    """Whether the row's bias is shown to exceed the noise of ``seeds`` seeds.

    Shown: its interval excludes 0 at the family level (Bonferroni over the ``rows`` a use
    judges at one scale, so that 1 row in 20 is not called biased by chance); exceeding:
    ``|bias| > sd / sqrt(seeds)``.
    """
    if row["verdict"] in (REFERENCE, FEW):
        return False
    bias, se = abs(float(row["bias"])), float(row["se"])
    critical = float(stats.t.ppf(1 - (1 - LEVEL) / (2 * rows), float(row["dof"])))
    if not bias > critical * se:
        return False
    return bias > float(row["sd"]) / math.sqrt(seeds)


def recommended_scales(table: pd.DataFrame, uses: Sequence[Use]) -> dict[str, float]:
    """Each use's smallest scale at and above which no bias exceeds the use's noise."""
    scales = sorted(table["scale"].unique())
    out = {}
    for use in uses:
        judged = table[table["quantity"].isin(use.quantities) & (table["verdict"] != REFERENCE)]
        bad = []
        for scale, rows in judged.groupby("scale"):
            records = rows.to_dict("records")
            if any(beyond_noise(r, use.seeds, len(records)) for r in records):
                bad.append(float(scale))
        above = [s for s in scales if not bad or s > max(bad)]
        out[use.name] = float(above[0]) if above else float(scales[-1])
    return out
