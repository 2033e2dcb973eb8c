"""The level of unemployment: the survey's yearly rates, the 2015 gap's parts, the initial stock."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.unemployment_level import (
    gap_decomposition,
    level_table,
    long_term_shares,
    observed_levels,
    teen_effect,
)
from models.codes import EMPLOYED, OUTSIDE, UNEMPLOYED
from models.components.indicators import INDEX
from models.parameters import PARAMETERS, defaults
from models.population.build import build_population
from models.territory.territory import load_territory
from sim.random import phase_generator

START = 2015 * 12


def records(rates: list[float]) -> list[tuple[int, np.ndarray]]:
    """Monthly records whose metro unemployment_rate is ``rates`` (shares), from January 2015."""
    out = []
    for k, rate in enumerate(rates):
        values = np.zeros((len(INDEX), 2))
        values[INDEX["unemployment_rate"], -1] = rate
        out.append((START + k, values))
    return out


def test_observed_levels_are_the_surveys_rates_of_2015_to_2018() -> None:
    levels = observed_levels()
    assert levels.index.tolist() == [2015, 2016, 2017, 2018]
    assert levels.tolist() == pytest.approx([11.918583, 10.421981, 9.374849, 9.216796])


def test_gap_decomposition_parts_add_up_to_the_gap() -> None:
    # January 11.05%, then 10.1% for the rest of 2015: the year's mean is 10.17917%
    run = records([0.1105] + [0.101] * 11 + [0.09] * 36)
    parts = gap_decomposition([run], 0.11, 11.918583).set_index("part")["points"]
    assert parts.iloc[0] == pytest.approx(0.918583)  # the stock below the survey
    assert parts.iloc[1] == pytest.approx(-0.05)  # the first month's rise
    assert parts.iloc[2] == pytest.approx(11.05 - 10.179167, abs=1e-6)
    assert parts.iloc[3] == pytest.approx(parts.iloc[:3].sum())
    assert parts.iloc[3] == pytest.approx(11.918583 - 10.179167, abs=1e-6)


def test_level_table_gives_each_years_mean_over_seeds_and_its_z() -> None:
    runs = [records([0.10] * 12 + [0.09] * 36), records([0.12] * 12 + [0.09] * 36)]
    table = level_table(runs, observed_levels(), 0.6).set_index("year")
    assert table.loc[2015, "model_mean"] == pytest.approx(11.0)
    assert table.loc[2015, ["model_min", "model_max"]].tolist() == pytest.approx([10.0, 12.0])
    assert table.loc[2015, "z"] == pytest.approx((11.0 - 11.918583) / 0.6)
    assert table.loc[2018, "z"] == pytest.approx((9.0 - 9.216796) / 0.6)


def resident_unemployment(rate: float) -> tuple[int, int]:
    """Unemployed and active residents of January 2015 at scale 0.005, seed 1."""
    params = {**defaults(), "initial_unemployment_rate": rate}
    people = build_population(
        load_territory(0.5), 0.005, phase_generator(1, "population"), START, params
    ).people
    n = people.count
    resident = people.zone[:n] != OUTSIDE
    status = people.status[:n]
    unemployed = int(np.sum(resident & (status == UNEMPLOYED)))
    return unemployed, unemployed + int(np.sum(resident & (status == EMPLOYED)))


def test_the_initial_stock_is_the_parameters_share_of_the_active_exactly() -> None:
    assert PARAMETERS["initial_unemployment_rate"].value == 0.13  # model 1.5.0's stock
    for rate in (0.11, 0.13):
        unemployed, active = resident_unemployment(rate)
        assert unemployed == round(rate * active)


def test_teen_effect_is_the_rate_with_the_active_teenagers_minus_without() -> None:
    counts = {"teens": 55_000.0, "labour_force": 660_000.0, "unemployed": 72_600.0}
    table = teen_effect(counts).set_index(["activity", "unemployment"])["points"]
    assert table[(0.05, 0.403)] == pytest.approx(
        100 * ((72_600 + 0.05 * 55_000 * 0.403) / (660_000 + 0.05 * 55_000) - 0.11)
    )
    assert table.min() > 0.05 and table.max() < 0.3  # a tenth of a point, not 1.7


def test_long_term_shares_are_read_at_three_months() -> None:
    run = records([0.10] * 48)
    for k, (_, values) in enumerate(run):
        values[INDEX["long_term_unemployment_rate"], -1] = 0.05 if k == 0 else 0.02
    shares = long_term_shares([run])
    assert shares.to_dict() == pytest.approx({"2015-01": 0.5, "2015-12": 0.2, "2018-12": 0.2})


def test_a_scale_below_the_minimum_is_one_line_and_exit_2(capsys):
    from calibration.unemployment_level import main

    assert main(["--scale", "-1", "--seeds", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "--scale" in err
