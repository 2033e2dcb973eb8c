"""The level of unemployment against the survey, year by year, and where the 2015 gap comes from.

The calibration fits unemployment's *changes*; this command checks its *level*. For each
year 2015-2018 it prints ISTAT's labour-force survey rate for the province (the copied
series in ``calibration/targets/observed/``), the model's yearly mean of its metro
``unemployment_rate`` over seeds, and z against the level's sd (0.6 points, the sd of the
unemployment targets); then the 2015 gap split into the parts the runs measure: the
initial stock (``initial_unemployment_rate``) against the survey's 2015 figure, the
first month's move, and the model's fall from January 2015 to the year's mean
(docs/calibration.md, "The level of unemployment")::

    python3 -m calibration.unemployment_level --scale 0.05 --seeds 20 [--parameters FILE]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.targets import LAST_OBSERVED_YEAR, OBSERVED_DIR, load_targets
from calibration.validate import run_seeds, yearly
from models.components.indicators import INDEX

Records = Sequence[tuple[int, np.ndarray]]
LABOUR_FILE = "labour_province_torino.csv"
PROVINCE = "001"


def observed_levels(observed_dir: Path = OBSERVED_DIR) -> pd.Series:
    """ISTAT's survey unemployment rate of the province (%), by year, 2015-2018."""
    rows = pd.read_csv(observed_dir / LABOUR_FILE, dtype={"geo_code": str})
    rows = rows[(rows["series"] == "unemployment_rate") & (rows["geo_code"] == PROVINCE)]
    rows = rows[rows["year"] <= LAST_OBSERVED_YEAR]
    return rows.set_index("year")["value"].astype(float).sort_index()


def level_sd() -> float:
    """The sd of the level: the targets file's sd of ``unemployment_2015`` (points)."""
    return next(t.sd for t in load_targets() if t.name == "unemployment_2015")


def level_table(runs: Sequence[Records], observed: pd.Series, sd: float) -> pd.DataFrame:
    """Each observed year: the survey's rate, the model's mean, min and max over seeds, z."""
    years = pd.DataFrame([100.0 * yearly(r, "unemployment_rate") for r in runs])
    rows = []
    for year, value in observed.items():
        x = years[year]
        rows.append(
            {
                "year": int(year),
                "observed": value,
                "model_mean": x.mean(),
                "model_min": x.min(),
                "model_max": x.max(),
                "z": (x.mean() - value) / sd,
            }
        )
    return pd.DataFrame(rows)


def gap_decomposition(
    runs: Sequence[Records], initial_rate: float, observed_2015: float
) -> pd.DataFrame:
    """The 2015 gap (survey minus the model's 2015 mean, points) in three parts that add up.

    ``stock``: the survey's 2015 figure minus the share drawn unemployed in January 2015;
    ``first month``: that share minus the model's January-2015 record (the month's step);
    ``fall within 2015``: the January record minus the model's 2015 mean. Means over seeds.
    """
    col = INDEX["unemployment_rate"]
    january = float(np.mean([100.0 * r[0][1][col, -1] for r in runs]))
    mean_2015 = float(np.mean([100.0 * yearly(r, "unemployment_rate")[2015] for r in runs]))
    stock = 100.0 * initial_rate
    parts = [
        ("initial stock below the survey's 2015 figure", observed_2015 - stock),
        ("first month (drawn stock minus January record)", stock - january),
        ("model's fall from January to the 2015 mean", january - mean_2015),
        ("total: survey 2015 minus model 2015 mean", observed_2015 - mean_2015),
    ]
    return pd.DataFrame(parts, columns=["part", "points"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the baseline (defaults, or a parameter file) and print the two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parameters", type=Path, help="a posterior file (its point estimate)")
    args = parser.parse_args(argv)
    from models.parameters import bounds, defaults
    from sim.experiments.posterior import point_estimate

    parameters: Mapping[str, float] = (
        point_estimate(args.parameters, bounds()) if args.parameters else {}
    )
    initial_rate = {**defaults(), **parameters}["initial_unemployment_rate"]
    runs = run_seeds(parameters, list(range(1, args.seeds + 1)), args.scale)
    observed = observed_levels()
    fmt = {"float_format": lambda v: f"{v:.2f}", "index": False}
    print(f"scale {args.scale}, seeds 1-{args.seeds}, initial_unemployment_rate {initial_rate}")
    print(level_table(runs, observed, level_sd()).to_string(**fmt))
    print(gap_decomposition(runs, initial_rate, float(observed[2015])).to_string(**fmt))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
