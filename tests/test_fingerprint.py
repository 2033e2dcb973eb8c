"""The declared model version guards the results: pinned fingerprints of a few runs.

If this test fails, model results moved. If that was meant, bump
``models/version.py: MODEL_VERSION``, update the pins below in the same commit, and say in
``docs/versions.md`` what moved and why (stored batch runs are keyed on the version, so
they are then run again rather than mixed with the new results). If it was not meant, the
change has a bug: a restructuring must reproduce these tables bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import scenario as scenarios
from models.run import simulate
from models.version import MODEL_VERSION
from sim.fingerprint import table_fingerprint, tables_fingerprint

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
PINNED_VERSION = "1.2.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION
PINNED = {
    ("baseline", 1, 0.01): "7b4f7648cba5dc8b63e6e4beba094b96e2a48d1eed68958b63a7d590eb72dc43",
    ("baseline", 2, 0.01): "7b96a1bb34b5f5643c4562d61d50784d4a50fbcc9a16d46d24d5a526e5a7d800",
    ("piano-completo", 1, 0.01): "1cab66339bab0deb2eea7a0e7718d7a814047d225c7eed045c87d217f10c4899",
    ("piano-completo", 3, 0.01): "9704561418e26788a14401f128502fd23fcf300fc6eadf66512baf01738fe41b",
    ("torino-sociale", 4, 0.01): "14578edb4460e8302d2c85d004f206629606ce64cb5bd4cac81a8bfb84e7372d",
    ("baseline", 1, 0.05): "68c46f7ebe4cc026f03c9fd00751fc2e00d2bfa5e870ad614a8c0a767b2bcc69",
    ("piano-completo", 2, 0.05): "b3837618030aad0dc8ee0848e2cd188af20231d6c8e54894b1ce9ab4b7142ad0",
}


def run_fingerprint(name: str, seed: int, scale: float) -> str:
    """The fingerprint of a scenario file's run (indicators, OD and firm tables)."""
    sc = scenarios.load(SCENARIOS / f"{name}.toml").with_run(seed=seed, scale=scale)
    result = simulate(sc)
    return tables_fingerprint(
        {"indicators": result.indicators, "od": result.od, "firms": result.firms}
    )


def test_the_pins_are_of_the_declared_model_version():
    assert MODEL_VERSION == PINNED_VERSION, (
        "MODEL_VERSION changed: update PINNED_VERSION and the fingerprints together"
    )


@pytest.mark.parametrize(
    "name, seed, scale",
    [pytest.param(*key, marks=pytest.mark.slow) if key[2] > 0.01 else key for key in PINNED],
)
def test_results_match_the_pinned_fingerprints(name, seed, scale):
    assert run_fingerprint(name, seed, scale) == PINNED[(name, seed, scale)], (
        f"results moved without a new MODEL_VERSION ({MODEL_VERSION}); if meant, bump "
        "models/version.py, update PINNED and docs/versions.md"
    )


def test_the_fingerprint_sees_a_change_of_one_value_or_of_the_order():
    a = pd.DataFrame({"date": ["2015-01", "2015-02"], "value": [1.0, 2.0]})
    b = a.copy()
    b.loc[0, "value"] = np.nextafter(1.0, 2.0)
    assert table_fingerprint(a) == table_fingerprint(a.copy())
    assert table_fingerprint(a) != table_fingerprint(b)
    assert table_fingerprint(a) != table_fingerprint(a.iloc[::-1].reset_index(drop=True))
    assert table_fingerprint(a) != table_fingerprint(a.rename(columns={"value": "v"}))
