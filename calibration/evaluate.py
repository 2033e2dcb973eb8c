"""One evaluation of a calibration: the baseline run at given parameter values, reduced to targets.

:func:`simulate_statistics` is a pure, picklable function of (values, seed, setup): the same
inputs give the same statistics in any process, which is what lets ABC and optimisation
send evaluations to Dask workers and stay reproducible. An evaluation of several seeds
averages their statistics (:func:`mean_statistics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from calibration.derived import Derived, model_values
from calibration.targets import Target, statistics_from_records
from models.experiments.batch import POPULATIONS
from models.model import MetroModel
from sim.calendar import format_month
from sim.experiments.executors import single_threaded


@dataclass(frozen=True)
class Setup:
    """What every evaluation of a calibration shares.

    Attributes:
        targets: the targets whose statistics an evaluation returns.
        start: first month (index).
        end: last month (index).
        scale: the runs' scale.
        fixed: parameter values set in every evaluation (besides the calibrated ones).
        derived: model parameters computed from the sampled values (``[derived]``).
    """

    targets: tuple[Target, ...]
    start: int
    end: int
    scale: float
    fixed: tuple[tuple[str, float], ...] = ()
    derived: tuple[Derived, ...] = ()


def simulate_statistics(values: Mapping[str, float], seed: int, setup: Setup) -> dict[str, float]:
    """Run the baseline (no levers) with ``values`` and one seed; its target statistics.

    ``values`` are the sampled names: with ``setup.derived``, the model gets the derived
    parameters instead of the sampled coordinates (:func:`calibration.derived.model_values`).
    """
    single_threaded()
    parameters = dict(setup.fixed)
    parameters.update(model_values(values, setup.derived))
    model = MetroModel(
        seed=int(seed),
        scale=setup.scale,
        parameters=parameters,
        levers=[],
        start=format_month(setup.start),
        end=format_month(setup.end),
        populations=POPULATIONS,
    )
    while model.running:
        model.step()
    return statistics_from_records(setup.targets, model.indicators.records)


def mean_statistics(
    values: Mapping[str, float], seeds: Sequence[int], setup: Setup
) -> dict[str, float]:
    """The mean over ``seeds`` of each target statistic (one process, seeds in order)."""
    runs = [simulate_statistics(values, s, setup) for s in seeds]
    return average(runs)


def average(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of each statistic over runs (keys of the first run)."""
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
