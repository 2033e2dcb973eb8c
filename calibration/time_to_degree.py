"""Time to degree: how long the model's graduates took, with the students' targets, by seed.

For each seed, a baseline run of 2015-2018 (the model's defaults, a parameter file's point
estimate, and ``--set`` overrides on top) gives the graduations' months since enrolment
(mean, median, share over five years: the 2015 students' enrolment months are drawn
within the last 66, so these are of a window, not of a cohort), the share of December
2018's students enrolled for more than five years (the model's *fuori corso*, taking five
years as the normal duration of a bachelor's plus a master's degree, AlmaLaurea's 5.3
years to both) and the two
university targets, ``students_growth`` and ``graduates_growth``; and, from the hazards
alone, a cohort's share of graduates, mean months to degree and mean months enrolled::

    python3 -m calibration.time_to_degree --scale 0.05 --seeds 3
        [--parameters calibration/posterior/late-students-proposal.toml]
        [--set late_student_share=0.3 --set graduation_hazard=0.035]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.targets import load_targets, statistics_from_records
from models.codes import STUDENT
from models.components.education import MIN_STUDY_MONTHS
from models.model import MetroModel
from models.parameters import resolve

NORMAL_MONTHS = 60
"""Five years: the normal duration of a bachelor's plus a master's degree."""
UNIVERSITY_TARGETS = ("students_growth", "graduates_growth")


class _EnrolmentMonths:
    """The enrolment month of every student seen, by ``uid`` (−1: never seen a student)."""

    def __init__(self) -> None:
        self.months = np.full(1, -1, dtype=np.int32)

    def record(self, uid: np.ndarray, since: np.ndarray) -> None:
        """Remember the enrolment months of the students ``uid`` (``since`` while studying)."""
        if uid.size and uid.max() >= self.months.size:
            grown = np.full(int(uid.max()) * 2 + 1, -1, dtype=np.int32)
            grown[: self.months.size] = self.months
            self.months = grown
        self.months[uid] = since


def cohort(parameters: Mapping[str, float], months: int = 3_000) -> dict[str, float]:
    """A cohort's exact figures under these hazards (no window, no initial stock).

    Month by month from enrolment (the kernel's order: graduation after
    ``MIN_STUDY_MONTHS``, then dropout), each kind weighted by its share: the share who
    graduate, their mean months to degree, and the mean months enrolled (the students'
    stock per yearly intake, over 12).
    """
    p = resolve(dict(parameters))
    late = p["late_student_share"]
    stay = graduated = months_to_degree = 0.0
    for share, h in ((1.0 - late, p["graduation_hazard"]), (late, p["late_graduation_hazard"])):
        enrolled = share
        for m in range(1, months):
            stay += enrolled
            if m >= MIN_STUDY_MONTHS:
                graduated += enrolled * h
                months_to_degree += enrolled * h * m
                enrolled *= 1.0 - h
            enrolled *= 1.0 - p["dropout_hazard"]
    return {
        "cohort_graduate_share": graduated,
        "cohort_months_to_degree": months_to_degree / graduated,
        "cohort_months_enrolled": stay,
    }


def run_one(parameters: Mapping[str, float], seed: int, scale: float) -> dict[str, float]:
    """One baseline run of 2015-2018: its graduates' time to degree and university targets."""
    model = MetroModel(
        seed=seed, scale=scale, parameters=dict(parameters), levers=[], end="2018-12"
    )
    enrolled = _EnrolmentMonths()
    durations: list[np.ndarray] = []
    while model.running:
        month = model.month  # the month this step runs
        p = model.people
        studying = (p.alive == 1) & (p.status == STUDENT)
        enrolled.record(p.uid[studying], p.since[studying])
        model.step()
        p = model.people
        graduated = p.uid[p.graduated == month]
        durations.append(month - enrolled.months[graduated])
    months = np.concatenate(durations)
    p = model.people
    studying = (p.alive == 1) & (p.status == STUDENT)
    stats = statistics_from_records(load_targets(), model.indicators.records)
    return {
        "seed": seed,
        "graduations": months.size,
        "mean_months_to_degree": float(months.mean()),
        "median_months_to_degree": float(np.median(months)),
        "graduates_over_5_years": float((months > NORMAL_MONTHS).mean()),
        "students_over_5_years_2018": float((month - p.since[studying] > NORMAL_MONTHS).mean()),
        **{t: float(stats[t]) for t in UNIVERSITY_TARGETS},
    }


def _overrides(pairs: Sequence[str]) -> dict[str, float]:
    """``name=value`` pairs as parameter overrides; a bad pair exits with status 2."""
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            print(f"--set {pair}: expected name=number", file=sys.stderr)
            raise SystemExit(2) from None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print, by seed and on average, the time to degree and the university targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--parameters", type=Path, help="a posterior file (its point estimate)")
    parser.add_argument("--set", action="append", default=[], help="name=value, repeatable")
    args = parser.parse_args(argv)
    from models.parameters import bounds
    from sim.experiments.posterior import point_estimate

    parameters = point_estimate(args.parameters, bounds()) if args.parameters else {}
    parameters.update(_overrides(args.set))
    unknown = sorted(set(parameters) - set(bounds()))
    if unknown:
        print(f"--set: unknown parameter {unknown[0]}", file=sys.stderr)
        return 2
    rows = [run_one(parameters, seed, args.scale) for seed in range(1, args.seeds + 1)]
    table = pd.DataFrame(rows)
    table.loc["mean"] = table.mean(numeric_only=True)
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print(", ".join(f"{k} {v:.4g}" for k, v in cohort(parameters).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
