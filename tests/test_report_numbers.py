"""The report's verdicts and words, without a batch: tolerance, numbers, labels, figures.

The tests that need a batch store and a browser are in ``tests/test_report.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from models.experiments.report import content, tables, words
from sim.bands import label_rows
from sim.experiments.summary import (
    CHANGE,
    LOSS,
    NO_CHANGE,
    UNCLEAR,
    VERDICTS,
    WIN,
    classify,
    effect_table,
    prim_box,
    tolerance,
)


# ---------------------------------------------------------------- PRIM
def test_prim_finds_the_box_of_a_known_failure_region():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(200), "b": rng.random(200), "c": np.ones(200)})
    y = (x["a"] > 0.7).to_numpy()
    box = prim_box(x, y)
    assert box is not None
    assert list(box.limits["input"]) == ["a"]  # c is constant, b irrelevant
    assert box.limits["low"].item() == pytest.approx(0.7, abs=0.05)
    assert box.coverage > 0.8 and box.density > 0.8
    assert box.cases == 200 and box.of_interest == int(y.sum())
    assert prim_box(x, np.zeros(200, bool)) is None
    assert prim_box(x, np.ones(200, bool)) is None


@pytest.mark.parametrize(
    "low, high, direction, expected",
    [
        (-1.0, 2.0, 1, UNCLEAR),
        (-1.0, 2.0, -1, UNCLEAR),
        (0.0, 2.0, 1, UNCLEAR),  # touching zero is covering it
        (-2.0, 0.0, -1, UNCLEAR),
        (0.0, 0.0, 1, NO_CHANGE),  # exactly nothing: no change, not a verdict
        (float("nan"), 1.0, 1, UNCLEAR),
        (0.5, 2.0, 1, WIN),
        (0.5, 2.0, -1, LOSS),
        (-2.0, -0.5, -1, WIN),
        (-2.0, -0.5, 1, LOSS),
        (0.5, 2.0, 0, CHANGE),
    ],
)
def test_classify(low, high, direction, expected):
    assert classify(low, high, direction) == expected


def test_an_effect_whose_interval_covers_zero_is_never_a_win():
    """Synthetic paired differences: a large median with a wide interval is not a win."""
    rng = np.random.default_rng(0)
    rows = []
    for seed in range(20):
        rows.append(("noisy", "jobs", seed, 5.0 + rng.normal(0, 10)))  # median > 0, covers 0
        rows.append(("clear", "jobs", seed, 5.0 + rng.normal(0, 0.5)))
        rows.append(("noisy", "unemployment_rate", seed, -0.01 + rng.normal(0, 0.02)))
        rows.append(("clear", "unemployment_rate", seed, -0.01 + rng.normal(0, 0.001)))
    frame = pd.DataFrame(rows, columns=["scenario", "indicator", "seed", "difference"])
    table = effect_table(frame, over=("seed",), directions=content.DIRECTIONS)
    table["one_event"] = False
    status = table.set_index(["scenario", "indicator"])["status"]
    noisy = table[table["scenario"] == "noisy"]
    assert (noisy["low"] < 0).all() and (noisy["high"] > 0).all()
    assert (noisy["median"].abs() > 0).all()
    assert status["noisy", "jobs"] == UNCLEAR
    assert status["noisy", "unemployment_rate"] == UNCLEAR
    assert status["clear", "jobs"] == WIN
    assert status["clear", "unemployment_rate"] == WIN  # lower is better
    # and on the page: the noisy cells are marked unclear, counted nowhere as better
    goals = tables.goal_tables(table, ["noisy", "clear"])
    cells = {
        (row["indicator"], s): cell
        for g in goals
        for row in g["rows"]
        for s, cell in zip(["noisy", "clear"], row["cells"], strict=True)
    }
    assert cells["jobs", "noisy"]["status"] == UNCLEAR
    answer = {a["scenario"]: a for a in tables.answer(table, ["noisy", "clear"])}
    assert answer["noisy"]["better"] == [] and answer["noisy"]["unclear"] == 2
    assert answer["clear"]["better"] == ["Jobs at firms in the area", "Unemployment rate"]


def test_the_prim_figure_draws_a_found_box():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"layoff_speed": rng.uniform(0.1, 0.5, 120), "b": rng.random(120)})
    box = prim_box(x, (x["layoff_speed"] > 0.4).to_numpy())
    from models.experiments.report.figures import prim_figure

    fig = prim_figure(box, "piano-completo", "unemployment_rate")
    assert "coverage" in fig.axes[0].get_title().lower()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["layoff_speed"]


@pytest.mark.parametrize(
    "low, high, direction, tol, expected",
    [
        (3.5e-16, 6.8e-15, -1, 6e-8, NO_CHANGE),  # issue 26: admin_burden_days, 60 days
        (-1e-14, 1e-14, 1, 6e-8, NO_CHANGE),
        (1e-14, 0.5, 1, 6e-8, UNCLEAR),  # from rounding to a real effect: covers the band
        (1e-7, 0.5, 1, 6e-8, WIN),
        (-0.5, -1e-7, 1, 6e-8, LOSS),
    ],
)
def test_classify_within_the_tolerance_is_no_change(low, high, direction, tol, expected):
    assert classify(low, high, direction, tol) == expected


def test_the_tolerance_scales_with_the_magnitude():
    assert tolerance(60.0) == pytest.approx(6e-8)
    assert tolerance(1.6e6) == pytest.approx(1.6e-3)
    assert tolerance(0.0) == 0.0 and tolerance(float("nan")) == 0.0


def _noise_table() -> pd.DataFrame:
    """Paired differences of about 1e-14 on several indicators, of different magnitudes."""
    levels = {
        "admin_burden_days": 60.0,
        "green_share": 0.7,
        "service_cost_per_capita_eur": 1060.0,
        "jobs": 9.46e5,
        "unemployment_rate": 0.068,
        "income_gini": 0.30,
    }
    rows = []
    for scenario in ("torino-universitaria", "torino-internazionale"):
        for name, level in levels.items():
            for seed, noise in enumerate((3.5e-16, 7.1e-15, 1e-14, 2e-14), start=1):
                noise *= max(level / 60.0, 1.0)  # the rounding of a larger sum is larger
                rows.append((scenario, name, seed, level + noise, level, noise))
    columns = ["scenario", "indicator", "seed", "value", "baseline_value", "difference"]
    return pd.DataFrame(rows, columns=columns)


def test_differences_of_1e_14_are_no_change_on_every_indicator():
    """Issue 26: rounding is never better or worse, and it is listed once, not in rows."""
    table = effect_table(_noise_table(), over=("seed",), directions=content.DIRECTIONS)
    table["one_event"] = False
    assert (table["low"] > 0).all()  # wholly above zero: the old rule called these worse
    assert set(table["status"]) == {NO_CHANGE}
    assert not table["status"].isin(VERDICTS).any()
    assert not table["excludes_zero"].any()
    scenarios = ["torino-universitaria", "torino-internazionale"]
    answer = tables.answer(table, scenarios)
    assert all(a["better"] == a["worse"] == a["changed"] == [] for a in answer)
    assert all(a["no_change"] == 6 for a in answer)
    assert set(tables.not_moved(table)) == set(table["indicator"])
    assert all(g["rows"] == [] for g in tables.goal_tables(table, scenarios))
    cell = tables.effect_cell(table.iloc[0].to_dict())
    assert cell["median"] == "" and cell["tag"] == NO_CHANGE
    text = words.sentence("torino-universitaria", table.iloc[0].to_dict(), "2025", 1.0)
    assert text == "torino-universitaria does not change administrative burden in 2025."


def test_a_real_effect_beside_rounding_keeps_its_verdict():
    frame = _noise_table()
    real = (frame["indicator"] == "jobs") & (frame["scenario"] == "torino-internazionale")
    frame.loc[real, "difference"] = 100.0 * frame.loc[real, "seed"]
    table = effect_table(frame, over=("seed",), directions=content.DIRECTIONS)
    status = table.set_index(["scenario", "indicator"])["status"]
    assert status["torino-internazionale", "jobs"] == WIN
    assert status["torino-universitaria", "jobs"] == NO_CHANGE


# ---------------------------------------------------------------- words
@pytest.mark.parametrize(
    "value, text",
    [
        (7.1e-15, "7.1 × 10⁻¹⁵"),
        (-0.0000000000000071, "−7.1 × 10⁻¹⁵"),
        (0.512345, "0.512"),
        (-1.37, "−1.37"),
        (61.3, "61.3"),
        (1234.5, "1,230"),
        (9.0e9, "9,000,000,000"),
        (1.5e12, "1.5 × 10¹²"),
        (0.001, "0.001"),
        (100.0, "100"),
        (0.0, "0"),
        (float("nan"), "–"),
    ],
)
def test_numbers_are_written_for_reading(value, text):
    assert words.number(value) == text


def test_every_goal_indicator_has_a_readable_label_with_a_unit():
    names = [n for goal, ns in content.GOAL_INDICATORS.items() if goal >= 1 for n in ns]
    for name in names:
        assert "_" not in words.label(name), name
        assert words.unit(name), name
    assert words.unit("unemployment_rate", difference=True) == "percentage points"


def test_a_headline_sentence_says_the_effect_in_plain_words():
    row = {"indicator": "unemployment_rate", "median": -0.005, "low": -0.008, "high": -0.002,
           "status": WIN, "one_event": False}  # fmt: skip
    assert words.sentence("piano-completo", row, "2025", 100.0) == (
        "piano-completo lowers unemployment by 0.5 points [0.2, 0.8] in 2025 (better)."
    )


def test_a_headline_sentence_gives_millions_of_euros_in_millions():
    row = {"indicator": "investment_eur", "median": 1.97e7, "low": 1.39e7, "high": 2.54e7,
           "status": WIN, "one_event": False}  # fmt: skip
    assert words.sentence("piano-completo", row, "2017", 10.0) == (
        "piano-completo raises investment by 197 M EUR a year [139, 254] in 2017 (better)."
    )


# ---------------------------------------------------------------- lumpy indicators
def test_an_effect_from_one_plant_in_one_run_is_flagged():
    months = [f"2017-{m:02d}" for m in range(1, 13)]
    rows = []
    for seed in (1, 2):
        for month in months:
            plant = -9.0e7 if (seed, month) == (1, "2017-05") else 0.0  # one baseline plant
            rows.append(("s", seed, month, "fdi_eur", plant))
            rows.append(("s", seed, month, "investment_eur", 1.0e6 + seed * 1e4))
    diffs = pd.DataFrame(rows, columns=["scenario", "seed", "date", "indicator", "difference"])
    table = pd.DataFrame({"scenario": ["s", "s"], "indicator": ["fdi_eur", "investment_eur"]})
    shares = content.one_event_shares(diffs, table)
    assert shares.iloc[0] == 1.0  # every euro of the difference is that one plant
    assert shares.iloc[1] < content.ONE_EVENT_SHARE
    row = {"indicator": "fdi_eur", "median": -4.5e7, "low": -8.5e7, "high": -1e6,
           "status": UNCLEAR, "one_event": True}  # fmt: skip
    assert tables.tag(row) == "one event: no verdict"
    assert "only through one event" in words.sentence("s", row, "2017", 12.0)


# ---------------------------------------------------------------- figures
def test_lever_start_labels_do_not_overlap():
    from models.experiments.report.figures import goal_fans

    dates = pd.date_range("2015-01", "2025-12", freq="MS").strftime("%Y-%m")
    quantiles = {f"q{q:g}": 1.0 for q in (0.05, 0.25, 0.5, 0.75, 0.95)}
    levels = pd.DataFrame(
        [dict(scenario=s, date=d, indicator=n, **quantiles)
         for s in ("baseline", "a") for d in dates for n in ("jobs", "employed")]
    )  # fmt: skip
    starts = ["2016-01", "2016-02", "2016-03", "2016-04", "2016-06", "2017-01", "2017-02"]
    markers = [(str(i), m) for i, m in enumerate(starts, start=1)]
    fig = goal_fans(levels, levels[levels["scenario"] == "a"], ["jobs", "employed"], "t",
                    {"a": "#123456"}, "baseline", markers)  # fmt: skip
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "lever-start"]
    assert len(labels) == 2 * len(starts)  # the top row's two panels only
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlaps = [
        (i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[:i]) if a.overlaps(b)
    ]
    assert overlaps == []


def test_label_rows_stack_only_labels_that_would_touch():
    assert label_rows([0.1, 0.5, 0.9], [0.05] * 3) == [0, 0, 0]
    assert label_rows([0.10, 0.12, 0.14, 0.5], [0.05] * 4) == [0, 1, 2, 0]


def test_maps_are_green_where_the_plan_gains():
    from models.experiments.report.figures import effect_maps
    from models.territory.territory import load_territory

    territory = load_territory()
    values = {q: np.linspace(-0.01, 0.01, territory.n_comuni) for q in ("q0.05", "q0.5", "q0.95")}
    less = effect_maps(territory, values, "unemployment_rate", "s", "b", "2025", direction=-1)
    more = effect_maps(territory, values, "talents", "s", "b", "2025", direction=1,
                       per_capita=1000.0)  # fmt: skip

    def colour_of_lowest(fig):
        patches = fig.axes[1].collections[-1]
        return patches.cmap(patches.norm(values["q0.5"][0]))

    green = lambda rgba: rgba[1] > rgba[0] and rgba[1] > rgba[2]  # noqa: E731
    assert green(colour_of_lowest(less))  # unemployment down: better, green
    assert not green(colour_of_lowest(more))  # talents down: worse
    assert "per 1,000 residents" in more.axes[-1].get_ylabel()
