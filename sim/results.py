"""The results store: one folder per run, written whole or not at all.

A run folder holds ``manifest.json`` (how the result was made), tidy Parquet tables and a
``plots/`` folder. Everything is written under a temporary name beside the target and
renamed at the end, so a folder is complete or absent, never half-written; a writer killed
midway leaves nothing behind once its watchdog or the next write has cleaned up
(:mod:`sim.atomic`).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import StagedFolder

MANIFEST = "manifest.json"

PACKAGES = ("torino-metropoli", "mesa", "numba", "numpy", "pandas", "pyarrow", "matplotlib")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages a result depends on, and Python's."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def code_version(root: Path | None = None) -> str:
    """The code's version: the package version, plus the git commit when run from a checkout.

    A ``+dirty`` suffix says the checkout had uncommitted changes.
    """
    try:
        version = metadata.version("torino-metropoli")
    except metadata.PackageNotFoundError:
        version = "unknown"
    root = root or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}{'.dirty' if dirty else ''}" if commit else version


def cpu_class() -> str:
    """The host's CPU class as the numerical libraries see it, e.g. ``x86_64 v4 znver4``.

    The architecture, the highest x86-64 level NumPy dispatches to (as limited by
    ``NPY_DISABLE_CPU_FEATURES``) and numba's compilation target. Results do not depend on
    it (``tests/test_host_classes.py``); it is recorded so that a store filled by several
    machines can be recognised.
    """
    import llvmlite.binding as llvm
    import numba
    from numpy._core import _multiarray_umath as umath

    levels = [t for t in ("X86_V4", "X86_V3", "X86_V2") if umath.__cpu_features__.get(t)]
    level = levels[0].split("_")[1].lower() if levels else "-"
    target = numba.config.CPU_NAME or llvm.get_host_cpu_name()
    return f"{platform.machine()} {level} {target}"


def machine() -> dict[str, Any]:
    """What machine made a result."""
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_class": cpu_class(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def write_parquet(table: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write a table as Parquet (zstd), without the pandas index."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def write_tables(tables: Mapping[str, pd.DataFrame | pa.Table], folder: Path) -> None:
    """Write each table as ``folder/NAME.parquet``."""
    for name, table in tables.items():
        write_parquet(table, folder / f"{name}.parquet")


def replaceable(folder: Path) -> bool:
    """Whether an existing folder may be replaced by a run folder: it is one, or is empty."""
    try:
        return (folder / MANIFEST).is_file() or not any(folder.iterdir())
    except OSError:
        return False


def write_run_folder(
    out: str | Path,
    manifest: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    tables: Mapping[str, pd.DataFrame | pa.Table],
    extra: Callable[[Path], None] | None = None,
    replace: bool = True,
) -> Path:
    """Write a run folder atomically (see :mod:`sim.atomic`).

    Args:
        out: the folder to create.
        manifest: written as ``manifest.json``; a callable is called last, after the
            tables and ``extra``, so it can record how long they took.
        tables: name to table, each written as ``NAME.parquet``.
        extra: called with the temporary folder to add more files (plots).
        replace: replace ``out`` whole if it exists and is a run folder (or empty).

    Returns:
        The folder's path.

    Raises:
        FileExistsError: ``out`` exists and ``replace`` is False, or it is a folder that is
            neither a run folder nor empty (never replaced).
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not (replace and out.is_dir() and replaceable(out)):
        raise FileExistsError(str(out))
    staging = StagedFolder(out)
    with staging as tmp:
        # The tables are written on a second thread while ``extra`` (the plots) runs on this
        # one: pyarrow's encoding and compression release the GIL, so the two overlap.
        with ThreadPoolExecutor(max_workers=1) as pool:
            written = pool.submit(write_tables, tables, tmp)
            if extra is not None:
                extra(tmp)
            written.result()
        content = manifest() if callable(manifest) else manifest
        (tmp / MANIFEST).write_text(json.dumps(content, indent=2, sort_keys=False) + "\n")
        if out.exists() and not replaceable(out):  # it appeared while we were writing
            raise FileExistsError(str(out))
        staging.commit(replace=replace)
    return out


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Read a run folder's manifest."""
    return json.loads((Path(folder) / MANIFEST).read_text())
