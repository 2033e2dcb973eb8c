"""Summaries of paired differences for a report: effects with intervals, and PRIM boxes.

Generic: it knows nothing of Turin. An effect is a paired difference (a scenario minus the
baseline, same seed, same design point) summarised over seeds, and over the sampled
uncertainties where the batch sampled them, by its median and an interval (the 5% and
95% quantiles by default). An effect is called clear only when that interval lies wholly
on one side of zero, beyond a numerical tolerance; an effect whose interval covers zero is
*unclear*, whatever its median and whatever the direction one hoped for, so it is never
reported as a win; an effect whose whole interval is within the tolerance of zero is *no
change* (floating-point noise of sums taken in another order, not an effect).

>>> import pandas as pd
>>> d = pd.DataFrame({"scenario": "s", "indicator": "x", "seed": [1, 2, 3],
...                   "difference": [-1.0, 0.5, 2.0]})
>>> effect_table(d, over=("seed",), directions={"x": 1})["status"].tolist()
['unclear']
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

WIN, LOSS, CHANGE, UNCLEAR = "better", "worse", "changed", "unclear"
NO_CHANGE = "no change"
STATUSES = (WIN, LOSS, CHANGE, UNCLEAR, NO_CHANGE)
"""What an effect is: clearly in the wanted direction, clearly against it, clearly non-zero
where no direction is wanted, not distinguishable from zero (its interval covers 0), or
within the numerical tolerance of zero (:func:`tolerance`)."""
VERDICTS = (WIN, LOSS, CHANGE)
"""The statuses that say an effect exists."""

RELATIVE_TOLERANCE = 1e-9
"""The tolerance of an effect relative to the indicator's magnitude. An indicator is a sum
(or a ratio of sums) over at most a few million agents and a mean over a year's months;
summed in another order, such a sum differs by up to about N x 2.2e-16 of its magnitude
(N terms), 1.6e6 x 2.2e-16 = 3.5e-10 for the metro area's residents at scale 1. A
difference below 1e-9 of the magnitude is therefore rounding, while the smallest real
effect, one agent of 1.6 million, is 6e-7 of it."""

LOW_Q, HIGH_Q = 0.05, 0.95
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def tolerance(magnitude: float) -> float:
    """The numerical tolerance of an effect on an indicator of this magnitude.

    Args:
        magnitude: the largest absolute value the indicator takes in the cells compared
            (the scenario's and the baseline's).

    Returns:
        :data:`RELATIVE_TOLERANCE` times the magnitude (0 for a magnitude of 0 or NaN).
    """
    if not np.isfinite(magnitude):
        return 0.0
    return RELATIVE_TOLERANCE * abs(float(magnitude))


def classify(low: float, high: float, direction: int = 0, tol: float = 0.0) -> str:
    """What an effect with interval ``[low, high]`` is.

    Args:
        low: the interval's lower end.
        high: the interval's upper end.
        direction: +1 if more is better, -1 if less is better, 0 if neither.
        tol: the numerical tolerance (:func:`tolerance`): values within it of zero are zero.

    Returns:
        :data:`NO_CHANGE` when the whole interval is within ``tol`` of zero,
        :data:`UNCLEAR` when it reaches into that band (or is undefined), else
        :data:`WIN`, :data:`LOSS` or :data:`CHANGE`.
    """
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        return UNCLEAR
    if -tol <= low and high <= tol:
        return NO_CHANGE
    if low <= tol and high >= -tol:
        return UNCLEAR
    sign = 1 if low > 0 else -1
    if direction == 0:
        return CHANGE
    return WIN if sign == direction else LOSS


def effect_table(
    differences: pd.DataFrame,
    over: Sequence[str] = ("seed",),
    directions: Mapping[str, int] | None = None,
    value: str = "difference",
    quantiles: tuple[float, float] = (LOW_Q, HIGH_Q),
) -> pd.DataFrame:
    """One row per scenario and indicator (and any other key): median, interval, status.

    Args:
        differences: rows with ``scenario``, ``indicator``, the ``over`` columns and
            ``value`` (and optionally ``baseline_value``), e.g. each cell's mean of a year.
        over: the columns the interval spreads over (``("seed",)`` or ``("seed", "point")``).
        directions: indicator to +1 / -1 / 0 (missing: 0), the wanted sign of an effect.
        value: the column summarised.
        quantiles: the interval's lower and upper quantiles.

    Returns:
        ``scenario, indicator, median, low, high, mean, n, baseline, relative, tolerance,
        excludes_zero, status``; ``baseline`` is the mean baseline value where given,
        ``relative`` the median over it, ``tolerance`` the numerical tolerance
        (:func:`tolerance` of the largest absolute ``value`` or ``baseline_value`` of the
        group; 0 without them) and ``excludes_zero`` whether the interval lies beyond it.
    """
    directions = directions or {}
    keys = [c for c in differences.columns if c not in (*over, value, "baseline_value", "value")]
    keys = [c for c in keys if c not in ("date", "run_id")]
    grouped = differences.groupby(keys, sort=False)
    out = grouped[value].agg(["median", "mean", "count"]).rename(columns={"count": "n"})
    out["low"] = grouped[value].quantile(quantiles[0])
    out["high"] = grouped[value].quantile(quantiles[1])
    if "baseline_value" in differences.columns:
        out["baseline"] = grouped["baseline_value"].mean()
    else:
        out["baseline"] = np.nan
    levels = [c for c in ("value", "baseline_value") if c in differences.columns]
    if levels:
        out["magnitude"] = (
            differences[levels]
            .abs()
            .max(axis=1)
            .groupby([differences[k] for k in keys], sort=False)
            .max()
        )
    else:
        out["magnitude"] = 0.0
    out = out.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative"] = np.where(out["baseline"] != 0, out["median"] / out["baseline"], np.nan)
    out["tolerance"] = [tolerance(m) for m in out["magnitude"]]
    out["excludes_zero"] = (out["low"] > out["tolerance"]) | (out["high"] < -out["tolerance"])
    out["status"] = [
        classify(lo, hi, int(directions.get(ind, 0)), tol)
        for lo, hi, ind, tol in zip(
            out["low"], out["high"], out["indicator"], out["tolerance"], strict=True
        )
    ]
    columns = [*keys, "median", "low", "high", "mean", "n", "baseline", "relative", "tolerance"]
    return out[[*columns, "excludes_zero", "status"]]


def year_means(differences: pd.DataFrame, year: str) -> pd.DataFrame:
    """Each cell's mean over the months of ``year`` (dates ``YYYY-MM``) or its row ``YYYY``."""
    frame = differences[differences["date"].str.slice(0, 4) == str(year)]
    keys = [c for c in frame.columns if c not in ("date", "value", "baseline_value", "difference")]
    columns = [c for c in ("value", "baseline_value", "difference") if c in frame.columns]
    return frame.groupby(keys, sort=False)[columns].mean().reset_index()


@dataclass(frozen=True)
class PrimBox:
    """A box of input ranges in which the cases of interest concentrate (PRIM).

    Attributes:
        limits: one row per restricted input: ``input, low, high, full_low, full_high``.
        coverage: the share of all cases of interest that fall in the box.
        density: the share of the cases in the box that are of interest.
        mass: the share of all cases that fall in the box.
        cases: how many cases (rows) PRIM was given.
        of_interest: how many of them are of interest.
        trajectory: the peeling trajectory (``coverage, density, mass, res_dim``).
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    cases: int
    of_interest: int
    trajectory: pd.DataFrame


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8) -> PrimBox | None:
    """Find the first PRIM box of ``x`` where ``y`` is true, with EMA Workbench's PRIM.

    Args:
        x: one numeric column per input, one row per case; constant columns are dropped.
        y: true for the cases of interest.
        threshold: the density PRIM aims for (``ema_workbench.analysis.prim.Prim``).

    Returns:
        The box, or None when there is nothing to find (no input varies, or no case or
        every case is of interest).
    """
    y = np.asarray(y, dtype=bool)
    x = x.astype(float)
    x = x.loc[:, x.nunique() > 1].reset_index(drop=True)
    if x.shape[1] == 0 or y.sum() == 0 or y.all():
        return None
    with warnings.catch_warnings():  # ema_workbench warns about optional packages it lacks
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(x, y, threshold=threshold, peel_alpha=0.1, mass_min=0.05)
        box = finder.find_box()
    lims = box.box_lims[box._cur_box]
    rows: list[dict[str, Any]] = []
    for name in x.columns:
        low, high = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        full_low, full_high = float(x[name].min()), float(x[name].max())
        if low > full_low or high < full_high:
            rows.append(
                {
                    "input": name,
                    "low": low,
                    "high": high,
                    "full_low": full_low,
                    "full_high": full_high,
                }
            )
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    return PrimBox(
        limits=pd.DataFrame(rows, columns=["input", "low", "high", "full_low", "full_high"]),
        coverage=float(box.coverage),
        density=float(box.density),
        mass=float(box.mass),
        cases=len(y),
        of_interest=int(y.sum()),
        trajectory=trajectory.reset_index(drop=True),
    )
