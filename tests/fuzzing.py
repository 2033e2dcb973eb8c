"""Property-based tests of the files a user gives the program: the generic part.

A kind of input file is described by a :class:`FileSpec`: a strategy of valid documents,
the keys that are required, and which keys a change of one key can make wrong.
:func:`cases` draws from a spec either a valid document or one with exactly one defect:

* ``missing``: a key dropped (refused if it was required, else still valid);
* ``unknown``: an unknown key added to one of its tables;
* ``hostile``: a value (or a whole table) replaced by a hostile one: a wrong type, a
  boundary or non-finite number, an integer beyond 64 bits, odd text (very long, control
  characters, path separators, invisible or right-to-left characters, a BOM);
* ``bytes``: the file's bytes spoiled: a UTF-8 BOM (accepted), UTF-16, a byte that is not
  UTF-8, a NUL, a cut, a repeated line.

:func:`assert_refused` checks the error of a refused file: exit status 2, one line, no
traceback, the file named and, where the defect is in a key, that key. Scenario files use
this now (``tests/test_fuzz_scenarios.py``); batch and calibration files give their own
:class:`FileSpec` when they land, and reuse the rest.

The number of examples is set explicitly: :data:`CI` (run by CI with every commit, the
same examples each time) and :data:`SLOW` (``-m slow``, more examples, the same each time
unless ``METROPOLI_FUZZ_EXPLORE=1`` asks for new ones).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tomli_w
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sim.errors import MAX_KEY, printable, shorten

CI_EXAMPLES = 16  # per kind of defect (five kinds: 80 documents in all)
SLOW_EXAMPLES = 100  # per kind (500 in all)
CI = settings(
    max_examples=CI_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every CI run: a failure there is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
EXPLORE = os.environ.get("METROPOLI_FUZZ_EXPLORE") == "1"
"""New random examples on each run of the slow profile: a command for looking for defects
(docs/robustness.md), never the gate. CI and the README's test command draw the same
examples every time, so a submission cannot fail on an example its change did not cause."""
SLOW = settings(CI, max_examples=SLOW_EXAMPLES, derandomize=not EXPLORE)

# --- hostile values ------------------------------------------------------------------------

ODD_PIECES = [
    "",
    " ",
    "../",
    "..",
    "/",
    "\\",
    "C:\\",
    "\x00",
    "\x1b[31m",  # an ANSI colour escape
    "\n",
    "\r\n",
    "\t",
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\ufeff",  # a BOM inside text
    "\u2028",  # line separator
    "é",
    "città",
    "日本",
    "🙂",
    "%s%n",
    "{0}",
    "'",
    '"',
    "NaN",
    "2015-01",
    "0.01",
]


def odd_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text a careless or hostile file may hold."""
    printable_or_not = st.characters(exclude_categories=["Cs"])  # no lone surrogates
    return st.one_of(
        st.sampled_from(ODD_PIECES),
        st.lists(st.sampled_from(ODD_PIECES), min_size=1, max_size=6).map("".join),
        st.text(printable_or_not, max_size=max_size),
        st.integers(200, 20_000).map(lambda n: "x" * n),  # very long
    )


NUMBERS = [
    0,
    -1,
    1,
    2,
    2**31,
    2**63 - 1,
    2**63,
    -(2**63),
    10**30,
    0.0,
    -0.0,
    5e-324,
    1e-300,
    1e-9,
    0.5,
    1.0,
    1.5,
    -1.0,
    1e308,
    math.inf,
    -math.inf,
    math.nan,
]


def hostile_values() -> st.SearchStrategy[Any]:
    """A value of any TOML type, likely wrong where it is put."""
    scalars = st.one_of(
        st.sampled_from(NUMBERS),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        odd_text(),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=4),
        st.dictionaries(odd_text(10), scalars, max_size=3),
    )


# --- a kind of file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """What a kind of input file may contain.

    Attributes:
        valid: strategy of valid documents (nested dicts).
        required: dotted keys that must be present.
        affected: for a dotted key, the keys whose check can fail when it is wrong (it
            and those that depend on it); a key ``K`` covers ``K`` and every ``K.x``.
    """

    valid: st.SearchStrategy[dict]
    required: frozenset[str]
    affected: Callable[[str], set[str]] = field(default=lambda key: {key})


@dataclass
class Case:
    """One document to give the program.

    Attributes:
        data: the document before rendering (None when only its bytes are spoiled).
        raw: the file's bytes.
        defect: ``none``, ``missing``, ``unknown``, ``hostile`` or ``bytes``.
        keys: keys the error may name (covering their sub-keys); empty: only the file.
        may_pass: whether accepting the file is also right.
    """

    data: dict | None
    raw: bytes
    defect: str
    keys: set[str]
    may_pass: bool

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Case(defect={self.defect!r}, keys={self.keys!r}, raw={self.raw[:600]!r})"


def render(data: dict) -> bytes:
    """A document as TOML bytes (UTF-8)."""
    return tomli_w.dumps(data).encode("utf-8")


def _paths(data: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every dotted key of a document with its value, tables before their contents."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        yield path, value
        if isinstance(value, dict):
            yield from _paths(value, path + ".")


def _tables(data: dict) -> list[str]:
    return [""] + [path for path, value in _paths(data) if isinstance(value, dict)]


def _parent_and_key(data: dict, path: str) -> tuple[dict, str]:
    *parents, key = path.split(".")
    table = data
    for part in parents:
        table = table[part]
    return table, key


def _copy(data: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in data.items()}


def _spoil(raw: bytes, how: str, where: float) -> tuple[bytes, bool]:
    """Spoiled bytes, and whether the program may still accept them."""
    at = int(where * len(raw))
    if how == "bom":
        return b"\xef\xbb\xbf" + raw, True
    if how == "utf16":
        return raw.decode("utf-8").encode("utf-16"), False
    if how == "latin1":
        return raw[:at] + b"\xff\xfe\xe9" + raw[at:], False
    if how == "nul":
        return raw[:at] + b"\x00" + raw[at:], False
    if how == "cut":
        return raw[:at], True
    lines = raw.split(b"\n")  # "repeat": a line twice (a duplicate key or table header)
    k = int(where * (len(lines) - 1))
    return b"\n".join(lines[: k + 1] + lines[k:]), True


DEFECTS = ("none", "missing", "unknown", "hostile", "bytes")


@st.composite
def cases(draw: st.DrawFn, spec: FileSpec, defects: tuple[str, ...] = DEFECTS) -> Case:
    """A valid document of ``spec``, or one with one defect (see the module docstring).

    ``defects`` restricts the kinds drawn; tests give each kind its own examples, so that
    every kind is exercised whatever hypothesis favours.
    """
    data = draw(spec.valid)
    defect = draw(st.sampled_from(defects))
    paths = [path for path, _ in _paths(data)]
    if defect == "missing" and paths:
        path = draw(st.sampled_from(paths))
        table, key = _parent_and_key(data, path)
        del table[key]
        # a dropped key takes its default, which can fail another key's check (a lever's
        # start, and so its end): the keys affected, as for a hostile value
        return Case(data, render(data), defect, spec.affected(path), path not in spec.required)
    if defect == "unknown":
        table_path = draw(st.sampled_from(_tables(data)))
        table = _parent_and_key(data, table_path + ".x")[0] if table_path else data
        key = "unknown" + draw(odd_text(30))
        table[key] = draw(hostile_values())
        return Case(data, render(data), defect, {f"{table_path}.{key}".lstrip(".")}, False)
    if defect == "hostile" and paths:
        path = draw(st.sampled_from(paths))
        table, key = _parent_and_key(data, path)
        table[key] = draw(hostile_values())
        return Case(data, render(data), defect, spec.affected(path), True)
    if defect == "bytes":
        how = draw(st.sampled_from(["bom", "utf16", "latin1", "nul", "cut", "repeat"]))
        raw, may_pass = _spoil(render(data), how, draw(st.floats(0, 1)))
        return Case(None, raw, f"bytes:{how}", set(), may_pass)
    return Case(data, render(data), "none", set(), True)


# --- what a refusal must look like -------------------------------------------------------------


def shown_key(key: str) -> str:
    """A key as an error message shows it (escaped, shortened)."""
    return shorten(printable(key), MAX_KEY)


def assert_refused(code: int, err: str, source: str, keys: set[str]) -> str:
    """Exit status 2, one line, no traceback, naming the file and (if any) one of ``keys``.

    Returns the line.
    """
    assert code == 2, (code, err)
    assert "Traceback" not in err, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("metropoli: error: "), line
    assert line.isprintable(), line
    assert shorten(printable(source), 160, keep_end=True) in line, (source, line)
    if keys and "key '" in line:
        named = any(
            f"key '{shown_key(k)}'" in line or f"key '{shown_key(k)}." in line for k in keys
        )
        assert named, (keys, line)
    elif keys:
        # a defect in a key can only be reported without one when it breaks the TOML
        assert "malformed TOML" in line, (keys, line)
    return line
