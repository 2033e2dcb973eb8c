"""Every parameter at the low and at the high end of its valid bounds, one at a time.

Each run (the minimum scale, 2015-01 to 2016-01, so a January with its yearly events is
included) is made in check mode: it completes with every accounting identity holding after
every phase of every month, and no indicator NaN, infinite or negative. A value at which
the model cannot hold together has no place inside the bounds: docs/robustness.md lists
the bounds that were narrowed for this, with the reason.
"""

import warnings

import numpy as np
import pytest

from models.experiments.run import simulate
from models.minimum_scale import minimum_scale
from models.parameters import PARAMETERS
from tests.conftest import make_scenario

SCALE = minimum_scale()
TEXT = f'[run]\nstart = "2015-01"\nend = "2016-01"\nseed = 3\nscale = {SCALE!r}\n'

CASES = [
    pytest.param(name, end, id=f"{name}-{end}") for name in PARAMETERS for end in ("low", "high")
]


@pytest.mark.slow
@pytest.mark.parametrize("name, end", CASES)
def test_a_parameter_at_the_end_of_its_bounds_runs_with_the_identities_holding(name, end):
    low, high = PARAMETERS[name].bounds
    value = low if end == "low" else high
    text = TEXT + f"[parameters]\n{name} = {float(value)!r}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, no 0/0 on the way
        result = simulate(make_scenario(text), check=True)
    d = result.indicators
    assert result.checked
    assert np.isfinite(d["value"]).all()
    assert result.indicators_left_out["metro_only"] == 13 * 38
    assert d["date"].nunique() == 13


@pytest.mark.parametrize("exponent", [0.3, 0.5, 0.8, 1.06, 2.0, 3.0])
@pytest.mark.parametrize("jobs_per_firm", [1.0, 2.0, 5.5, 20.0])
def test_firm_sizes_are_whole_firms_that_add_up_to_the_jobs(exponent, jobs_per_firm):
    """A heavy tail (small exponent) once made the largest firm's size negative."""
    from models.population import firm_sizes

    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 40, 1_000, 80_000):
        jobs = int(n * jobs_per_firm)
        sizes = firm_sizes(rng, n, jobs, exponent)
        assert sizes.size == n and sizes.min() >= 1
        assert sizes.sum() == max(jobs, n)
