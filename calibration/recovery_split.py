"""The labour-demand trend in coordinates the 2015-2018 fit can identify, from a posterior's sample.

Labour demand grows at ``g + r·exp(−t/τ)`` a year (``growth_drift``, ``recovery_drift``,
``recovery_years``; ``t`` years since January 2015). Over the fitted window of ``T`` years
its mean yearly growth is ``A = g + r·τ/T·(1 − exp(−T/τ))``, and the recovery's growth still
to come after it is ``R = r·τ·exp(−T/τ)``. The command prints the posterior's correlations
in the model's coordinates and in the proposed ones (``A`` with ``g`` and ``τ``), and each
quantity's median and 5-95% range::

    python3 -m calibration.recovery_split [calibration/posterior/observed-2015-2018.toml]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT = Path("calibration/posterior/observed-2015-2018.toml")
WINDOW_YEARS = 4.0
"""The fitted window, 2015-2018."""
FORECAST_YEARS = 11.0
"""2015-2025: the cumulative growth the committee reads."""


def split(g: np.ndarray, r: np.ndarray, tau: np.ndarray) -> dict[str, np.ndarray]:
    """The trend's quantities from samples of its three parameters (``g``, ``r``, ``τ``)."""
    return {
        "growth_drift": g,
        "recovery_drift": r,
        "recovery_years": tau,
        "window_growth": g + r * tau / WINDOW_YEARS * (1.0 - np.exp(-WINDOW_YEARS / tau)),
        "recovery_after_window": r * tau * np.exp(-WINDOW_YEARS / tau),
        "growth_2015_2025": g * FORECAST_YEARS + r * tau * (1.0 - np.exp(-FORECAST_YEARS / tau)),
    }


def recovery_drift_from(
    window_growth: np.ndarray | float,
    growth_drift: np.ndarray | float,
    recovery_years: np.ndarray | float,
) -> np.ndarray | float:
    """The ``recovery_drift`` giving this mean growth over the window (:func:`split` inverted).

    The proposed coordinates for the next calibration: sample ``window_growth`` (what
    2015-2018 fixes), ``growth_drift`` and ``recovery_years`` (what it cannot), and hand the
    model ``recovery_drift`` from them; the model's parameters stay as they are.
    """
    tau = np.asarray(recovery_years, dtype=float)
    share_in_window = tau / WINDOW_YEARS * (1.0 - np.exp(-WINDOW_YEARS / tau))
    return (np.asarray(window_growth) - np.asarray(growth_drift)) / share_in_window


PAIRS = (
    ("growth_drift", "recovery_years"),
    ("growth_drift", "recovery_drift"),
    ("window_growth", "growth_drift"),
    ("window_growth", "recovery_years"),
    ("window_growth", "recovery_drift"),
    ("growth_drift", "recovery_after_window"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the correlations and ranges of the trend's quantities in a posterior's sample."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posterior", type=Path, nargs="?", default=DEFAULT)
    args = parser.parse_args(argv)
    try:
        sample = tomllib.loads(args.posterior.read_text(encoding="utf-8"))["sample"]
        g, r, tau = (
            np.asarray(sample[k], dtype=float)
            for k in ("growth_drift", "recovery_drift", "recovery_years")
        )
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as error:
        print(f"{args.posterior}: expected a [sample] of growth_drift, recovery_drift and "
              f"recovery_years ({error})", file=sys.stderr)  # fmt: skip
        return 2
    q = split(g, r, tau)
    print(f"{g.size} draws of {args.posterior}")
    for a, b in PAIRS:
        print(f"corr({a}, {b}) = {np.corrcoef(q[a], q[b])[0, 1]:+.2f}")
    for name, x in q.items():
        lo, mid, hi = np.percentile(x, [5, 50, 95])
        print(f"{name:24s} median {mid:.4f}  5-95% {lo:.4f} - {hi:.4f}  sd {x.std():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
