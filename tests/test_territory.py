"""Tests of the comuni table and of the raster territory built from it."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from models.codes import OUTSIDE
from models.territory import (
    AGRICULTURAL,
    BUILT,
    DEFAULT_CSV,
    GREEN,
    Territory,
    build_territory,
    load_territory,
)

DATA_DIR = Path(DEFAULT_CSV).parent


@pytest.fixture(scope="module")
def territory() -> Territory:
    return load_territory()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- the table -----------------------------------------------------------------------


def test_table_columns_and_order_follow_the_source() -> None:
    rows = _read_csv(DEFAULT_CSV)
    source = _read_csv(DATA_DIR / "sources" / "comuni_2011_istat.csv")
    assert list(rows[0]) == [
        "istat_code",
        "name",
        "population_2015",
        "area_km2",
        "lat",
        "lon",
        "built_share",
        "agricultural_share",
        "green_share_other",
    ]
    assert [r["istat_code"] for r in rows] == [r["istat_code"] for r in source]
    assert all(len(r["istat_code"]) == 6 and r["istat_code"].startswith("001") for r in rows)


def test_table_is_reproduced_by_make_comuni() -> None:
    spec = importlib.util.spec_from_file_location("make_comuni", DATA_DIR / "make_comuni.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_rows() == _read_csv(DEFAULT_CSV)


def test_mappano_residents_are_restored() -> None:
    rows = {r["name"]: r for r in _read_csv(DEFAULT_CSV)}
    source = {r["name"]: r for r in _read_csv(DATA_DIR / "sources" / "comuni_2011_istat.csv")}
    total_2015 = sum(int(r["population_2015"]) for r in rows.values())
    for name in ("Borgaro Torinese", "Caselle Torinese", "Settimo Torinese"):
        # 2015 value exceeds the post-Mappano 2011 value by more than the ~3% scaling
        assert int(rows[name]["population_2015"]) > 1.04 * int(source[name]["population"])
        assert float(rows[name]["area_km2"]) > float(source[name]["area_km2"])
    assert rows["Leinì"]["area_km2"] == source["Leinì"]["area_km2"]
    assert total_2015 == 1_586_000


def test_populations_sum_and_torino_share(territory: Territory) -> None:
    assert territory.n_comuni == 38
    assert territory.population.dtype == np.int64
    assert int(territory.population.sum()) == 1_586_000
    share = territory.population[territory.torino] / territory.population.sum()
    assert share == pytest.approx(0.56, abs=0.001)
    assert territory.names[territory.torino] == "Torino"
    assert territory.codes[territory.torino] == "001272"


def test_areas_at_2015_boundaries(territory: Territory) -> None:
    assert 840.0 < territory.area_km2.sum() < 870.0  # PLAN: 85,000 ha
    assert (territory.area_km2 > 0).all()


def test_land_shares_hit_metro_totals(territory: Territory) -> None:
    shares = territory.land_shares
    assert shares.shape == (38, 3)
    assert (shares >= 0).all()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-9)
    metro = territory.area_km2 @ shares / territory.area_km2.sum()
    np.testing.assert_allclose(metro, [0.30, 0.53, 0.17], atol=1e-5)
    # denser comuni are more built up; Torino is the most built
    assert shares[territory.torino, BUILT] == shares[:, BUILT].max()


# --- the raster ----------------------------------------------------------------------


def test_raster_types_and_shapes(territory: Territory) -> None:
    shape = (territory.height, territory.width)
    assert territory.cell_zone.dtype == np.int16 and territory.cell_zone.shape == shape
    assert territory.land_use.dtype == np.int8 and territory.land_use.shape == shape
    assert territory.x_km.shape == shape and territory.y_km.shape == shape
    assert territory.cell_km == 0.5
    assert territory.x_km[0, 0] == pytest.approx(0.25)
    assert territory.y_km[0, 0] == pytest.approx(0.25)
    assert territory.x_km[0, -1] > territory.x_km[0, 0]
    assert territory.y_km[-1, 0] > territory.y_km[0, 0]
    assert set(np.unique(territory.cell_zone)) == set(range(38)) | {OUTSIDE}


def test_cell_counts_match_areas(territory: Territory) -> None:
    counts = territory.cells_per_comune()
    assert counts.dtype == np.int64 and counts.shape == (38,)
    expected = territory.area_km2 / territory.cell_km**2
    assert (np.abs(counts - expected) / expected <= 0.05).all()
    assert counts.sum() * territory.cell_km**2 == pytest.approx(territory.area_km2.sum(), rel=0.01)


def test_each_comune_is_one_4_connected_patch(territory: Territory) -> None:
    for i in range(territory.n_comuni):
        _, n_parts = ndimage.label(territory.cell_zone == i)  # default: 4-connectivity
        assert n_parts == 1, territory.names[i]


def test_comuni_form_one_patch_without_holes(territory: Territory) -> None:
    inside = territory.cell_zone != OUTSIDE
    _, n_parts = ndimage.label(inside)
    assert n_parts == 1
    # every outside cell is connected to the grid border: no holes in the patch
    labels, n_outside = ndimage.label(~inside)
    assert n_outside == 1
    assert labels[0, 0] == 1


def test_outside_cells_form_the_margin(territory: Territory) -> None:
    margin = int(np.ceil(2.0 / territory.cell_km))  # at least 2 km on each side
    zone = territory.cell_zone
    for edge in (zone[:margin], zone[-margin:], zone[:, :margin], zone[:, -margin:]):
        assert (edge == OUTSIDE).all()
    assert (territory.land_use[zone == OUTSIDE] == -1).all()


def test_seeds_lie_in_their_comune(territory: Territory) -> None:
    for i, (row, col) in enumerate(territory.seed_cell):
        assert territory.cell_zone[row, col] == i
        r, c = territory.centroid_cell(i)
        assert territory.cell_zone[r, c] == i
    x, y = territory.project(territory.lat, territory.lon)
    for i in range(territory.n_comuni):
        assert territory.cell_zone[territory.cell_of(x[i], y[i])] == i


def test_land_use_metro_totals(territory: Territory) -> None:
    lu = territory.land_use[territory.cell_zone != OUTSIDE]
    assert set(np.unique(lu)) == {BUILT, AGRICULTURAL, GREEN}
    frac = np.bincount(lu, minlength=3) / lu.size
    assert frac[AGRICULTURAL] + frac[GREEN] == pytest.approx(0.70, abs=0.01)
    assert frac[AGRICULTURAL] == pytest.approx(0.53, abs=0.01)
    assert frac[BUILT] == pytest.approx(0.30, abs=0.01)


def test_land_use_per_comune_follows_shares(territory: Territory) -> None:
    counts = territory.land_use_counts()
    cells = territory.cells_per_comune()
    np.testing.assert_array_equal(counts.sum(axis=1), cells)
    # largest-remainder rounding: each class within one cell of share * cells
    assert (np.abs(counts - territory.land_shares * cells[:, None]) < 1.0).all()


def test_built_cells_are_nearest_the_town_centre(territory: Territory) -> None:
    x, y = territory.project(territory.lat, territory.lon)
    for i in range(territory.n_comuni):
        mask = territory.cell_zone == i
        d2 = (territory.x_km[mask] - x[i]) ** 2 + (territory.y_km[mask] - y[i]) ** 2
        lu = territory.land_use[mask]
        if (lu == BUILT).any() and (lu != BUILT).any():
            assert d2[lu == BUILT].max() <= d2[lu != BUILT].min()


def test_deterministic() -> None:
    a = build_territory(0.5, DEFAULT_CSV)
    b = build_territory(0.5, DEFAULT_CSV)
    assert a is not b
    for field in ("cell_zone", "land_use", "x_km", "y_km", "seed_cell", "population"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert (a.codes, a.names, a.torino, a.corner_lat, a.corner_lon) == (
        b.codes,
        b.names,
        b.torino,
        b.corner_lat,
        b.corner_lon,
    )
    assert load_territory() is load_territory()


def test_arrays_are_read_only(territory: Territory) -> None:
    with pytest.raises(ValueError):
        territory.land_use[0, 0] = BUILT


def test_other_cell_sizes_keep_the_invariants() -> None:
    t = build_territory(0.25, DEFAULT_CSV)
    expected = t.area_km2 / t.cell_km**2
    assert (np.abs(t.cells_per_comune() - expected) / expected <= 0.05).all()
    for i in range(t.n_comuni):
        assert ndimage.label(t.cell_zone == i)[1] == 1
