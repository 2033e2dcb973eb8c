"""The level of unemployment against the survey, year by year, and where the 2015 gap comes from.

The calibration fits unemployment's *changes*; this command checks its *level*. For each
year 2015-2018 it prints ISTAT's labour-force survey rate for the province (the copied
series in ``calibration/targets/observed/``), the model's yearly mean of its metro
``unemployment_rate`` over seeds, and z against the level's sd (0.6 points, the sd of the
unemployment targets); then the 2015 gap split into the parts the runs measure: the
initial stock (``initial_unemployment_rate``) against the survey's 2015 figure, the
first month's move, and the model's fall from January 2015 to the year's mean; and the
bound on the one definitional part it can measure, the ages 15-18 the survey counts and the
model does not (docs/calibration.md, "The level of unemployment")::

    python3 -m calibration.unemployment_level --scale 0.05 --seeds 20 [--parameters FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.targets import LAST_OBSERVED_YEAR, OBSERVED_DIR, load_targets
from calibration.validate import run_seeds, yearly
from models.codes import EMPLOYED, OUTSIDE, UNEMPLOYED
from models.components.indicators import INDEX

Records = Sequence[tuple[int, np.ndarray]]
LABOUR_FILE = "labour_province_torino.csv"
PROVINCE = "001"
START = 2015 * 12
TEEN_ACTIVITY = (0.03, 0.05, 0.08)
"""Activity rates at 15-18 tried (assumption: schooling is compulsory to 16)."""
TEEN_UNEMPLOYMENT = (0.403, 0.5)
"""Unemployment rates at 15-18 tried: ISTAT's 40.3% at 15-24 in 2015 (ANSA, 10 March 2016),
and a higher one for the youngest."""


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


def long_term_shares(runs: Sequence[Records]) -> pd.Series:
    """The long-term share of the unemployed in January 2015, December 2015 and December 2018.

    Means over seeds of ``long_term_unemployment_rate / unemployment_rate`` (ISTAT's share
    of those searching for over 12 months: 0.55, Italy 2015).
    """
    lt, u = INDEX["long_term_unemployment_rate"], INDEX["unemployment_rate"]
    shares = np.array([[v[lt, -1] / v[u, -1] for _, v in r] for r in runs])
    months = {"2015-01": 0, "2015-12": 11, "2018-12": 47}
    return pd.Series({k: float(shares[:, m].mean()) for k, m in months.items()})


def teen_counts(scale: float, seed: int, params: Mapping[str, float]) -> dict[str, float]:
    """Residents aged 15-18, the labour force and the unemployed of January 2015, at 1:1."""
    from models.population.build import build_population
    from models.territory.territory import load_territory
    from sim.random import phase_generator

    people = build_population(
        load_territory(0.5), scale, phase_generator(seed, "population"), START, dict(params)
    ).people
    n = people.count
    resident = people.zone[:n] != OUTSIDE
    age = (START - people.born[:n]) / 12.0
    status = people.status[:n]
    unemployed = resident & (status == UNEMPLOYED)
    return {
        "teens": float(np.sum(resident & (age >= 15) & (age < 19))) / scale,
        "labour_force": float(np.sum(resident & (status == EMPLOYED)) + unemployed.sum()) / scale,
        "unemployed": float(unemployed.sum()) / scale,
    }


def teen_effect(counts: Mapping[str, float]) -> pd.DataFrame:
    """Points the survey's rate gains over a 19+ rate by counting the active 15-18-year-olds."""
    u, lf, teens = counts["unemployed"], counts["labour_force"], counts["teens"]
    rows = []
    for a in TEEN_ACTIVITY:
        for r in TEEN_UNEMPLOYMENT:
            with_teens = (u + a * teens * r) / (lf + a * teens)
            rows.append({"activity": a, "unemployment": r, "points": 100.0 * (with_teens - u / lf)})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the baseline (defaults, or a parameter file) and print the two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parameters", type=Path, help="a posterior file (its point estimate)")
    args = parser.parse_args(argv)
    from models.minimum_scale import minimum_scale
    from models.parameters import bounds, defaults

    if not minimum_scale() <= args.scale <= 1 or args.seeds < 1:
        print(
            f"unemployment_level: error: --scale must be in [{minimum_scale()}, 1] and "
            f"--seeds at least 1 (got {args.scale}, {args.seeds})",
            file=sys.stderr,
        )
        return 2
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
    shares = long_term_shares(runs)
    print(
        "long-term share of the unemployed: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items())
    )
    counts = teen_counts(args.scale, 1, {**defaults(), **parameters})
    print("ages 15-18, seed 1, at 1:1: " + ", ".join(f"{k} {v:,.0f}" for k, v in counts.items()))
    print(teen_effect(counts).to_string(**fmt))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
