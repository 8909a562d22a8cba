"""geomap.annotate and geomap.corpus: event tables and corpora, identical on every engine."""

from __future__ import annotations

import json
import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import geomap
from geomap.annotate import annotate_frame, annotate_table
from geomap.cli import cli
from geomap.corpus import batch_geoparse, read_documents
from geomap.engines import WorkerConfig, start_engine, worker_gazetteer
from geomap.errors import ConfigurationError, GazetteerError, InputError, OutputError

pytest.importorskip("pyarrow")

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

ARTICLES = {
    "a.txt": "Artillery shelled Kapan, Armenia, on Monday.",
    "b.txt": "Clashes near Goris left two soldiers wounded.",
    "c.txt": "A drone strike killed three people in Jermuk.",
}


@pytest.fixture(scope="module")
def dask_scheduler():
    """A small in-process dask cluster (2 thread workers); yields its scheduler address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        protocol="tcp",
        host="127.0.0.1",  # loopback: the tests run with other sockets blocked
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "events.csv"
    EVENTS.to_csv(path, index=False)
    return path


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe not utf-8 \xc3")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    return folder


def _jsonl(tmp_path):
    path = tmp_path / "news.jsonl"
    lines = [
        json.dumps({"id": n, "text": t, "date": f"2024-01-0{i}", "url": f"https://e/{i}"})
        for i, (n, t) in enumerate(ARTICLES.items(), start=1)
    ]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"id": "no-text", "date": "2024-02-01"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- annotate ------------------------------------------------------------------------------


def test_annotate_csv_keeps_every_row_and_counts_invalid(events_csv, tmp_path, borders):
    out = tmp_path / "out.csv"
    summary = annotate_table(events_csv, out, chunk_size=3, workers=1)
    assert (summary.rows, summary.invalid) == (7, 3)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    # The input columns come back exactly as written ("NA" stays "NA").
    pd.testing.assert_frame_equal(got[EVENTS.columns.tolist()], EVENTS)
    for column in ("country", "border", "distance_km", "border_lon", "border_lat", "measure"):
        assert column in got
    bad = ~got["event_id"].isin(GOOD)
    assert (got.loc[bad, "border"] == "").all() and (got.loc[bad, "distance_km"] == "").all()
    # Same numbers as the library function, rounded to the metre.
    ref = borders.distance([46.4068, 44.5152], [39.2076, 40.1872])
    assert got["border"].iloc[:2].tolist() == ref["border"].tolist()
    np.testing.assert_allclose(
        got["distance_km"].iloc[:2].astype(float), ref["distance_km"], atol=5e-4
    )
    assert got.loc[got["event_id"] == "e3", "country"].item() == ""  # at sea
    assert got.loc[got["event_id"] == "e3", "border"].item() != ""  # still a nearest border


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson"])
def test_annotate_round_trips_each_format(events_csv, tmp_path, suffix):
    first = tmp_path / f"events{suffix}"
    annotate_table(events_csv, first, chunk_size=4, workers=1)
    # The written file is itself a valid input; its own results need a prefix to be added.
    with pytest.raises(ConfigurationError, match="prefix"):
        annotate_table(first, tmp_path / f"again{suffix}", workers=1)
    again = tmp_path / f"again{suffix}"
    summary = annotate_table(first, again, workers=1, prefix="g_")
    assert (summary.rows, summary.invalid) == (7, 3)
    # CSV in, Parquet out: plain Parquet (lat/lon stay columns); the others get points.
    table = pd.read_parquet(again) if suffix == ".parquet" else gpd.read_file(again)
    assert len(table) == 7
    located = table["border"].notna() & (table["border"] != "")
    assert located.sum() == 4
    np.testing.assert_allclose(
        table.loc[located, "g_distance_km"].astype(float),
        table.loc[located, "distance_km"].astype(float),
    )
    if suffix != ".parquet":  # points from lat/lon, invalid rows without geometry
        assert table.geometry.isna().sum() + table.geometry.is_empty.sum() == 3


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


def test_annotate_frame_matches_table_and_dask_geopandas(events_csv, tmp_path):
    annotate_table(events_csv, tmp_path / "out.csv", workers=1)
    frame = EVENTS.copy()
    direct = annotate_frame(frame)
    written = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert direct["border"].fillna("").tolist() == written["border"].tolist()
    dask_geopandas = pytest.importorskip("dask_geopandas")
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
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "o2.csv").exists()


@pytest.mark.usefixtures("borders")  # loaded once: the new cache dir needs no derivation
def test_workers_use_the_cache_dir_given_and_leave_the_environment(tmp_path):
    environment = dict(os.environ)
    config = WorkerConfig.of(None, cache_dir=tmp_path / "cache", gazetteer=False)
    engine = start_engine("local", config, workers=1, scheduler=None)
    try:
        # No gazetteer was built in that directory: the worker looks for it there.
        with pytest.raises(GazetteerError, match=re.escape(str(tmp_path / "cache"))):
            engine.submit(worker_gazetteer).result()
    finally:
        engine.close()
    assert dict(os.environ) == environment


def test_annotate_engines_give_identical_files(events_csv, tmp_path, dask_scheduler):
    reference = tmp_path / "one.csv"
    annotate_table(events_csv, reference, chunk_size=2, workers=1)
    local = tmp_path / "local.csv"
    annotate_table(events_csv, local, chunk_size=2, workers=2)
    on_dask = tmp_path / "dask.csv"
    annotate_table(events_csv, on_dask, chunk_size=2, engine="dask", scheduler=dask_scheduler)
    assert local.read_bytes() == reference.read_bytes() == on_dask.read_bytes()
    for suffix in (".parquet", ".gpkg"):
        annotate_table(events_csv, tmp_path / f"one{suffix}", chunk_size=3, workers=1)
        annotate_table(
            events_csv,
            tmp_path / f"dask{suffix}",
            chunk_size=3,
            engine="dask",
            scheduler=dask_scheduler,
        )
        read = pd.read_parquet if suffix == ".parquet" else gpd.read_file
        pd.testing.assert_frame_equal(
            read(tmp_path / f"dask{suffix}"), read(tmp_path / f"one{suffix}")
        )


# -- batch ---------------------------------------------------------------------------------


def test_read_documents_reports_bad_ones(corpus, tmp_path):
    docs = list(read_documents(corpus))
    assert [d.id for d in docs] == ["a.txt", "b.txt", "bad.txt", "c.txt", "empty.txt"]
    assert [d.id for d in docs if d.text is None] == ["bad.txt", "empty.txt"]
    assert "UTF-8" in docs[2].error and "empty" in docs[4].error
    docs = list(read_documents(_jsonl(tmp_path)))
    assert [d.text is None for d in docs] == [False, True, False, False, True]
    assert docs[0].fields == {"date": "2024-01-01", "url": "https://e/1"}
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InputError, match="no .txt files"):
        list(read_documents(tmp_path / "nothing"))
    with pytest.raises(InputError, match="neither a folder"):
        list(read_documents(tmp_path / "news.jsonl.gz" if _touch(tmp_path) else None))


def _touch(tmp_path):
    (tmp_path / "news.jsonl.gz").write_bytes(b"")
    return True


@pytest.mark.usefixtures("gazetteer")
def test_batch_writes_all_outputs_and_skips_bad_documents(corpus, tmp_path):
    out = tmp_path / "out"
    summary = batch_geoparse(corpus, out, workers=1, docs_per_task=2)
    assert summary.documents == 5
    assert sorted(i for i, _ in summary.skipped) == ["bad.txt", "empty.txt"]
    parts = sorted(p.name for p in (out / "incidents").iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet"]
    table = gpd.read_parquet(out / "incidents")
    assert set(table["source"]) == {"a.txt", "b.txt", "c.txt"}
    assert {"Kapan", "Goris", "Jermuk"} <= set(table["name"])
    assert len(gpd.read_file(out / "incidents.gpkg", layer="incidents")) == len(table)
    features = json.loads((out / "incidents.geojson").read_text("utf-8"))["features"]
    assert len(features) == len(table) == summary.rows
    assert (out / "map.html").stat().st_size > 0
    lines = (out / "skipped.jsonl").read_text("utf-8").splitlines()
    skipped = [json.loads(line) for line in lines]
    assert [s["id"] for s in skipped] == ["bad.txt", "empty.txt"]
    with pytest.raises(OutputError, match="--force"):
        batch_geoparse(corpus, out, workers=1)


@pytest.mark.usefixtures("gazetteer")
def test_batch_dates_events_from_the_date_field_and_skips_a_bad_date(tmp_path):
    path = tmp_path / "dated.jsonl"
    rows = [
        {"id": "a", "text": "Artillery shelled Kapan on Tuesday.", "date": "2026-12-02"},
        {"id": "b", "text": "Artillery shelled Goris on Tuesday."},
        {"id": "c", "text": "Artillery shelled Jermuk on Tuesday.", "date": "next week"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    summary = batch_geoparse(path, tmp_path / "out", workers=1)
    assert [i for i, _ in summary.skipped] == ["c"]
    assert "'next week' is not a date" in summary.skipped[0][1]
    table = gpd.read_parquet(tmp_path / "out" / "incidents").set_index("source")
    assert table.loc["a", "event_date"] == "2026-12-01"  # the Tuesday before
    assert pd.isna(table.loc["b", "event_date"])


@pytest.mark.usefixtures("gazetteer")
def test_batch_carries_jsonl_fields(tmp_path):
    summary = batch_geoparse(_jsonl(tmp_path), tmp_path / "out", workers=1)
    assert len(summary.skipped) == 2
    table = gpd.read_parquet(tmp_path / "out" / "incidents")
    kapan = table[table["name"] == "Kapan"].iloc[0]
    assert (kapan["source"], kapan["date"], kapan["url"]) == ("a.txt", "2024-01-01", "https://e/1")
    props = json.loads((tmp_path / "out" / "incidents.geojson").read_text("utf-8"))["features"]
    assert {f["properties"]["date"] for f in props} == {"2024-01-01", "2024-01-02", "2024-01-03"}


@pytest.mark.usefixtures("gazetteer")
def test_batch_engines_give_identical_rows(corpus, tmp_path, dask_scheduler):
    one = batch_geoparse(corpus, tmp_path / "one", workers=1, docs_per_task=1)
    local = batch_geoparse(corpus, tmp_path / "local", workers=2, docs_per_task=1)
    on_dask = batch_geoparse(
        corpus,
        tmp_path / "dask",
        engine="dask",
        scheduler=dask_scheduler,
        docs_per_task=1,
    )
    assert one.skipped == local.skipped == on_dask.skipped
    reference = gpd.read_parquet(tmp_path / "one" / "incidents")
    assert len(reference) > 3
    for name in ("local", "dask"):
        other = gpd.read_parquet(tmp_path / name / "incidents")
        pd.testing.assert_frame_equal(other, reference)
        assert (tmp_path / name / "incidents.geojson").read_bytes() == (
            tmp_path / "one" / "incidents.geojson"
        ).read_bytes()


# -- CLI -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("gazetteer")
def test_cli_annotate_and_batch(events_csv, corpus, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["annotate", str(events_csv), "--out", str(tmp_path / "a.gpkg"), "--workers", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "7 rows annotated (3 with missing or invalid" in result.output
    result = runner.invoke(
        cli, ["batch", str(corpus), "--out", str(tmp_path / "b"), "--workers", "1"]
    )
    assert result.exit_code == 2, result.output  # completed, with skipped documents
    assert "3 of 5 documents geoparsed" in result.output and "skipped bad.txt" in result.output
    result = runner.invoke(cli, ["annotate", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "Error: input" in result.output
