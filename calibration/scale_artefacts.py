"""Two scaling artefacts at initialisation, by scale: the tables of docs/scale-convergence.md.

Run from the project root::

    python -m calibration.scale_artefacts firms --scales 0.005 0.01 0.02 0.05 0.1 1 --seed 1
    python -m calibration.scale_artefacts housing --scales 0.005 0.05 1 --seed 1

Each builds the January 2015 population at each scale (no month simulated; scale 1 takes a
few seconds of CPU) and prints one Markdown row per scale. ``firms``: the number of firms,
the share of jobs in firms of 50 and of 250 employees or more, and the largest firm.
``housing``: the free housing room per resident in Torino and in the other comuni, and the
share of the other comuni's room that is the fixed room of empty built cells.
"""

from __future__ import annotations

import argparse

import numpy as np

from models.codes import OUTSIDE
from models.model import MetroModel


def firms_row(model: MetroModel, scale: float) -> str:
    """Firms, shares of jobs in firms of 50+ and 250+ employees, the largest firm."""
    firms = model.firms
    sizes = firms.employees[firms.alive == 1].astype(np.float64)
    jobs = sizes.sum()
    return (
        f"| {scale:g} | {sizes.size:,} | {sizes[sizes >= 50].sum() / jobs:.1%} | "
        f"{sizes[sizes >= 250].sum() / jobs:.1%} | {int(sizes.max()):,} |"
    )


def housing_row(model: MetroModel, scale: float) -> str:
    """Free room per resident in Torino and elsewhere; the fixed room's share elsewhere."""
    capacity, residents = model.layer["housing_capacity"], model.layer["residents"]
    fixed = capacity - residents / (1.0 - model.params["vacancy_target"])
    free = np.maximum(capacity - residents, 0.0)
    zone, torino = model.cell_zone, int(model.torino)
    cells = {"torino": zone == torino, "other": (zone != torino) & (zone != OUTSIDE)}
    per_resident = {k: free[c].sum() / residents[c].sum() for k, c in cells.items()}
    share = fixed[cells["other"]].sum() / free[cells["other"]].sum()
    return (
        f"| {scale:g} | {per_resident['torino']:.4f} | {per_resident['other']:.4f} | {share:.0%} |"
    )


HEADERS = {
    "firms": "| scale | firms | share of jobs in firms of 50+ | in firms of 250+ | largest firm |",
    "housing": "| scale | free room per resident, Torino | other comuni | share of the other "
    "comuni's room from the room per built cell |",
}
ROWS = {"firms": firms_row, "housing": housing_row}


def main() -> None:
    """Print the chosen table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=sorted(ROWS))
    parser.add_argument("--scales", type=float, nargs="+", default=[0.005, 0.05, 1.0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(HEADERS[args.table])
    print("|---" * HEADERS[args.table].count(" | ") + "|---|")
    for scale in args.scales:
        print(ROWS[args.table](MetroModel(seed=args.seed, scale=scale), scale))


if __name__ == "__main__":
    main()
