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
PINNED_VERSION = "1.6.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION; the same on every host CPU (tests/test_host_classes.py
# runs the first under x86-64-v2, v3 and v4)
PINNED = {
    ("piano-completo", 1, 0.005): (
        "2b94fd49cd40a20090d63492f93b368b3109b27c533e9d8f75f2522c6fddf19a"
    ),
    ("baseline", 1, 0.01): "98b2de2b53777491fc8467e5dd0c1c585aa8c3be84fb66c35cad696abbff8aec",
    ("baseline", 2, 0.01): "8952421b0cd56b55510fd68415bf8a5592318731d9d702414c9a98c9ee134407",
    ("piano-completo", 1, 0.01): (
        "0b5746fb199a2cc06c6520d647e1c2b49d16997052a1e818b1c08c2ac965e269"
    ),
    ("piano-completo", 3, 0.01): (
        "47baaeed7e9d5b8a74b2f930893ca0c0d8eeb0371f927ee4e0b8b577cf825257"
    ),
    ("torino-sociale", 4, 0.01): (
        "0c5067e6f3363f5ed6ee62845ace4e4dbcfee39fcd880d9291c0ba5e5e11ac05"
    ),
    ("baseline", 1, 0.05): "10d75abc2233df109820605cc6f9dcb0612360afe101a4ee43970eedfecd464c",
    ("piano-completo", 2, 0.05): (
        "ec859fbd86971398da2f5a93d1525cc68fec78d71057c1b15ead717a7df8618f"
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
