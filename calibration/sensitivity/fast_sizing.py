"""How many rows RBD-FAST needs: its interval widths on a synthetic model like the goals'.

The model is linear, ``y = Σ a_i x_i`` over ``inputs`` independent uniform inputs (33 as
the goals' study: 4 parameters and 29 projects), plus Gaussian noise that is a share
``noise`` of the output's variance (seed noise of a sample row). The coefficients are
``lead, 2, 1.5, 1`` and ``0.5`` for the rest: with ``lead = 3`` the indices are 0.00–0.40,
one input dominant and many small ones; true first-order indices are
``a_i² / Σ a² × (1 − noise)``. For each number of rows, over ``repeats`` Latin hypercubes,
it prints the widest 95% interval of any input (SALib's bootstrap, twice ``S1_conf``), the
largest error against the true index, and ΣS1 with its interval's width (see
:func:`~calibration.sensitivity.fast.fast_indices`)::

    python3 -m calibration.sensitivity.fast_sizing --rows 1000 2000 2400
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from calibration.sensitivity.fast import fast_indices


def linear_case(
    rows: int, inputs: int, lead: float, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A Latin hypercube, its noisy linear outputs and the true first-order indices."""
    from SALib.sample import latin

    a = np.r_[lead, 2.0, 1.5, 1.0, np.full(inputs - 4, 0.5)]
    problem = {"num_vars": inputs, "names": [f"x{i}" for i in range(inputs)]}
    problem["bounds"] = [[0.0, 1.0]] * inputs
    x = latin.sample(problem, rows, seed=seed)
    signal = float(np.sum(a**2) / 12.0)  # the variance of Σ a_i x_i, x_i ~ U(0, 1)
    y = x @ a
    if noise > 0:
        sd = np.sqrt(signal * noise / (1.0 - noise))
        y = y + np.random.default_rng(seed + 1).normal(0.0, sd, rows)
    return x, y, a**2 / np.sum(a**2) * (1.0 - noise)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the widths of RBD-FAST's intervals for each number of rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 2400])
    parser.add_argument("--inputs", type=int, default=33)
    parser.add_argument("--lead", type=float, default=3.0)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--harmonics", type=int, default=10)
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args(argv)
    print("| rows | noise share | widest S1 interval | largest error | ΣS1 | ΣS1 interval |")
    print("|---|---|---|---|---|---|")
    for rows in args.rows:
        for noise in args.noise:
            found = []
            for r in range(args.repeats):
                x, y, true = linear_case(rows, args.inputs, args.lead, noise, 100 + r)
                f = fast_indices(x, y, args.harmonics, args.resamples, 0.95, 1)
                found.append(
                    (
                        2 * f["S1_conf"].max(),
                        np.abs(f["S1"] - true).max(),
                        f["S1_sum"],
                        2 * f["S1_sum_conf"],
                    )
                )
            w, e, s, sw = np.mean(found, axis=0)
            print(f"| {rows} | {noise:.1f} | {w:.3f} | {e:.3f} | {s:.3f} | {sw:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
