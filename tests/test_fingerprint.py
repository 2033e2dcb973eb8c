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
PINNED_VERSION = "1.1.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION
PINNED = {
    ("baseline", 1, 0.01): "4c1f9e9855a8950fcc7343f7c09bcbce8eb6986e44e173be708ba7aacecc3c88",
    ("baseline", 2, 0.01): "5637c1537883c73793673b5df815c48104e9e81255b82f3fb89cf06dd97c66eb",
    ("piano-completo", 1, 0.01): "98a44bdf23ab267033241aa9f301131284a4ddb53f73c3263e00668aaa8aefb3",
    ("piano-completo", 3, 0.01): "d7951aba0bf8c4f990d4c4c5fbb7aff67f1b1fb4afac0fddec2bef1e8e08f7fa",
    ("torino-sociale", 4, 0.01): "103f2c61123859541d2288395d3516f8ab212246f06ffc6e6d0e435e7d7f66d8",
    ("baseline", 1, 0.05): "2eb5835f0bf717976fae41c2299f8e09de37aea01cb0a584e651a7cd756d7529",
    ("piano-completo", 2, 0.05): "228c814c5e6e2bde708ab504fd134d22aba03d171bf9a73b7418cefcdb5056d1",
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
