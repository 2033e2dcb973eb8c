"""Speed and memory of torino-metropoli, measured; writes a JSON file of the figures.

Usage::

    python3 benchmarks/run_benchmarks.py [--out benchmarks/out/figures.json] [--quick]

Measures, each in a fresh process so memory and compile times are honest:

* the 1:1 baseline 2015-2025 from the command line, cold (numba cache empty: every
  kernel compiles) and warm (cache reused): wall time, ``simulate_s``, ``init_s``,
  ``write_s``, seconds per phase and peak resident memory;
* the scaling curve: ``simulate_s`` at scales 0.01, 0.1, 0.5 and 1.0 (warm);
* the speed ratio against the Mesa reference implementation (labour and commuting
  phases, seconds per agent-month) at scales 0.01 and 0.1, when models.reference exists.

``--quick`` skips the 1:1 and 0.5 runs (for a smoke test of this script).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"


def run_cli(scale: float, cache_dir: str, out: Path) -> dict:
    """Run ``metropoli run`` in a fresh process; return wall time and the manifest figures."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    cmd = [
        sys.executable,
        "-m",
        "metropoli.cli",
        "run",
        str(SCENARIO),
        "--scale",
        str(scale),
        "--seed",
        "1",
        "--out",
        str(out),
        "--quiet",
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    manifest = json.loads((out / "manifest.json").read_text())
    t = manifest["timings"]
    return {
        "scale": scale,
        "wall_s": round(wall, 2),
        "init_s": t["init_s"],
        "simulate_s": t["simulate_s"],
        "write_s": t["write_s"],
        "phases_s": t["phases_s"],
        "peak_rss_mb": manifest["peak_rss_mb"],
        "people_rows_end": manifest["agents"]["people_rows"],
        "firm_rows_end": manifest["agents"]["firm_rows"],
    }


def reference_ratio(scale: float, months: int = 12) -> dict | None:
    """Seconds per agent-month of the numba kernels and of the Mesa reference."""
    try:
        from models.reference import time_per_agent_month
    except ImportError:
        return None
    result = time_per_agent_month(scale=scale, months=months, seed=1)
    return {"scale": scale, "months": months, **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "figures.json")
    parser.add_argument("--quick", action="store_true", help="skip the 1:1 and 0.5 runs")
    args = parser.parse_args()
    figures: dict = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "scenario": str(SCENARIO.relative_to(ROOT)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "numba-cache")
        full = 0.1 if args.quick else 1.0
        figures["cold"] = run_cli(full, cache, Path(tmp) / "cold")
        figures["warm"] = run_cli(full, cache, Path(tmp) / "warm")
        scales = [0.01, 0.1] if args.quick else [0.01, 0.1, 0.5, 1.0]
        curve = []
        for scale in scales:
            curve.append(run_cli(scale, cache, Path(tmp) / f"s{scale}"))
        figures["scaling"] = [
            {k: c[k] for k in ("scale", "simulate_s", "init_s", "peak_rss_mb")} for c in curve
        ]
    # linearity: time = fixed + slope * scale, fixed from the two smallest scales
    (s0, t0), (s1, t1) = [(c["scale"], c["simulate_s"]) for c in curve[:2]]
    slope = (t1 - t0) / (s1 - s0)
    fixed = max(t0 - slope * s0, 0.0)
    figures["linearity"] = {
        "fixed_s": round(fixed, 3),
        "ratio_at_largest": round(
            (curve[-1]["simulate_s"] - fixed) / max((t0 - fixed) * curve[-1]["scale"] / s0, 1e-9), 3
        ),
        "goal": "<= 1.2",
    }
    figures["reference"] = [r for r in (reference_ratio(0.01), reference_ratio(0.1)) if r]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
