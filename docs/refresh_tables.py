"""Refresh the generated parameter tables in docs/ODD.md from models/parameters.py.

Each table sits between ``<!-- parameters:SUBMODEL -->`` and ``<!-- /parameters -->``;
the registry is authoritative, so run this after changing a parameter::

    python3 docs/refresh_tables.py

``tests/test_docs.py`` fails when a table is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from models.parameters import markdown_table

ODD = Path(__file__).resolve().parent / "ODD.md"
BLOCK = re.compile(r"(<!-- parameters:(\w+) -->\n)(.*?)(<!-- /parameters -->)", re.S)


def refreshed(text: str) -> str:
    """The ODD text with every parameter table regenerated."""
    return BLOCK.sub(lambda m: m.group(1) + markdown_table(m.group(2)) + "\n" + m.group(4), text)


def main() -> int:
    """Rewrite docs/ODD.md in place; say whether anything changed."""
    text = ODD.read_text()
    new = refreshed(text)
    ODD.write_text(new)
    print("docs/ODD.md tables were up to date" if new == text else "docs/ODD.md tables refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
