"""Fingerprints of result tables: a hash that changes exactly when a value changes.

Used to pin a model's results (a change of results must come with a new model version)
and to check that a restructuring reproduces saved runs bit for bit. The hash covers the
column names, their order, every value's bits (numbers as little-endian float64 or
int64) and every text value, so it is the same on any machine and any pandas version.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def table_fingerprint(table: pd.DataFrame) -> str:
    """SHA-256 of a table's columns and values, in row order."""
    h = hashlib.sha256()
    h.update(f"{len(table)} rows\n".encode())
    for name in table.columns:
        column = table[name]
        h.update(f"column {name}\n".encode())
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_integer_dtype(column):
            h.update(np.ascontiguousarray(column.to_numpy(), dtype="<i8").tobytes())
        elif pd.api.types.is_float_dtype(column):
            h.update(np.ascontiguousarray(column.to_numpy(), dtype="<f8").tobytes())
        else:
            h.update("\x1f".join(map(str, column.tolist())).encode("utf-8"))
    return h.hexdigest()


def tables_fingerprint(tables: dict[str, pd.DataFrame]) -> str:
    """SHA-256 over several named tables (in name order)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(f"{name}:{table_fingerprint(tables[name])}\n".encode())
    return h.hexdigest()
