"""Tests of the comuni table, of the raster built from ISTAT's boundaries and of the maps."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import shapely
from matplotlib.figure import Figure
from scipy import ndimage

from models.codes import OUTSIDE
from models.experiments import maps
from models.territory import geography
from models.territory.comuni import DEFAULT_CSV
from models.territory.land_use import AGRICULTURAL, BUILT, GREEN
from models.territory.territory import Territory, build_territory, load_territory

DATA_DIR = Path(DEFAULT_CSV).parent


@pytest.fixture(scope="module")
def territory() -> Territory:
    return load_territory()


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, DATA_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    assert _load_script("make_comuni").build_rows() == _read_csv(DEFAULT_CSV)


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


# --- the raster from the boundaries --------------------------------------------------


def _cell_centres_utm(t: Territory) -> tuple[np.ndarray, np.ndarray]:
    return t.west_m + 1000.0 * t.x_km, t.south_m + 1000.0 * t.y_km


def test_committed_inputs_are_what_make_territory_builds() -> None:
    script = _load_script("make_territory")
    assert script.grid_text(script.build_grid()) == (DATA_DIR / "territory_grid.json").read_text(
        encoding="utf-8"
    )
    assert script.outside_text(script.build_outside_rows()) == (
        DATA_DIR / "outside_comuni.csv"
    ).read_text(encoding="utf-8")


def test_committed_raster_is_the_built_one(territory: Territory) -> None:
    built = build_territory(0.5, DEFAULT_CSV)
    np.testing.assert_array_equal(built.cell_zone, territory.cell_zone)
    assert (built.west_m, built.south_m) == (territory.west_m, territory.south_m)


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


def test_cell_counts_match_official_areas(territory: Territory) -> None:
    counts = territory.cells_per_comune()
    assert counts.dtype == np.int64 and counts.shape == (38,)
    expected = territory.area_km2 / territory.cell_km**2
    assert (np.abs(counts - expected) / expected <= 0.05).all()
    # the 38 together: the official 859.18 km², the plan's 85,000 ha within 1.5%
    total = counts.sum() * territory.cell_km**2
    assert total == pytest.approx(territory.area_km2.sum(), rel=0.01)
    assert total == pytest.approx(850.0, rel=0.015)


def _inside_shares(t: Territory) -> np.ndarray:
    raster = geography.Raster(np.asarray(t.cell_zone), t.west_m, t.south_m, t.cell_km)
    polygons = geography.polygons_2015(geography.read_boundaries(), t.codes, raster)
    x, y = _cell_centres_utm(t)
    shares = np.empty(t.n_comuni)
    for i, poly in enumerate(polygons):
        mask = t.cell_zone == i
        shares[i] = shapely.contains_xy(poly, x[mask], y[mask]).mean()
    return shares


def test_cells_lie_in_their_comune_polygon(territory: Territory) -> None:
    """At least 95% of each comune's cells have their centre inside its (2015) polygon."""
    shares = _inside_shares(territory)
    assert shares.min() >= 0.95, territory.names[int(np.argmin(shares))]


def test_polygons_2015_give_mappano_back_to_its_four_comuni(territory: Territory) -> None:
    b = geography.read_boundaries()
    raster = geography.Raster(
        np.asarray(territory.cell_zone), territory.west_m, territory.south_m, territory.cell_km
    )
    polygons = geography.polygons_2015(b, territory.codes, raster)
    mappano = b.polygon(geography.MAPPANO)
    parents = [territory.codes.index(c) for c in geography.MAPPANO_PARENTS]
    gained = {
        territory.names[k]: (polygons[k].area - b.polygon(territory.codes[k]).area) / 1e6
        for k in parents
    }
    # Mappano is split among the four, nothing lost and nothing counted twice
    assert sum(gained.values()) == pytest.approx(mappano.area / 1e6, rel=1e-6)
    union = shapely.union_all([polygons[k] for k in parents])
    assert union.area == pytest.approx(
        sum(p.area for p in (polygons[k] for k in parents)), rel=1e-6
    )
    # in the proportions of the official area differences (README: +3.18, +5.13, +0.91 km²)
    assert gained["Caselle Torinese"] > gained["Borgaro Torinese"] > gained["Settimo Torinese"]
    assert gained["Leinì"] < 1.0
    # Mappano's residents in 2011 went mostly to Caselle and Borgaro (README)
    assert gained["Caselle Torinese"] + gained["Borgaro Torinese"] > 0.8 * mappano.area / 1e6
    for k in range(territory.n_comuni):
        if k not in parents:
            assert polygons[k] is b.polygon(territory.codes[k])


def test_each_comune_is_one_patch_unless_its_polygon_is_not(territory: Territory) -> None:
    """A comune's cells are one 8-connected patch, or at most one per part of its polygon
    (Torino and Cambiano are MultiPolygons in ISTAT's limits)."""
    b = geography.read_boundaries()
    for i, code in enumerate(territory.codes):
        _, n_parts = ndimage.label(territory.cell_zone == i, structure=np.ones((3, 3)))
        parts = len(getattr(b.polygon(code), "geoms", [None]))
        assert 1 <= n_parts <= parts, territory.names[i]


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


def test_town_centres_lie_in_their_comune(territory: Territory) -> None:
    x, y = territory.project(territory.lat, territory.lon)
    for i, (row, col) in enumerate(territory.seed_cell):
        assert territory.cell_zone[row, col] == i
        r, c = territory.centroid_cell(i)
        assert territory.cell_zone[r, c] == i
        # the town-centre cell is within a cell's diagonal of the town centre
        d = np.hypot(territory.x_km[row, col] - x[i], territory.y_km[row, col] - y[i])
        assert d <= territory.cell_km * 1.5, territory.names[i]
    b = geography.read_boundaries()
    xm, ym = geography.lonlat_to_utm(territory.lon, territory.lat)
    inside = [
        shapely.contains_xy(b.polygon(c), xm[i], ym[i]) for i, c in enumerate(territory.codes)
    ]
    assert all(inside)  # the table's town centres are inside ISTAT's polygons


def test_cell_lonlat_inverts_the_projection(territory: Territory) -> None:
    lon, lat = territory.cell_lonlat()
    assert lon.shape == territory.shape and lat.shape == territory.shape
    x, y = territory.project(lat, lon)
    np.testing.assert_allclose(x, territory.x_km, atol=1e-6)
    np.testing.assert_allclose(y, territory.y_km, atol=1e-6)
    # Turin's centre (Piazza Castello, 45.0711 N, 7.6858 E) falls in a Torino cell
    row, col = territory.cell_of(*territory.project(45.0711, 7.6858))
    assert territory.cell_zone[row, col] == territory.torino
    assert abs(lat[row, col] - 45.0711) < 0.005 and abs(lon[row, col] - 7.6858) < 0.007


def test_projection_keeps_distances() -> None:
    """UTM 32N distances agree with the geodesic distance (pyproj.Geod) within 0.1%."""
    from pyproj import Geod

    lon = np.array([7.6858, 7.3800])  # Torino, Pinerolo
    lat = np.array([45.0711, 44.8860])
    x, y = geography.lonlat_to_utm(lon, lat)
    _, _, geodesic = Geod(ellps="WGS84").inv(lon[0], lat[0], lon[1], lat[1])
    assert np.hypot(*(np.diff(x), np.diff(y))).item() == pytest.approx(geodesic, rel=1e-3)


# --- the outside places -------------------------------------------------------------


def test_outside_places_are_the_other_comuni_of_the_province(territory: Territory) -> None:
    b = geography.read_boundaries()
    assert len(b.codes) == 312
    assert territory.n_outside == 312 - 38 - 1  # less the 38 and Mappano
    assert set(territory.outside_codes) == set(b.codes) - set(territory.codes) - {"001316"}
    assert (territory.outside_population > 0).all()
    assert 600_000 < territory.outside_population.sum() < 750_000
    # each centroid lies in its comune's polygon, beyond the 38 comuni
    xm = territory.west_m + 1000.0 * territory.outside_x_km
    ym = territory.south_m + 1000.0 * territory.outside_y_km
    for j, code in enumerate(territory.outside_codes):
        assert shapely.contains_xy(b.polygon(code), xm[j], ym[j]), territory.outside_names[j]
    assert territory.place_x_km.size == territory.n_cells + territory.n_outside
    assert territory.place_x_km[territory.n_cells] == territory.outside_x_km[0]
    pinerolo = territory.outside_codes.index("001191")
    tx, ty = territory.project(territory.lat, territory.lon)
    d = np.hypot(
        territory.outside_x_km[pinerolo] - tx[territory.torino],
        territory.outside_y_km[pinerolo] - ty[territory.torino],
    )
    assert 30.0 < d < 40.0  # Pinerolo is about 35 km south-west of Torino


# --- land use -----------------------------------------------------------------------


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


def test_built_cells_are_the_unprotected_cells_nearest_the_town_centre(
    territory: Territory,
) -> None:
    x, y = territory.project(territory.lat, territory.lon)
    for i in range(territory.n_comuni):
        mask = (territory.cell_zone == i) & ~territory.protected
        d2 = (territory.x_km[mask] - x[i]) ** 2 + (territory.y_km[mask] - y[i]) ** 2
        lu = territory.land_use[mask]
        if (lu == BUILT).any() and (lu != BUILT).any():
            assert d2[lu == BUILT].max() <= d2[lu != BUILT].min()


def test_protected_areas_are_green_or_farmland(territory: Territory) -> None:
    assert territory.protected.sum() > 300  # about 90 km² of parks and river strips
    assert (territory.land_use[territory.protected] != BUILT).all()
    green = territory.land_use == GREEN
    # protected cells get a comune's green first: each comune's green cells are all
    # protected, or it has no protected cell left outside the green
    for i in range(territory.n_comuni):
        mask = territory.cell_zone == i
        prot, g = territory.protected[mask], green[mask]
        assert g[prot].all() or prot[g].all(), territory.names[i]
    for name, lat, lon, host in (
        ("Stupinigi", 44.995, 7.605, "Nichelino"),
        ("La Mandria", 45.160, 7.575, "Druento"),
        ("Superga", 45.080, 7.767, "Torino"),
        ("Monte San Giorgio", 44.977, 7.437, "Piossasco"),
    ):
        row, col = territory.cell_of(*territory.project(lat, lon))
        assert territory.protected[row, col], name
        assert territory.cell_zone[row, col] == territory.index_of(host), name


def test_deterministic() -> None:
    a = build_territory(0.5, DEFAULT_CSV)
    b = build_territory(0.5, DEFAULT_CSV)
    assert a is not b
    for field in ("cell_zone", "land_use", "x_km", "y_km", "seed_cell", "population"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert (a.codes, a.names, a.torino, a.west_m, a.south_m) == (
        b.codes,
        b.names,
        b.torino,
        b.west_m,
        b.south_m,
    )
    assert load_territory() is load_territory()


def test_arrays_are_read_only(territory: Territory) -> None:
    with pytest.raises(ValueError):
        territory.land_use[0, 0] = BUILT


def test_other_cell_sizes_keep_the_invariants() -> None:
    t = build_territory(0.25, DEFAULT_CSV)
    expected = t.area_km2 / t.cell_km**2
    assert (np.abs(t.cells_per_comune() - expected) / expected <= 0.05).all()
    assert _inside_shares(t).min() >= 0.95
    assert ndimage.label(t.cell_zone != OUTSIDE)[1] == 1


# --- maps -----------------------------------------------------------------------------


def test_maps_are_drawn_from_the_projected_polygons(territory: Territory) -> None:
    ax = Figure().subplots()
    values = np.arange(territory.n_comuni, dtype=float)
    patches = maps.draw_comuni(ax, territory, values, backdrop=False)
    paths = patches.get_paths()
    assert len(paths) == territory.n_comuni
    outlines = maps.comune_outlines(territory)
    b = geography.read_boundaries()
    for i, (path, poly) in enumerate(zip(paths, outlines, strict=True)):
        rings = [np.asarray(p.exterior.coords) for p in getattr(poly, "geoms", [poly])]
        rings += [np.asarray(r.coords) for p in getattr(poly, "geoms", [poly]) for r in p.interiors]
        np.testing.assert_allclose(path.vertices, np.concatenate(rings), atol=1e-9)
        if territory.codes[i] not in geography.MAPPANO_PARENTS:
            # the vertices are ISTAT's, projected to UTM 32N, in km from the grid's corner
            utm = shapely.get_coordinates(b.polygon(territory.codes[i]))
            km = (utm - [territory.west_m, territory.south_m]) / 1000.0
            np.testing.assert_allclose(path.vertices, km, atol=1e-9)
    np.testing.assert_array_equal(patches.get_array(), values)
    assert len(ax.texts) == territory.n_comuni
    assert {t.get_text() for t in ax.texts} >= {"Torino", "Moncalieri", "Settimo", "Leinì"}


def test_run_maps_use_the_real_boundaries(baseline_result, territory: Territory) -> None:
    from models.experiments.plots import map_figures

    figures = map_figures(baseline_result.indicators, territory)
    assert set(figures) == {"map_population_change", "map_unemployment_rate"}
    for fig in figures.values():
        ax = fig.axes[0]
        collections = [c for c in ax.collections if len(c.get_paths()) == territory.n_comuni]
        assert len(collections) == 1
        torino = collections[0].get_paths()[territory.torino]
        outline = maps.comune_outlines(territory)[territory.torino]
        assert torino.vertices.shape[0] == shapely.get_num_coordinates(outline)
