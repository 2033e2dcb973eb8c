"""The declared model version: what a stored result was made with; and the code's version.

A batch keys its runs on :data:`MODEL_VERSION` (not on the git commit), so a harmless edit
of the code does not invalidate stored runs. Bump it whenever a change moves model
results, and update the pinned fingerprint in ``tests/test_fingerprint.py`` in the same
commit: that test fails whenever results move without a new version.

:func:`code_version` is what manifests record of the code: the package version and the
git commit, from the checkout when the code runs from one, else from the file
``build_commit.txt`` that ``setup.py`` writes into the built package when it is built
from a clone (``pip install .``), so an installed copy records its commit too.
"""

from __future__ import annotations

from pathlib import Path

MODEL_VERSION = "1.6.0"
BUILD_COMMIT = Path(__file__).resolve().parent / "build_commit.txt"
"""The commit an installed package was built from (absent in a checkout: git says it)."""


def build_commit(path: Path = BUILD_COMMIT) -> str:
    """The commit written at build time (``abcdef012345`` or ``abcdef012345.dirty``), or ""."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def code_version() -> str:
    """The code's version: ``0.1.0+g<commit>`` whenever the commit can be known.

    From the checkout's git when run from one (:func:`sim.results.code_version`), else
    from the commit recorded when the package was built; the bare package version when
    neither is there.
    """
    from sim.results import code_version as checkout_version

    version = checkout_version()
    if "+g" in version:
        return version
    commit = build_commit()
    return f"{version}+g{commit}" if commit else version
