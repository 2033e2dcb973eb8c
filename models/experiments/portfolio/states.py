"""The states of the world a portfolio is judged in, and the seeds every portfolio shares.

A state is one point of the uncertainties ``metropoli batch`` already knows: a joint draw
of the calibrated parameters from the calibration posterior (its rows in order: the
in-sample states take the first ones, the out-of-sample states the next), and one draw of
every lever effect size from its prior (uniform, ``models/data/levers.toml``), from a
generator keyed by the file's seed, the sample and the state's number, so a state does not
change when more are asked for. Every portfolio, the baseline and ``piano-completo`` run in
the same states with the same seeds (common random numbers); the out-of-sample seeds are
the in-sample ones plus :data:`OUT_OF_SAMPLE_SEED_OFFSET`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from models.components.levers import SPECS
from models.experiments.portfolio.file import PortfolioSpec
from sim.errors import InputError

IN, OUT = "in", "out"
OUT_OF_SAMPLE_SEED_OFFSET = 1000


def seeds(spec: PortfolioSpec, sample: str) -> tuple[int, ...]:
    """The seeds of a sample: the file's, or those plus the offset out of sample."""
    offset = 0 if sample == IN else OUT_OF_SAMPLE_SEED_OFFSET
    return tuple(s + offset for s in spec.run.seeds)


def states_table(spec: PortfolioSpec, sample: str) -> pd.DataFrame:
    """One row per state of the sample, one column per varied name (batch names).

    Raises:
        InputError: the posterior holds fewer draws than the two samples need.
    """
    n_in, n_out = spec.states.in_sample, spec.states.out_of_sample
    count, first = (n_in, 0) if sample == IN else (n_out, n_in)
    columns: dict[str, Iterable[float]] = {}
    if spec.states.posterior is not None:
        from models.parameters import bounds
        from sim.experiments.posterior import sample_points

        try:
            drawn = sample_points(
                spec.states.posterior, bounds(), n_in + n_out, spec.source, "states"
            )
        except InputError as err:
            raise InputError(
                f"{err} (in_sample + out_of_sample draws of states.posterior)",
                spec.source,
                "states.out_of_sample",
            ) from None
        part = drawn.iloc[first : first + count]
        columns.update({n: part[n].to_numpy(dtype=float) for n in drawn.columns})
    if spec.states.effects:
        flag = 0 if sample == IN else 1
        rows = [_effect_draw(spec.states.seed, flag, first + i) for i in range(count)]
        for name in rows[0] if rows else ():
            columns[name] = [r[name] for r in rows]
    if not columns:
        return pd.DataFrame(index=pd.RangeIndex(count))
    return pd.DataFrame(columns)


def _effect_draw(seed: int, flag: int, state: int) -> dict[str, float]:
    """Every lever effect size, uniform within its prior, for one state."""
    rng = np.random.default_rng([seed, flag, state])
    draw = {}
    for spec in SPECS:
        for e in spec.effects:
            low, high = e.prior
            draw[f"{spec.code}.{e.hook}"] = float(low + (high - low) * rng.random())
    return draw
