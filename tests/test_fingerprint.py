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
# 2015-2025, made with PINNED_VERSION
PINNED = {
    ("baseline", 1, 0.01): "3e2f334ebe2e4c4f1451e4a4dfd411959778f30a6c557822442638c4a362b2c7",
    ("baseline", 2, 0.01): "933964020a938728a90b9af538fc29efeefd882cdcc257a1e4a902decd9e9968",
    ("piano-completo", 1, 0.01): "deae0476917c91128f392a648fae60b5cfc6bff78cb12102b213e205b05c53ee",
    ("piano-completo", 3, 0.01): "64b51351d3013b5fa70041ec4244f50ff12390407347848c89c8c8680baf8004",
    ("torino-sociale", 4, 0.01): "302afef3671757774366435880a26ff4fc2343a26a31e34540992bd006b956fc",
    ("baseline", 1, 0.05): "68da84ab273b0600899f506693ae1e723f1f60fa400463c031c93a61d054b4ca",
    ("piano-completo", 2, 0.05): "55d6ce23de3cabd5eb3a3ffbea98e1ef27f728ec4047a143c13d7942d6b49472",
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
