"""Refresh the generated parameter tables in docs/ODD.md from models/parameters.py.

Each parameter table sits between ``<!-- parameters:SUBMODEL -->`` and
``<!-- /parameters -->``, the lever table between ``<!-- levers -->`` and
``<!-- /levers -->``; the code is authoritative, so run this after changing a parameter or
a lever::

    python3 docs/refresh_tables.py

``tests/test_docs.py`` fails when a table is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from models.components.levers import SPECS
from models.hooks import HOOKS
from models.parameters import markdown_table

ODD = Path(__file__).resolve().parent / "ODD.md"
BLOCK = re.compile(r"(<!-- parameters:(\w+) -->\n)(.*?)(<!-- /parameters -->)", re.S)
LEVERS = re.compile(r"(<!-- levers -->\n)(.*?)(<!-- /levers -->)", re.S)


def lever_table() -> str:
    """The 29 levers as a Markdown table: effects, delivery, cost, targets, indicators."""
    rows = [
        "| code | project | effects at full strength ((m): metro-wide; †: source a study) "
        "| default start, ramp | cost, M EUR/year | targets | indicators it should move |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in SPECS:
        effects = []
        for e in spec.effects:
            text = f"{e.hook} {e.size:+g}" if HOOKS[e.hook][0] == 0.0 else f"{e.hook} {e.size:+.0%}"
            text += " (m)" if e.metro_wide else ""
            text += "†" if e.source != "assumption" else ""
            effects.append(text)
        targets = "all" if not spec.targets else f"{len(spec.targets)} comuni"
        rows.append(
            f"| {spec.code} | {spec.name} | {', '.join(effects)} | {spec.start}, "
            f"{spec.ramp_months} mo | {spec.cost_eur / 1e6:g} | {targets} | "
            f"{spec.describe_moves()} |"
        )
    return "\n".join(rows)


def refreshed(text: str) -> str:
    """The ODD text with every parameter table and the lever table regenerated."""
    text = BLOCK.sub(lambda m: m.group(1) + markdown_table(m.group(2)) + "\n" + m.group(4), text)
    return LEVERS.sub(lambda m: m.group(1) + lever_table() + "\n" + m.group(3), text)


def main() -> int:
    """Rewrite docs/ODD.md in place; say whether anything changed."""
    text = ODD.read_text()
    new = refreshed(text)
    ODD.write_text(new)
    print("docs/ODD.md tables were up to date" if new == text else "docs/ODD.md tables refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
