"""The batch store: a folder written as runs finish, never held only in memory.

Layout (``docs/batches.md`` documents it for the users of the store)::

    DIR/batch.json          what the batch is: file text and hash, design, versions, seeds
    DIR/design.parquet      one row per cell of the design: scenario, point, seed, run_id, values
    DIR/runs.parquet        one row per distinct run: its inputs, status, error, timings
    DIR/indicators/         Parquet part files, columns as the model makes them (run_id first)
    DIR/failures/           one JSON record per failed run (removed when a rerun succeeds)

A finished run counts as done exactly when a part file holding its rows exists: the part is
written under a hidden temporary name (``.part-*.tmp``, which no reader picks up) and
renamed, and it carries the runs' records (status, timings) in its Parquet key-value
metadata. ``runs.parquet`` is rebuilt from the parts and the failure records after every
write (temporary name, then rename), so a SIGKILL at any instant loses no finished run and
duplicates none: at worst ``runs.parquet`` lags by the last part until the next command
(or :func:`read_status`) rebuilds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import atomic_write_bytes, fsync_dir
from sim.errors import InputError

BATCH_JSON = "batch.json"
DESIGN = "design.parquet"
RUNS = "runs.parquet"
INDICATORS = "indicators"
FAILURES = "failures"
LOCK = ".lock"
META_KEY = b"metropoli.runs"
OK, FAILED, PENDING = "ok", "failed", "pending"
STORE_NAMES = {BATCH_JSON, DESIGN, RUNS, INDICATORS, FAILURES, LOCK}


@dataclass
class RunOutput:
    """What one finished run hands to the store.

    Attributes:
        run_id: the run's key.
        table: its indicator rows (a ``run_id`` column first).
        timings: seconds, by name (``init_s``, ``simulate_s``, ...).
        info: other facts about how it ran (worker, fork month), JSON-serialisable.
    """

    run_id: str
    table: pa.Table
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def utc_now() -> str:
    """The current time, ISO 8601 UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atomic_write_parquet(table: pa.Table | pd.DataFrame, path: Path) -> None:
    """Write a Parquet file (zstd) whole or not at all."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_document(folder: str | Path) -> dict[str, Any]:
    """The store's ``batch.json``.

    Raises:
        InputError: the folder holds no batch, or its ``batch.json`` is unreadable.
    """
    path = Path(folder) / BATCH_JSON
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("holds no batch (no batch.json)", str(folder)) from None
    except (OSError, ValueError) as err:
        raise InputError(
            f"batch.json is unreadable ({err.__class__.__name__})", str(path)
        ) from None


def part_files(folder: str | Path) -> list[Path]:
    """The finished part files of the indicators dataset, in name order."""
    return sorted((Path(folder) / INDICATORS).glob("part-*.parquet"))


def read_status(folder: str | Path) -> dict[str, dict[str, Any]]:
    """Each run's record, from the part files (``ok``) and the failure records (``failed``).

    A run with a part file is ``ok`` whatever failure record it may still have.
    """
    folder = Path(folder)
    status: dict[str, dict[str, Any]] = {}
    for path in sorted((folder / FAILURES).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a record cut short cannot exist (atomic); ignore foreign files
        status[record["run_id"]] = record
    for path in part_files(folder):
        metadata = pq.read_schema(path).metadata or {}
        for record in json.loads(metadata.get(META_KEY, b"[]")):
            status[record["run_id"]] = record
    return status


def runs_table(design: pd.DataFrame, status: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per distinct run: its first design cell's inputs, then status and timings."""
    # copy(): one block per dtype, so adding "cells" to a design of many inputs (a Morris
    # screening of every parameter) does not warn of a fragmented frame on every run
    first = design.drop_duplicates("run_id", keep="first").reset_index(drop=True).copy()
    records = [status.get(rid, {"run_id": rid, "status": PENDING}) for rid in first["run_id"]]
    flat = []
    for r in records:
        row = {"status": r.get("status", PENDING), "error": r.get("error", "")}
        row.update({k: float(v) for k, v in r.get("timings", {}).items()})
        row.update({k: v for k, v in r.get("info", {}).items() if k != "traceback"})
        row["finished_utc"] = r.get("finished_utc", "")
        flat.append(row)
    extra = pd.DataFrame(flat)
    for column in ("status", "error", "finished_utc"):
        extra[column] = extra[column].astype(str)
    cells = design.groupby("run_id", sort=False).size().rename("cells")
    first["cells"] = first["run_id"].map(cells).astype("int64")
    return pd.concat([first, extra], axis=1)


class BatchStore:
    """The writing side of a batch store (one writer at a time, by an exclusive lock).

    Use :meth:`open` to create a store or reopen one for the same batch.

    Attributes:
        folder: the store's folder.
        document: the content of ``batch.json``.
        design: one row per design cell (``scenario, point, seed, run_id`` and values).
        status: each finished or failed run's record.
    """

    def __init__(self, folder: Path, document: dict[str, Any], design: pd.DataFrame) -> None:
        self.folder = folder
        self.document = document
        self.design = design
        self.status = read_status(folder)
        self._lock: Any = None

    @classmethod
    def open(
        cls, folder: str | Path, document: Mapping[str, Any], design: pd.DataFrame
    ) -> BatchStore:
        """Create the store for a batch, or reopen the store of the same batch to resume.

        Args:
            folder: the store's folder (created with its parents if missing).
            document: what ``batch.json`` records; its ``design_sha256`` says which
                batch this is.
            design: the design cells (written as ``design.parquet`` on creation).

        Raises:
            InputError: the folder is a file, is not empty and holds no batch, holds a
                different batch, or is being written by another command.
        """
        folder = Path(folder)
        source = str(folder)
        existing = cls.verify(folder, document)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = _lock(folder)
            if existing:
                held = read_document(folder)
                stored = pd.read_parquet(folder / DESIGN)
                store = cls(folder, held, stored)
            else:
                (folder / INDICATORS).mkdir(exist_ok=True)
                (folder / FAILURES).mkdir(exist_ok=True)
                atomic_write_parquet(design, folder / DESIGN)
                atomic_write_parquet(runs_table(design, {}), folder / RUNS)
                text = json.dumps(dict(document), indent=2) + "\n"
                atomic_write_bytes(folder / BATCH_JSON, text.encode("utf-8"))  # last: the mark
                store = cls(folder, dict(document), design)
        except OSError as err:
            raise InputError(
                f"cannot write the batch store ({err.strerror or err})", source
            ) from None
        store._lock = lock
        store.write_runs_table()
        return store

    @staticmethod
    def verify(folder: str | Path, document: Mapping[str, Any]) -> bool:
        """Check, writing nothing, that ``folder`` may hold this batch; true if it already does.

        Raises:
            InputError: the folder is a file, is not empty and holds no batch, or holds a
                different batch.
        """
        folder = Path(folder)
        source = str(folder)
        if folder.exists() and not folder.is_dir():
            raise InputError("exists and is not a folder (expected a batch store folder)", source)
        if not folder.exists():
            return False
        if not (folder / BATCH_JSON).exists():
            foreign = [p.name for p in folder.iterdir() if not _ours_when_fresh(p)]
            if foreign:
                raise InputError(
                    f"is not empty and holds no batch (found {foreign[0]!r}; expected a new "
                    "folder or a batch store)",
                    source,
                )
            return False
        held = read_document(folder)
        if held.get("design_sha256") != document["design_sha256"]:
            raise InputError(
                f"holds a different batch ({held.get('name', '?')!r}, design "
                f"{str(held.get('design_sha256'))[:12]}) than {document['name']!r} "
                f"(design {document['design_sha256'][:12]}); choose another --out "
                "or remove the folder",
                source,
            )
        return True

    def close(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> BatchStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_ids(self) -> list[str]:
        """Every distinct run of the batch, in design order."""
        return list(dict.fromkeys(self.design["run_id"]))

    def pending(self) -> list[str]:
        """The runs not yet done (never run, or failed), in design order."""
        return [r for r in self.run_ids() if self.status.get(r, {}).get("status") != OK]

    def record(
        self,
        outputs: Sequence[RunOutput],
        failures: Iterable[tuple[str, str, Mapping[str, Any]]] = (),
    ) -> None:
        """Store finished runs (one part file) and failed ones, then rewrite ``runs.parquet``.

        Args:
            outputs: finished runs; written together as one part file.
            failures: ``(run_id, error text, info)`` of runs that raised.
        """
        now = utc_now()
        if outputs:
            records = [
                {
                    "run_id": o.run_id,
                    "status": OK,
                    "error": "",
                    "timings": {k: round(float(v), 4) for k, v in o.timings.items()},
                    "info": o.info,
                    "finished_utc": now,
                }
                for o in outputs
            ]
            table = pa.concat_tables([o.table for o in outputs])
            metadata = dict(table.schema.metadata or {})
            metadata[META_KEY] = json.dumps(records).encode("utf-8")
            table = table.replace_schema_metadata(metadata)
            atomic_write_parquet(
                table, self.folder / INDICATORS / f"part-{outputs[0].run_id}.parquet"
            )
            for r in records:
                self.status[r["run_id"]] = r
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / FAILURES / f"{r['run_id']}.json").unlink()
        for run_id, error, info in failures:
            record = {
                "run_id": run_id,
                "status": FAILED,
                "error": error,
                "timings": {},
                "info": dict(info),
                "finished_utc": now,
            }
            text = json.dumps(record, indent=1) + "\n"
            atomic_write_bytes(self.folder / FAILURES / f"{run_id}.json", text.encode("utf-8"))
            self.status[run_id] = record
        self.write_runs_table()

    def write_runs_table(self) -> None:
        """Rewrite ``runs.parquet`` from the design and the runs' records."""
        atomic_write_parquet(runs_table(self.design, self.status), self.folder / RUNS)


def _ours_when_fresh(path: Path) -> bool:
    """Entries a store being created may hold before its batch.json exists (a killed start)."""
    if path.name.startswith("."):
        return True
    if path.name in (INDICATORS, FAILURES):
        return path.is_dir() and not any(p for p in path.iterdir() if not p.name.startswith("."))
    return path.name in (DESIGN, RUNS)


def _lock(folder: Path) -> Any:
    handle = open(folder / LOCK, "a")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InputError(
            "is being written by another batch command (wait for it, or stop it)", str(folder)
        ) from None
    return handle
