"""The structural trends' bounded forms (issue 24): their numbers; defaults that change nothing."""

import math
import tomllib
from pathlib import Path

import pytest

from models.model import MetroModel
from models.parameters import defaults
from models.trend_forms import fading_recovery, geometric_or_logistic, within_capacity
from sim import fpmath

MONTHS = range(11 * 12)  # January 2015 (0) to December 2025 (131)
PROPOSAL = {
    "enrolment_ceiling": 0.65,
    "university_capacity": 17000.0,
    "recovery_gap": 0.15,
    "tourist_arrivals_ceiling": 3.6e6,
}


def test_the_proposal_file_holds_the_values_tested_here():
    path = (
        Path(__file__).resolve().parent.parent / "calibration/posterior/trend-forms-proposal.toml"
    )
    assert tomllib.loads(path.read_text())["parameters"] == PROPOSAL


def test_no_ceiling_is_todays_geometric_growth_bit_for_bit():
    for rate in (0.0, 0.02968, 0.03736, -0.01):
        for month in MONTHS:
            years = month / 12.0
            assert geometric_or_logistic(rate, 0.0, years) == fpmath.power(1.0 + rate, years)


def test_no_gap_is_todays_fading_recovery_bit_for_bit():
    for month in MONTHS:
        years = month / 12.0
        today = 0.05519 * fpmath.exp(-years / 3.989)
        assert fading_recovery(0.05519, 3.989, 0.0, years) == today


def test_the_logistic_starts_at_one_with_the_fitted_rate_and_never_passes_its_ceiling():
    for rate in (0.01, 0.02968, 0.2):
        for ceiling in (1.05, 1.3, 2.0):
            assert geometric_or_logistic(rate, ceiling, 0.0) == pytest.approx(1.0, rel=1e-15)
            h = 1e-6
            slope = math.log(geometric_or_logistic(rate, ceiling, h)) / h
            assert slope == pytest.approx(math.log(1.0 + rate), rel=1e-4)
            path = [geometric_or_logistic(rate, ceiling, y / 12.0) for y in range(12 * 100)]
            assert max(path) <= ceiling
            assert all(b >= a for a, b in zip(path, path[1:], strict=False))
            assert geometric_or_logistic(rate, ceiling, 2000.0) == pytest.approx(ceiling, rel=1e-9)


def test_the_logistic_in_2025_with_the_proposed_intake_ceiling():
    # participation 0.5 in 2015, growing at first at 2.968% a year towards 0.65:
    # k = ln(1.02968) / (1 - 0.5/0.65), factor = 1.3 / (1 + 0.3·exp(-11k)) in January 2026
    k = math.log(1.02968) / (1.0 - 1.0 / 1.3)
    expected = 1.3 / (1.0 + 0.3 * math.exp(-11.0 * k))
    assert geometric_or_logistic(0.02968, 1.3, 11.0) == pytest.approx(expected, rel=1e-12)
    assert 0.5 * expected == pytest.approx(0.6050, abs=1e-4)  # against 0.5·1.02968^11 = 0.6897
    assert 0.5 * 1.02968**11 == pytest.approx(0.6897, abs=1e-4)


def test_a_ceiling_at_or_below_the_start_holds_the_trend_there():
    assert geometric_or_logistic(0.03, 0.8, 5.0) == 0.8
    assert geometric_or_logistic(0.03, 1.0, 5.0) == 1.0


def test_the_recovery_ends_once_it_has_closed_its_gap():
    drift, tau, gap = 0.05519, 3.989, 0.15
    end = -tau * math.log(1.0 - gap / (drift * tau))  # the gap closes here: 4.56 years
    assert end == pytest.approx(4.56, abs=0.01)
    for month in MONTHS:
        years = month / 12.0
        value = fading_recovery(drift, tau, gap, years)
        if years < end:
            assert value == drift * fpmath.exp(-years / tau)
        else:
            assert value == 0.0
    # through December 2018 (the fitted years) the gap changes nothing
    assert all(
        fading_recovery(drift, tau, gap, m / 12.0) == fading_recovery(drift, tau, 0.0, m / 12.0)
        for m in range(48)
    )


def test_the_capacity_admits_residents_first_and_outside_students_in_what_is_left():
    assert within_capacity(1000.0, 0.0, 5000.0) == 1000.0  # no capacity: today's intake
    assert within_capacity(1000.0, 17000.0, 400.0) == 1000.0  # 1,416.7 a month left
    assert within_capacity(1000.0, 17000.0, 700.0) == pytest.approx(17000.0 / 12.0 - 700.0)
    assert within_capacity(1000.0, 17000.0, 2000.0) == 0.0  # residents alone fill it
    for residents in range(0, 3000, 50):
        outside = within_capacity(1200.0, 17000.0, float(residents))
        assert 0.0 <= outside <= 1200.0
        assert residents + outside <= max(17000.0 / 12.0, residents)


# the forms off (model 1.4's trends), and model 1.4's intake growth, which the figures of the
# bounded intake below were computed with (model 1.5.0 recalibrated it)
UNBOUNDED = dict.fromkeys(PROPOSAL, 0.0)
INTAKE_GROWTH_1_4 = {"intake_growth": 0.02968}


@pytest.fixture(scope="module")
def models():
    """The same small model with the forms off and with the proposed bounded forms."""
    return MetroModel(
        seed=1, scale=0.005, end="2015-01", parameters={**UNBOUNDED, **INTAKE_GROWTH_1_4}
    ), MetroModel(seed=1, scale=0.005, end="2015-01", parameters={**PROPOSAL, **INTAKE_GROWTH_1_4})


def test_the_defaults_are_the_proposal_since_model_1_5_0():
    p = defaults()
    assert {name: p[name] for name in PROPOSAL} == PROPOSAL


def test_the_forms_off_give_model_1_3_0s_trends_each_month(models):
    today, _ = models
    p = {**defaults(), **UNBOUNDED, **INTAKE_GROWTH_1_4}
    for month in MONTHS:
        m = today.first_month + month
        growth = today.indexation(m, p["intake_growth"])
        assert today.education.rules(m).enrolment_rate == p["enrolment_rate"] * growth
        years = month / 12.0
        tourism = p["tourist_arrivals_2015"] * fpmath.power(1.0 + p["tourism_trend"], years)
        arrivals = today.comuni_services.tourist_arrivals(m).sum()
        assert arrivals == pytest.approx(tourism * _season(month), rel=1e-12)


def test_the_bounded_intake_never_exceeds_the_cohort_nor_its_ceiling(models):
    _, bounded = models
    rates = [bounded.education.rules(bounded.first_month + m).enrolment_rate for m in MONTHS]
    assert max(rates) <= PROPOSAL["enrolment_ceiling"] <= 1.0  # a share of the cohort
    assert rates[0] == pytest.approx(0.5)
    assert rates[-1] == pytest.approx(0.6044, abs=1e-3)  # December 2025


def test_bounded_tourism_stays_under_its_ceiling(models):
    _, bounded = models
    for month in MONTHS:
        arrivals = bounded.comuni_services.tourist_arrivals(bounded.first_month + month).sum()
        assert arrivals / _season(month) <= PROPOSAL["tourist_arrivals_ceiling"]


def _season(month: int) -> float:
    from models.components.comuni import TOURISM_SEASON

    return float(TOURISM_SEASON[month % 12])
