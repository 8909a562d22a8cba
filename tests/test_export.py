from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import LineString, MultiPolygon, Point, Polygon

from geomap import export, features
from geomap.errors import ConfigurationError, GeomapError, OutputError
from geomap.geodesy import wrap_lon
from geomap.incidents import COLUMNS
from geomap.io import atomic_write

from .common import (
    HOSTILE_NAME,
    HOSTILE_SENTENCE,
    NON_ASCII_PLACE,
    ROUNDING,
    empty_incidents,
    rounded,
    same_value,
    sample_borders,
    sample_incidents,
)


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _assert_frame_values(read: pd.DataFrame, original: gpd.GeoDataFrame, columns: list[str]):
    assert len(read) == len(original)
    for column in columns:
        assert column in read.columns, column
        for got, want in zip(read[column].tolist(), original[column].tolist(), strict=True):
            want = rounded(column, want)
            # Text formats cannot tell an empty string from a missing value.
            if isinstance(got, pd.Timestamp) and isinstance(want, str):
                got = got.date().isoformat()  # GDAL reads ISO date text as a date
            missing = got is None or got is pd.NA or (isinstance(got, float) and math.isnan(got))
            if isinstance(want, str) and want == "" and missing:
                continue
            assert same_value(got, want), (column, got, want)


def _assert_points(read: gpd.GeoDataFrame, original: gpd.GeoDataFrame):
    got = shapely.get_coordinates(read.geometry.array)
    want = np.round(shapely.get_coordinates(original.geometry.array), 6)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


# -- GeoJSON --------------------------------------------------------------------------------


def test_geojson_is_rfc7946(tmp_path: Path):
    gdf = sample_incidents()
    meta = {"generator": "geomap 0.1.0", "borders": Path("/data/ne.zip"), "n": np.int64(4)}
    out = export.write_geojson(gdf, tmp_path / "out.geojson", metadata=meta)
    assert out == tmp_path / "out.geojson"
    raw = out.read_bytes()
    assert NON_ASCII_PLACE.encode("utf-8") in raw  # ensure_ascii=False, UTF-8
    doc = json.loads(raw.decode("utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert doc["geomap"] == {"generator": "geomap 0.1.0", "borders": "/data/ne.zip", "n": 4}
    assert len(doc["features"]) == len(gdf)
    for feature, (_, row) in zip(doc["features"], gdf.iterrows(), strict=True):
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert lon == round(row["lon"], 6)  # (lon, lat) order
        assert lat == round(row["lat"], 6)
        assert _decimals(lon) <= 6 and _decimals(lat) <= 6
        props = feature["properties"]
        assert list(props) == COLUMNS
        assert isinstance(props["start"], int) and isinstance(props["population"], int)
    goris, _kapan, _russia, hostile = (f["properties"] for f in doc["features"])
    assert goris["distance_km"] == 8.561
    assert goris["border_lon"] == 46.432199 and goris["border_lat"] == 39.487512
    assert goris["border"] == "AM-AZ"
    assert hostile["name"] == HOSTILE_NAME
    assert hostile["sentence"] == HOSTILE_SENTENCE
    assert hostile["distance_km"] is None
    assert hostile["border"] is None and hostile["country"] is None
    assert hostile["border_lon"] is None and hostile["border_lat"] is None
    assert b"NaN" not in raw


def test_geojson_reads_back_with_pyogrio(tmp_path: Path):
    gdf = sample_incidents()
    out = export.write_geojson(gdf, tmp_path / "out.geojson")
    read = pyogrio.read_dataframe(out)
    assert read.crs.to_epsg() == 4326
    assert read["name"].tolist() == gdf["name"].tolist()
    _assert_frame_values(read, gdf, COLUMNS)
    _assert_points(read, gdf)


def test_geojson_empty_frame(tmp_path: Path):
    out = export.write_geojson(empty_incidents(), tmp_path / "empty.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == {"type": "FeatureCollection", "features": []}
    assert len(pyogrio.read_dataframe(out)) == 0


def test_geojson_reprojects_and_handles_missing_geometry():
    gdf = sample_incidents().to_crs("EPSG:3857")
    gdf.loc[2, "geometry"] = None
    doc = export.geojson_dict(gdf)
    assert doc["features"][2]["geometry"] is None
    assert doc["features"][0]["geometry"]["coordinates"] == [46.338889, 39.511111]


def test_not_a_geodataframe_is_a_configuration_error(tmp_path: Path):
    with pytest.raises(ConfigurationError):
        export.write_geojson(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("geom", "expected"),
    [
        (Point(190.0, 10.0), "POINT (-170 10)"),
        (Point(-180.0, 10.0), "POINT (-180 10)"),
        (
            LineString([(170, 0), (-170, 10)]),
            "MULTILINESTRING ((170 0, 180 5), (-180 5, -170 10))",
        ),
        (
            LineString([(-170, 0), (170, 10)]),
            "MULTILINESTRING ((-170 0, -180 5), (180 5, 170 10))",
        ),
        (LineString([(10, 0), (20, 10)]), "LINESTRING (10 0, 20 10)"),
    ],
)
def test_rfc7946_geometries_antimeridian(geom, expected):
    assert features.rfc7946_geometries(geom).wkt == expected


def test_geojson_polygons_are_counter_clockwise():
    clockwise = Polygon(
        [(0, 0), (0, 10), (10, 10), (10, 0)], holes=[[(2, 2), (4, 2), (4, 4), (2, 4)]]
    )
    assert not shapely.is_ccw(clockwise.exterior)
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[clockwise, MultiPolygon([clockwise])],
        crs="EPSG:4326",
    )
    doc = export.geojson_dict(gdf)
    for feature in doc["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        for polygon in getattr(geom, "geoms", [geom]):
            assert shapely.is_ccw(polygon.exterior)
            assert all(not shapely.is_ccw(ring) for ring in polygon.interiors)


def test_border_link_across_the_antimeridian(tmp_path: Path):
    gdf = sample_incidents().iloc[[0]].copy()
    gdf["lon"], gdf["lat"] = -179.5, -16.0  # Fiji's eastern islands
    gdf["border_lon"], gdf["border_lat"] = 179.5, -16.2
    gdf = gdf.set_geometry(gpd.points_from_xy(gdf["lon"], gdf["lat"], crs="EPSG:4326"))
    (link,) = export.border_links(gdf).geometry
    assert [tuple(np.round(p.coords[0], 6)) for p in link.geoms] == [(-179.5, -16.0), (180, -16.1)]
    out = export.write_gpkg(gdf, tmp_path / "fiji.gpkg", borders=sample_borders())
    (read,) = pyogrio.read_dataframe(out, layer="border_links").geometry
    assert shapely.equals(read, link)
    assert read.bounds[2] - read.bounds[0] == 360  # two parts at both edges, no world span


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo")
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
def test_ogrinfo_validates(tmp_path: Path, fmt: str):
    out = WRITERS[fmt](sample_incidents(), tmp_path / f"out.{fmt}", False)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(out)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Feature Count: 4" in result.stdout
    if fmt == "csv":  # CSV has no CRS; GDAL reads the geometry from the WKT column
        assert "Geometry: " in result.stdout and "wkt: String" in result.stdout
    else:
        assert "EPSG" in result.stdout or "WGS 84" in result.stdout


def test_pyogrio_reports_the_schema(tmp_path: Path):
    """What ogrinfo would say, through pyogrio: driver, geometry type, CRS, field types."""
    out = export.write_gpkg(sample_incidents(), tmp_path / "out.gpkg", borders=sample_borders())
    info = pyogrio.read_info(out, layer="incidents")
    assert info["driver"] == "GPKG" and info["geometry_type"] == "Point"
    assert info["crs"] == "EPSG:4326" and info["features"] == 4
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["distance_km"] == "float64" and types["population"] == "int64"
    assert types["name"] == "object"
    geojson = export.write_geojson(sample_incidents(), tmp_path / "out.geojson")
    assert pyogrio.read_info(geojson)["driver"] == "GeoJSON"


# -- the shared serialiser (geomap.features) ------------------------------------------------


def test_one_rounding_policy():
    assert dict(features.ROUNDING) == ROUNDING  # the policy the tests expect, written out
    assert set(features.ROUNDING) <= set(COLUMNS)  # it names columns of the incidents table
    assert (features.COORD_DECIMALS, features.DISTANCE_DECIMALS) == (6, 3)
    assert features.BORDER_DECIMALS == 5


def test_point_longitudes_wrap_as_geodesy_does():
    lons = [406.4, -190.0, 180.0, -180.0, 46.3388889, 1e7]
    gdf = gpd.GeoDataFrame({"name": list("abcdef")}, geometry=[Point(x, 39.5) for x in lons])
    geoms = [f["geometry"] for f in export.geojson_dict(gdf)["features"]]
    wrapped = wrap_lon(lons)
    for geom, lon in zip(geoms[:-1], wrapped[:-1], strict=True):
        assert geom == {"type": "Point", "coordinates": [round(float(lon), 6), 39.5]}
    assert [g["coordinates"][0] for g in geoms[:4]] == [46.4, 170.0, 180.0, -180.0]
    assert geoms[-1] is None  # a longitude geodesy refuses: no position at all
    lon, lat = features.point_coordinates(gdf.geometry.array)
    np.testing.assert_array_equal(lon[:-1], wrapped[:-1])
    assert np.isnan(lon[-1]) and np.isnan(lat[-1])


def test_points_without_finite_coordinates_have_null_geometry():
    gdf = sample_incidents()
    gdf.loc[1, "geometry"] = Point(math.nan, math.nan)
    gdf.loc[2, "geometry"] = Point()
    doc = export.geojson_dict(gdf)
    assert [f["geometry"] is None for f in doc["features"]] == [False, True, True, False]
    json.dumps(doc, allow_nan=False)  # valid JSON: no NaN anywhere


def test_incident_features_columns_rows_and_extra():
    gdf = sample_incidents()
    out = features.incident_features(
        gdf,
        columns=["name", "distance_km", "no_such_column", "border"],
        rows=[1, 0],
        extra={"border": ["b1", "b0"], "label": ["one", "zero"]},
    )
    assert [f["properties"] for f in out] == [
        {"name": "Kapan", "distance_km": 0.335, "no_such_column": None, "border": "b1",
         "label": "one"},
        {"name": "Goris", "distance_km": 8.561, "no_such_column": None, "border": "b0",
         "label": "zero"},
    ]  # fmt: skip
    assert out[1]["geometry"]["coordinates"] == [46.338889, 39.511111]  # (lon, lat)
    assert features.incident_features(gdf, columns=[], rows=[3])[0]["properties"] == {}
    with pytest.raises(ConfigurationError, match="label"):
        features.incident_features(gdf, rows=[0], extra={"label": ["a", "b"]})


# -- GeoPackage -----------------------------------------------------------------------------


def test_gpkg_layers_read_back(tmp_path: Path):
    gdf = sample_incidents()
    borders = sample_borders()
    out = export.write_gpkg(gdf, tmp_path / "out.gpkg", borders=borders)
    layers = dict(pyogrio.list_layers(out))
    assert layers == {
        "incidents": "Point",
        "borders": "MultiLineString",
        "border_links": "MultiLineString",
        "layer_styles": None,  # QGIS styles: an attributes table (geomap.qgis_styles)
    }

    read = pyogrio.read_dataframe(out, layer="incidents")
    assert read.crs.to_epsg() == 4326
    assert read["name"].tolist() == gdf["name"].tolist()
    _assert_frame_values(read, gdf, COLUMNS)
    _assert_points(read, gdf)
    for column in ("start", "end", "mentions", "geonameid", "population"):
        assert pd.api.types.is_integer_dtype(read[column]), column
    for column in ("lat", "lon", "score", "distance_km"):
        assert pd.api.types.is_float_dtype(read[column]), column

    read_borders = pyogrio.read_dataframe(out, layer="borders")
    assert read_borders["pair"].tolist() == ["AM-AZ", "AM-GE", "KZ-UZ"]
    _assert_frame_values(read_borders, borders, ["pair", "a", "b", "length_km"])
    # LineStrings are promoted to MultiLineString in the layer: compare point sets.
    for got, want in zip(read_borders.geometry, borders.geometry, strict=True):
        assert shapely.equals(got, want)

    links = pyogrio.read_dataframe(out, layer="border_links")
    # The hostile row has no border: no link.
    assert links["name"].tolist() == ["Goris", "Kapan", "Russia"]
    assert links["border"].tolist() == ["AM-AZ", "AM-AZ", "RU-MN"]
    assert links["role"].tolist() == ["incident", "incident", "context"]
    np.testing.assert_allclose(links["distance_km"], [8.561, 0.335, 1234.568])
    for line, (_, row) in zip(links.geometry, gdf.iloc[:3].iterrows(), strict=True):
        assert line.geom_type == "MultiLineString" and len(line.geoms) == 1
        start, end = shapely.get_coordinates(line)
        np.testing.assert_allclose(start, [row["lon"], row["lat"]], atol=1e-6)  # (lon, lat)
        np.testing.assert_allclose(end, [row["border_lon"], row["border_lat"]], atol=1e-6)


def test_gpkg_is_a_geopackage(tmp_path: Path):
    out = export.write_gpkg(sample_incidents(), tmp_path / "out.gpkg", borders=sample_borders())
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    con = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    try:
        (application_id,) = con.execute("PRAGMA application_id").fetchone()
        assert application_id == 0x47504B47  # "GPKG"
        rows = con.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents").fetchall()
        (count,) = con.execute("SELECT count(*) FROM incidents").fetchone()
    finally:
        con.close()
    assert {(name, kind, srs) for name, kind, srs in rows} == {
        ("incidents", "features", 4326),
        ("borders", "features", 4326),
        ("border_links", "features", 4326),
        ("layer_styles", "attributes", 0),
    }
    assert count == 4


def test_gpkg_without_borders_and_empty(tmp_path: Path):
    out = export.write_gpkg(sample_incidents(), tmp_path / "a.gpkg")
    assert [name for name, _ in pyogrio.list_layers(out)] == ["incidents", "layer_styles"]
    empty = export.write_gpkg(empty_incidents(), tmp_path / "b.gpkg", borders=sample_borders())
    layers = dict(pyogrio.list_layers(empty))
    assert layers["incidents"] == "Point"
    assert layers["border_links"] == "MultiLineString"
    assert len(pyogrio.read_dataframe(empty, layer="incidents")) == 0
    assert len(pyogrio.read_dataframe(empty, layer="border_links")) == 0
    assert len(pyogrio.read_dataframe(empty, layer="borders")) == 3


# -- CSV ------------------------------------------------------------------------------------


def test_csv_reads_back_with_pandas(tmp_path: Path):
    gdf = sample_incidents()
    out = export.write_csv(gdf, tmp_path / "out.csv")
    read = pd.read_csv(out, encoding="utf-8")
    assert list(read.columns) == ["wkt", *COLUMNS]
    assert read["wkt"].tolist() == [
        "POINT (46.338889 39.511111)",
        "POINT (46.40576 39.2075)",
        "POINT (105.318756 61.52401)",
        "POINT (46.7519 39.8152)",
    ]
    assert read["name"].tolist() == gdf["name"].tolist()
    assert read.loc[3, "place"] == NON_ASCII_PLACE
    assert read.loc[3, "sentence"] == HOSTILE_SENTENCE
    _assert_frame_values(read, gdf, COLUMNS)


def test_csv_reads_back_with_gdal(tmp_path: Path):
    gdf = sample_incidents()
    out = export.write_csv(gdf, tmp_path / "out.csv")
    read = pyogrio.read_dataframe(out)  # GDAL's CSV driver takes the WKT column as geometry
    assert read["name"].tolist() == gdf["name"].tolist()
    _assert_points(read, gdf)
    assert "geometry" not in pd.read_csv(out).columns


def test_csv_empty_frame(tmp_path: Path):
    out = export.write_csv(empty_incidents(), tmp_path / "empty.csv")
    assert out.read_text(encoding="utf-8").strip() == ",".join(["wkt", *COLUMNS])


# -- atomic writes --------------------------------------------------------------------------

WRITERS = {
    "geojson": lambda gdf, path, force: export.write_geojson(gdf, path, force=force),
    "gpkg": lambda gdf, path, force: export.write_gpkg(
        gdf, path, force=force, borders=sample_borders()
    ),
    "csv": lambda gdf, path, force: export.write_csv(gdf, path, force=force),
}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_existing_file_needs_force(tmp_path: Path, fmt: str):
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"old content")
    with pytest.raises(OutputError, match="--force") as excinfo:
        WRITERS[fmt](sample_incidents(), target, False)
    assert str(target) in str(excinfo.value)
    assert isinstance(excinfo.value, GeomapError) and isinstance(excinfo.value, OSError)
    assert target.read_bytes() == b"old content"
    assert sorted(tmp_path.iterdir()) == [target]

    WRITERS[fmt](sample_incidents(), target, True)
    assert target.read_bytes() != b"old content"
    assert len(pyogrio.read_dataframe(target, layer="incidents" if fmt == "gpkg" else 0)) == 4
    assert sorted(tmp_path.iterdir()) == [target]


def _fail_after_partial_geojson(_obj, fh, **_kwargs):
    fh.write('{"type": "FeatureCollection", "features": [')
    raise RuntimeError("disk on fire")


def _patch_failure(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    if fmt == "geojson":
        monkeypatch.setattr(export.json, "dump", _fail_after_partial_geojson)
    elif fmt == "gpkg":
        real = pyogrio.write_dataframe

        def fail_on_second_layer(frame, path, **kwargs):
            if kwargs.get("layer") != "incidents":
                raise pyogrio.errors.DataSourceError("disk on fire")
            real(frame, path, **kwargs)

        monkeypatch.setattr(export.pyogrio, "write_dataframe", fail_on_second_layer)
    else:
        real_to_csv = pd.DataFrame.to_csv

        def fail_midway(self, path, **kwargs):
            real_to_csv(self.iloc[:2], path, **kwargs)
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(pd.DataFrame, "to_csv", fail_midway)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_failure_mid_write_leaves_nothing(tmp_path: Path, monkeypatch, fmt: str):
    target = tmp_path / f"out.{fmt}"
    _patch_failure(monkeypatch, fmt)
    with pytest.raises((RuntimeError, OutputError)):
        WRITERS[fmt](sample_incidents(), target, False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_failure_with_force_keeps_old_file(tmp_path: Path, monkeypatch, fmt: str):
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"old content")
    _patch_failure(monkeypatch, fmt)
    with pytest.raises((RuntimeError, OutputError)):
        WRITERS[fmt](sample_incidents(), target, True)
    assert target.read_bytes() == b"old content"
    assert sorted(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_missing_directory_is_an_output_error(tmp_path: Path, fmt: str):
    missing = tmp_path / "no" / "such"
    with pytest.raises(OutputError, match="does not exist") as excinfo:
        WRITERS[fmt](sample_incidents(), missing / f"out.{fmt}", False)
    assert str(missing) in str(excinfo.value)
    assert not missing.exists()


def test_target_is_a_directory(tmp_path: Path):
    (tmp_path / "out.geojson").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        export.write_geojson(sample_incidents(), tmp_path / "out.geojson", force=True)


def test_atomic_write_requires_the_file_and_respects_umask(tmp_path: Path):
    target = tmp_path / "a.txt"
    with pytest.raises(OutputError, match="nothing was written"), atomic_write(target):
        pass
    assert list(tmp_path.iterdir()) == []

    with atomic_write(target) as tmp:
        assert tmp.parent != tmp_path and tmp.parent.parent == tmp_path
        assert tmp.name == target.name
        assert not tmp.exists()
        tmp.write_text("x", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "x"
    assert sorted(tmp_path.iterdir()) == [target]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_atomic_write_does_not_clobber_a_file_created_meanwhile(tmp_path: Path):
    target = tmp_path / "a.txt"
    with pytest.raises(OutputError, match="--force"), atomic_write(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
        target.write_text("someone else", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "someone else"
    assert sorted(tmp_path.iterdir()) == [target]
