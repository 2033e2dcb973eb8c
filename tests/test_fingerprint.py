"""The declared model version guards the results: a pinned fingerprint of a small run.

If this test fails, model results moved. If that was meant, bump
``models/version.py: MODEL_VERSION`` and update the pin below in the same commit (stored
batch runs are keyed on the version, so they are then run again rather than mixed with
the new results). If it was not meant, the change has a bug.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from models.run import simulate
from models.version import MODEL_VERSION
from tests.conftest import make_scenario

RUN = """
[run]
start = "2015-01"
end = "2016-12"
seed = 3
scale = 0.005
"""
LEVERS = """
[levers.B8]
start = "2015-06"
ramp_months = 6
[levers.A6]
start = "2016-01"
"""
# SHA-256 of the baseline's and the lever scenario's tables (indicators, od, firms), and
# the model version they were made with.
PINNED = {
    "version": "1.0.0",
    "baseline": "2abc696f41cff5b5ddaa101174dc0f53eca63355eac372911deb901dee3d0019",
    "levers": "28075695b85882e3574a97d50771b9890eb16bae02156f22e51b6652f2631436",
}


def table_digest(table: pd.DataFrame) -> str:
    """A platform-stable hash of a table: rows sorted, text as UTF-8, numbers as float64 LE."""
    keys = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    ordered = table.sort_values(list(table.columns)).reset_index(drop=True)
    h = hashlib.sha256()
    h.update(",".join(table.columns).encode())
    for column in table.columns:
        values = ordered[column]
        if column in keys:
            h.update("\x1f".join(values.astype(str)).encode("utf-8"))
        else:
            numbers = values.to_numpy(dtype="<f8", copy=True)
            numbers[np.isnan(numbers)] = np.nan  # one NaN bit pattern
            h.update(numbers.tobytes())
    return h.hexdigest()


def run_digest(text: str) -> str:
    result = simulate(make_scenario(text))
    h = hashlib.sha256()
    for table in (result.indicators, result.od, result.firms):
        h.update(table_digest(table).encode())
    return h.hexdigest()


def test_results_match_the_pinned_fingerprint_of_the_declared_model_version():
    digests = {"baseline": run_digest(RUN), "levers": run_digest(RUN + LEVERS)}
    assert MODEL_VERSION == PINNED["version"], (
        "MODEL_VERSION changed: update PINNED['version'] and the digests together"
    )
    assert digests == {k: PINNED[k] for k in ("baseline", "levers")}, (
        f"results moved without a new MODEL_VERSION (now {digests}); if meant, bump "
        "models/version.py and update PINNED"
    )


def test_the_digest_sees_a_change_of_one_value():
    a = pd.DataFrame({"date": ["2015-01", "2015-02"], "value": [1.0, np.nan]})
    b = a.copy()
    b.loc[0, "value"] = np.nextafter(1.0, 2.0)
    assert table_digest(a) == table_digest(a.iloc[::-1].reset_index(drop=True))
    assert table_digest(a) != table_digest(b)
