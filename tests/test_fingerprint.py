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

from models.experiments import scenario as scenarios
from models.experiments.run import simulate
from models.version import MODEL_VERSION
from sim.fingerprint import table_fingerprint, tables_fingerprint

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
PINNED_VERSION = "1.4.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION; the same on every host CPU (tests/test_host_classes.py
# runs the first under x86-64-v2, v3 and v4)
PINNED = {
    ("piano-completo", 1, 0.005): (
        "95972421066ac663623117a8276edd0484196a1eef987c57707fb9bcf8ea04e9"
    ),
    ("baseline", 1, 0.01): "7ffb7d321276c8f44dc90422babd66a98a0197a9272719ee869b5f89bcdcd478",
    ("baseline", 2, 0.01): "9e2c2b61739569dbef70c1950cf63950c7086df7199aad78ff8e8e3736799cb7",
    ("piano-completo", 1, 0.01): (
        "064320fac37e2b70d8026f58703aa7cfe34c71471510fb8101e6cf0f8c8e4416"
    ),
    ("piano-completo", 3, 0.01): (
        "6ac907e36b0fefc257c80d6f4b60dbfaa4b5e7e141a505688e63b0ee3e3a42f9"
    ),
    ("torino-sociale", 4, 0.01): (
        "29e85974943ce0ddfcc352f4973ad674e9c57e4085ec075da88c59e6a0a0bddb"
    ),
    ("baseline", 1, 0.05): "2b954b7fe474397ad68fa20703c3936d802efa08677f742bd9724b57e96112a2",
    ("piano-completo", 2, 0.05): (
        "a88f555d80b8040f7a204622f9a78f2ed26a1d74c5006b46d7165115c27fe6d2"
    ),
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
    got = run_fingerprint(name, seed, scale)
    assert got == PINNED[(name, seed, scale)], (
        f"{name} seed {seed} scale {scale}: fingerprint {got}, pinned "
        f"{PINNED[(name, seed, scale)]}: results moved without a new MODEL_VERSION "
        f"({MODEL_VERSION}); if meant, bump models/version.py, update PINNED and "
        "docs/versions.md"
    )


def test_the_fingerprint_sees_a_change_of_one_value_or_of_the_order():
    a = pd.DataFrame({"date": ["2015-01", "2015-02"], "value": [1.0, 2.0]})
    b = a.copy()
    b.loc[0, "value"] = np.nextafter(1.0, 2.0)
    assert table_fingerprint(a) == table_fingerprint(a.copy())
    assert table_fingerprint(a) != table_fingerprint(b)
    assert table_fingerprint(a) != table_fingerprint(a.iloc[::-1].reset_index(drop=True))
    assert table_fingerprint(a) != table_fingerprint(a.rename(columns={"value": "v"}))
