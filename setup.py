"""Build hook: record the git commit in the built package (``models/build_commit.txt``).

Everything else is in ``pyproject.toml``. An installed package is not a git checkout, so
without this file ``pip install .`` from a clone would record no commit in run manifests
(:func:`models.version.code_version` reads it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def git_commit(root: Path = ROOT) -> str:
    """``<12-hex commit>`` (``.dirty`` when tracked files changed), or "" without git."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{commit}{'.dirty' if dirty else ''}" if commit else ""


def write_commit(package_dir: Path, root: Path = ROOT) -> bool:
    """Write ``build_commit.txt`` into the built ``models`` package; whether a commit was known."""
    commit = git_commit(root)
    if commit and package_dir.is_dir():
        (package_dir / "build_commit.txt").write_text(commit + "\n", encoding="utf-8")
    return bool(commit)


class BuildWithCommit(build_py):
    """The standard ``build_py``, then the commit file written next to ``models/version.py``."""

    def run(self) -> None:  # noqa: D102
        super().run()
        write_commit(Path(self.build_lib) / "models")


if __name__ == "__main__":  # setuptools runs this file as a script; tests import its functions
    setup(cmdclass={"build_py": BuildWithCommit})
