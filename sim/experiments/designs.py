"""Designs: which points of the declared uncertainties a batch runs.

The samplers are the maintained ones: :class:`scipy.stats.qmc.LatinHypercube` for Latin
hypercubes, SALib for Sobol (Saltelli's scheme) and Morris. Each gives points in the unit
hypercube, mapped onto each uncertainty's values by :meth:`Uncertainty.values_at`. Levers
of the experiment (policies) are crossed, as a full factorial, with the sampled points,
as in EMA Workbench's ``policies × scenarios``. The ``posterior`` and ``points`` designs take their
points from a table instead (:mod:`sim.experiments.points`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.uncertainties import Uncertainty

REPLICATES, FACTORIAL, LHS, SOBOL, MORRIS = "replicates", "factorial", "lhs", "sobol", "morris"
POSTERIOR, POINTS = "posterior", "points"
KINDS = (REPLICATES, FACTORIAL, LHS, SOBOL, MORRIS, POSTERIOR, POINTS)
TABLE_KINDS = (POSTERIOR, POINTS)
"""Designs whose points are rows read from a file (``[design] file = ...``)."""


@dataclass(frozen=True)
class Design:
    """How to sample the uncertainties.

    Attributes:
        kind: ``replicates`` (no uncertainty: one point), ``factorial`` (every combination
            of the listed values), ``lhs`` (``samples`` points), ``sobol`` (Saltelli:
            ``samples × (2d + 2)`` points with second order, ``samples × (d + 2)``
            without), ``morris`` (``samples`` trajectories of ``d + 1`` points),
            ``posterior`` (rows of a calibration's sample), ``points`` (the rows of a
            table of points, run as they are).
        samples: number of points (lhs), base sample (sobol) or trajectories (morris).
        seed: the sampler's seed (the design is part of the batch: same seed, same points).
        levels: Morris grid levels.
        second_order: Sobol second-order indices (Saltelli's larger sample).
        file: the posterior file (``posterior``) or the table of points (``points``), as
            written in the batch file.
        rows: the sample's or the table's rows, in the uncertainties' order.
    """

    kind: str = REPLICATES
    samples: int = 0
    seed: int = 0
    levels: int = 4
    second_order: bool = False
    file: str = ""
    rows: tuple[tuple[float, ...], ...] = ()


def unit_sample(design: Design, dimensions: int) -> np.ndarray:
    """Points in the unit hypercube, ``(n, dimensions)``, for the sampled designs."""
    if design.kind == LHS:
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dimensions, seed=design.seed).random(design.samples)
    problem = {
        "num_vars": dimensions,
        "names": [f"x{i}" for i in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }
    if design.kind == SOBOL:
        from SALib.sample import sobol

        return sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=design.seed
        )
    if design.kind == MORRIS:
        from SALib.sample import morris

        return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)
    raise ValueError(f"no unit sample for design {design.kind!r}")


def sample_points(design: Design, uncertainties: Sequence[Uncertainty]) -> pd.DataFrame:
    """The design's points: one row each, one column per uncertainty (no levers)."""
    names = [u.name for u in uncertainties]
    if design.kind == REPLICATES or not uncertainties:
        return pd.DataFrame(index=pd.RangeIndex(1))
    if design.kind in TABLE_KINDS:
        return pd.DataFrame(list(design.rows), columns=names)
    if design.kind == FACTORIAL:
        rows = list(itertools.product(*(u.values for u in uncertainties)))
        return pd.DataFrame(rows, columns=names)
    unit = unit_sample(design, len(uncertainties))
    return pd.DataFrame({u.name: u.values_at(unit[:, i]) for i, u in enumerate(uncertainties)})


def expand_design(
    design: Design, uncertainties: Sequence[Uncertainty], levers: Sequence[Uncertainty]
) -> pd.DataFrame:
    """Every point of the batch: each policy (a combination of lever values) × each sample.

    Returns:
        one row per point, indexed 0..n-1 (the design point index), a column per lever
        then per uncertainty.
    """
    points = sample_points(design, uncertainties)
    if not levers:
        return points.reset_index(drop=True)
    policies = pd.DataFrame(
        list(itertools.product(*(lev.values for lev in levers))), columns=[v.name for v in levers]
    )
    crossed = policies.merge(points, how="cross") if len(points.columns) else policies
    return crossed.reset_index(drop=True)
