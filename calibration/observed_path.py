"""The observed 2015-2018 path of the calibrated indicators, as points to draw on a fan chart.

The targets are changes and growths since 2015 (their series cover the province, not the
38 comuni: levels do not compare, docs/calibration.md), so the observed path is given the
same way: for every change or growth target and every year it spans, the observed change
or growth from its first date (:func:`calibration.targets.yearly_variants`), in the model's
units (divided by the target's ``model_factor``). A figure anchors each point at the
model's own value at the first date: ``anchor + value`` for a change, ``anchor * (1 +
value)`` for a growth; that is what the calibration compared.

Only the copied series up to 2018 are read: later years are withheld.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.targets import CHANGE, GROWTH, TARGETS_TOML, load_targets, yearly_variants

COLUMNS = ["target", "indicator", "statistic", "first", "last", "value"]


def observed_points(path: str | Path = TARGETS_TOML) -> pd.DataFrame:
    """One row per observed change or growth: target, indicator, statistic, first, last, value.

    ``first`` and ``last`` are a year (``"2016"``: the mean of the year) or a month
    (``"2018-01"``: that month's value); ``value`` is in the model's units.
    """
    targets, _ = yearly_variants(load_targets(path), path)
    rows = [
        {
            "target": t.name,
            "indicator": t.indicator,
            "statistic": t.statistic,
            "first": t.first,
            "last": t.last,
            "value": t.observed / t.model_factor,
        }
        for t in targets
        if t.statistic in (CHANGE, GROWTH)
    ]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["indicator", "last"], ignore_index=True)
