"""The command that guides: each message that misled a new user, and what it says now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metropoli.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
BATCH = ROOT / "scenarios" / "batches" / "strategies.toml"
GOOD = '[run]\nstart = "2015-01"\nend = "2015-06"\nseed = 1\nscale = 0.01\n'


def one_line_error(capsys, args: list[str]) -> str:
    """The command's one line on stderr (exit status 2, nothing on stdout)."""
    code = main(args)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


def test_a_batch_file_given_to_run_says_to_use_batch(capsys, tmp_path):
    line = one_line_error(capsys, ["run", str(BATCH), "--out", str(tmp_path / "o")])
    assert "this is a batch file" in line and f"`metropoli batch {BATCH}`" in line
    assert "unknown key" not in line and not (tmp_path / "o").exists()


def test_a_scenario_given_to_batch_says_to_use_run(capsys, tmp_path):
    line = one_line_error(capsys, ["batch", str(SCENARIO), "--out", str(tmp_path / "o")])
    assert "this is a scenario file" in line and f"`metropoli run {SCENARIO}`" in line
    assert "unknown key" not in line and not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args, flag, expected",
    [
        (["run", str(SCENARIO), "--seed", "-1"], "--seed", "non-negative integer seed"),
        (["run", str(SCENARIO), "--scale", "2"], "--scale", "expected a number from 0.0048 to 1"),
        (["run", str(SCENARIO), "--scale", "0.001"], "--scale", "below the minimum scale 0.0048"),
        (["batch", str(BATCH), "--scale", "2"], "--scale", "expected a number from 0.0048 to 1"),
        (["batch", str(BATCH), "--scale", "0.001"], "--scale", "below the minimum scale 0.0048"),
        (["check", str(BATCH), "--scale", "2"], "--scale", "expected a number from 0.0048 to 1"),
        (["check", str(SCENARIO), "--scale", "2"], "--scale", "from 0.0048 to 1"),
        (["check", str(SCENARIO), "--seeds", "3"], "--seeds", "for batch files"),
        (["run", str(SCENARIO), "--end", "2014-12"], "--end", "out of range (expected 2015-01"),
        (["run", str(SCENARIO), "--start", "2016-13"], "--start", 'a month as "YYYY-MM"'),
    ],
)
def test_a_bad_flag_is_named_as_a_flag_with_the_minimum_scale(
    capsys, tmp_path, args, flag, expected
):
    line = one_line_error(
        capsys, [*args, *(["--out", str(tmp_path / "o")] if args[0] != "check" else [])]
    )
    assert line.startswith(f"metropoli: error: {flag}: ") and expected in line
    assert "key" not in line


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[levers.B08]\n", "did you mean B8?"),
        ("[levers.b8]\n", "did you mean B8?"),
        ("[levers.B8]\nintensty = 1\n", "did you mean 'intensity'? expected one of effects, end"),
        ("[levers.B8]\neffects = { talent_exitt = 0.1 }\n", "did you mean 'talent_exit'?"),
    ],
)
def test_a_misspelt_lever_or_key_gets_the_likely_one_and_no_python_list(
    capsys, tmp_path, text, expected
):
    path = tmp_path / "s.toml"
    path.write_text(GOOD + text)
    line = one_line_error(capsys, ["check", str(path)])
    assert expected in line
    assert not re.search(r"\[['\"]", line)  # no Python list repr


def test_a_misspelt_batch_name_gets_the_likely_one(capsys, tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(
        GOOD.replace("seed = 1", "seeds = 2") + '[[scenarios]]\nname = "B8"\nlevers.B8 = {}\n'
        '[design]\nkind = "lhs"\nsamples = 2\n[uncertainties]\nB8.talent_exitt = {}\n'
    )
    line = one_line_error(capsys, ["check", str(path)])
    assert "key 'uncertainties.B8.talent_exitt': unknown name" in line
    assert "did you mean 'B8.talent_exit'?" in line


def test_check_names_the_target_comuni(capsys, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD + '[levers.B8]\ntargets = ["001272", "001156"]\n')
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Torino, Moncalieri" in out and "001272" not in out


def test_parameters_has_a_header_and_every_source(capsys):
    from models.parameters import PARAMETERS

    assert main(["parameters"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:3] == ["name", "value", "unit"] and "source" in out.splitlines()[1]
    for p in PARAMETERS.values():
        assert p.source in out


def test_version_names_the_code_and_the_model(capsys):
    from models.version import MODEL_VERSION

    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(rf"metropoli \S+ \(model version {re.escape(MODEL_VERSION)}\)\n", out)
