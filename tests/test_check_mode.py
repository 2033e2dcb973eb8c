"""Check mode (``--check``, ``METROPOLI_CHECK=1``): the identities every month, same results."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models import invariants
from models.experiments.run import simulate
from models.minimum_scale import minimum_scale
from models.model import MetroModel
from sim.errors import InvariantError
from tests.conftest import make_scenario

ROOT = Path(__file__).resolve().parent.parent
SCALE = minimum_scale()
SHORT = f'[run]\nstart = "2015-01"\nend = "2015-06"\nseed = 4\nscale = {SCALE!r}\n'


def _run(args, capsys):
    code = main(["run", *map(str, args), "--quiet", "--no-plots"])
    return code, capsys.readouterr().err


def test_a_checked_run_gives_the_same_tables_bit_for_bit(monkeypatch):
    monkeypatch.delenv(invariants.ENVIRONMENT, raising=False)
    sc = make_scenario(SHORT.replace('end = "2015-06"', 'end = "2016-03"'))
    plain = simulate(sc)
    checked = simulate(sc, check=True)
    assert not plain.checked and checked.checked
    for name in ("indicators", "od", "firms"):
        pd.testing.assert_frame_equal(
            getattr(plain, name), getattr(checked, name), check_exact=True
        )


def test_check_flag_and_environment_variable_turn_it_on(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text(SHORT, encoding="utf-8")
    monkeypatch.delenv(invariants.ENVIRONMENT, raising=False)
    for args, env, expected in (
        ([], None, False),
        (["--check"], None, True),
        ([], "1", True),
        ([], "0", False),
        (["--check"], "0", True),
    ):
        if env is None:
            monkeypatch.delenv(invariants.ENVIRONMENT, raising=False)
        else:
            monkeypatch.setenv(invariants.ENVIRONMENT, env)
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        code, err = _run([path, "--out", out, *args], capsys)
        assert code == 0, err
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["invariants_checked"] is expected, (args, env)


def test_a_wrong_environment_value_is_bad_input(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text(SHORT, encoding="utf-8")
    monkeypatch.setenv(invariants.ENVIRONMENT, "maybe")
    code, err = _run([path, "--out", tmp_path / "out"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "METROPOLI_CHECK" in err and "maybe" in err
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def _break_housing_in(month_text, monkeypatch):
    """From ``month_text`` on, the housing phase adds an employee nobody works for."""
    from models.components.housing import Housing
    from sim.calendar import parse_month

    original = Housing.step
    month = parse_month(month_text)

    def broken(self, m):
        original(self, m)
        if m == month:
            self.model.firms.employees[7] += 1

    monkeypatch.setattr(Housing, "step", broken)


def test_check_mode_stops_at_the_first_broken_month_naming_identity_phase_and_zone(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv(invariants.ENVIRONMENT, raising=False)
    _break_housing_in("2015-04", monkeypatch)
    path = tmp_path / "s.toml"
    path.write_text(SHORT, encoding="utf-8")
    code, err = _run([path, "--out", tmp_path / "out"], capsys)
    assert code == 0, err  # without check mode the broken state goes unnoticed
    code, err = _run([path, "--out", tmp_path / "out2", "--check"], capsys)
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    line = lines[0]
    assert line.startswith("metropoli: invariant broken: 2015-04, after phase 'housing'")
    assert "employees equal workers" in line and "firm 7" in line and "comune 001" in line
    assert not (tmp_path / "out2").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.toml"]


def test_the_model_can_be_checked_directly(monkeypatch):
    _break_housing_in("2015-02", monkeypatch)
    model = MetroModel(seed=1, scale=SCALE, end="2015-03")
    invariants.attach(model)
    model.step()
    with pytest.raises(InvariantError, match="2015-02, after phase 'housing'"):
        model.step()


def test_check_mode_from_a_real_process(tmp_path):
    """The console script: exit status 0 and the same tables as without the flag."""
    path = tmp_path / "s.toml"
    path.write_text(SHORT, encoding="utf-8")
    outs = []
    for flag in ([], ["--check"]):
        out = tmp_path / f"out{len(outs)}"
        proc = subprocess.run(
            [sys.executable, "-m", "metropoli.cli", "run", str(path), "--out", str(out)]
            + ["--quiet", "--no-plots", *flag],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "METROPOLI_CHECK"},
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for table in ("indicators", "od", "firms"):
        a = (outs[0] / f"{table}.parquet").read_bytes()
        b = (outs[1] / f"{table}.parquet").read_bytes()
        assert a == b, table
