"""Late students: the education kernel's graduation with a share of slower students.

A cohort of students enrolled in month 0 runs through the kernel until none is left; the
mean time to degree of its graduates is compared with its exact value. For a kind with
graduation hazard ``h`` and dropout hazard ``d``, a student still enrolled at
``MIN_STUDY_MONTHS`` leaves each month with probability ``q = h + (1 - h) d``, by
graduation with probability ``h / q`` whatever the month: the graduates' months to degree
are ``MIN_STUDY_MONTHS + K``, ``K`` geometric on 0, 1, ... with mean ``(1 - q) / q``. With a
share ``s`` of late students, graduates are a mix of the two kinds weighted by
``s_k · h_k / q_k``.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.codes import N_ZONES, STUDENT, UPPER_SECONDARY
from models.components.education import (
    MIN_STUDY_MONTHS,
    EducationPeople,
    EducationRules,
    education_kernel,
)
from models.draws import EDUCATION_DRAWS, STUDENT_KIND_STREAM
from models.flows import new_flows
from sim.random import phase_key

COHORT = 200_000
SEED = 7
REGULAR, LATE, DROPOUT = 0.035, 0.01, 0.0025


def rules(late_share: float, late_hazard: float = LATE) -> EducationRules:
    """Graduation and dropout only: every other hazard and share is 0."""
    return EducationRules(
        enrolment_rate=0.0,
        graduation_hazard=REGULAR,
        late_student_share=late_share,
        late_graduation_hazard=late_hazard,
        dropout_hazard=DROPOUT,
        retirement_hazard=0.0,
        reentry_hazard=0.0,
        labour_exit_hazard=0.0,
        discouragement_hazard=0.0,
        pension_indexation=0.0,
        social_pension=0.0,
        early_leaver_share=0.0,
        labour_entry_share=0.0,
        pension_replacement=0.0,
    )


def graduation_months(r: EducationRules) -> np.ndarray:
    """Each student's month of graduation (−1: dropped out), the cohort enrolled in month 0."""
    n = COHORT
    people = EducationPeople(
        uid=np.arange(n, dtype=np.int32),
        alive=np.ones(n, dtype=np.uint8),
        zone=np.zeros(n, dtype=np.int8),  # residents of Torino: they stay in the table
        born=np.full(n, -19 * 12, dtype=np.int16),
        status=np.full(n, STUDENT, dtype=np.int8),
        since=np.zeros(n, dtype=np.int16),
        job=np.full(n, -1, dtype=np.int32),
        education=np.full(n, UPPER_SECONDARY, dtype=np.int8),
        skill=np.ones(n, dtype=np.float32),
        graduated=np.full(n, -1, dtype=np.int16),
        income=np.zeros(n, dtype=np.float32),
        last_wage=np.zeros(n, dtype=np.float32),
        mode=np.zeros(n, dtype=np.int8),
    )
    kind_key = phase_key(SEED, STUDENT_KIND_STREAM)
    month = 0
    while (people.status == STUDENT).any():
        month += 1
        education_kernel(
            phase_key(SEED, "education", month), kind_key, month, people,
            np.zeros(1, dtype=np.int64), r, np.ones(N_ZONES), EDUCATION_DRAWS, new_flows(), n,
        )  # fmt: skip
    return people.graduated


def expected_mean(late_share: float) -> float:
    """The graduates' exact mean months to degree (since enrolment) with this late share."""
    weights, means = [], []
    for share, h in ((1.0 - late_share, REGULAR), (late_share, LATE)):
        q = h + (1.0 - h) * DROPOUT
        weights.append(share * h / q)
        means.append(MIN_STUDY_MONTHS + (1.0 - q) / q)
    return float(np.average(means, weights=weights))


def graduate_share(late_share: float) -> float:
    """The share of the cohort who graduate: those enrolled at month 36, times h / q."""
    enrolled = (1.0 - DROPOUT) ** (MIN_STUDY_MONTHS - 1)  # dropout tested in months 1-35
    return enrolled * sum(
        share * h / (h + (1.0 - h) * DROPOUT)
        for share, h in ((1.0 - late_share, REGULAR), (late_share, LATE))
    )


@pytest.fixture(scope="module")
def regular_only() -> np.ndarray:
    return graduation_months(rules(0.0))


def test_without_late_students_the_late_hazard_is_never_read(regular_only):
    assert np.array_equal(graduation_months(rules(0.0, late_hazard=0.5)), regular_only)


def test_without_late_students_the_mean_time_to_degree_is_the_single_hazards(regular_only):
    months = regular_only[regular_only >= 0]
    assert expected_mean(0.0) == pytest.approx(61.73, abs=0.01)
    # standard error: sd ~ 26 months over ~190,000 graduates, 0.06 months
    assert months.mean() == pytest.approx(expected_mean(0.0), abs=0.3)


def test_a_late_share_lengthens_the_time_to_degree_by_the_mixture(regular_only):
    months = graduation_months(rules(0.3))
    graduates = months[months >= 0]
    # 30% late students at 0.01/month: 76.1 months, against 61.7 with none. A kind drawn
    # afresh every month (the mean hazard, 0.0275, for everyone) would give 68.4.
    assert expected_mean(0.3) == pytest.approx(76.09, abs=0.01)
    assert graduates.mean() == pytest.approx(expected_mean(0.3), abs=0.5)
    # and fewer graduate (late students stay longer, so drop out more often): 85.7% of the
    # cohort with none, 82.0% with 30% late
    assert (regular_only >= 0).mean() == pytest.approx(graduate_share(0.0), abs=0.005)
    assert (months >= 0).mean() == pytest.approx(graduate_share(0.3), abs=0.005)
    assert graduate_share(0.0) - graduate_share(0.3) == pytest.approx(0.037, abs=0.001)


def test_the_recovery_split_round_trips_the_posterior_median():
    from calibration.recovery_split import recovery_drift_from, split

    g, r, tau = 0.010030056193051999, 0.05519141745428592, 3.989019922616503
    a = split(np.array([g]), np.array([r]), np.array([tau]))["window_growth"]
    # 1% a year of lasting growth and 3.5 points of the upswing: 4.49% a year in 2015-2018
    assert a[0] == pytest.approx(0.04488, abs=5e-5)
    assert recovery_drift_from(a, g, tau)[0] == pytest.approx(r, rel=1e-12)
