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
PINNED_VERSION = "1.3.0"
# (scenario file, seed, scale) -> fingerprint of its tables (indicators, od, firms),
# 2015-2025, made with PINNED_VERSION; the same on every host CPU (tests/test_host_classes.py
# runs the first under x86-64-v2, v3 and v4)
PINNED = {
    ("piano-completo", 1, 0.005): "95972421066ac663623117a8276edd0484196a1eef987c57707fb9bcf8ea04e9",
    ("baseline", 1, 0.01): "af424eee08d0e31c9294fee2d36ecd8ae81f4a238f70aa29f219a98263eb56c4",
    ("baseline", 2, 0.01): "41d7bb0ebdc5405a4932c5f621cc7cb3bd651323ef4df34ad4915136b9caa387",
    ("piano-completo", 1, 0.01): "ac99651635d5b6c26764163b34b26dfe79ae9940400f8cd0a166676d79993084",
    ("piano-completo", 3, 0.01): "15e8286107b8ff185fb802d4123503b6ca3538e5b4b0fa1af0346546b642bd06",
    ("torino-sociale", 4, 0.01): "0e6e9f6b86b921cff10951ede842a8178500a6ee41a0429cd92c3fc343b7414b",
    ("baseline", 1, 0.05): "f6101bebf5f89251272aff9d5665769a0b474085bce46bf058fa8dd25cf1e97e",
    ("piano-completo", 2, 0.05): "e01372ea1a232ba3e394d904af709ffef79dba21c348f87e388b64e5542a7eab",
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
