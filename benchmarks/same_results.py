"""Hashes a change that claims to be exact must leave as they are: run it in both checkouts.

Usage::

    python3 benchmarks/same_results.py [BUILD_SCALE] > after.txt
    cd OTHER_CHECKOUT && PYTHONPATH=. python3 /path/to/benchmarks/same_results.py > before.txt
    diff before.txt after.txt

Prints: the January-2015 population built at ``BUILD_SCALE`` (0.3 by default; every column
of the people and firm tables, and the wage level); the bytes of the three Parquet tables
written by a baseline run (seed 1, scale 0.05) and a piano-completo run (seed 2, 0.02); and
whether each pinned run of ``tests/test_fingerprint.py`` up to scale 0.01 still gives its
pin. The pins cover the written tables' values; the Parquet bytes also cover their types and
metadata; the build's hash covers columns no table shows.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from models.experiments import scenario as scenarios
from models.experiments.run import simulate, write_run
from models.model import MetroModel

RUNS = (("baseline", 1, 0.05), ("piano-completo", 2, 0.02))


def digest(arrays: Iterable[np.ndarray]) -> str:
    """SHA-256 of the arrays' bytes, in order (16 hex digits)."""
    h = hashlib.sha256()
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
    sc = scenarios.load(Path("scenarios/baseline.toml")).with_run(seed=1, scale=scale)
    model = MetroModel.from_scenario(sc)
    people, firms = model.people, model.firms
    people_hash = digest(people.columns[c][: people.count] for c in sorted(people.columns))
    firms_hash = digest(firms.columns[c][: firms.count] for c in sorted(firms.columns))
    print(
        f"build at {scale}: people {people_hash}, firms {firms_hash}, "
        f"wage level {model.initial_wage_level!r}"
    )
    del model
    for name, seed, run_scale in RUNS:
        sc = scenarios.load(Path(f"scenarios/{name}.toml")).with_run(seed=seed, scale=run_scale)
        result = simulate(sc)
        with tempfile.TemporaryDirectory() as folder:
            out = write_run(result, Path(folder) / "run", plots=False)
            files = {
                p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                for p in sorted(out.glob("*.parquet"))
            }
        print(f"{name} seed {seed} scale {run_scale}: {files}")
    from tests.test_fingerprint import PINNED, run_fingerprint

    for key, pin in PINNED.items():
        if key[2] <= 0.01:
            print(f"pin {key}: {'same' if run_fingerprint(*key) == pin else 'MOVED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
