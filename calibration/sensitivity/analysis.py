"""The indices: Morris elementary effects and Sobol indices (SALib) from the stages' stores.

Seeds are averaged per design point before SALib sees them; Morris works on the unit-cube
sample the design used, so a parameter's units and range do not matter and the steps are
exact. Confidence intervals are bootstrapped (:data:`RESAMPLES`, seeded ``seed + 1``).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.sensitivity.outputs import output_names, store_outputs
from calibration.sensitivity.spec import SensitivitySpec
from calibration.sensitivity.stages import SobolInputs

RESAMPLES = 1000  # bootstrap resamples of the confidence intervals
CONF_LEVEL = 0.95
MORRIS_COLUMNS = ["output", "parameter", "mu", "mu_star", "sigma", "mu_star_conf"]
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


def morris_table(spec: SensitivitySpec, folder: Path) -> pd.DataFrame:
    """Morris indices of every output for every screened parameter (``morris.csv``)."""
    from SALib.analyze import morris

    from sim.experiments.designs import MORRIS, Design, unit_sample

    d = len(spec.morris_parameters)
    unit = unit_sample(Design(MORRIS, spec.trajectories, spec.seed, spec.levels), d)
    cells = store_outputs(spec, folder, spec.morris_end)
    outputs = output_names(spec, spec.morris_end, paired=False)
    y = cells.groupby("point", sort=True)[outputs].mean()  # seeds averaged
    problem = {"num_vars": d, "names": list(spec.morris_parameters), "bounds": [[0.0, 1.0]] * d}
    frames = []
    for name in outputs:
        values = y[name].to_numpy(float)
        if len(values) != len(unit) or not np.isfinite(values).all():
            continue
        with warnings.catch_warnings():  # SALib warns of constant subsets; the table shows them
            warnings.simplefilter("ignore")
            result = morris.analyze(
                problem,
                unit,
                values,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=spec.levels,
                seed=spec.seed + 1,
            )
        frame = pd.DataFrame(
            {
                "output": name,
                "parameter": list(spec.morris_parameters),
                "mu": np.asarray(result["mu"], float),
                "mu_star": np.asarray(result["mu_star"], float),
                "sigma": np.asarray(result["sigma"], float),
                "mu_star_conf": np.asarray(result["mu_star_conf"], float),
            }
        )
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=MORRIS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MORRIS_COLUMNS]


def sobol_outputs(spec: SensitivitySpec, folder: Path) -> pd.DataFrame:
    """Each sample row's outputs for each seed (paired differences with levers).

    Returns:
        one row per ``(row, seed)``, a column per output of the stage.
    """
    cells = store_outputs(spec, folder, spec.sobol_end)
    index = cells["scenario"].str.rsplit("-", n=1).str[-1].str.lstrip("p").astype(int)
    cells = cells.assign(row=index)
    names = output_names(spec, spec.sobol_end, paired=bool(spec.levers))
    if not spec.levers:
        return cells.set_index(["row", "seed"]).sort_index()[names]
    base = cells[cells["scenario"].str.startswith("base-")].set_index(["row", "seed"])
    plan = cells[cells["scenario"].str.startswith("plan-")].set_index(["row", "seed"])
    plan = plan.reindex(base.index)
    paired = base[[n for n in names if n.startswith("target.")]].copy()
    for n in names:
        if n.endswith(".diff"):
            paired[n] = plan[n[: -len(".diff")]] - base[n[: -len(".diff")]]
    return paired.sort_index()[names]


def seed_noise(per_seed: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Per output: its variance over the sample (seeds averaged), and how much is noise.

    The noise is the mean seed-to-seed variance of a row divided by the seeds (the
    variance of a mean of seeds); its share is that over the variance. A share near 1
    means the sample's spread is mostly noise: its indices mean little.
    """
    out: dict[str, dict[str, float | None]] = {}
    n = per_seed.groupby(level="row").size().min()
    means = per_seed.groupby(level="row", sort=True).mean()
    for name in per_seed.columns:
        total = float(means[name].var(ddof=1))
        noise = float(per_seed[name].groupby(level="row").var(ddof=1).mean()) / n if n > 1 else None
        share = noise / total if noise is not None and total > 0 else None
        out[name] = {
            "variance": _rounded(total),
            "seed_noise_share": _rounded(share),
        }
    return out


def _rounded(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(f"{x:.6g}")


def sobol_table(
    spec: SensitivitySpec, folder: Path, inputs: SobolInputs, unit: np.ndarray
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """Sobol first and total indices per output and input group (``sobol.csv``).

    With ``method = "rbd-fast"`` the first-order indices only (:func:`fast_table`).

    Returns:
        the table, the outputs left out (each with why: constant, or not computed), and
        each output's variance and seed-noise share (:func:`seed_noise`).
    """
    from SALib.analyze import sobol

    from calibration.sensitivity.spec import RBD_FAST

    if spec.method == RBD_FAST:
        return fast_table(spec, folder, inputs, unit)
    per_seed = sobol_outputs(spec, folder)
    y = per_seed.groupby(level="row", sort=True).mean().reindex(range(len(unit)))
    frames, left_out = [], []
    problem = inputs.problem()
    for name in output_names(spec, spec.sobol_end, paired=bool(spec.levers)):
        values = y[name].to_numpy(float)
        if not np.isfinite(values).all():
            left_out.append(f"{name}: not computed in some runs")
            continue
        step = len(inputs.group_names) + 2  # Saltelli's blocks: A, AB_1..AB_D, B
        if np.ptp(np.r_[values[0::step], values[step - 1 :: step]]) == 0.0:
            left_out.append(f"{name}: constant over the base samples A and B (no variance)")
            continue
        with warnings.catch_warnings():  # SALib warns of constant subsets; the table shows them
            warnings.simplefilter("ignore")
            result = sobol.analyze(
                problem,
                values,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=spec.seed + 1,
            )
        frames.append(
            pd.DataFrame(
                {
                    "output": name,
                    "parameter": inputs.group_names,
                    "S1": np.asarray(result["S1"], float),
                    "S1_conf": np.asarray(result["S1_conf"], float),
                    "ST": np.asarray(result["ST"], float),
                    "ST_conf": np.asarray(result["ST_conf"], float),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table.reindex(columns=SOBOL_COLUMNS), left_out, seed_noise(per_seed)


def fast_table(
    spec: SensitivitySpec, folder: Path, inputs: SobolInputs, unit: np.ndarray
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """RBD-FAST first-order indices per output and input group; ST is not estimated.

    As :func:`sobol_table`; each output's entry of the third value also has ``S1_sum`` and
    ``S1_sum_conf`` (ΣS1 and the half-width of its interval).
    """
    from calibration.sensitivity.fast import fast_frame, fast_indices, group_columns

    per_seed = sobol_outputs(spec, folder)
    y = per_seed.groupby(level="row", sort=True).mean().reindex(range(len(unit)))
    x = unit[:, group_columns(inputs.groups)]
    frames, left_out = [], []
    noise = seed_noise(per_seed)
    for name in output_names(spec, spec.sobol_end, paired=bool(spec.levers)):
        values = y[name].to_numpy(float)
        if not np.isfinite(values).all():
            left_out.append(f"{name}: not computed in some runs")
            continue
        if np.ptp(values) == 0.0:
            left_out.append(f"{name}: constant over the sample (no variance)")
            continue
        found = fast_indices(x, values, spec.harmonics, RESAMPLES, CONF_LEVEL, spec.seed + 1)
        frames.append(fast_frame(name, inputs.group_names, found))
        noise[name]["S1_sum"] = _rounded(found["S1_sum"])
        noise[name]["S1_sum_conf"] = _rounded(found["S1_sum_conf"])
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table.reindex(columns=SOBOL_COLUMNS), left_out, noise
