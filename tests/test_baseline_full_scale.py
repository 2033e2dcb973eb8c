"""The 2015-2025 baseline at scale 1 is plausible (issue 3 acceptance)."""

import numpy as np
import pytest

from models.components.indicators import INDICATOR_NAMES, PLAUSIBLE_MONTHLY_CHANGE
from models.experiments.run import simulate
from tests.conftest import make_scenario


@pytest.fixture(scope="module")
def metro():
    result = simulate(make_scenario(scale=1.0))
    d = result.indicators
    return d[d["comune"] == "metro"].pivot(index="date", columns="indicator", values="value")


@pytest.mark.slow
def test_baseline_at_full_scale_stays_plausible(metro):
    pop = metro["population"]
    assert abs(pop.iloc[-1] / pop.iloc[0] - 1) <= 0.08
    assert metro["unemployment_rate"].between(0.03, 0.20).all()
    firms = metro["firms_active"]
    assert abs(firms.iloc[-1] / firms.iloc[0] - 1) <= 0.20


@pytest.mark.slow
def test_no_indicator_jumps_beyond_its_plausible_monthly_range(metro):
    assert set(PLAUSIBLE_MONTHLY_CHANGE) == set(INDICATOR_NAMES)
    for name, bound in PLAUSIBLE_MONTHLY_CHANGE.items():
        if bound is None:
            continue
        kind, limit = bound
        x = metro[name].to_numpy()
        if kind == "rel":
            change = np.abs(x[1:] / x[:-1] - 1)
        else:
            change = np.abs(np.diff(x))
        worst = int(np.argmax(change))
        assert change[worst] <= limit, (name, metro.index[worst + 1], change[worst])
