"""Running a sensitivity into its output folder: both stages through the batch driver.

Each stage is a batch store inside the output folder, run by
:func:`sim.experiments.driver.drive` (the driver ``metropoli batch`` uses), so the batch
machinery does the runs, the resume after a crash and the Dask workers; the stages share
one executor, opened only if a run is due.

Files in ``OUT/``: ``sensitivity.json`` (what this folder is), ``morris/`` and ``sobol/``
(the stores), ``morris.csv``, ``sobol.csv``, ``sobol_inputs.json`` (the Sobol stage's inputs
and why each was chosen), ``morris.png``, ``sobol.png``. Every file is written whole or not
at all, and only when its content changes: running again resumes the stores and gives the
same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.sensitivity.analysis import morris_table, sobol_table
from calibration.sensitivity.plots import morris_figure, png_bytes, sobol_figure
from calibration.sensitivity.spec import RBD_FAST, SensitivitySpec
from calibration.sensitivity.stages import (
    SobolInputs,
    checked_batch,
    morris_batch,
    morris_ranking,
    sobol_batch,
    sobol_inputs,
    sobol_sample,
)
from sim.errors import InputError
from sim.experiments.executors import ExecutorOptions, ExecutorSession

IDENTITY = "sensitivity.json"
MORRIS_DIR, SOBOL_DIR = "morris", "sobol"


def run_sensitivity(
    spec: SensitivitySpec,
    folder: Path,
    options: ExecutorOptions | None = None,
    progress: bool = True,
) -> bool:
    """Run (or resume) a sensitivity analysis into ``folder``; write its tables and plots.

    Args:
        spec: the checked sensitivity file (:func:`load_sensitivity`).
        folder: the output folder (new, empty, or holding this sensitivity).
        options: where the runs execute (default: in this process).
        progress: progress bars and summaries on stderr and stdout.

    Returns:
        true when every table is written, false when some runs failed (run again to
        retry them). An interrupt (``KeyboardInterrupt``) leaves the finished runs stored.

    Raises:
        InputError: an output folder holding something else (nothing is written), or an
            unreachable scheduler.
    """
    morris_doc = checked_batch(morris_batch(spec), spec, "morris")
    _check_folder(folder, spec, morris_doc[2])
    with ExecutorSession(options or ExecutorOptions()) as executors:
        _write_identity(folder, spec)
        if not _stage(folder / MORRIS_DIR, morris_doc, "morris", executors, progress):
            return False
        morris = morris_table(spec, folder / MORRIS_DIR)
        _write(folder / "morris.csv", _csv(morris))
        title = (
            "Morris mu* (bars, 95% bootstrap) and sigma (|) on the unit cube, seeds averaged\n"
            f"metropoli sensitivity {spec.source}"
        )
        _write(folder / "morris.png", png_bytes(morris_figure(morris, title)))
        if not spec.sobol:
            return True
        return _sobol(spec, folder, morris, executors, progress)


def _sobol(
    spec: SensitivitySpec,
    folder: Path,
    morris: pd.DataFrame,
    executors: ExecutorSession,
    progress: bool,
) -> bool:
    """The Sobol stage: choose its inputs from ``morris``, run it, write its files."""
    inputs = sobol_inputs(spec, morris)
    unit = sobol_sample(spec, inputs)
    sobol_doc = checked_batch(sobol_batch(spec, inputs, unit), spec, "sobol")
    if not (folder / "sobol_inputs.json").exists():  # the choice, before the runs
        _write(folder / "sobol_inputs.json", _inputs_json(spec, inputs, morris, unit, None))
    if not _stage(folder / SOBOL_DIR, sobol_doc, "sobol", executors, progress):
        return False
    table, left_out, noise = sobol_table(spec, folder / SOBOL_DIR, inputs, unit)
    _write(folder / "sobol.csv", _csv(table))
    analysed = {"outputs_left_out": left_out, "outputs": noise}
    _write(folder / "sobol_inputs.json", _inputs_json(spec, inputs, morris, unit, analysed))
    title = (
        "Sobol S1 and ST (95% bootstrap intervals), seeds averaged\n"
        f"metropoli sensitivity {spec.source}"
    )
    if spec.method == RBD_FAST:
        title = (
            "Sobol S1 by RBD-FAST (95% bootstrap intervals), seeds averaged; "
            "ST not estimated\n"
            f"metropoli sensitivity {spec.source}"
        )
    _write(folder / "sobol.png", png_bytes(sobol_figure(table, title)))
    return True


def _stage(
    folder: Path,
    checked: tuple[Any, Any, dict[str, Any]],
    stage: str,
    executors: ExecutorSession,
    progress: bool,
) -> bool:
    """Run every pending run of a stage into its store; true when every run is stored."""
    from models.experiments.batch import fork_groups, submit_runs
    from sim.experiments.driver import drive

    _, expanded, document = checked
    driven = drive(
        expanded,
        document,
        folder,
        submit_runs,
        executors,
        label=stage,
        progress=progress,
        groups=fork_groups,
    )
    if not progress and not driven.complete:
        print(driven.text)  # failures are worth a summary even when quiet
    return driven.complete


def _check_folder(folder: Path, spec: SensitivitySpec, morris_document: Mapping[str, Any]) -> None:
    """Refuse, writing nothing, a folder that holds something other than this sensitivity."""
    from sim.experiments.store import BatchStore

    source = str(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder (expected an output folder)", source)
    if not folder.exists():
        return
    identity = folder / IDENTITY
    if identity.exists():
        try:
            held = json.loads(identity.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(
                f"{IDENTITY} is unreadable ({err.__class__.__name__})", source
            ) from None
        if held.get("sha256") != spec.sha256:
            raise InputError(
                f"holds a different sensitivity ({held.get('name', '?')!r}, settings "
                f"{str(held.get('sha256'))[:12]}) than {spec.name!r} (settings "
                f"{spec.sha256[:12]}); choose another --out or remove the folder",
                source,
            )
        BatchStore.verify(folder / MORRIS_DIR, morris_document)
        return
    foreign = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    if foreign:
        raise InputError(
            f"is not empty and holds no sensitivity (found {sorted(foreign)[0]!r}; expected a "
            "new folder or a sensitivity output folder)",
            source,
        )


def _write_identity(folder: Path, spec: SensitivitySpec) -> None:
    document = {
        "name": spec.name,
        "source": spec.source,
        "description": spec.description,
        "sha256": spec.sha256,
        "settings": spec.settings(),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the folder ({err.strerror or err})", str(folder)) from None
    if not (folder / IDENTITY).exists():
        _write(folder / IDENTITY, (json.dumps(document, indent=1) + "\n").encode("utf-8"))


def _csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, float_format="%.10g", lineterminator="\n").encode("utf-8")


def _inputs_json(
    spec: SensitivitySpec,
    inputs: SobolInputs,
    morris: pd.DataFrame,
    unit: np.ndarray,
    analysed: dict[str, Any] | None,
) -> bytes:
    ranked = morris_ranking(morris)
    document = {
        "sensitivity": spec.name,
        "rule": f"the top {spec.top} parameters by Morris mu* (each output's mu* divided by "
        "its largest, averaged over the outputs; ties by name), then those forced in, then "
        "the lever effect sizes",
        "morris_ranking": [
            {"rank": int(r.rank), "parameter": r.parameter, "score": round(float(r.score), 6)}
            for r in ranked.itertuples()
        ],
        "skipped_integer_parameters": list(spec.skipped),
        "inputs": [
            {"name": n, "group": g, "why": inputs.reasons[n]}
            for n, g in zip(inputs.names, inputs.groups, strict=True)
        ],
        "groups": inputs.group_names,
        "sample": _sample_json(spec, unit),
        "paired": bool(spec.levers),
        "plan": Path(spec.plan).name if spec.levers else None,
    }
    document.update(analysed or {"outputs_left_out": "(not analysed yet)"})
    return (json.dumps(document, indent=1) + "\n").encode("utf-8")


def _sample_json(spec: SensitivitySpec, unit: np.ndarray) -> dict[str, Any]:
    """``sobol_inputs.json``'s ``sample``: the scheme, its size and seed."""
    if spec.method != RBD_FAST:
        return {
            "scheme": "Saltelli (SALib sobol.sample, first and total order)",
            "base": spec.samples,
            "rows": int(len(unit)),
            "seed": spec.seed,
        }
    return {
        "scheme": "RBD-FAST (SALib latin.sample, a group's columns equal in a row; "
        "SALib rbd_fast.analyze, first order only)",
        "rows": int(len(unit)),
        "harmonics": spec.harmonics,
        "seed": spec.seed,
        "total_order": "not available from RBD-FAST: sobol.csv's ST and ST_conf are empty",
        "S1_sum": "each output's S1_sum and S1_sum_conf (half-width of its 95% interval, "
        "bootstrap of half the rows as SALib's, seed + 2)",
    }


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` whole (temporary name, then rename) unless the file already holds it."""
    from sim.experiments.store import atomic_write_bytes

    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)
