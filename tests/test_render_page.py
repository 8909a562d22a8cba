"""The page around the map (geomap.render.page): title, date, source, list data, confidence,
precision, initial view, batch maps. The page as HTML; tests/test_browser_page.py opens it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from folium.utilities import normalize

from geomap import render

from .common import (
    HOSTILE_NAME,
    HOSTILE_SOURCE,
    INJECTIONS,
    injection_incidents,
    sample_borders,
    sample_countries,
    sample_incidents,
)
from .test_render import (
    _calls,
    _data,
    _features_by_name,
    _fit_bounds,
    _layer_json,
    _layer_options,
    _page,
    _page_options,
    _parse,
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The offline sample page, as in tests/test_render.py."""
    return _page(
        tmp_path_factory.mktemp("page"),
        sample_incidents(),
        border_lines=sample_borders(),
        countries=sample_countries(),
        offline=True,
    )


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match
    return match.group(1)


def test_title_date_and_source_default_to_the_data(page: str):
    options = _page_options(page)
    assert options["title"] == "2 documents"  # two sources in the sample
    assert options["source"] == f"data/samples/syunik.txt, {HOSTILE_SOURCE}"
    assert options["date"] is None  # no dates in the data
    assert options["context"] == 1
    assert options["generator"].startswith("geomap")
    assert _title(page) == "2 documents \u2014 geomap"
    one = render.incident_map(sample_incidents().iloc[:2], tiles=None).get_root().render()
    assert _page_options(one)["title"] == "syunik.txt"  # the file name of the one source
    assert _page_options(one)["source"] == "data/samples/syunik.txt"


def test_title_date_and_source_given(tmp_path: Path):
    text = _page(
        tmp_path,
        sample_incidents(),
        tiles=None,
        title="Shelling in Syunik",
        source="syunik_shelling.txt",
        date="2023-09-13",
    )
    options = _page_options(text)
    assert (options["title"], options["source"], options["date"]) == (
        "Shelling in Syunik",
        "syunik_shelling.txt",
        "2023-09-13",
    )
    assert _title(text) == "Shelling in Syunik \u2014 geomap"
    assert '<h1 class="geomap-page-title">Shelling in Syunik</h1>' in text


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_texts_in_title_source_and_date_stay_text(tmp_path: Path, text: str):
    page = _page(tmp_path, injection_incidents(), tiles=None, title=text, source=text, date=text)
    parser = _parse(page)  # raises on any <img>, <svg> or <iframe> tag
    assert parser.closed[-1] == "html"
    assert _title(page) == render.escape_text(text) + " \u2014 geomap"
    options = _page_options(page)
    assert options["title"] == options["source"] == options["date"] == text  # exactly
    for raw in ("<script>window", "<img", "<svg onload", "</script><script>", "<!--<script>"):
        assert raw not in page


def _dated() -> gpd.GeoDataFrame:
    gdf = sample_incidents()
    gdf["date"] = ["2023-09-12", "13 Sep 2023", "2023-09-20T08:00:00Z", "not a date"]
    gdf["url"] = ["https://example.org/a", "javascript:alert(1)", None, "https://example.org/b"]
    gdf["event_type"] = ["Shelling/artillery", "Armed clash", "", "Shelling/artillery"]
    gdf["geo_precision"] = [1, 2, None, "3"]
    return gdf


def test_optional_columns_reach_the_page(tmp_path: Path):
    text = _page(tmp_path, _dated(), tiles=None)
    props = {f["properties"]["name"]: f["properties"] for f in _data(text)["features"]}
    goris, kapan = props["Goris"], props["Kapan"]
    assert goris["date"] == "2023-09-12" and goris["day"] == "2023-09-12"
    assert kapan["date"] == "13 Sep 2023" and kapan["day"] == "2023-09-13"  # free-form read
    assert props["Russia"]["day"] == "2023-09-20"
    assert props[HOSTILE_NAME]["day"] is None  # "not a date": kept as text, no day
    assert goris["url"] == "https://example.org/a"
    assert kapan["url"] == "javascript:alert(1)"  # data; geomap.link shows it as text only
    assert goris["event_type"] == "Shelling/artillery"
    assert (goris["precision"], kapan["precision"], props[HOSTILE_NAME]["precision"]) == (1, 2, 3)
    assert props["Russia"]["precision"] == 3  # no geo_precision: from its feature (country)
    options = _page_options(text)
    assert options["date"] == "2023-09-12 \u2013 2023-09-20"  # the range of the days
    assert options["hasPrecision"] is True
    # Without the optional columns, none of them is embedded.
    (tmp_path / "plain").mkdir()
    plain = _data(_page(tmp_path / "plain", sample_incidents(), tiles=None))
    assert not {"date", "url", "event_type", "day"} & set(plain["features"][0]["properties"])


def test_precision_codes_from_features_and_geo_precision():
    assert render.precision_codes(["city", "capital", "county", "region", "country"]).tolist() == [
        1,
        1,
        2,
        3,
        3,
    ]
    codes = render.precision_codes(["city"] * 4, [3, "2", 7, float("nan")])
    assert codes.tolist() == [3, 2, 1, 1]  # invalid codes fall back to the feature's
    assert set(render.PRECISION_LEVELS) == {1, 2, 3}


def _legend(page: str) -> str:
    """The legend's HTML, white space folded."""
    match = re.search(r'<details class="geomap-legend".*?</details>', page, re.S)
    assert match
    return re.sub(r"\s+", " ", match.group())


def test_low_score_and_coarse_precision_are_drawn_and_explained(tmp_path: Path):
    gdf = sample_incidents()
    gdf.loc[1, "score"] = 0.3  # Kapan: low confidence
    gdf.loc[0, "feature"] = "region"  # Goris as if a region: precision 3
    text = _page(tmp_path, gdf, tiles=None)
    props = _features_by_name(text)
    assert props["Kapan"]["properties"]["score"] == 0.3
    assert props["Goris"]["properties"]["precision"] == 3
    (incident_options,) = [
        o for o in _layer_options(text, "pointLayer") if o["role"] == "incident"
    ]
    assert incident_options["lowScore"] == render.LOW_SCORE == 0.5
    assert incident_options["coarseSize"] < incident_options["size"]  # a smaller dot
    legend = _legend(text)
    assert "hollow: low confidence (score below 0.5)" in legend
    assert "dashed ring: " + render.PRECISION_LEVELS[3][1] in legend
    assert "dashed ring: " + render.PRECISION_LEVELS[2][1] not in legend  # none drawn
    assert ".geomap-cue-shelling.geomap-low { background: #fff;" in text
    # The sample itself has neither: its legend does not explain them.
    (tmp_path / "plain").mkdir()
    plain = _legend(_page(tmp_path / "plain", sample_incidents(), tiles=None))
    assert "hollow: low confidence" not in plain and "dashed ring" not in plain


def test_initial_view_leaves_far_border_points_out(tmp_path: Path):
    gdf = sample_incidents().iloc[:2].copy()
    gdf.loc[0, ["border_lat", "border_lon", "distance_km"]] = [45.0, 52.0, 700.0]  # far
    text = _page(tmp_path, gdf, border_lines=sample_borders(), countries=sample_countries())
    (south, west), (north, east) = _fit_bounds(text)
    assert north == pytest.approx(39.5111111) and east == pytest.approx(46.409)  # Kapan's
    assert south == pytest.approx(39.2075) and west == pytest.approx(46.3388889)  # border pt
    # The far border point still chooses what is drawn: its line reaches it.
    data, _ = _layer_json(text, "borderLayer")
    assert {f["properties"]["pair"] for f in data["features"]} >= {"AM\u2013AZ"}
    assert _data(text)["features"][0]["properties"]["border_lat"] == 45.0


def test_page_elements_and_order(page: str):
    text = normalize(page)
    for part in ('class="geomap-header"', 'class="geomap-list"', 'class="geomap-filters"'):
        assert part in text
    assert "geomap.labelLayer(" in text and '"Place names"' in text  # in the layer control
    # geomap.page runs last, after every layer and the layer control.
    assert text.rindex("geomap.page(") > text.rindex("L.control.layers(")
    (call,) = _calls(page, "page")
    assert call[0].startswith("map_") and call[1].startswith("incident_data_")
    refs = call[3]
    assert re.search(r'"points": \[context_incident_layer_\w+|"points": \[incident_layer_', refs)
    assert '"tiles": null' in refs and '"countries": country_basemap_' in refs


def test_batch_map_has_the_offline_basemap_and_a_title(tmp_path: Path):
    from geomap.corpus import batch_geoparse

    corpus = tmp_path / "corpus.jsonl"
    docs = [
        {"id": "a", "text": "Artillery shelled Goris on Monday.", "date": "2023-09-12",
         "url": "https://example.org/a"},
        {"id": "b", "text": "Two people were killed in Kapan.", "date": "2023-09-14"},
    ]  # fmt: skip
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    batch_geoparse(corpus, tmp_path / "out", engine="local", workers=1, progress=False)
    text = (tmp_path / "out" / "map.html").read_text("utf-8")
    assert "geomap.countryLayer(" in text  # the fallback basemap, as for geomap map
    options = _page_options(text)
    assert options["title"] == "corpus.jsonl"
    assert options["date"] == "2023-09-12 \u2013 2023-09-14"
    props = {f["properties"]["name"]: f["properties"] for f in _data(text)["features"]}
    assert (
        props["Goris"]["date"] == "2023-09-12" and props["Goris"]["url"] == "https://example.org/a"
    )
    assert props["Kapan"]["day"] == "2023-09-14"
