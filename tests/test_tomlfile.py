"""The one helper every file format reads and checks its tables with (sim.tomlfile)."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.tomlfile import check_keys, edit_distance, key_problem, parse_toml, read_toml

ALLOWED = {"start", "end", "seed", "scale"}


def test_an_unknown_key_is_named_under_its_table_with_the_keys_expected():
    with pytest.raises(InputError) as err:
        check_keys({"start": 1, "colour": 2}, ALLOWED, "f.toml", "run")
    assert err.value.source == "f.toml" and err.value.key == "run.colour"
    assert str(err.value) == (
        "f.toml: key 'run.colour': unknown key (expected one of end, scale, seed, start)"
    )


def test_a_misspelt_key_gets_the_likely_one():
    with pytest.raises(InputError) as err:
        check_keys({"sede": 1}, ALLOWED, "f.toml", "run")
    assert err.value.key == "run.sede"
    assert "unknown key (did you mean 'seed'? expected one of end, scale, seed, start)" in str(
        err.value
    )


def test_a_key_three_edits_away_gets_no_suggestion():
    assert edit_distance("seeeeed", "seed") == 3
    problem = key_problem({"seeeeed": 1}, ALLOWED)
    assert problem == ("seeeeed", "unknown key (expected one of end, scale, seed, start)")


def test_the_first_unknown_key_in_sorted_order_is_named_at_the_top_level():
    assert key_problem({"zeta": 1, "alpha": 2}, ALLOWED)[0] == "alpha"


def test_a_sequence_of_keys_is_listed_in_its_order():
    _, message = key_problem({"x": 1}, ["value", "unit", "also_read_by"], "p")
    assert message == "unknown key (expected one of value, unit, also_read_by)"


def test_a_missing_required_key_names_its_table():
    with pytest.raises(InputError) as err:
        check_keys({"start": 1}, ALLOWED, "f.toml", "run", required=sorted(ALLOWED))
    assert err.value.key == "run.end"
    assert "missing (expected in [run])" in str(err.value)
    assert key_problem({}, set(), required=["name"]) == (
        "name",
        "missing (expected at the top level)",
    )


def test_a_huge_unknown_key_is_refused_quickly_in_a_short_line():
    with pytest.raises(InputError) as err:
        check_keys({"k" * 100_000: 1}, ALLOWED, "f.toml", "levers.A1")
    assert len(str(err.value)) < 600


def test_read_toml_gives_the_text_and_the_tables(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text("x = 1\n", encoding="utf-8")
    assert read_toml(path) == ("x = 1\n", {"x": 1})


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("missing", "no such file (expected a TOML file)"),
        ("directory", "is a directory (expected a TOML file)"),
        ("latin-1", "is not UTF-8 text (byte 5; expected a TOML file saved as UTF-8)"),
        ("malformed", "malformed TOML ("),
        ("deep", "malformed TOML (arrays or tables nested too deeply)"),
    ],
)
def test_read_toml_refuses_what_it_cannot_read_in_one_line(tmp_path, kind, expected):
    path = tmp_path / "a.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "latin-1":
        path.write_bytes('x = "caff\u00e8"\n'.encode("latin-1")[:5] + b"\xe8\n")
    elif kind == "malformed":
        path.write_text("[run\n", encoding="utf-8")
    elif kind == "deep":
        path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_toml(path)
    assert err.value.source == str(path)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_parse_toml_names_the_source():
    with pytest.raises(InputError, match="^<t>: malformed TOML"):
        parse_toml("[run\n", "<t>")
