"""The baseline's metro figures over seeds, to set one model version beside another.

Usage::

    python3 -m calibration.version_figures run --scale 0.05 --seeds 10 --out FILE.csv
    python3 -m calibration.version_figures compare OLD.csv NEW.csv [--months 2018-12 2025-12]

``run`` runs the baseline scenario at seeds 1..N and writes every seed's metro value of
each indicator in each December (one row per seed, month and indicator, with the model
version that made it). ``compare`` prints, for each indicator and month, both versions'
mean ± sd over seeds, the difference and its Welch 95% interval, and whether the
difference lies within the seed spread (|difference| ≤ the larger sd): the table of the
ODD's version sections, made by a command instead of by hand. Bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.convergence_table import bias_interval
from models.components.indicators import INDICATOR_NAMES
from models.experiments import scenario as scenarios
from models.experiments.run import simulate
from models.version import MODEL_VERSION
from sim.atomic import atomic_write_bytes

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
COLUMNS = ("version", "seed", "date", "indicator", "value")


def seed_figures(scale: float, seeds: int, path: Path = BASELINE) -> pd.DataFrame:
    """Every seed's metro value of each indicator in each December of the run."""
    rows = []
    for seed in range(1, seeds + 1):
        sc = scenarios.load(path).with_run(seed=seed, scale=scale)
        d = simulate(sc).indicators
        metro = d[(d["comune"] == "metro") & (pd.to_datetime(d["date"]).dt.month == 12)]
        rows.append(metro.assign(seed=seed, version=MODEL_VERSION))
    out = pd.concat(rows, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m")
    return out.loc[:, list(COLUMNS)]


def comparison(old: pd.DataFrame, new: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Mean, sd, difference and its Welch interval per indicator and month."""
    rows = []
    for name in INDICATOR_NAMES:
        for month in months:
            a = _values(old, name, month)
            b = _values(new, name, month)
            if a.size < 2 or b.size < 2:
                continue
            _, low, high = bias_interval(b, a)
            spread = max(a.std(ddof=1), b.std(ddof=1))
            diff = b.mean() - a.mean()
            rows.append(
                {
                    "indicator": name,
                    "month": month,
                    "old_mean": a.mean(),
                    "old_sd": a.std(ddof=1),
                    "new_mean": b.mean(),
                    "new_sd": b.std(ddof=1),
                    "difference": diff,
                    "low": low,
                    "high": high,
                    "within_spread": bool(abs(diff) <= spread),
                }
            )
    return pd.DataFrame(rows)


def _values(table: pd.DataFrame, name: str, month: str) -> np.ndarray:
    """One indicator's values over seeds in one month."""
    pick = (table["indicator"] == name) & (table["date"] == month)
    return table.loc[pick, "value"].to_numpy(dtype=float)


def markdown(table: pd.DataFrame, old_version: str, new_version: str) -> str:
    """The comparison as a Markdown table."""
    lines = [
        f"| indicator (metro) | month | {old_version} | {new_version} | difference [95%] "
        "| within the seed spread |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| `{row.indicator}` | {row.month} | {_fmt(row.old_mean)} ± {_fmt(row.old_sd)} "
            f"| {_fmt(row.new_mean)} ± {_fmt(row.new_sd)} | {_fmt(row.difference, True)} "
            f"[{_fmt(row.low, True)}, {_fmt(row.high, True)}] "
            f"| {'yes' if row.within_spread else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def _fmt(value: float, signed: bool = False) -> str:
    """Four significant figures, thousands separated."""
    magnitude = abs(value)
    text = f"{value:+,.0f}" if magnitude >= 1000 else f"{value:+.4g}"
    return text if signed else text.lstrip("+")


def _read(path: Path) -> pd.DataFrame:
    """A figures file, or one line and exit 2."""
    try:
        table = pd.read_csv(path, dtype={"date": str})
    except (OSError, ValueError) as err:
        raise SystemExit(_fail(f"{path}: cannot read a figures file ({err})")) from None
    missing = ", ".join(c for c in COLUMNS if c not in table.columns)
    if missing:
        expected = ", ".join(COLUMNS)
        raise SystemExit(_fail(f"{path}: expected the columns {expected}, missing {missing}"))
    return table


def _fail(message: str) -> int:
    """Print one line for bad input; the exit status."""
    print(f"version_figures: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the baseline over seeds, or compare two versions' figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the baseline over seeds")
    run.add_argument("--scale", type=float, default=0.05)
    run.add_argument("--seeds", type=int, default=10)
    run.add_argument("--out", type=Path, required=True)
    compare = commands.add_parser("compare", help="set two versions' figures side by side")
    compare.add_argument("old", type=Path)
    compare.add_argument("new", type=Path)
    compare.add_argument("--months", nargs="+", default=["2018-12", "2025-12"])
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.seeds < 2:
            return _fail(f"--seeds: expected at least 2 seeds, got {args.seeds}")
        figures = seed_figures(args.scale, args.seeds)
        atomic_write_bytes(args.out, figures.to_csv(index=False).encode("utf-8"))
        print(f"{len(figures)} rows into {args.out}")
        return 0
    old, new = _read(args.old), _read(args.new)
    table = comparison(old, new, args.months)
    print(markdown(table, str(old["version"].iloc[0]), str(new["version"].iloc[0])), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
