"""geomap.annotate: event tables annotated in chunks, the user's columns kept, on any engine."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
from click.testing import CliRunner
from shapely import Point

import geomap
from geomap.annotate import annotate_frame, annotate_table
from geomap.cli import cli
from geomap.distances import Memo, find, prepare
from geomap.errors import ConfigurationError, InputError, OutputError

ROOT = Path(__file__).resolve().parents[1]

# Hand-written events: Kapan and Yerevan (Armenia), one at sea, and four bad coordinates.
EVENTS = pd.DataFrame(
    {
        "event_id": ["e1", "e2", "e3", "e4", "e5", "e6", "e7"],
        "latitude": ["39.2076", "40.1872", "40.0", "", "91", "abc", "39.5111"],
        "longitude": ["46.4068", "44.5152", "50.0", "10", "0", "1", "46.3417"],
        "notes": ["shelling", "NA", "", "x", "y", "z", "Goris"],
    }
)
GOOD = {"e1", "e2", "e3", "e7"}


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "events.csv"
    EVENTS.to_csv(path, index=False)
    return path


def test_annotate_csv_keeps_every_row_and_counts_invalid(events_csv, tmp_path, borders):
    out = tmp_path / "out.csv"
    summary = annotate_table(events_csv, out, chunk_size=3, workers=1)
    assert (summary.rows, summary.invalid) == (7, 3)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    # CSV to CSV: the input columns come back exactly as written ("NA" stays "NA").
    pd.testing.assert_frame_equal(got[EVENTS.columns.tolist()], EVENTS)
    assert got.columns.tolist()[4:] == list(geomap.annotate.ADDED_COLUMNS)
    bad = ~got["event_id"].isin(GOOD)
    assert (got.loc[bad, "border"] == "").all() and (got.loc[bad, "distance_km"] == "").all()
    ref = borders.distance([46.4068, 44.5152], [39.2076, 40.1872])
    assert got["border"].iloc[:2].tolist() == ref["border"].tolist()
    np.testing.assert_allclose(
        got["distance_km"].iloc[:2].astype(float), ref["distance_km"], atol=5e-4
    )
    assert got.loc[got["event_id"] == "e3", "country"].item() == ""  # at sea
    assert got.loc[got["event_id"] == "e3", "border"].item() != ""  # still a nearest border


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson"])
def test_annotating_twice_prefixes_the_second_columns(events_csv, tmp_path, suffix):
    first = tmp_path / f"events{suffix}"
    annotate_table(events_csv, first, chunk_size=4, workers=1)
    # The written file is itself a valid input; its columns are never replaced.
    with pytest.raises(ConfigurationError, match="already has a column 'country'"):
        annotate_table(first, tmp_path / f"again{suffix}", workers=1, prefix="")
    summary = annotate_table(first, tmp_path / f"again{suffix}", workers=1)
    assert summary.columns[0] == "geomap_country"
    assert (summary.rows, summary.invalid) == (7, 3)
    table = pd.read_parquet(tmp_path / f"again{suffix}") if suffix == ".parquet" else (
        gpd.read_file(tmp_path / f"again{suffix}")
    )  # fmt: skip
    located = table["border"].notna() & (table["border"] != "")
    assert located.sum() == 4
    np.testing.assert_allclose(
        table.loc[located, "geomap_distance_km"], table.loc[located, "distance_km"]
    )


def test_the_users_columns_are_never_overwritten(tmp_path):
    # ACLED has country and geo_precision; a user may have a measure column too.
    frame = pd.DataFrame(
        {
            "country": ["Armenia"],
            "geo_precision": [2],
            "latitude": [39.2076],
            "longitude": [46.4068],
            "measure": ["fatalities"],
        }
    )
    frame.to_csv(tmp_path / "acled.csv", index=False)
    summary = annotate_table(tmp_path / "acled.csv", tmp_path / "out.parquet", workers=1)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.column_names[:5] == frame.columns.tolist()
    assert out.column("country").to_pylist() == ["Armenia"]
    assert out.column("measure").to_pylist() == ["fatalities"]
    assert out.column("geo_precision").to_pylist() == [2]
    assert out.column("geomap_country").to_pylist() == ["AM"]
    assert out.column("geomap_measure").to_pylist() == ["land"]
    assert summary.columns[0] == "geomap_country"
    annotate_table(tmp_path / "acled.csv", tmp_path / "mine.csv", prefix="b_", workers=1)
    assert pd.read_csv(tmp_path / "mine.csv").columns[5] == "b_country"
    direct = annotate_frame(frame)
    assert direct["measure"].tolist() == ["fatalities"] and direct["geomap_border"][0] == "AM-AZ"


def test_a_geojson_output_keeps_a_column_named_geometry(tmp_path):
    pd.DataFrame({"geometry": ["my text"], "lat": [39.2076], "lon": [46.4068]}).to_csv(
        tmp_path / "g.csv", index=False
    )
    annotate_table(tmp_path / "g.csv", tmp_path / "g.geojson", workers=1)
    _, table = pyogrio.read_arrow(tmp_path / "g.geojson")
    assert table.column("geometry").to_pylist() == ["my text"]
    assert gpd.read_file(tmp_path / "g.geojson", columns=[]).geometry.iloc[0].x == 46.4068


def test_annotate_geoparquet_points_without_lat_lon_columns(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"id": [1, 2, 3]},
        geometry=gpd.GeoSeries.from_wkt(["POINT (46.4068 39.2076)", None, "POINT (44.5 40.2)"]),
        crs="EPSG:4326",
    )
    gdf.to_parquet(tmp_path / "in.parquet")
    summary = annotate_table(tmp_path / "in.parquet", tmp_path / "out.parquet", workers=1)
    assert (summary.rows, summary.invalid) == (3, 1)
    out = gpd.read_parquet(tmp_path / "out.parquet")  # still GeoParquet
    assert out.crs.equals("EPSG:4326") and out["id"].tolist() == [1, 2, 3]
    assert out["border"].tolist()[0] == "AM-AZ" and pd.isna(out["border"].tolist()[1])


def test_a_geoparquet_crs_is_honoured(tmp_path, borders):
    # Kapan in Web Mercator metres: read as degrees it would be somewhere off the map.
    x, y = 5_165_941.0, 4_752_700.0
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(x, y)], crs="EPSG:3857")
    gdf.to_parquet(tmp_path / "mercator.parquet")
    annotate_table(tmp_path / "mercator.parquet", tmp_path / "out.parquet", workers=1)
    out = gpd.read_parquet(tmp_path / "out.parquet")
    assert out.crs.equals("EPSG:3857")  # the geometry stays the user's, in their CRS
    lonlat = gdf.to_crs("EPSG:4326").geometry.iloc[0]
    ref = borders.distance(lonlat.x, lonlat.y).iloc[0]
    assert (out["country"][0], out["border"][0]) == ("AM", "AM-AZ")
    assert out["distance_km"][0] == round(ref["distance_km"], 3)
    gdf.to_file(tmp_path / "mercator.gpkg")  # the same from a GeoPackage's SRS
    annotate_table(tmp_path / "mercator.gpkg", tmp_path / "gpkg.csv", workers=1)
    assert pd.read_csv(tmp_path / "gpkg.csv")["distance_km"][0] == out["distance_km"][0]


def test_repeated_points_give_the_numbers_of_each_point(borders):
    rng = np.random.default_rng(3)
    lon = rng.uniform(40, 50, 50).round(3)
    lat = rng.uniform(35, 42, 50).round(3)
    pick = rng.integers(0, 50, 400)
    rows_lon, rows_lat = lon[pick], lat[pick]
    rows_lon[::7] = np.nan  # invalid rows stay empty
    ref = find(borders, rows_lon[np.isfinite(rows_lon)], rows_lat[np.isfinite(rows_lon)], "any")
    for limit in (0, 10, 1000):  # no memo, a full one, room for all
        memo = Memo(limit=limit)
        for part in np.array_split(np.arange(400), 4):
            prepared = prepare(rows_lon[part], rows_lat[part], memo)
            new_lon, new_lat = prepared.missing()
            assert len(new_lon) <= 50
            found = prepared.resolve(find(borders, new_lon, new_lat, "any"), memo)
            ok = np.isfinite(rows_lon[part])
            assert np.isnan(found.numbers[~ok]).all() and (found.codes[~ok] == -1).all()
            offset = np.isfinite(rows_lon[: part[0]]).sum()
            want = slice(offset, offset + ok.sum())
            np.testing.assert_array_equal(found.numbers[ok], ref.numbers[want])
            words = np.asarray(found.vocab + [None], dtype=object)
            ref_words = np.asarray(ref.vocab + [None], dtype=object)
            assert (words[found.codes[ok]] == ref_words[ref.codes[want]]).all()
        assert len(memo) == min(limit, 50)


def test_annotate_frame_matches_table_and_dask_geopandas(events_csv, tmp_path):
    annotate_table(events_csv, tmp_path / "out.csv", workers=1)
    direct = annotate_frame(EVENTS.copy())
    written = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert direct["border"].fillna("").tolist() == written["border"].tolist()
    dask_geopandas = pytest.importorskip("dask_geopandas")
    frame = EVENTS.copy()
    gdf = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(
            pd.to_numeric(frame["longitude"], errors="coerce"),
            pd.to_numeric(frame["latitude"], errors="coerce"),
        ),
        crs=4326,
    )
    parts = dask_geopandas.from_geopandas(gdf, npartitions=3)
    lazy = parts.map_partitions(annotate_frame, lon_col="longitude", lat_col="latitude")
    pd.testing.assert_frame_equal(
        pd.DataFrame(lazy.compute(scheduler="sync")).drop(columns="geometry"),
        pd.DataFrame(annotate_frame(gdf)).drop(columns="geometry"),
        check_dtype=False,  # dask stores text as pyarrow strings
    )


def test_annotate_wraps_longitude_like_border_distance(tmp_path):
    # One longitude policy (geomap.geodesy.as_points): 406.4 is 46.4, 1e308 is invalid.
    frame = pd.DataFrame({"longitude": [406.4, 1e308], "latitude": [39.2076, 39.2076]})
    got = annotate_frame(frame)
    ref = geomap.border_distance(406.4, 39.2076).iloc[0]
    assert got["border"].iloc[0] == ref["border"] == "AM-AZ"
    assert got["country"].iloc[0] == ref["country"]
    assert got["distance_km"].iloc[0] == round(ref["distance_km"], 3)
    assert pd.isna(got["border"].iloc[1]) and np.isnan(got["distance_km"].iloc[1])
    frame.to_csv(tmp_path / "far.csv", index=False)
    summary = annotate_table(tmp_path / "far.csv", tmp_path / "far.geojson", workers=1)
    assert (summary.rows, summary.invalid) == (2, 1)
    written = gpd.read_file(tmp_path / "far.geojson")
    assert written["border"].tolist()[0] == "AM-AZ"
    assert written["distance_km"].tolist()[0] == round(ref["distance_km"], 3)
    assert written.geometry.iloc[0].x == pytest.approx(46.4)  # the point is written wrapped


def test_annotate_errors_name_the_file_and_the_fix(tmp_path, events_csv):
    with pytest.raises(InputError, match="does not exist"):
        annotate_table(tmp_path / "missing.csv", workers=1)
    with pytest.raises(ConfigurationError, match="unknown format"):
        annotate_table(events_csv, tmp_path / "out.xlsx", workers=1)
    with pytest.raises(ConfigurationError, match="has no column 'lon'"):
        annotate_table(events_csv, tmp_path / "o.csv", lat_col="lat", lon_col="lon", workers=1)
    no_coords = tmp_path / "plain.csv"
    no_coords.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="--lat-col"):
        annotate_table(no_coords, workers=1)
    (tmp_path / "taken.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        annotate_table(events_csv, tmp_path / "taken.csv", workers=1)
    with pytest.raises(ConfigurationError, match="engine"):
        annotate_table(events_csv, tmp_path / "o2.csv", engine="spark")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        annotate_table(tmp_path / "empty.csv", tmp_path / "o3.csv")
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "o2.csv").exists()


def test_a_full_disk_is_a_one_line_error_and_leaves_nothing(tmp_path, events_csv, monkeypatch):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    result = CliRunner().invoke(
        cli, ["annotate", str(events_csv), "--out", str(tmp_path / "o.parquet"), "--workers", "1"]
    )
    assert result.exit_code == 1
    assert "Error: no space left on the device while writing" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]  # no temporary left


def test_paths_with_an_exclamation_mark_read_and_write_their_own_file(tmp_path, events_csv):
    odd = tmp_path / "report!x.gpkg"
    annotate_table(events_csv, odd, workers=1)
    annotate_table(odd, tmp_path / "back!y.parquet", workers=1, prefix="g_")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["back!y.parquet", "events.csv", odd.name]
    assert pq.read_table(tmp_path / "back!y.parquet").num_rows == 7


def test_annotate_engines_give_identical_files(events_csv, tmp_path, dask_scheduler):
    reference = tmp_path / "one.csv"
    annotate_table(events_csv, reference, chunk_size=2, workers=1)
    local = tmp_path / "local.csv"
    annotate_table(events_csv, local, chunk_size=2, workers=2)
    on_dask = tmp_path / "dask.csv"
    annotate_table(events_csv, on_dask, chunk_size=2, engine="dask", scheduler=dask_scheduler)
    assert local.read_bytes() == reference.read_bytes() == on_dask.read_bytes()
    # Parquet in: one task per row group on dask, the same table out.
    typed = pa.Table.from_pandas(EVENTS.assign(latitude=pd.to_numeric(EVENTS["latitude"],
                                 errors="coerce")))  # fmt: skip
    pq.write_table(typed, tmp_path / "groups.parquet", row_group_size=3)
    for suffix in (".parquet", ".gpkg"):
        annotate_table(tmp_path / "groups.parquet", tmp_path / f"one{suffix}", workers=1)
        annotate_table(
            tmp_path / "groups.parquet",
            tmp_path / f"dask{suffix}",
            engine="dask",
            scheduler=dask_scheduler,
        )
        read = pd.read_parquet if suffix == ".parquet" else gpd.read_file
        pd.testing.assert_frame_equal(
            read(tmp_path / f"dask{suffix}"), read(tmp_path / f"one{suffix}")
        )


def test_a_real_shell_pipeline_reads_stdin_and_writes_stdout(tmp_path):
    rows = ["id,latitude,longitude"] + [f"{i},39.{i % 100:02d},46.4" for i in range(50_000)]
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", "utf-8")
    command = (
        f"cat x.csv | {sys.executable} -m geomap annotate - --out - --workers 1 | head -n 3; "
        'echo "status ${PIPESTATUS[1]}"'
    )
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = done.stdout.splitlines()
    assert lines[0].replace('"', "").startswith("id,latitude,longitude,country,border")
    assert lines[1].replace('"', "").startswith("0,39.00,46.4,AM,AM-AZ,")
    # head closed the pipe long before 50,000 rows: a quiet exit, as on SIGPIPE.
    assert lines[3] == "status 141", done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
