"""The Sobol stage's second estimator: RBD-FAST first-order indices (SALib).

``[sobol] method = "rbd-fast"``: a Latin hypercube of ``samples`` rows
(``SALib.sample.latin``), and first-order indices by ``SALib.analyze.rbd_fast`` (Tarantola,
Gatelli and Mara 2006, with Tissot and Prieur's 2012 bias correction) with its bootstrap
intervals. RBD-FAST gives **no total index**: the table's ``ST`` and ``ST_conf`` are empty
(NaN), never zeros.

``rbd_fast`` has no groups, so a group (a project, ``group = "project"``) is one column of
the Latin hypercube: ``latin.sample`` with the problem's groups gives every effect of a
project the same unit value in a row, so its effect sizes move together, each at the same
quantile of its own prior. The analysis sees one input per group (:func:`group_columns`).

The sum of the first-order indices, ΣS1, gets an interval the same way SALib's bootstrap
gives each index's: resamples of half the rows with replacement, the indices recomputed by
SALib's own ``rbd_fast`` functions, the normal interval of their spread. Its generator is
numpy's, seeded from the file's seed (``seed + 2``; SALib's is ``seed + 1``), so it is
deterministic.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from calibration.sensitivity.spec import SensitivitySpec


def fast_sample(spec: SensitivitySpec, problem: dict[str, Any]) -> np.ndarray:
    """The Latin hypercube on the unit cube: ``samples`` rows, a group's columns equal."""
    from SALib.sample import latin

    return latin.sample(problem, spec.samples, seed=spec.seed)


def group_columns(groups: tuple[str, ...] | list[str]) -> list[int]:
    """Each group's first column: the group's value in a row of :func:`fast_sample`."""
    first: dict[str, int] = {}
    for j, group in enumerate(groups):
        first.setdefault(group, j)
    return list(first.values())


def fast_indices(
    x: np.ndarray,
    y: np.ndarray,
    harmonics: int,
    resamples: int,
    conf_level: float,
    seed: int,
) -> dict[str, Any]:
    """RBD-FAST S1 and their intervals for each column of ``x``, and ΣS1 with its interval.

    Args:
        x: one column per input (a group's value), one row per sample row.
        y: the output of each row (seeds averaged).
        harmonics: M, the harmonics summed.
        resamples: bootstrap resamples.
        conf_level: the intervals' level.
        seed: SALib's bootstrap seed; ΣS1's uses ``seed + 1``.

    Returns:
        ``S1``, ``S1_conf`` (arrays, half-widths), ``S1_sum``, ``S1_sum_conf``. A
        half-width is NaN when a bootstrap resample has no variance (tiny samples).
    """
    from SALib.analyze import rbd_fast

    d = x.shape[1]
    problem = {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = rbd_fast.analyze(
            problem,
            x,
            y,
            M=harmonics,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=seed,
        )
    s1 = np.asarray(result["S1"], float)
    rng = np.random.default_rng(seed + 1)
    n = len(y)
    sums = np.empty(resamples)
    with warnings.catch_warnings():  # a resample without variance: NaN, as SALib's
        warnings.simplefilter("ignore")
        for r in range(resamples):
            rows = rng.choice(n, replace=True, size=n // 2)  # as SALib's: half the rows
            sums[r] = sum(_first_order(x[rows, j], y[rows], harmonics) for j in range(d))
    z = float(norm.ppf(0.5 + conf_level / 2.0))
    return {
        "S1": s1,
        "S1_conf": np.asarray(result["S1_conf"], float),
        "S1_sum": float(s1.sum()),
        "S1_sum_conf": z * float(sums.std(ddof=1)),
    }


def _first_order(x: np.ndarray, y: np.ndarray, harmonics: int) -> float:
    """One input's bias-corrected RBD-FAST index, by SALib's own functions."""
    from SALib.analyze import rbd_fast

    s1 = rbd_fast.compute_first_order(rbd_fast.permute_outputs(x, y), harmonics)
    return float(rbd_fast.unskew_S1(s1, harmonics, y.size))


def fast_frame(name: str, group_names: list[str], found: dict[str, Any]) -> pd.DataFrame:
    """One output's rows of ``sobol.csv``: S1 and its interval, ST empty (not estimated)."""
    return pd.DataFrame(
        {
            "output": name,
            "parameter": group_names,
            "S1": found["S1"],
            "S1_conf": found["S1_conf"],
            "ST": np.nan,
            "ST_conf": np.nan,
        }
    )
