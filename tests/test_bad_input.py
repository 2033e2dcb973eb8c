"""The four holes of issue 14: a name that escapes the results folder, a scale too small to
hold anyone, an existing results folder replaced silently, NaN rows in the tidy table."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metropoli.cli import main
from models.components.indicators import INDICATOR_NAMES, METRO_ONLY
from models.minimum_scale import MIN_FIRMS_PER_COMUNE, MIN_RESIDENTS_PER_COMUNE, minimum_scale
from models.model import MetroModel
from models.population import largest_remainder
from models.territory.territory import load_territory

ROOT = Path(__file__).resolve().parent.parent
SCALE = minimum_scale()
TINY = f'[run]\nstart = "2015-01"\nend = "2015-02"\nseed = 1\nscale = {SCALE!r}\n'


def _files(folder: Path) -> set[str]:
    """Every file and folder under ``folder``, relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _run(args, capsys):
    code = main(["run", *map(str, args), "--quiet", "--no-plots"])
    return code, capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- 1. a scenario's name never leaves the results folder ----------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../etc/x", "a/b", "..", ".", "", "ABSOLUTE", "a\\b", ".hidden", "a\nb", "x" * 81, "-x"],
)
def test_a_name_that_is_not_one_safe_folder_name_is_refused(tmp_path, capsys, monkeypatch, name):
    if name == "ABSOLUTE":  # an absolute path, inside the test's own folder
        name = str(tmp_path / "abs" / "x")
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    path = work / "s.toml"
    path.write_text(f"name = {json.dumps(name)}\n" + TINY, encoding="utf-8")
    before = _files(tmp_path)
    monkeypatch.chdir(work)
    code, err = _run([path], capsys)
    assert code == 2
    line = _one_line(err)
    assert "key 'name'" in line and str(path) in line
    assert "A-Za-z0-9" in line  # the allowed pattern is said
    assert _files(tmp_path) == before


def test_a_file_stem_that_is_not_a_safe_name_needs_a_name_key(tmp_path, capsys, monkeypatch):
    path = tmp_path / "my scenario.toml"
    path.write_text(TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, err = _run([path], capsys)
    assert code == 2
    line = _one_line(err)
    assert "key 'name'" in line and "my scenario" in line and "rename" in line
    assert _files(tmp_path) == {"my scenario.toml"}
    path.write_text('name = "mine"\n' + TINY, encoding="utf-8")
    code, err = _run([path], capsys)
    assert code == 0, err
    assert (tmp_path / "results" / f"mine-seed1-scale{SCALE:g}" / "manifest.json").is_file()


def test_a_safe_name_runs_into_the_results_folder(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text('name = "Piano_2025.v2-a"\n' + TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, err = _run([path], capsys)
    assert code == 0, err
    assert [p.name for p in (tmp_path / "results").iterdir()] == [
        f"Piano_2025.v2-a-seed1-scale{SCALE:g}"
    ]


def test_out_is_the_users_choice_and_is_honoured(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, err = _run([path, "--out", tmp_path / "elsewhere" / "deeper" / "run"], capsys)
    assert code == 0, err
    assert (tmp_path / "elsewhere" / "deeper" / "run" / "manifest.json").is_file()


# --- 2. a scale too small to hold the area is refused, naming the minimum -------------------


def test_the_minimum_scale_follows_from_the_comuni_table():
    t = load_territory()
    share = t.population / t.population.sum()
    smallest = int(np.argmin(t.population))
    # the smallest comune's residents bind (its firm comes with the allotment's remainders)
    from models.population import RESIDENTS_2015

    bound = MIN_RESIDENTS_PER_COMUNE / (RESIDENTS_2015 * share[smallest])
    step = 10.0 ** (np.floor(np.log10(bound)) - 1)
    assert bound <= SCALE < bound + step  # two significant digits, rounded up
    assert SCALE <= 0.005  # the suite's small scales (and Mesa's batch_run test) are allowed


def test_every_comune_has_its_minimum_at_every_scale_from_the_minimum_up():
    from models.population import FIRMS_2015, RESIDENTS_2015, firm_counts

    t = load_territory()
    for scale in np.geomspace(SCALE, 1.0, 400):
        residents = largest_remainder(t.population, round(RESIDENTS_2015 * scale))
        firms = firm_counts(t, round(FIRMS_2015 * scale))
        assert residents.min() >= MIN_RESIDENTS_PER_COMUNE, scale
        assert firms.min() >= MIN_FIRMS_PER_COMUNE, scale


@pytest.mark.parametrize("scale", ["1e-9", "0.001", repr(SCALE * 0.99)])
def test_a_scale_below_the_minimum_is_refused_in_the_file(tmp_path, capsys, scale):
    path = tmp_path / "s.toml"
    path.write_text(TINY.replace(f"scale = {SCALE!r}", f"scale = {scale}"), encoding="utf-8")
    code, err = _run([path, "--out", tmp_path / "out"], capsys)
    assert code == 2
    line = _one_line(err)
    assert "key 'run.scale'" in line and f"{SCALE:g}" in line and str(path) in line
    assert _files(tmp_path) == {"s.toml"}


def test_a_scale_below_the_minimum_is_refused_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    code, err = _run([path, "--scale", "1e-9", "--out", tmp_path / "out"], capsys)
    assert code == 2
    line = _one_line(err)
    assert "--scale" in line and f"{SCALE:g}" in line
    assert _files(tmp_path) == {"s.toml"}


def test_check_refuses_it_too(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY.replace(f"scale = {SCALE!r}", "scale = 1e-9"), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert f"{SCALE:g}" in _one_line(capsys.readouterr().err)


def test_the_model_itself_refuses_a_scale_below_the_minimum():
    with pytest.raises(ValueError, match=f"{SCALE:g}"):
        MetroModel(seed=1, scale=SCALE / 2, end="2015-01")


# --- 3. an existing results folder is kept unless --force ----------------------------------


def test_an_existing_results_folder_is_kept_unless_force(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    out = tmp_path / "out"
    code, err = _run([path, "--out", out], capsys)
    assert code == 0, err
    first = (out / "manifest.json").read_bytes()

    code, err = _run([path, "--out", out, "--seed", "2"], capsys)
    assert code == 2
    line = _one_line(err)
    assert str(out) in line and "--force" in line
    assert (out / "manifest.json").read_bytes() == first
    assert _files(tmp_path) == {"s.toml", "out", *(f"out/{n}" for n in os.listdir(out))}

    code, err = _run([path, "--out", out, "--seed", "2", "--force"], capsys)
    assert code == 0, err
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.toml"]


def test_force_never_replaces_a_folder_that_is_not_a_results_folder(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    code, err = _run([path, "--out", precious, "--force"], capsys)
    assert code == 2
    assert "not a results folder" in _one_line(err)
    assert (precious / "chapter1.tex").read_text() == "years of work"
    assert _files(tmp_path) == {"s.toml", "thesis", "thesis/chapter1.tex"}


def test_force_may_fill_an_empty_folder(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    code, err = _run([path, "--out", tmp_path / "empty"], capsys)
    assert code == 2 and "--force" in _one_line(err)
    code, err = _run([path, "--out", tmp_path / "empty", "--force"], capsys)
    assert code == 0, err
    assert (tmp_path / "empty" / "manifest.json").is_file()


# --- 4. no NaN rows in the tidy table --------------------------------------------------------


def test_metro_only_indicators_have_no_comune_rows_and_no_value_is_nan(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY, encoding="utf-8")
    out = tmp_path / "out"
    code, err = _run([path, "--out", out], capsys)
    assert code == 0, err
    d = pd.read_parquet(out / "indicators.parquet")
    assert d["value"].notna().all()
    assert np.isfinite(d["value"]).all()
    assert "lever_cost_eur" in METRO_ONLY
    for name in METRO_ONLY:
        rows = d[d["indicator"] == name]
        assert set(rows["comune"]) == {"metro"}
    per_month = 39 * len(INDICATOR_NAMES) - 38 * len(METRO_ONLY)
    assert len(d) == 2 * per_month
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["indicators.parquet"] == len(d)


def test_results_readme_names_the_metro_only_indicators():
    text = (ROOT / "results" / "README.md").read_text(encoding="utf-8")
    for name in METRO_ONLY:
        assert f"`{name}`" in text


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_at_the_minimum_scale_no_comune_indicator_is_undefined_in_the_baseline(seed):
    """docs/robustness.md: at the minimum scale, 2015-2025, every row is there."""
    from models.experiments.run import simulate
    from tests.conftest import make_scenario

    text = TINY.replace('end = "2015-02"', 'end = "2025-12"')
    result = simulate(make_scenario(text, seed=seed))
    assert result.indicators_left_out == {"metro_only": 132 * 38 * len(METRO_ONLY), "undefined": 0}
    assert result.indicators["value"].notna().all()
