"""Validation: how well a baseline fits the observed 2015-2018 series, with its spread over seeds.

For each target, the baseline's statistic over several seeds (mean, sd, min, max) against
the observed value and its sd; and, for the headline series, the yearly path of every seed
against the observed years (a figure). Run with the model's defaults (the calibrated
baseline) or with a parameter file::

    python3 -m calibration.validate --scale 0.05 --seeds 5 [--parameters FILE]
        [--table docs/calibration-fit.csv] [--figure docs/img/calibration-fit.png]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.targets import OBSERVED_DIR, load_targets, statistics_from_records
from models.components.indicators import INDEX
from models.model import MetroModel

SERIES = {
    "unemployment_rate": ("labour_province_torino.csv", ["unemployment_rate"], None, 100.0),
    "jobs": ("labour_province_torino.csv", ["private_employees_inps"], None, 1.0),
    "students": ("university_torino.csv", ["iscritti_F", "iscritti_M"], None, 1.0),
    "tourist_arrivals": ("tourism_province_torino.csv", ["tourist_arrivi_total"], None, 12.0),
}
"""The headline series drawn: file, series summed, geo filter, model factor (a monthly flow
times 12 is the year's total)."""


def yearly(records: Sequence[tuple[int, np.ndarray]], indicator: str) -> pd.Series:
    """An indicator's yearly mean of its monthly metro values, by year."""
    months = np.array([m for m, _ in records])
    values = np.stack([v for _, v in records])[:, INDEX[indicator], -1]
    years = months // 12 + 2015 - months.min() // 12
    return pd.Series(values).groupby(years).mean()


def run_seeds(
    parameters: Mapping[str, float], seeds: Sequence[int], scale: float, end: str = "2018-12"
) -> list[list[tuple[int, np.ndarray]]]:
    """The indicator records of the baseline at each seed."""
    out = []
    for seed in seeds:
        model = MetroModel(
            seed=seed, scale=scale, parameters=dict(parameters), levers=[], start="2015-01", end=end
        )
        while model.running:
            model.step()
        out.append(model.indicators.records)
    return out


def fit_by_target(records: Sequence[Sequence[tuple[int, np.ndarray]]]) -> pd.DataFrame:
    """Each target: observed, sd, and the seeds' mean, sd, min and max of the statistic."""
    targets = load_targets()
    stats = pd.DataFrame([statistics_from_records(targets, r) for r in records])
    rows = []
    for t in targets:
        x = stats[t.name]
        rows.append(
            {
                "target": t.name,
                "observed": t.observed,
                "target_sd": t.sd,
                "model_mean": x.mean(),
                "model_sd_over_seeds": x.std(ddof=1) if len(x) > 1 else float("nan"),
                "model_min": x.min(),
                "model_max": x.max(),
                "z": (x.mean() - t.observed) / t.sd,
                "same_direction": bool(np.sign(x.mean()) == np.sign(t.observed)),
            }
        )
    return pd.DataFrame(rows)


def observed_series(indicator: str) -> pd.Series:
    """The observed yearly values of a headline series."""
    file, series, _, _ = SERIES[indicator]
    rows = pd.read_csv(OBSERVED_DIR / file, dtype={"geo_code": str})
    rows = rows[rows["series"].isin(series)]
    return rows.groupby("year")["value"].sum()


def fit_figure(runs: Mapping[str, Sequence[Sequence[tuple[int, np.ndarray]]]]):  # noqa: ANN201
    """Plot every seed's yearly paths of each run against the observed years.

    Paths are indexed to 2015 = 100 (unemployment in %); the runs are e.g. the baseline
    before and after calibration.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(SERIES), figsize=(3.6 * len(SERIES), 3.2))
    colours = ["#999999", "#4c72b0", "#55a868"]
    for ax, indicator in zip(axes, SERIES, strict=True):
        factor = SERIES[indicator][3]
        obs = observed_series(indicator)
        share = indicator == "unemployment_rate"
        for (label, records), colour in zip(runs.items(), colours, strict=False):
            paths = np.array([yearly(r, indicator).to_numpy() * factor for r in records])
            years = yearly(records[0], indicator).index
            shown = paths if share else paths / paths[:, :1] * 100.0
            ax.fill_between(years, shown.min(axis=0), shown.max(axis=0), color=colour, alpha=0.3)
            ax.plot(years, shown.mean(axis=0), color=colour, label=f"{label} (band: seeds)")
        ref = obs if share else obs / obs.iloc[0] * 100.0
        ax.plot(ref.index, ref.to_numpy(), "ko", label="observed")
        ax.set_title(indicator + (" (%)" if share else " (2015 = 100)"), fontsize=9)
        ax.set_xticks(list(ref.index))
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the baseline (defaults, or a parameter file) and write table and figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parameters", type=Path, help="a posterior file (its point estimate)")
    parser.add_argument(
        "--compare", type=Path, help="a parameter file of another baseline to draw as well"
    )
    parser.add_argument("--table", type=Path)
    parser.add_argument("--figure", type=Path)
    args = parser.parse_args(argv)
    from models.parameters import bounds
    from sim.experiments.posterior import point_estimate

    parameters = point_estimate(args.parameters, bounds()) if args.parameters else {}
    seeds = list(range(1, args.seeds + 1))
    records = run_seeds(parameters, seeds, args.scale)
    table = fit_by_target(records)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.table:
        table.to_csv(args.table, index=False, float_format="%.6g")
    if args.figure:
        runs = {}
        if args.compare:
            import tomllib

            old = tomllib.loads(args.compare.read_text(encoding="utf-8"))["parameters"]
            runs["before calibration"] = run_seeds(old, seeds, args.scale)
        runs["calibrated"] = records
        fit_figure(runs).savefig(args.figure, dpi=110, metadata={"Software": None})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
