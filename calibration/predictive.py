"""Where an observed value falls in a predictive distribution: percentile, bands, coverage.

A predictive distribution is a plain sample of a statistic (posterior draws x seeds, each
value equally weighted). For an observed value:

* its **percentile** is the share of the sample below it, ties counted half
  (``100 * (#below + #equal / 2) / n``): 50 at the median, 0 or 100 outside the sample;
* the **50% band** is the sample's 25th-75th percentiles and the **90% band** its
  5th-95th (numpy's linear interpolation); the value lies in a band when
  ``low <= value <= high``;
* the **coverage** of a set of targets is the share whose observed value lies in the band.

Calibrated forecasts cover about 50% and 90%; far less means over-confident bands (or a
biased model), far more too-wide bands.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BANDS = {50: (25.0, 75.0), 90: (5.0, 95.0)}
"""Each central band's percentiles."""


def percentile_of(sample: Sequence[float] | np.ndarray, value: float) -> float:
    """The percentile of ``value`` in ``sample`` (0-100, ties counted half).

    Raises:
        ValueError: an empty sample, or NaN in it.
    """
    x = np.asarray(sample, dtype=float)
    if x.size == 0 or np.isnan(x).any():
        raise ValueError("expected a non-empty sample without NaN")
    below = np.count_nonzero(x < value)
    equal = np.count_nonzero(x == value)
    return 100.0 * (below + 0.5 * equal) / x.size


def summary(sample: Sequence[float] | np.ndarray, observed: float) -> dict[str, float | bool]:
    """The sample's median and bands, the observed value's percentile and band membership."""
    x = np.asarray(sample, dtype=float)
    q05, q25, q50, q75, q95 = np.percentile(x, [5.0, 25.0, 50.0, 75.0, 95.0])
    return {
        "median": float(q50),
        "q05": float(q05),
        "q25": float(q25),
        "q75": float(q75),
        "q95": float(q95),
        "percentile": percentile_of(x, observed),
        "in_50": bool(q25 <= observed <= q75),
        "in_90": bool(q05 <= observed <= q95),
    }


def coverage(inside: Sequence[bool]) -> float:
    """The share of ``True`` (NaN for no targets)."""
    flags = [bool(v) for v in inside]
    return float(np.mean(flags)) if flags else float("nan")


def with_observation_error(
    sample: Sequence[float] | np.ndarray, sd: float, seed: int
) -> np.ndarray:
    """The sample with normal observation error of ``sd`` added (a seeded generator).

    A target's sd says how far the observed figure may sit from the model's concept
    (sampling error, geography); adding it gives the predictive distribution of the
    *observation*, not of the model's statistic.
    """
    x = np.asarray(sample, dtype=float)
    rng = np.random.default_rng(seed)
    return x + rng.normal(0.0, sd, size=x.size)
