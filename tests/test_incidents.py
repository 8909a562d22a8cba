import pytest

from geomap.errors import InputError
from geomap.incidents import COLUMNS, VIOLENCE_CUES, document_incidents
from geomap.io import read_text


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


def test_mentions_offsets_and_first_name(sample_text, sample_incidents):
    kapan = sample_incidents.set_index("name").loc["Kapan"]
    spans = [tuple(map(int, s.split("-"))) for s in kapan["offsets"].split(";")]
    assert kapan["mentions"] == len(spans) == sample_text.count("Kapan")
    assert all(sample_text[s:e] == "Kapan" for s, e in spans)
    assert (kapan["start"], kapan["end"]) == spans[0]


def test_roles_follow_violence_cues(sample_incidents):
    rows = sample_incidents.set_index("name")
    for town in ("Jermuk", "Goris", "Kapan"):
        assert rows.loc[town, "role"] == "incident" and rows.loc[town, "cue"]
        assert VIOLENCE_CUES.search(rows.loc[town, "sentence"])
        assert rows.loc[town, "border"] == "AM-AZ" and rows.loc[town, "country"] == "AM"
    for context in ("Russia", "Turkey", "Baku"):
        assert rows.loc[context, "role"] == "context" and rows.loc[context, "cue"] == ""


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
    assert gdf.loc["European", "role"] == "context" and gdf.loc["Armenian", "role"] == "context"


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
