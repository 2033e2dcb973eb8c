"""The documentation says what the code does: generated tables are current."""

from pathlib import Path

from docs.refresh_tables import refreshed
from models.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parent.parent


def test_odd_parameter_tables_match_the_registry():
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert refreshed(text) == text, "run: python3 docs/refresh_tables.py"


def test_every_parameter_is_in_the_odd_with_its_source():
    text = (ROOT / "docs" / "ODD.md").read_text()
    for name, p in PARAMETERS.items():
        assert f"| `{name}` |" in text, name
        assert p.source.strip(), name
