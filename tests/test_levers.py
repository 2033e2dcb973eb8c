"""The 29 levers: their definitions, their delivery, and an effect test for every one.

Effect test (``test_lever_moves_its_documented_targets``), one per lever:

* runs: for seeds s = 1..8 (K = 8), the baseline and the lever alone, 2015-01 to 2018-12,
  at scale 0.01, or at the scale given in ``SCALE_BY_CODE`` (0.05, and 0.1 for B13) for
  the levers whose targets are noisy at 0.01: small stocks, lumpy foreign investment, or
  effects passing through the labour market or migration. The lever is delivered in full
  from the first month (``start = "2015-01"``, ``ramp_months = 0``, ``intensity = 1``),
  so the test measures the effect as specified, not the ramp. Same seed = common random
  numbers.
* statistic: for each indicator in ``LeverSpec.moves``, D_s = mean over the last 24
  months (2017-01 to 2018-12) of (lever - baseline), metro-area value, seed s.
* criterion: mean(D) has the documented sign and |mean(D)| > 2 * sd(D) / sqrt(K)
  (sd with ddof = 1; a paired t-like test). Where D is the same for every seed
  (deterministic indicators such as tourist arrivals), sd(D) = 0 and the criterion is that
  every D_s has the documented sign and is not zero.

Baselines run once per seed and scale (module-scoped fixture). The effect tests take about
three minutes on one core (marked slow: ``-m "not slow"`` skips them in a quick loop).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.codes import METRO
from models.components import levers as L
from models.components.indicators import INDICATOR_NAMES
from models.components.lever_settings import LeverSettings, check_levers, lever_markers
from models.experiments.run import simulate
from models.hooks import HOOKS, Hooks
from models.territory.territory import load_territory
from sim.calendar import parse_month
from tests.conftest import make_scenario

ROOT = Path(__file__).resolve().parent.parent
CODES = [f"A{i}" for i in range(1, 9)] + [f"B{i}" for i in range(1, 22)]

SEEDS = tuple(range(1, 9))
SCALE = 0.01
NOISY = ("A1", "A2", "A7", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B12", "B14", "B15", "B20")
SCALE_BY_CODE = dict.fromkeys(NOISY, 0.05) | {"B13": 0.1}
END = "2018-12"
WINDOW = 24
RUN = '[run]\nstart = "2015-01"\nend = "{end}"\nseed = {seed}\nscale = {scale}\n'
LEVER = '[levers.{code}]\nstart = "2015-01"\nramp_months = 0\nintensity = 1.0\n'


# ---------------------------------------------------------------- definitions
def test_there_are_exactly_the_29_projects_in_plan_order():
    assert [s.code for s in L.SPECS] == CODES
    assert list(L.SPEC_BY_CODE) == CODES
    assert len({s.name for s in L.SPECS}) == 29


def test_strategy_follows_the_code():
    for s in L.SPECS:
        assert s.strategy == (L.GOVERNANCE if s.code.startswith("A") else L.ECONOMIC)


def test_every_spec_is_complete_and_consistent():
    codes = set(load_territory().codes)
    for s in L.SPECS:
        assert s.name and s.summary and s.mechanism, s.code
        assert set(s.areas) <= set(L.AREA_NAMES), s.code
        assert s.cost_eur > 0, s.code
        assert 0 <= s.ramp_months <= L.MAX_RAMP_MONTHS, s.code
        assert parse_month("2015-01") <= parse_month(s.start) <= parse_month("2025-12")
        assert set(s.targets) <= codes and len(set(s.targets)) == len(s.targets), s.code
        assert s.max_intensity >= 1.0
        assert s.effects and s.moves, s.code
        for e in s.effects:
            assert e.hook in HOOKS, (s.code, e.hook)
            assert e.size != 0, (s.code, e.hook)
            assert e.prior[0] <= e.size <= e.prior[1], (s.code, e.hook)
            assert e.metro_wide == (e.hook in L.METRO_HOOKS), (s.code, e.hook)
            assert e.source, (s.code, e.hook)
        for name, sign in s.moves.items():
            assert name in INDICATOR_NAMES, (s.code, name)
            assert sign in (-1, 1), (s.code, name)


def test_b2_acts_on_fifteen_places():
    assert len(L.SPEC_BY_CODE["B2"].targets) == 15


def test_every_priority_area_has_projects():
    for area in L.AREA_NAMES:
        assert len(L.codes_in_area(area)) >= 3, area


def test_metro_hooks_are_the_hooks_the_model_reads_metro_wide():
    """``METRO_HOOKS`` must be exactly the hooks read at entry METRO in the model code."""
    text = "".join(p.read_text() for p in (ROOT / "models").rglob("*.py"))
    read_at_metro = set(re.findall(r"hooks\.(\w+)\[METRO\]", text))
    assert read_at_metro == set(L.METRO_HOOKS)


# ---------------------------------------------------------------- delivery
def _lever(code: str, start="2016-01", ramp=12, intensity=1.0, end=None, targets=None):
    spec = L.SPEC_BY_CODE[code]
    table = {code: {"start": start, "ramp_months": ramp, "intensity": intensity}}
    if end:
        table[code]["end"] = end
    if targets is not None:
        table[code]["targets"] = targets
    checked = check_levers(table, "<test>", parse_month("2015-01"), parse_month("2025-12"))
    (lever,) = L.build_levers(checked)
    assert lever.spec is spec
    return lever


def test_strength_ramps_linearly_and_stops_at_the_end():
    lever = _lever("B3", start="2016-01", ramp=4, intensity=0.5, end="2017-12")
    m = parse_month("2016-01")
    assert lever.strength(m - 1) == 0.0
    assert [lever.strength(m + k) for k in range(5)] == [0.125, 0.25, 0.375, 0.5, 0.5]
    assert lever.strength(parse_month("2017-12")) == 0.5
    assert lever.strength(parse_month("2018-01")) == 0.0
    assert lever.yearly_cost(m + 3) == pytest.approx(0.5 * L.SPEC_BY_CODE["B3"].cost_eur)


class _FakeModel:
    def __init__(self):
        self.hooks = Hooks.neutral()


def test_targeted_effects_touch_only_the_targets_and_metro_effects_the_whole_area():
    torino = load_territory().codes.index("001272")
    model = _FakeModel()
    _lever("B10", ramp=0, targets=["001272"]).apply(model, parse_month("2020-01"))
    assert model.hooks.tourism[METRO] == pytest.approx(1.02)  # metro-wide, whatever targets
    model = _FakeModel()
    _lever("B16", ramp=0, targets=["001272"]).apply(model, parse_month("2020-01"))
    assert model.hooks.rent[torino] == pytest.approx(0.98)
    assert np.count_nonzero(model.hooks.rent != 1.0) == 1
    model = _FakeModel()
    _lever("B2", ramp=0).apply(model, parse_month("2020-01"))
    assert np.count_nonzero(model.hooks.amenity) == 15
    assert model.hooks.amenity[torino] == 0.0


def test_intensity_zero_moves_no_hook():
    model = _FakeModel()
    for code in CODES:
        _lever(code, ramp=0, intensity=0.0).apply(model, parse_month("2020-01"))
    neutral = Hooks.neutral()
    for name in HOOKS:
        np.testing.assert_array_equal(getattr(model.hooks, name), getattr(neutral, name))


def _settings(code: str, start: str, intensity: float) -> LeverSettings:
    return LeverSettings(code, parse_month(start), 0, intensity)


def test_markers_group_levers_starting_in_the_same_month():
    levers = {
        "A1": _settings("A1", "2016-01", 1.0),
        "A2": _settings("A2", "2016-01", 1.0),
        "B3": _settings("B3", "2017-01", 0.0),
        "B4": _settings("B4", "2017-06", 0.5),
    }
    assert lever_markers(levers) == [("A1 A2", "2016-01"), ("B4", "2017-06")]
    many = {c: _settings(c, "2016-01", 1.0) for c in CODES[:7]}
    assert lever_markers(many) == [("A1 A2 A3 A4 +3", "2016-01")]


# ---------------------------------------------------------------- effects
def _window_means(result) -> pd.Series:
    """Metro-area values averaged over the last ``WINDOW`` months, by indicator."""
    d = result.indicators
    d = d[d["comune"] == "metro"]
    months = sorted(d["date"].unique())[-WINDOW:]
    return d[d["date"].isin(months)].groupby("indicator")["value"].mean()


def _run(seed: int, scale: float, code: str | None = None) -> pd.Series:
    text = RUN.format(end=END, seed=seed, scale=scale)
    if code is not None:
        text += LEVER.format(code=code)
    return _window_means(simulate(make_scenario(text)))


@pytest.fixture(scope="module")
def baseline_means():
    """The baseline's window means for (scale, seed), each run once for the module."""
    cache: dict[tuple[float, int], pd.Series] = {}

    def get(scale: float, seed: int) -> pd.Series:
        if (scale, seed) not in cache:
            cache[scale, seed] = _run(seed, scale)
        return cache[scale, seed]

    return get


def paired_differences(code: str, baseline_means) -> dict[str, np.ndarray]:
    """D_s for each target indicator of ``code``, over ``SEEDS``."""
    spec = L.SPEC_BY_CODE[code]
    scale = SCALE_BY_CODE.get(code, SCALE)
    diffs: dict[str, list[float]] = {name: [] for name in spec.moves}
    for seed in SEEDS:
        lever = _run(seed, scale, code)
        base = baseline_means(scale, seed)
        for name in spec.moves:
            diffs[name].append(float(lever[name] - base[name]))
    return {name: np.array(d) for name, d in diffs.items()}


@pytest.mark.slow
@pytest.mark.parametrize("code", CODES)
def test_lever_moves_its_documented_targets(code, baseline_means):
    """The lever alone moves each of ``LeverSpec.moves`` in the documented direction.

    mean(D) must have the documented sign and |mean(D)| > 2 sd(D) / sqrt(K), with D_s the
    mean over 2017-01..2018-12 of (lever - baseline), seeds 1..8 (see the module docstring).
    """
    spec = L.SPEC_BY_CODE[code]
    failures = []
    for name, d in paired_differences(code, baseline_means).items():
        sign = spec.moves[name]
        mean = d.mean()
        se = d.std(ddof=1) / math.sqrt(d.size)
        if not (np.sign(mean) == sign and abs(mean) > 2.0 * se):
            failures.append(
                f"{name}: mean D {mean:+.4g}, 2 se {2 * se:.4g}, expected sign {sign:+d}"
            )
    assert not failures, f"{code} {spec.name}: " + "; ".join(failures)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('hook = "startups"', 'hook = "start_ups"'),
            "A1.effects[0].hook: 'start_ups' is not a hook",
        ),
        (("size = 0.04", "size = 0.5"), "A1.effects[0].size: expected within the prior"),
        (("ramp_months = 24", 'ramp_months = "24"'), "A1.ramp_months: expected int"),
        (('strategy = "governance"', 'strategy = "govern"'), "A1.strategy: expected"),
        (("moves = { firm_births = 1,", "moves = { firm_births = 2,"), "A1.moves: firm_births = 2"),
        (("[A1]\n", "[A1]\ncolour = 1\n"), "A1.colour: unknown key"),
    ],
)
def test_a_broken_lever_table_is_refused_naming_the_file_and_the_key(tmp_path, change, message):
    text = L.LEVERS_TOML.read_text()
    old, new = change
    assert old in text
    broken = tmp_path / "levers.toml"
    broken.write_text(text.replace(old, new, 1))
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        L.load_specs(broken)
    assert str(broken) in str(err.value)
