"""Commuting distances at initialisation: the figures of docs/ODD.md, section 6.

Run from the project root::

    python -m docs.commute_distances --scale 0.1 --seed 1

It builds the January 2015 population (no month simulated) and prints, as JSON, the number of
in-commuting workers (full-scale equivalent), their mean and median one-way trip, their trips
by distance band, the mean trip of outside students and of residents who commute, and the
bands of all commuters.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from models.codes import EMPLOYED, OUTSIDE, STUDENT
from models.model import MetroModel

BANDS_KM = (0.0, 5.0, 10.0, 20.0, 30.0, 50.0, np.inf)


def bands(km: np.ndarray) -> dict[str, float]:
    """Share of trips in each distance band of :data:`BANDS_KM`."""
    counts = np.histogram(km, BANDS_KM)[0] / max(km.size, 1)
    return {
        f"{a:g}-{b:g}": round(float(c), 4)
        for a, b, c in zip(BANDS_KM[:-1], BANDS_KM[1:], counts, strict=True)
    }


def figures(scale: float, seed: int) -> dict[str, object]:
    """The commuting-distance figures of the initial population."""
    people = MetroModel(seed=seed, scale=scale, end="2015-01", phases=()).people
    commuter = (people.alive == 1) & np.isin(people.status, [EMPLOYED, STUDENT])
    outside = commuter & (people.zone == OUTSIDE)
    workers = outside & (people.status == EMPLOYED)
    km = people.commute_km
    return {
        "in_commuting_workers": round(int(workers.sum()) / scale),
        "workers_mean_km": round(float(km[workers].mean()), 2),
        "workers_median_km": round(float(np.median(km[workers])), 2),
        "workers_bands": bands(km[workers]),
        "outside_students_mean_km": round(float(km[outside & ~workers].mean()), 2),
        "residents_mean_km": round(float(km[commuter & ~outside].mean()), 2),
        "all_commuters_bands": bands(km[commuter]),
    }


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description="commuting distances at initialisation")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(figures(args.scale, args.seed), indent=1))


if __name__ == "__main__":
    main()
