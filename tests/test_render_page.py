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
    events_incidents,
    injection_incidents,
    many_incidents,
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
    # The range of the incidents' event dates (the sample's Goris and hostile rows).
    assert options["date"] == "2026-11-30 \u2013 2026-12-01"
    assert options["context"] == 0  # Russia, a country that is no incident, is not drawn
    assert options["generator"].startswith("geomap")
    assert _title(page) == "2 documents \u2014 geomap"
    one = render.incident_map(sample_incidents().iloc[:2], tiles=None).get_root().render()
    assert _page_options(one)["title"] == "syunik.txt"  # the file name of the one source
    assert _page_options(one)["source"] == "data/samples/syunik.txt"
    assert _page_options(one)["date"] == "2026-12-01"  # Goris' event date; Kapan has none
    undated = sample_incidents().iloc[:2].assign(event_date=None)
    assert _page_options(render.incident_map(undated).get_root().render())["date"] is None


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
    page = _page(
        tmp_path,
        injection_incidents(),
        tiles=None,
        title=text,
        source=text,
        date=text,
        pov=text,  # a border file's own point of view and description: text too
        pov_text=text,
    )
    parser = _parse(page)  # raises on any <img>, <svg> or <iframe> tag
    assert parser.closed[-1] == "html"
    assert _title(page) == render.escape_text(text) + " \u2014 geomap"
    options = _page_options(page)
    assert options["title"] == options["source"] == options["date"] == text  # exactly
    assert options["pov"] == options["povText"] == text
    assert f"Point of view: <b>{render.escape_text(text)}</b>" in page  # escaped in the legend
    for raw in ("<script>window", "<img", "<svg onload", "</script><script>", "<!--<script>"):
        assert raw not in page


def _dated() -> gpd.GeoDataFrame:
    """The sample with batch's document fields (date, url), no event dates, free event types."""
    gdf = sample_incidents()
    gdf["event_date"] = None  # the documents' dates are read when no event has its own
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
    assert "Russia" not in props  # a country that is no incident: not drawn
    assert "day" not in props[HOSTILE_NAME]  # "not a date": kept as text, no day
    assert goris["url"] == "https://example.org/a"
    assert kapan["url"] == "javascript:alert(1)"  # data; geomap.link shows it as text only
    assert goris["event_type"] == "Shelling/artillery"  # a type not in the vocabulary: as is
    assert (goris["precision"], kapan["precision"], props[HOSTILE_NAME]["precision"]) == (1, 2, 3)
    options = _page_options(text)
    assert options["date"] == "2023-09-12 \u2013 2023-09-13"  # the range of the drawn days
    assert options["hasPrecision"] is True
    # An event's own date comes first; the document's date is still shown (popup).
    both = _dated().assign(event_date=["2023-09-11", None, None, None])
    (tmp_path / "both").mkdir()
    props = {
        f["properties"]["name"]: f["properties"]
        for f in _data(_page(tmp_path / "both", both))["features"]
    }
    goris = props["Goris"]
    assert goris["event_date"] == "2023-09-11" and goris["date"] == "2023-09-12"
    assert "day" not in goris  # the day is the event date: the page reads that
    assert props["Kapan"]["day"] == "2023-09-13"  # no event date: the document's
    # Without the optional columns, none of them is embedded.
    (tmp_path / "plain").mkdir()
    bare = sample_incidents()[list(render.PAGE_COLUMNS) + ["geometry"]]
    plain = _data(_page(tmp_path / "plain", bare, tiles=None))
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
    gdf.loc[0, "feature"] = "region"  # Goris as if a region (no geo_precision): precision 3
    gdf.loc[0, "geo_precision"] = None
    gdf.loc[1, "geo_precision"] = 1
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
    # The sample has no low score, but precision 2 (near Kapan) and 3 (the hostile row's
    # region): its legend explains the rings only.
    (tmp_path / "plain").mkdir()
    plain = _legend(_page(tmp_path / "plain", sample_incidents(), tiles=None))
    assert "hollow: low confidence" not in plain
    assert all("dashed ring: " + render.PRECISION_LEVELS[c][1] in plain for c in (2, 3))


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
    assert options["pov"] == "deu"  # the point of view, as for geomap map
    # Goris' event ("on Monday") is dated by the events stage from its document's date
    # (Tuesday, 2023-09-12); Kapan's is not anchored: its document's date stands.
    assert options["date"] == "2023-09-11 \u2013 2023-09-14"
    props = {f["properties"]["name"]: f["properties"] for f in _data(text)["features"]}
    assert (
        props["Goris"]["date"] == "2023-09-12" and props["Goris"]["url"] == "https://example.org/a"
    )
    assert props["Kapan"]["day"] == "2023-09-14"
    assert props["Goris"]["event_date"] == "2023-09-11" and "day" not in props["Goris"]


# -- what the events and borders stages add (issues 13 and 15) ---------------------------------


@pytest.fixture(scope="module")
def events_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _page(
        tmp_path_factory.mktemp("events"),
        events_incidents(),
        border_lines=sample_borders(),
        tiles=None,
        pov="deu",
        pov_text="Natural Earth's German point of view",
    )


def test_at_the_border_within_the_accuracy_is_said_not_measured(events_page: str):
    kapan = _features_by_name(events_page)["Kapan"]["properties"]
    assert kapan["at_border"] is True and kapan["accuracy"] == 1.0
    assert kapan["distance"] == render.AT_BORDER_LABEL == "at border"  # the km label
    assert kapan["distance_km"] == 0.335  # the figure stays in the data (popup, sorting)
    goris = _features_by_name(events_page)["Goris"]["properties"]
    assert "at_border" not in goris and "accuracy" not in goris and goris["distance"] == "8.6 km"
    assert "border_kind" not in goris  # an international border: not said


def test_who_holds_and_claims_only_where_it_says_more(events_page: str):
    props = _features_by_name(events_page)
    golan = props["Majdal Shams"]["properties"]
    assert (golan["admin"], golan["claimants"]) == ("IL", "IL;SY")
    assert (golan["area"], golan["area_status"]) == ("golan_heights", "occupied")
    assert golan["country"] == "SY" and golan["country_code"] == "IL"  # both: a mismatch
    assert golan["near_line"] == "1974 disengagement line (Purple Line) (IL\u2013SY)"
    assert golan["near_line_km"] == 2.5
    # The area's name for the popup, from the shipped border data.
    (incidents,) = [
        o for o in _layer_options(events_page, "pointLayer") if o["role"] == "incident"
    ]
    assert incidents["areaNames"] == {"golan_heights": "Golan Heights"}
    assert incidents["types"]["armed_clash"] == "Armed clash"
    assert incidents["borderKinds"]["line_of_control"] == "line of control"
    # A place held by its own country and in no disputed area: nothing of it embedded.
    many = many_incidents(3)  # admin AM, claimants AM, country AM, a line 150+ km away
    plain = _data(render.incident_map(many, tiles=None).get_root().render())["features"]
    for feature in plain:
        assert not {"admin", "claimants", "area", "area_status", "near_line"} & set(
            feature["properties"]
        )


def test_a_relative_location_has_its_reference_line(events_page: str):
    props = _features_by_name(events_page)["10 km north-east of Goris"]["properties"]
    assert props["ref"] == [46.338889, 39.511111]  # (lon, lat) of Goris, the reference
    assert (props["rel_kind"], props["rel_distance_km"], props["rel_bearing"]) == (
        "offset",
        10.0,
        45.0,
    )
    assert props["place"] == "Goris"  # the reference place (not the name): kept
    (options,) = _layer_options(events_page, "referenceLayer")
    assert options == {"color": render.style.REFERENCE_COLOR}
    assert '"Relative locations (to the reference place)"' in events_page
    assert "to a reference place" in _legend(events_page)
    # "Near Kapan" has no offset: no reference line.
    assert "ref" not in _features_by_name(events_page)["Kapan"]["properties"]
    plain = render.incident_map(many_incidents(5), tiles=None).get_root().render()
    assert "geomap.referenceLayer(" not in plain.split("geomap.referenceLayer = ")[-1]


def test_quiet_roles_and_areas(events_page: str):
    props = _features_by_name(events_page)
    assert props["Syunik district"]["properties"]["role"] == "container"
    assert props["Baku"]["properties"]["metonymic"] is True
    for name in ("Syunik district", "Baku"):  # quiet: no class, no precision, no line
        assert not {"cue_class", "precision"} & set(props[name]["properties"])
    assert "Russia" not in props  # a country that is no incident: listed apart
    options = _page_options(events_page)
    assert [n[0] for n in options["areas"]["names"]] == ["Russia"]
    assert options["context"] == 2  # Baku and the container
    assert (options["pov"], options["povText"]) == ("deu", "Natural Earth's German point of view")
    assert options["types"]["killing"] == "Killing, wounding"


def test_an_incident_in_a_region_has_no_distance_line(tmp_path: Path):
    gdf = sample_incidents().iloc[:2].copy()
    gdf.loc[0, ["feature", "geo_precision", "distance_km", "border_lat", "border_lon"]] = [
        "region", 3, 189.7, 41.0, 44.0
    ]  # fmt: skip
    text = _page(tmp_path, gdf, tiles=None)
    goris = _features_by_name(text)["Goris"]["properties"]
    assert goris["precision"] == 3 and "distance" not in goris  # no km label, no line
    assert goris["distance_km"] == 189.7  # in the data: the popup says what it is
    # The view does not reach out to its border point.
    (south, west), (north, east) = _fit_bounds(text)
    assert north < 40 and west > 46


def test_legend_heading_follows_the_event_types(events_page: str):
    assert "Incidents, by event type" in _legend(events_page)
    shelling = re.search(r'data-cue-class="shelling" title="([^"]*)"', events_page)
    assert shelling and "Air or drone strike" in shelling.group(1)
