"""The parameter table: read as data, checked on loading, grouped by who reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.parameters import COMPONENTS, PARAMETERS, PARAMETERS_TOML, load_parameters

ROOT = Path(__file__).resolve().parent.parent
# the modules each component's code lives in: its own module, or a package (population), or
# the modules it was cut into (labour: matching and wages); the space's distance rule is
# used by the model
MODULE_COMPONENT = {name: name for name in COMPONENTS} | {
    "model": "space",
    "matching": "labour",
    "wages": "labour",
}


def component_of(path: Path) -> str | None:
    """The component whose code a module of models/ holds, if any."""
    if "population" in path.parts:
        return "population"
    return MODULE_COMPONENT.get(path.stem)


def readers(name: str) -> set[str]:
    """The components whose modules read parameter ``name`` (``p["name"]``)."""
    found = set()
    for path in (ROOT / "models").rglob("*.py"):
        if "reference" in path.parts:  # the Mesa oracle restates the labour rules
            continue
        component = component_of(path)
        if component and re.search(rf'\["{name}"\]', path.read_text()):
            found.add(component)
    return found


def test_every_parameter_sits_with_the_component_that_reads_it():
    for name, p in PARAMETERS.items():
        assert readers(name) == {p.component, *p.also_read_by}, name


def test_the_table_has_every_parameter_once_with_its_group():
    assert len(PARAMETERS) == 109  # 99, three structural terms, the initial unemployment,
    # the late students (late_student_share, late_graduation_hazard), and the four bounded
    # forms for forecasts (issue 24: enrolment_ceiling, university_capacity, recovery_gap,
    # tourist_arrivals_ceiling)
    assert {p.component for p in PARAMETERS.values()} == set(COMPONENTS)
    for p in PARAMETERS.values():
        assert p.bounds[0] <= p.low <= p.value <= p.high <= p.bounds[1], p.name


@pytest.mark.parametrize(
    "change, message",
    [
        (("value = 0.45", "value = 2.0"), "to hold the range"),
        (
            ('unit = "share"\n', 'unit = "share"\ncolour = "red"\n'),
            "population.outside_students_share.colour: unknown key",
        ),
        (("[population.outside_students_share]", "[people.outside_students_share]"), "[people]"),
        (("range = [0.3, 0.55]", "range = [0.55, 0.3]"), "range: expected [low, high]"),
        (("value = 0.45", 'value = "0.45"'), "expected a finite number"),
    ],
)
def test_a_broken_table_is_refused_naming_the_file_and_the_key(tmp_path, change, message):
    text = PARAMETERS_TOML.read_text()
    old, new = change
    assert old in text
    broken = tmp_path / "parameters.toml"
    broken.write_text(text.replace(old, new, 1))
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        load_parameters(broken)
    assert str(broken) in str(err.value)
