"""geomap.tables: event tables in and out with their types, CSV dialects, one-line errors."""

from __future__ import annotations

import datetime
import doctest
import importlib
import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pyogrio
import pytest

from geomap.annotate import annotate_table
from geomap.errors import ConfigurationError, DataFileError, InputError
from geomap.tables import open_table

# ints, floats, dates, text, and a missing value in each.
TYPED = (
    "event_id,fatalities,latitude,longitude,event_date,actor,code\n"
    "1,3,39.2076,46.4068,2024-01-02,Army,007\n"
    "2,,40.1872,44.5152,2024-01-03,,010\n"
    "3,0,,10.5,,Militia,011\n"
    "4,12,40.0,50.0,2024-02-01,NA,012\n"
)


@pytest.fixture
def typed_csv(tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text(TYPED, encoding="utf-8")
    return path


def _read_back(path):
    """Read a file back with pyarrow (Parquet, CSV) or GDAL (pyogrio.read_arrow)."""
    if path.suffix == ".parquet":
        return pq.read_table(path)
    if path.suffix == ".csv":  # CSV has no types: pyarrow guesses them again, "007" as text
        return pa_csv.read_csv(
            path, convert_options=pa_csv.ConvertOptions(column_types={"code": pa.string()})
        )
    _, table = pyogrio.read_arrow(path)
    return table


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson", ".csv"])
def test_types_round_trip_through_every_format(typed_csv, tmp_path, suffix, borders):
    out = tmp_path / f"annotated{suffix}"
    summary = annotate_table(typed_csv, out, workers=1)
    assert (summary.rows, summary.invalid) == (4, 1)
    table = _read_back(out)
    schema = table.schema
    # Every input column first, in order, then geomap's.
    names = schema.names
    assert names[:7] == ["event_id", "fatalities", "latitude", "longitude", "event_date"] + [
        "actor",
        "code",
    ]
    assert names.index("country") > names.index("code")
    for column in ("event_id", "fatalities"):
        assert pa.types.is_integer(schema.field(column).type), (column, schema.field(column))
    for column in ("latitude", "longitude", "distance_km", "border_lat"):
        assert pa.types.is_floating(schema.field(column).type), (column, schema.field(column))
    assert pa.types.is_date(schema.field("event_date").type) or (
        pa.types.is_timestamp(schema.field("event_date").type)
    )
    for column in ("actor", "border", "measure"):
        assert pa.types.is_string(schema.field(column).type) or pa.types.is_large_string(
            schema.field(column).type
        )
    # Leading zeros make a column text: "007" stays "007".
    assert table.column("code").to_pylist() == ["007", "010", "011", "012"]
    rows = table.to_pylist()
    assert [r["fatalities"] for r in rows] == [3, None, 0, 12]  # missing stays missing
    assert rows[2]["latitude"] is None and rows[2]["event_date"] is None
    assert rows[0]["event_date"] in (datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2))
    assert rows[3]["actor"] == "NA"  # text is kept as written (Namibia's code, not a null)
    assert rows[0]["border"] == "AM-AZ" and rows[2]["border"] in (None, "")  # CSV: empty
    ref = borders.distance(46.4068, 39.2076).iloc[0]
    assert rows[0]["distance_km"] == round(ref["distance_km"], 3)


def test_csv_to_csv_keeps_every_cell_as_written(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("id,lat,lon,amount\n01,39.2076,46.4068,1.50\n2,40.0,50.0,NA\n", "utf-8")
    annotate_table(path, tmp_path / "out.csv", workers=1)
    back = pa_csv.read_csv(
        tmp_path / "out.csv",
        convert_options=pa_csv.ConvertOptions(
            strings_can_be_null=False,
            column_types={c: pa.string() for c in ("id", "lat", "lon", "amount")},
        ),  # fmt: skip
    )
    assert back.column("id").to_pylist() == ["01", "2"]
    assert back.column("lat").to_pylist() == ["39.2076", "40.0"]
    assert back.column("amount").to_pylist() == ["1.50", "NA"]


SEMICOLON_LATIN1 = (
    "id;latitude;longitude;lieu\n1;39,2076;46,4068;Kapan – Syunik\n2;40,1872;44,5152;Erevan\n"
)


@pytest.mark.parametrize("told", [False, True], ids=["sniffed", "told"])
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8"])
def test_semicolon_and_latin1_csvs_work_sniffed_and_told(tmp_path, told, encoding):
    text = SEMICOLON_LATIN1 if encoding == "cp1252" else SEMICOLON_LATIN1.replace("–", "é")
    path = tmp_path / "europe.csv"
    path.write_bytes(text.encode(encoding))
    options = {"sep": ";", "encoding": encoding, "decimal": ","} if told else {}
    summary = annotate_table(path, tmp_path / "out.parquet", workers=1, **options)
    assert (summary.rows, summary.invalid) == (2, 0)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("latitude").to_pylist() == [39.2076, 40.1872]  # decimal commas
    assert table.column("lieu").to_pylist()[0] == text.splitlines()[1].split(";")[3]
    assert table.column("border").to_pylist() == ["AM-AZ", "AM-TR"]
    if not told and encoding != "utf-8":
        assert summary.read_as == "';'-separated, cp1252, decimal ','"


def test_csv_errors_name_the_line_and_the_fix(tmp_path):
    rows = ["id,latitude,longitude"] + [f"{i},39.2,46.4" for i in range(20_000)]
    rows[3000] = "2999,39.2,46.4,extra"
    (tmp_path / "fields.csv").write_text("\n".join(rows) + "\n", "utf-8")
    with pytest.raises(DataFileError, match=r"line 3001 has 4 fields where the header has 3"):
        annotate_table(tmp_path / "fields.csv", tmp_path / "o.parquet", workers=1)
    # A byte that is not UTF-8 far beyond the sniffed start: the line, and --encoding.
    data = (
        b"id,latitude,longitude,notes\n" + b"1,39.2,46.4,ok\n" * 10_000 + b"2,39.2,46.4,caf\xe9\n"
    )
    (tmp_path / "late.csv").write_bytes(data)
    with pytest.raises(InputError, match=r"not utf-8 text: byte 0xe9 on line 10002.*--encoding"):
        annotate_table(tmp_path / "late.csv", tmp_path / "o.parquet", workers=1)
    summary = annotate_table(tmp_path / "late.csv", tmp_path / "o.parquet", encoding="latin-1")
    assert summary.rows == 10_001
    assert not (tmp_path / "o.csv").exists()


def test_a_later_value_of_another_type_makes_the_column_text(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.import_module("geomap.tables.read"), "INFER_BYTES", 1 << 20)
    rows = ["id,code,latitude,longitude"] + [f"{i},{i},39.2,46.4" for i in range(120_000)]
    rows.append("120000,X7,39.2,46.4")
    (tmp_path / "late.csv").write_text("\n".join(rows) + "\n", "utf-8")
    summary = annotate_table(tmp_path / "late.csv", tmp_path / "o.parquet", chunk_size=20_000)
    assert summary.rows == 120_001
    schema = pq.read_schema(tmp_path / "o.parquet")
    assert schema.field("code").type == pa.string() and schema.field("id").type == pa.int64()
    table = pq.read_table(tmp_path / "o.parquet", columns=["code"])
    assert table.column("code").to_pylist()[-1] == "X7"
    # Types can be given instead of guessed.
    annotate_table(tmp_path / "late.csv", tmp_path / "t.parquet", types={"id": "text"})
    assert pq.read_schema(tmp_path / "t.parquet").field("id").type == pa.string()
    with pytest.raises(ConfigurationError, match="unknown column type"):
        annotate_table(tmp_path / "late.csv", tmp_path / "u.parquet", types={"id": "money"})


def test_parquet_chunks_follow_row_groups_and_folders_are_datasets(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for part in range(2):
        table = pa.table(
            {"id": np.arange(part * 10, part * 10 + 10), "lat": [39.2] * 10, "lon": [46.4] * 10}
        )
        pq.write_table(table, folder / f"part-{part}.parquet", row_group_size=4)
    opened = open_table(folder, chunk_size=3)
    sizes = [len(c) for c in opened.chunks]
    assert sizes == [3, 1, 3, 1, 2] * 2  # 4 + 4 + 2 rows per file, never across groups
    summary = annotate_table(folder, tmp_path / "all.parquet", chunk_size=3, workers=1)
    assert summary.rows == 20
    assert pq.read_table(tmp_path / "all.parquet").column("id").to_pylist() == list(range(20))


def _geoparquet(path, geo, geometry=b"\x01\x01\x00\x00\x00" + b"\x00" * 16):
    table = pa.table({"id": [1], "geometry": pa.array([geometry], pa.binary())})
    pq.write_table(table.replace_schema_metadata({"geo": geo} if geo is not None else None), path)
    return path


def test_unusable_parquet_gives_one_line_errors(tmp_path):
    dup = pa.table([pa.array([1]), pa.array([2]), pa.array([39.2]), pa.array([46.4])],
                   names=["a", "a", "lat", "lon"])  # fmt: skip
    pq.write_table(dup, tmp_path / "dup.parquet")
    with pytest.raises(DataFileError, match="two columns are named 'a'; rename one"):
        annotate_table(tmp_path / "dup.parquet", tmp_path / "o.csv")
    bad_json = _geoparquet(tmp_path / "json.parquet", '{"version": "1.0.0", "primary_')
    with pytest.raises(DataFileError, match="GeoParquet metadata that is not JSON"):
        annotate_table(bad_json, tmp_path / "o.csv")
    no_column = _geoparquet(tmp_path / "nocol.parquet", json.dumps({"primary_column": "geom"}))
    with pytest.raises(DataFileError, match="malformed GeoParquet metadata"):
        annotate_table(no_column, tmp_path / "o.csv")
    other = json.dumps(
        {"primary_column": "geometry", "columns": {"geometry": {"encoding": "point"}}}
    )
    with pytest.raises(DataFileError, match="not WKB"):
        annotate_table(_geoparquet(tmp_path / "arrow.parquet", other), tmp_path / "o.csv")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataFileError, match="cannot read Parquet"):
        annotate_table(tmp_path / "junk.parquet", tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()


def test_bad_wkb_is_an_invalid_row_not_a_crash(tmp_path):
    geo = json.dumps({"primary_column": "geometry", "columns": {"geometry": {"encoding": "WKB"}}})
    path = _geoparquet(tmp_path / "bad.parquet", geo, geometry=b"garbage")
    summary = annotate_table(path, tmp_path / "o.parquet", workers=1)
    assert (summary.rows, summary.invalid) == (1, 1)


@pytest.mark.parametrize("name", ["dialects", "read", "coords"])
def test_doctests(name):
    module = importlib.import_module(f"geomap.tables.{name}")
    assert doctest.testmod(module).failed == 0


def test_parquet_out_is_geoparquet_with_a_bbox_covering(typed_csv, tmp_path):
    import geopandas as gpd

    annotate_table(typed_csv, tmp_path / "g.parquet", workers=1)
    geo = json.loads(pq.read_schema(tmp_path / "g.parquet").metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    spec = geo["columns"]["geometry"]
    assert spec["encoding"] == "WKB" and spec["geometry_types"] == ["Point"]
    assert spec["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    everything = gpd.read_parquet(tmp_path / "g.parquet")
    assert everything.crs.equals("OGC:CRS84") and len(everything) == 4  # no "crs": lon/lat
    near_kapan = gpd.read_parquet(tmp_path / "g.parquet", bbox=(46.0, 39.0, 47.0, 39.5))
    assert near_kapan["event_id"].tolist() == [1]  # filtered through the covering


def test_tab_separated_standard_input_and_a_one_character_delimiter(tmp_path):
    from click.testing import CliRunner

    from geomap.cli import cli

    text = "id\tlat\tlon\n1\t39.2076\t46.4068\n"
    result = CliRunner().invoke(
        cli, ["annotate", "-", "--out", "-", "--sep", "tab", "--workers", "1"], input=text
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith('"1","39.2076","46.4068","AM","AM-AZ"')
    (tmp_path / "x.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="one character"):
        annotate_table(tmp_path / "x.csv", tmp_path / "o.csv", sep="::")
