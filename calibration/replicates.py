"""Replicate spread: how much a 2025 metro indicator varies across seeds, at a given scale.

Usage::

    python3 -m calibration.replicates --scales 0.01 0.1 --seeds 10 [--out docs/replicates.md]

For each scale, runs the baseline with seeds 1..N and reports, for each metro indicator
in December 2025 (or the run's last month), the mean, the standard deviation and the
coefficient of variation (sd / |mean|) across seeds. This is the noise a scenario
difference must beat, and it shrinks roughly as 1/sqrt(scale).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from models.components.indicators import INDICATOR_NAMES
from models.experiments import scenario as scenarios
from models.experiments.run import simulate

ROOT = Path(__file__).resolve().parent.parent


def spread(
    scale: float, seeds: int, path: Path = ROOT / "scenarios" / "baseline.toml"
) -> pd.DataFrame:
    """Mean, sd and CV across seeds of each metro indicator in the last month."""
    rows = []
    for seed in range(1, seeds + 1):
        sc = scenarios.load(path).with_run(seed=seed, scale=scale)
        d = simulate(sc).indicators
        last = d[(d["comune"] == "metro") & (d["date"] == d["date"].max())]
        rows.append(last.set_index("indicator")["value"])
    table = pd.concat(rows, axis=1)
    out = pd.DataFrame(
        {
            "mean": table.mean(axis=1),
            "sd": table.std(axis=1, ddof=1),
        }
    )
    out["cv"] = out["sd"] / out["mean"].abs().replace(0, np.nan)
    return out.loc[list(INDICATOR_NAMES)]


def markdown(tables: dict[float, pd.DataFrame], seeds: int) -> str:
    """The spread tables side by side as Markdown."""
    scales = sorted(tables)
    head = (
        "| indicator | "
        + " | ".join(f"mean (scale {s:g}) | CV (scale {s:g})" for s in scales)
        + " |"
    )
    rule = "|---|" + "---|---|" * len(scales)
    lines = [head, rule]
    for name in INDICATOR_NAMES:
        cells = []
        for s in scales:
            row = tables[s].loc[name]
            cv = "n/a" if not np.isfinite(row["cv"]) else f"{row['cv']:.2%}"
            cells.append(f"{row['mean']:.4g} | {cv}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n{seeds} seeds (1..{seeds}) per scale, baseline scenario.\n"


def main(argv: list[str] | None = None) -> int:
    """Run the replicates and print (and optionally write) the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    tables = {s: spread(s, args.seeds) for s in args.scales}
    text = markdown(tables, args.seeds)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
