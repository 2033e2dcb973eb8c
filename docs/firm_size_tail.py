"""The firm-size tail at initialisation, by scale: the table of docs/scale-convergence.md.

Run from the project root::

    python -m docs.firm_size_tail --scales 0.005 0.01 0.02 0.05 0.1 1 --seed 1

It builds the January 2015 population at each scale (no month simulated) and prints, per
scale, the number of firms, the share of jobs in firms of 50 and of 250 employees or more,
and the largest firm. Scale 1 takes a few seconds of CPU.
"""

from __future__ import annotations

import argparse

import numpy as np

from models.model import MetroModel


def tail(scale: float, seed: int) -> dict[str, float]:
    """Firms, shares of jobs in firms of 50+ and 250+ employees, the largest firm."""
    firms = MetroModel(seed=seed, scale=scale).firms
    sizes = firms.employees[firms.alive == 1].astype(np.float64)
    jobs = sizes.sum()
    return {
        "firms": int(sizes.size),
        "jobs_in_50_plus": float(sizes[sizes >= 50].sum() / jobs),
        "jobs_in_250_plus": float(sizes[sizes >= 250].sum() / jobs),
        "largest": int(sizes.max()),
    }


def main() -> None:
    """Print one Markdown row per scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.005, 0.01, 0.1])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| scale | firms | share of jobs in firms of 50+ | in firms of 250+ | largest firm |")
    print("|---|---|---|---|---|")
    for scale in args.scales:
        t = tail(scale, args.seed)
        print(
            f"| {scale:g} | {t['firms']:,} | {t['jobs_in_50_plus']:.1%} | "
            f"{t['jobs_in_250_plus']:.1%} | {t['largest']:,} |"
        )


if __name__ == "__main__":
    main()
