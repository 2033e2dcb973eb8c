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
PINNED_VERSION = "1.5.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION; the same on every host CPU (tests/test_host_classes.py
# runs the first under x86-64-v2, v3 and v4)
PINNED = {
    ("piano-completo", 1, 0.005): (
        "851d7c9795e62fe8767103d6e1db8c3d22ee4387e08de83a3575d1fa19c70b37"
    ),
    ("baseline", 1, 0.01): "dbe5f0da2bb2407841c36b51fe88d3961b7ed15f0c9ea1ac52656d41c5100b3d",
    ("baseline", 2, 0.01): "f7a37d7065f523cecc6071760fb8096777ad6edbb71253e263e1bcfdf3b2824a",
    ("piano-completo", 1, 0.01): (
        "05730d46d2304e14a6b79a0ac4b7ba40fab42780b3c7e25f63b4e53cc62c3f3c"
    ),
    ("piano-completo", 3, 0.01): (
        "97ab848e1e3bee6cac44d4fcc7106000da0ff9923d7e752d610043b9f00d6200"
    ),
    ("torino-sociale", 4, 0.01): (
        "5fc8822e6a369457c0addaf20ab50313ff8d4f974ae9d906277870dab5c15fcc"
    ),
    ("baseline", 1, 0.05): "78f8c6ef81dd2d1ab355e511e2061357354b9cfa7464a4e91386fc7d730b9956",
    ("piano-completo", 2, 0.05): (
        "6f1bc7518b5746c38891faadb7bd4a8227def2ff091cc8fa4bacfc2bb355ab9c"
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
