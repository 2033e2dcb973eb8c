"""Calibration plots: posterior marginals against their priors, and the fit per target."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.experiments.uncertainties import Uncertainty  # noqa: E402

if TYPE_CHECKING:
    from calibration.api import CalibrationResult


def posterior_figure(
    priors: Sequence[Uncertainty],
    result: CalibrationResult,
    truth: Mapping[str, float] | None = None,
) -> Any:
    """One panel per calibrated name: the weighted posterior (abc) or the trials (optimize).

    The panel's x range is the prior's range; the point estimate is a solid line, a true
    value (a recovery test) a dashed one.
    """
    n = len(priors)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False)
    table = result.table
    for ax, prior in zip(axes.flat, priors, strict=False):
        x = table[prior.name].to_numpy(float)
        if result.method == "abc":
            bins = np.linspace(prior.low, prior.high, 21)
            ax.hist(x, bins=bins, weights=table["weight"], color="#4c72b0", alpha=0.8)
            ax.set_ylabel("posterior weight")
        else:
            ax.scatter(x, table["distance"], s=10, color="#4c72b0")
            ax.set_ylabel("distance")
        estimate = {**result.point, **result.coordinates}[prior.name]
        ax.axvline(estimate, color="black", lw=1.5, label="estimate")
        if truth and prior.name in truth:
            ax.axvline(truth[prior.name], color="#c44e52", lw=1.5, ls="--", label="true value")
        ax.set_xlim(prior.low, prior.high)
        ax.set_title(prior.name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    title = "posterior (last ABC-SMC generation)" if result.method == "abc" else "optuna trials"
    fig.suptitle(f"{title}; x range = prior range", fontsize=10)
    fig.tight_layout()
    return fig


def fit_figure(fit: pd.DataFrame) -> Any:
    """Each target: observed ± 2 sd (grey) and the simulated median with its 5-95% band."""
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(fit) + 1.4))
    y = np.arange(len(fit))[::-1]
    sd = fit["sd"].to_numpy(float)
    obs = fit["observed"].to_numpy(float)
    z = lambda col: (fit[col].to_numpy(float) - obs) / sd  # noqa: E731
    ax.barh(y, 4.0, left=-2.0, height=0.6, color="#dddddd", label="observed ± 2 sd")
    ax.errorbar(
        z("simulated_median"),
        y,
        xerr=[
            z("simulated_median") - z("simulated_q05"),
            z("simulated_q95") - z("simulated_median"),
        ],
        fmt="o",
        color="#4c72b0",
        capsize=3,
        label="simulated: median, 5-95%",
    )
    ax.axvline(0.0, color="black", lw=0.8)
    labels = [
        f"{r.target}  obs {r.observed:.3g}, sim {r.simulated_median:.3g}" for r in fit.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("(simulated - observed) / sd")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("fit to the calibration targets", fontsize=10)
    fig.tight_layout()
    return fig
