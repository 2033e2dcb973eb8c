"""The tables of the comuni: the 38 of the model and the province's other comuni.

``models/data/comuni.csv`` holds the 38 comuni's 2015 figures (written by
``models/data/make_comuni.py``); ``models/data/outside_comuni.csv`` the other comuni of the
province, the places people from outside live in (written by
``models/data/make_territory.py``). See ``models/data/README.md``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from models.codes import N_COMUNI

TORINO_CODE: str = "001272"

DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CSV: Path = DATA_DIR / "comuni.csv"
"""The comuni table shipped with the package."""
OUTSIDE_CSV: Path = DATA_DIR / "outside_comuni.csv"
"""The other comuni of the province (written by ``make_territory.py``)."""


def read_comuni_table(path: Path) -> dict:
    """Read ``comuni.csv`` into tuples and numpy arrays, checking its shape."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) != N_COMUNI:
        raise ValueError(f"{path}: expected {N_COMUNI} comuni, found {len(rows)}")
    codes = tuple(r["istat_code"] for r in rows)
    if any(len(c) != 6 or not c.isdigit() for c in codes) or len(set(codes)) != N_COMUNI:
        raise ValueError(f"{path}: ISTAT codes must be 38 distinct 6-digit strings")
    if TORINO_CODE not in codes:
        raise ValueError(f"{path}: Torino ({TORINO_CODE}) is missing")
    shares = np.array(
        [
            [float(r["built_share"]), float(r["agricultural_share"]), float(r["green_share_other"])]
            for r in rows
        ]
    )
    if (shares < 0).any() or not np.allclose(shares.sum(axis=1), 1.0, atol=1e-5):
        raise ValueError(f"{path}: land-use shares must be non-negative and sum to 1")
    area = np.array([float(r["area_km2"]) for r in rows])
    if (area <= 0).any():
        raise ValueError(f"{path}: areas must be positive")
    return {
        "codes": codes,
        "names": tuple(r["name"] for r in rows),
        "population": np.array([int(r["population_2015"]) for r in rows], dtype=np.int64),
        "area_km2": area,
        "lat": np.array([float(r["lat"]) for r in rows]),
        "lon": np.array([float(r["lon"]) for r in rows]),
        "land_shares": shares,
    }


def read_outside(path: Path = OUTSIDE_CSV) -> dict:
    """Read the table of the province's other comuni."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "codes": tuple(r["istat_code"] for r in rows),
        "names": tuple(r["name"] for r in rows),
        "population": np.array([int(r["population_2023"]) for r in rows], dtype=np.int64),
        "area_km2": np.array([float(r["area_km2"]) for r in rows]),
        "easting_m": np.array([float(r["easting_m"]) for r in rows]),
        "northing_m": np.array([float(r["northing_m"]) for r in rows]),
    }
