import datetime as dt
import math

import pandas as pd
import pytest
from pyproj import Geod

from geomap.errors import InputError
from geomap.incidents import AREA_FEATURES, COLUMNS, EVENT_COLUMNS, document_incidents
from geomap.io import read_text
from geomap.rules import violence


@pytest.fixture(scope="module")
def sample_incidents(sample_text, gazetteer, borders):
    return document_incidents(
        sample_text, source="sample.txt", gazetteer=gazetteer, borders=borders
    )


def test_columns_crs_and_one_row_per_place(sample_incidents):
    gdf = sample_incidents
    assert list(gdf.columns) == [*COLUMNS, "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf["geonameid"].is_unique
    assert (gdf.geometry.x == gdf["lon"]).all() and (gdf.geometry.y == gdf["lat"]).all()
    assert gdf["role"].isin(["incident", "container", "context"]).all()
    assert (gdf["role_reason"] != "").all() and gdf["metonymic"].dtype == bool
    for column in ("trigger_start", "trigger_end", "geo_precision", "where_prec"):
        assert str(gdf[column].dtype) == "Int64"


def test_mentions_offsets_and_first_name(sample_text, sample_incidents):
    kapan = sample_incidents.set_index("name").loc["Kapan"]
    spans = [tuple(map(int, s.split("-"))) for s in kapan["offsets"].split(";")]
    assert kapan["mentions"] == len(spans) == sample_text.count("Kapan")
    assert all(sample_text[s:e] == "Kapan" for s, e in spans)
    assert (kapan["start"], kapan["end"]) == spans[0]


def test_roles_follow_where_the_violence_happened(sample_text, sample_incidents):
    rows = sample_incidents.set_index("name")
    for town in ("Jermuk", "Goris", "Kapan"):
        row = rows.loc[town]
        assert row["role"] == "incident" and row["cue"] == "shelled"
        assert row["role_reason"] == "target of 'shelled'" and not row["metonymic"]
        assert row["event_type"] == "shelling" and (row["geo_precision"], row["where_prec"]) == (
            1,
            1,
        )
        assert sample_text[row["trigger_start"] : row["trigger_end"]].lower() == row["cue"]
        assert violence().regex.search(row["sentence"])
        assert row["border"] == "AM-AZ" and row["country"] == "AM"
    assert rows.loc["Baku", "role"] == "context"
    assert rows.loc["Baku", "role_reason"] == "named as the speaker"
    assert rows.loc["YEREVAN", "role_reason"] == "dateline"
    for country in ("Russia", "Turkey"):
        assert rows.loc[country, "role"] == "context" and rows.loc[country, "cue"] == ""
        assert rows.loc[country, "metonymic"]
        assert (
            rows.loc[country, "event_type"] == "" and rows.loc[country, "geo_precision"] is pd.NA
        )


def test_areas_without_an_incident_have_no_distance(sample_incidents):
    areas = sample_incidents[sample_incidents["feature"].isin(AREA_FEATURES)]
    quiet = areas[areas["role"] != "incident"]
    assert len(quiet) >= 3  # Armenian, Azerbaijan, Russia, Turkey, European ...
    assert quiet["distance_km"].isna().all() and quiet["border"].isna().all()
    assert quiet["border_lat"].isna().all() and quiet["side"].isna().all()
    syunik = sample_incidents.set_index("name").loc["Syunik"]
    assert syunik["role"] == "incident" and syunik["geo_precision"] == 3
    assert syunik["where_prec"] == 4 and math.isfinite(syunik["distance_km"])


def test_event_date_from_the_document_date_or_a_dated_dateline(gazetteer, borders):
    text = "Artillery shelled Kapan on Tuesday."
    dated = document_incidents(
        text, date=dt.date(2026, 12, 2), gazetteer=gazetteer, borders=borders
    )
    assert dated[["event_date", "date_precision"]].values.tolist() == [["2026-12-01", "day"]]
    undated = document_incidents(text, gazetteer=gazetteer, borders=borders)
    assert undated["event_date"].tolist() == [None]
    dateline = "KAPAN, 2 December 2026 (Reuters) - Artillery shelled Goris on Tuesday."
    rows = document_incidents(dateline, gazetteer=gazetteer, borders=borders).set_index("name")
    assert rows.loc["Goris", "event_date"] == "2026-12-01"
    assert rows.loc["KAPAN", "role_reason"] == "dateline"
    with pytest.raises(InputError, match=r"'Tuesday' is not a date: give it as YYYY-MM-DD"):
        document_incidents(text, date="Tuesday", gazetteer=gazetteer, borders=borders)


def test_an_offset_from_a_reference_place_is_an_incident_at_the_offset_point(gazetteer, borders):
    text = "Fighting was reported 10 km north of Kharkiv on Friday."
    gdf = document_incidents(text, gazetteer=gazetteer, borders=borders)
    assert gdf["name"].tolist() == ["Kharkiv", "10 km north of Kharkiv"]
    kharkiv, offset = gdf.iloc[0], gdf.iloc[1]
    assert kharkiv["role"] == "context" and kharkiv["role_reason"] == "reference point"
    assert offset["role"] == "incident" and offset["event_type"] == "armed_clash"
    assert text[offset["start"] : offset["end"]] == "10 km north of Kharkiv"
    assert (offset["rel_kind"], offset["rel_distance_km"], offset["rel_bearing"]) == (
        "offset",
        10.0,
        0.0,
    )
    assert (offset["ref_lat"], offset["ref_lon"]) == (kharkiv["lat"], kharkiv["lon"])
    azimuth, _, metres = Geod(ellps="WGS84").inv(
        kharkiv["lon"], kharkiv["lat"], offset.geometry.x, offset.geometry.y
    )
    assert metres == pytest.approx(10_000, abs=0.01) and azimuth == pytest.approx(0, abs=1e-6)
    assert (offset["geo_precision"], offset["where_prec"]) == (2, 2)
    assert offset["place"] == kharkiv["place"] and offset["geonameid"] == kharkiv["geonameid"]
    assert math.isfinite(offset["distance_km"]) and offset["border"] == "RU-UA"


def test_event_columns_follow_reason_and_precede_the_border_columns():
    i = COLUMNS.index("reason")
    assert COLUMNS[i + 1 : i + 1 + len(EVENT_COLUMNS)] == EVENT_COLUMNS
    assert COLUMNS[i + 1 + len(EVENT_COLUMNS)] == "country"


def test_dateline_place_is_not_the_incident(gazetteer, borders):
    gdf = document_incidents(
        "BAKU — Shells hit Kapan overnight.", gazetteer=gazetteer, borders=borders
    ).set_index("name")
    assert gdf.loc["Kapan", "role"] == "incident" and gdf.loc["BAKU", "role"] == "context"


def test_text_without_places_gives_an_empty_frame_with_the_columns(gazetteer, borders):
    gdf = document_incidents("nothing to see here.", gazetteer=gazetteer, borders=borders)
    assert len(gdf) == 0 and list(gdf.columns) == [*COLUMNS, "geometry"]


def test_read_text_accepts_utf8_with_bom(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("\ufeffKapan was shelled.".encode())
    assert read_text(p) == "Kapan was shelled."


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "does not exist"),
        (lambda d: (d / "empty.txt").write_text("  \n") and d / "empty.txt", "is empty"),
        (lambda d: (d / "folder").mkdir() or d / "folder", "is a directory"),
        (lambda d: (d / "bad.txt").write_bytes(b"Kapan \xff\xfe shelled") and d / "bad.txt",
         "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_input_names_the_file_and_the_fix(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as info:
        read_text(path)
    assert path.name in str(info.value) and "\n" not in str(info.value)


def test_countries_and_continents_are_context_even_in_violent_sentences(gazetteer, borders):
    gdf = document_incidents(
        "European and Armenian leaders condemned the shelling of Kapan.",
        gazetteer=gazetteer,
        borders=borders,
    ).set_index("name")
    assert gdf.loc["Kapan", "role"] == "incident"
    assert gdf.loc["European", "role"] != "incident" and gdf.loc["Armenian", "role"] != "incident"


def test_a_region_of_several_countries_is_kept_as_context_without_an_id(gazetteer, borders):
    gdf = document_incidents(
        "Shelling of Kapan was condemned across the Middle East.",
        gazetteer=gazetteer,
        borders=borders,
    ).set_index("name")
    assert gdf.loc["Middle East", "role"] == "context"
    assert gdf["geonameid"].isna().sum() == 1 and gdf.loc["Kapan", "geonameid"] == 174875


def test_a_200_mb_input_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(200_000_000)  # sparse: 200 MB on paper, nothing to read
    with pytest.raises(InputError, match=r"200\.0 MB, over the limit of 50\.0 MB.*--max-bytes"):
        read_text(big)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (b"GIF89a\x00\x01\x00", {}, "looks like a binary file"),
        (b"Kapan \xe9", {}, r"not UTF-8 text.*--encoding latin-1"),
        (b"Kapan \xe9", {"encoding": "ascii"}, "not ascii text"),
        (b"x" * 101, {"max_bytes": 100}, "over the limit"),
    ],
)
def test_binary_encoding_and_size_errors(tmp_path, data, kwargs, message):
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_text(path, **kwargs)


def test_read_text_other_encodings_and_crlf(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Kapan\r\ncaf\xe9".encode("latin-1"))
    assert read_text(path, encoding="latin-1") == "Kapan\r\ncaf\xe9"  # CRLF kept as read
    path.write_bytes("Kapan".encode("utf-16"))
    assert read_text(path, encoding="utf-16") == "Kapan"  # NUL bytes are fine in UTF-16
