from __future__ import annotations

import doctest
import importlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from folium.utilities import normalize

import geomap
from geomap import export, render
from geomap.errors import ConfigurationError, DataFileError, OutputError
from geomap.incidents import COLUMNS
from geomap.render import style
from geomap.rules import table, violence

from .common import (
    FAR_BORDER_LON,
    HOSTILE_NAME,
    HOSTILE_SENTENCE,
    HOSTILE_SOURCE,
    INJECTIONS,
    NON_ASCII_PLACE,
    empty_incidents,
    injection_incidents,
    many_incidents,
    page_incidents,
    sample_borders,
    sample_countries,
    sample_incidents,
)

# Substrings that must never reach the page raw.
FORBIDDEN = [
    "<script>alert",
    "<img src=x onerror",
    "<img",
    "<svg onload",
    "<!-- Ստեփանակերտ",
    "evil</script>",
    'Goris">',
    "window.__pwned",
]


def _page(tmp_path: Path, gdf: gpd.GeoDataFrame, **kwargs) -> str:
    m = render.incident_map(gdf, **kwargs)
    out = render.save_map(m, tmp_path / "map.html")
    assert out == tmp_path / "map.html"
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _page(
        tmp_path_factory.mktemp("render"),
        page_incidents(),
        border_lines=sample_borders(),
        countries=sample_countries(),
        offline=True,
    )


class _Page(HTMLParser):
    """Collect inline <script> bodies, external references and the tag structure.

    An <img>, <iframe> or <svg> tag fails the test: none comes from the data. The legend's
    own symbols of the disputed lines are the one place with <svg> (no data in them).
    """

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str]] = []  # (type, body)
        self.closed: list[str] = []
        self.external: list[str] = []
        self._in_script = False
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details" and "geomap-legend" in (attrs.get("class") or ""):
            self._in_legend = True
        if tag == "script":
            if "src" in attrs:
                self.external.append(attrs["src"])
            self._in_script = True
            self.scripts.append((attrs.get("type") or "text/javascript", ""))
        elif tag == "link":
            self.external.append(attrs.get("href") or "")
        elif tag == "svg" and self._in_legend and set(attrs) == {"width", "height"}:
            pass  # a line symbol of the legend
        elif tag in ("img", "svg", "iframe"):
            raise AssertionError(f"unexpected <{tag}> tag: {attrs}")

    def handle_data(self, data):
        if self._in_script:
            kind, body = self.scripts[-1]
            self.scripts[-1] = (kind, body + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "details":
            self._in_legend = False
        self.closed.append(tag)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _data(page: str) -> dict:
    """The embedded incidents FeatureCollection."""
    bodies = [body for kind, body in _parse(page).scripts if kind == "application/json"]
    assert len(bodies) == 1
    return json.loads(bodies[0])


def _features_by_name(page: str) -> dict[str, dict]:
    return {f["properties"]["name"]: f for f in _data(page)["features"]}


def _calls(page: str, function: str) -> list[list]:
    """The arguments of every ``geomap.<function>(...)`` call in the page's scripts.

    JSON arguments are decoded; a JavaScript variable name is returned as a str.
    """
    decoder = json.JSONDecoder()
    calls = []
    for match in re.finditer(rf"geomap\.{function}\(", page):
        args, pos = [], match.end()
        while True:
            pos += len(page[pos:]) - len(page[pos:].lstrip())
            if page[pos] == ")":
                break
            name = re.match(r"[A-Za-z_]\w*", page[pos:])
            refs = re.match(r"\{\"points\": [^}]*\}", page[pos:])
            if name and name.group() not in ("true", "false", "null"):
                args.append(name.group())
                pos += name.end()
            elif refs:  # geomap.page's references: variable names, not JSON
                args.append(refs.group())
                pos += refs.end()
            else:
                value, pos = decoder.raw_decode(page, pos)
                args.append(value)
            pos += len(page[pos:]) - len(page[pos:].lstrip())
            if page[pos] == ",":
                pos += 1
        if args:  # skip the definitions in geomap.js
            calls.append(args)
    return calls


def _layer_options(page: str, function: str) -> list[dict]:
    """The options (last argument) of every ``geomap.<function>(...)`` call."""
    return [args[-1] for args in _calls(page, function)]


def _layer_json(page: str, function: str) -> tuple[dict, dict]:
    """(data, options) of the one ``geomap.<function>({...}, {...})`` call."""
    (call,) = _calls(page, function)
    return call[0], call[1]


def _page_options(page: str) -> dict:
    """The options of the one ``geomap.page(map, data, options, refs)`` call."""
    (call,) = _calls(page, "page")
    return call[2]


def _fit_bounds(page: str) -> list | None:
    """The initial view's box, [[south, west], [north, east]] (geomap.page fits it)."""
    assert "fitBounds(" not in page.split("geomap.page(")[-1]  # no folium fit after ours
    return _page_options(page)["box"]


# -- the page ---------------------------------------------------------------------------------


def test_page_is_self_contained(page: str):
    parser = _parse(page)
    assert parser.external == []  # no <script src>, no <link href>: everything inline
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page
    assert "L.tileLayer(" not in page
    text = normalize(page)
    assert "Leaflet 1.9.3" in text  # from xstatic-leaflet
    assert "L.MarkerClusterGroup" in text  # from xstatic-leaflet-markercluster
    assert "sourceMappingURL" not in page
    assert "url(images/" not in page  # CSS images are data: URIs
    assert page.rstrip().endswith("</html>")


def test_incidents_are_one_embedded_geojson(page: str):
    data = _data(page)
    assert data["type"] == "FeatureCollection"
    # Goris, Kapan, Baku, the hostile row: Russia, a country that is no incident, is not
    # drawn (its point would stand in for the country).
    assert len(data["features"]) == 4 and "Russia" not in _features_by_name(page)
    goris = _features_by_name(page)["Goris"]
    assert goris["geometry"] == {"type": "Point", "coordinates": [46.338889, 39.511111]}
    props = goris["properties"]
    assert props["distance"] == "8.6 km" and props["distance_km"] == 8.561
    assert props["border"] == "AM\u2013AZ"
    assert (props["border_lon"], props["border_lat"]) == (46.432199, 39.487512)
    assert props["cue"] == "shelled" and props["cue_class"] == "shelling"
    assert props["sentence"] == "Azerbaijani forces shelled Goris on Tuesday."
    assert props["source"] == "data/samples/syunik.txt"
    kapan = _features_by_name(page)["Kapan"]["properties"]
    assert kapan["distance"] == "0.33 km" and kapan["cue_class"] == "casualties"
    hostile = _features_by_name(page)[HOSTILE_NAME]["properties"]
    assert hostile["sentence"] == HOSTILE_SENTENCE and hostile["source"] == HOSTILE_SOURCE
    assert hostile["place"] == NON_ASCII_PLACE
    # Nulls are left out: the browser reads a missing property as null.
    assert not {"distance", "distance_km", "border", "country"} & set(hostile)


def test_page_data_is_the_exported_geojson_plus_display_properties(page: str):
    """One serialiser: the page's features are the GeoJSON export's, on the page columns,
    with only what the page shows: nulls, "" and false left out, and nothing twice."""
    # The page columns are the contract's, and the fields geomap batch carries (date, url).
    assert set(render.PAGE_COLUMNS) | set(render.OPTIONAL_PAGE_COLUMNS) <= {
        *COLUMNS,
        "date",
        "url",
    }
    exported = {
        f["properties"]["name"]: f for f in export.geojson_dict(page_incidents())["features"]
    }
    embedded = _data(page)["features"]
    assert len(embedded) == len(exported) - 1  # Russia is not drawn
    shown = [*render.PAGE_COLUMNS, *(c for c in render.OPTIONAL_PAGE_COLUMNS if c in COLUMNS)]
    display = ["distance", "cue_class", "precision", "day", "ref"]
    for got in embedded:
        props = got["properties"]
        want = exported[props["name"]]
        assert got["geometry"] == want["geometry"]
        order = [*shown, *display]
        assert list(props) == [k for k in order if k in props], list(props)
        for column in shown:
            value = want["properties"][column]
            if column == "border" and value:  # shown with an en dash
                value = value.replace("-", "\u2013")
            if column == "place" and value == props["name"]:
                value = None  # the same as the name: not twice
            if column == "country" and value == want["properties"]["country_code"]:
                value = None
            if column in ("admin", "claimants", "area", "area_status"):
                value = None  # none of these places is in a disputed area
            if value is None or value == "" or value is False:
                assert column not in props, column
            else:
                assert props[column] == value, column
    assert exported["Goris"]["properties"]["event_date"] == "2026-12-01"
    goris = _features_by_name(page)["Goris"]["properties"]
    assert "day" not in goris  # it is the event date: the page reads that
    assert _features_by_name(page)["Baku"]["properties"]["metonymic"] is True


def test_marker_layers_by_role(page: str):
    options = _layer_options(page, "pointLayer")
    assert [o["role"] for o in options] == ["context", "incident"]
    assert all(o["cluster"] is False for o in options)  # four rows: no clustering
    assert options[1]["classes"] == list(render.CUE_CLASSES)
    assert "1 km" in options[1]["accuracy"]
    text = normalize(page)
    for name in ("Incidents", "Context places", "Distance to nearest border", "Land borders"):
        assert f'"{name}"' in text  # toggled in the layer control
    assert "L.control.layers(" in text
    assert '"Countries (offline)"' in text  # the base layer


def test_controls(page: str):
    text = normalize(page)
    assert "L.control.scale(" not in text.split("geomap.addControls = ")[0]  # no folium scale
    assert "L.control.scale({ imperial: false" in text  # km only
    assert _layer_options(page, "addControls") == [
        {"fullscreen": True, "measure": True, "scale": True}
    ]
    assert '"collapsed": true' in text  # the layer control is a button: it hides no marker
    assert text.count("geomap.Fullscreen = L.Control.extend") == 1
    assert text.count("geomap.Measure = L.Control.extend") == 1


def test_legend_template_is_in_page(page: str):
    # What the sample page shows: precision 2 (Kapan) and 3 (the hostile row), event
    # types, a relative location (the hostile row's offset).
    legend = render.Legend(precisions=[2, 3], event_types=True, relative=True)
    folium.Map(tiles=None).add_child(legend)
    html_macro = legend._template.module.__dict__["html"]
    expected = normalize(html_macro(legend, {}))
    expected = re.sub(r'id="[^"]*"', "", expected)
    text = re.sub(r'id="legend_[0-9a-f]+"', "", normalize(page))
    assert expected in text
    for label, color in render.CUE_CLASSES.values():
        assert label in page
        assert color in text
    assert "nearest land border" in text
    assert "good to about 1 km" in text
    assert "Incidents, by event type" in page  # the sample's incidents have event types
    plain = normalize(
        render.incident_map(many_incidents(5).assign(event_type="")).get_root().render()
    )
    assert "Incidents,by the violence word" in plain and "Incidents,by event type" not in plain


def test_border_layer(page: str):
    text = normalize(page)
    data, style = _layer_json(page, "borderLayer")
    pairs = sorted(f["properties"]["pair"] for f in data["features"])
    assert pairs == ["AM\u2013AZ", "AM\u2013GE"]  # KZ-UZ is outside the padded box
    assert str(FAR_BORDER_LON) not in text
    nearest = {f["properties"]["pair"]: f["properties"]["nearest"] for f in data["features"]}
    assert nearest == {"AM\u2013AZ": True, "AM\u2013GE": False}
    assert style["nearest"]["color"] == render.NEAREST_BORDER_COLOR
    assert style["normal"]["color"] == render.BORDER_COLOR
    assert style["nearest"]["weight"] > style["normal"]["weight"]


def test_distance_links(page: str):
    (options,) = _layer_options(page, "linkLayer")
    assert options == {"canvas": False, "color": render.LINK_COLOR}


def test_offline_basemap_from_countries(page: str):
    text = normalize(page)
    data, options = _layer_json(page, "countryLayer")
    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]]
    assert all(g.geom_type == "MultiPolygon" and g.is_valid for g in geoms)
    # AM and AZ in detail near the incidents, the rest of the world coarse: one feature
    # per country, named for the labels.
    names = [f["properties"]["name"] for f in data["features"]]
    assert sorted(names) == ["Armenia", "Azerbaijan", "Kazakhstan"]
    assert max(g.bounds[2] for g in geoms) == pytest.approx(87.0, abs=0.5)  # KZ, coarse
    assert options["attribution"] == "Borders: Natural Earth"
    assert "country_basemap_" in text and ".addTo(map_" in text


def test_fit_bounds_to_incidents(page: str):
    (south, west), (north, east) = _fit_bounds(page)
    gdf = sample_incidents()
    incidents = gdf[gdf["role"] == "incident"]
    linked = incidents.dropna(subset=["distance_km"])
    assert south == pytest.approx(min(incidents["lat"].min(), linked["border_lat"].min()))
    assert north == pytest.approx(max(incidents["lat"].max(), linked["border_lat"].max()))
    assert west == pytest.approx(min(incidents["lon"].min(), linked["border_lon"].min()))
    assert east == pytest.approx(max(incidents["lon"].max(), linked["border_lon"].max()))
    assert east < 100  # the Russia context row does not stretch the view


# -- safety -----------------------------------------------------------------------------------


def test_hostile_strings_never_reach_the_page_raw(page: str):
    for bad in FORBIDDEN:
        assert bad not in page, bad
    # JSON escapes: no "<", ">", "&" or "'" inside the data at all.
    assert r"\u003cscript\u003ealert(1)\u003c/script\u003e" in page
    assert r"Goris\"\u003e\u003cimg src=x onerror=alert(1)\u003e" in page
    assert NON_ASCII_PLACE in page  # UTF-8, not \u escapes


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_texts_round_trip_as_data(tmp_path: Path, text: str):
    page = _page(
        tmp_path,
        injection_incidents(),
        countries=sample_countries(),
        offline=True,
        border_attribution=text,
    )
    parser = _parse(page)  # raises on any <img>, <svg> or <iframe> tag
    assert parser.closed[-1] == "html"
    names = {f["properties"]["name"] for f in _data(page)["features"]}
    assert text in names  # decoded back exactly
    for raw in ("<script>window", "<img", "<svg onload", "</script><script>", "<!--<script>"):
        assert raw not in page
    # An attribution is HTML in Leaflet: it is escaped.
    assert _layer_json(page, "countryLayer")[1]["attribution"] == render.escape_text(text)


def test_page_structure_survives_hostile_data(page: str):
    parser = _parse(page)
    assert parser.closed[-1] == "html"
    assert "body" in parser.closed
    kinds = [kind for kind, _ in parser.scripts]
    assert kinds.count("application/json") == 1
    assert any("fitBounds" in body for _, body in parser.scripts)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to parse JavaScript")
def test_inline_scripts_are_valid_javascript(tmp_path: Path):
    page = _page(tmp_path, injection_incidents(), border_lines=sample_borders(), offline=True)
    scripts = [body for kind, body in _parse(page).scripts if kind != "application/json"]
    for i, script in enumerate(scripts):
        path = tmp_path / f"script{i}.js"
        path.write_text(script, encoding="utf-8")
        result = subprocess.run(
            ["node", "--check", str(path)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('"><img src=x onerror=alert(1)>', "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("`${x}`", "&#96;&#36;&#123;x&#125;&#96;"),
        ("{{ 7*7 }}", "&#123;&#123; 7*7 &#125;&#125;"),
        ("a\\u0041", "a&#92;u0041"),
        ("it's & co", "it&#x27;s &amp; co"),
        (None, ""),
        (float("nan"), ""),
        (3, "3"),
    ],
)
def test_escape_text(raw, escaped):
    assert render.escape_text(raw) == escaped


# -- cue classes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cue", "sentence", "expected"),
    [
        ("shelled", "", "shelling"),
        ("artillery", "", "shelling"),
        ("drone strike", "", "shelling"),
        ("explosions", "", "shelling"),
        ("attacked", "", "attack"),
        ("ambushed", "", "attack"),
        ("clashes", "", "clash"),
        ("opened fire", "", "clash"),
        ("fighting", "", "clash"),
        ("killed", "", "casualties"),
        ("wounded", "", "casualties"),
        ("casualties", "", "casualties"),
        ("violence", "", "other"),
        ("", "Two soldiers were wounded in clashes near Kapan.", "casualties"),
        (None, "Clashes broke out; two were killed.", "clash"),
        ("", "Calm returned.", "other"),
        ("", None, "other"),
    ],
)
def test_classify_cues(cue, sentence, expected):
    assert render.classify_cues(cue, sentence) == expected
    assert render.classify_cues([cue], [sentence]).tolist() == [expected]


def test_snipers_stormed_goris_role_and_colour_agree(gazetteer, borders):
    """Issues 12, 13: role, event type and colour come from one violence vocabulary."""
    gdf = geomap.document_incidents("Snipers stormed Goris.", gazetteer=gazetteer, borders=borders)
    (row,) = gdf.itertuples()
    assert row.name == "Goris" and row.role == "incident" and row.cue == "stormed"
    assert violence().event_type(row.cue) == "attack"  # the word linked to Goris
    assert row.event_type == "armed_clash"  # the clause's most specific type (snipers)
    colour_class = render.classify_cues(row.cue, row.sentence, row.event_type)
    assert colour_class == violence().class_of[row.event_type] == "clash"
    assert colour_class in render.CUE_CLASSES
    # Without an event type, each violence word has the class of its own type, no other.
    assert render.classify_cues("stormed") == "attack"
    assert render.classify_cues("snipers") == "clash"
    quiet = geomap.document_incidents(
        "Tourists were exploring Goris.", gazetteer=gazetteer, borders=borders
    )
    assert quiet["role"].tolist() == ["context"] and quiet["cue"].tolist() == [""]
    assert quiet["event_type"].tolist() == [""]


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("air_strike", "shelling"),
        ("explosion", "shelling"),
        ("armed_clash", "clash"),
        ("abduction", "attack"),
        ("killing", "casualties"),
        ("", "attack"),  # no type: the cue decides
        ("not-a-type", "attack"),
    ],
)
def test_the_event_type_decides_the_class(event_type, expected):
    assert render.classify_cues("attacked", "", event_type) == expected
    assert render.classify_cues(["attacked"], [""], [event_type]).tolist() == [expected]


@pytest.mark.parametrize("word", ["exploring", "explored", "explorer", "stormy", "shellfish"])
def test_words_that_only_look_violent(word: str):
    assert violence().regex.search(f"They were {word} Goris.") is None
    assert render.classify_cues(word) == "other"
    assert render.classify_cues("", f"They were {word} Goris.") == "other"


def test_cue_classes_come_from_the_violence_table():
    assert set(render.CUE_CLASSES) == {*violence().classes, style.OTHER_CLASS}
    assert list(render.CUE_CLASSES) == [row[0] for row in table("violence_classes")]
    assert set(violence().class_of) == set(violence().event_types)  # every type has a class
    for label, color in render.CUE_CLASSES.values():
        assert label and re.fullmatch(r"#[0-9a-fA-F]{6}", color)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("shelling", "S", "#000000"), ("other", "O", "#000000")], "add"),
        ([*[(c, c, "#000000") for c in violence().classes], ("other", "O", "#000000"),
          ("riots", "Riots", "#000000")], "remove"),
        ([("shelling", "S", "red")], "bad row"),
    ],
)  # fmt: skip
def test_a_class_cannot_exist_in_one_table_only(monkeypatch, rows, message):
    monkeypatch.setattr(style, "table", lambda _name: tuple(rows))
    with pytest.raises(DataFileError, match=message):
        style.cue_classes.__wrapped__()


@pytest.mark.parametrize("module", ["style", "layers", "elements", "page", "map"])
def test_render_module_doctests(module: str):
    mod = importlib.import_module(f"geomap.render.{module}")
    assert mod.__doc__
    assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0


def test_classify_cues_vectorised():
    assert render.classify_cues([]).tolist() == []
    out = render.classify_cues(np.array(["shelled", "raid", ""], dtype=object))
    assert out.tolist() == ["shelling", "attack", "other"]
    with pytest.raises(ConfigurationError):
        render.classify_cues(["a", "b"], ["only one"])


# -- options and edge cases -------------------------------------------------------------------


def test_hostile_row_alone_has_valid_page(tmp_path: Path):
    text = _page(tmp_path, sample_incidents().iloc[[3]], tiles=None)
    for bad in FORBIDDEN:
        assert bad not in text, bad
    assert HOSTILE_NAME not in text and HOSTILE_SENTENCE not in text
    assert HOSTILE_SOURCE not in text
    assert "geomap.linkLayer(" not in text  # no distance: no line


def test_empty_frame_renders_world_view(tmp_path: Path):
    text = normalize(_page(tmp_path, empty_incidents(), border_lines=sample_borders()))
    assert "application/json" not in text
    assert "geomap.pointLayer(" not in text
    assert "geomap.borderLayer(" not in text
    assert _fit_bounds(text) is None
    assert '"zoom": 2' in text
    assert "geomap-legend" in text
    assert "openstreetmap" in text.lower()
    assert text.endswith("</html>")


def test_context_only_fits_all_drawn_rows(tmp_path: Path):
    gdf = page_incidents()
    gdf["role"] = "context"
    text = _page(tmp_path, gdf, tiles=None)
    assert [o["role"] for o in _layer_options(text, "pointLayer")] == ["context"]
    assert "geomap.linkLayer(" not in text
    (south, west), (north, east) = _fit_bounds(text)
    # Baku is the north-east corner: Russia, a country, is not drawn.
    assert north == pytest.approx(40.37767) and east == pytest.approx(49.89201)


def test_areas_that_are_no_incident_are_listed_not_drawn(tmp_path: Path):
    gdf = page_incidents()
    text = _page(tmp_path, gdf, tiles=None)
    areas = _page_options(text)["areas"]
    assert areas == {
        "names": [
            ["Russia", "context", "metonymic: stands for its government, people or forces", 1]
        ],
        "more": 0,
    }
    assert _page_options(text)["context"] == 1  # Baku: Russia is not counted as drawn
    # An incident in a country (the most precise place of its event) is drawn.
    gdf.loc[gdf["name"] == "Russia", ["role", "event_type", "geo_precision"]] = [
        "incident",
        "shelling",
        3,
    ]
    (tmp_path / "x").mkdir()
    drawn = _page(tmp_path / "x", gdf, tiles=None)
    assert _features_by_name(drawn)["Russia"]["properties"]["precision"] == 3
    assert _page_options(drawn)["areas"] is None
    # Only areas: nothing to draw, the world view, and the legend says why.
    only = gdf[gdf["name"] == "Russia"].assign(role="context")
    (tmp_path / "y").mkdir()
    page = _page(tmp_path / "y", only, tiles=None)
    assert "application/json" not in page and _fit_bounds(page) is None
    assert "No place to draw" in page and _page_options(page)["areas"]["names"][0][0] == "Russia"


def test_tiles_and_offline(tmp_path: Path):
    online = normalize(
        render.incident_map(sample_incidents(), countries=sample_countries()).get_root().render()
    )
    assert "tile.openstreetmap.org" in online and "OpenStreetMap" in online
    assert "L.tileLayer(" in online
    # The offline basemap is there as a second base layer, not shown first.
    assert "geomap.countryLayer(" in online
    assert not re.search(r"country_basemap_\w+\.addTo\(", online)
    m = render.incident_map(sample_incidents(), tiles="OpenTopoMap")
    assert "tile.opentopomap.org" in m.get_root().render()
    offline = normalize(_page(tmp_path, sample_incidents(), tiles="OpenTopoMap", offline=True))
    assert "L.tileLayer(" not in offline
    with pytest.raises(ConfigurationError, match="unknown basemap"):
        render.incident_map(sample_incidents(), tiles="no such basemap")


@pytest.mark.parametrize(
    ("n", "cluster", "clustered"),
    [(50, None, False), (render.CLUSTER_THRESHOLD + 1, None, True), (50, True, True)],
)
def test_clustering(n: int, cluster: bool | None, clustered: bool):
    page = render.incident_map(many_incidents(n), tiles=None, cluster=cluster)
    text = page.get_root().render()
    assert {o["cluster"] for o in _layer_options(text, "pointLayer")} == {clustered}


def test_many_links_are_on_a_canvas_and_start_hidden():
    gdf = many_incidents(int(render.LINK_LIMIT / 0.8))  # ~90% of the rows are incidents
    text = normalize(render.incident_map(gdf, tiles=None).get_root().render())
    (options,) = _layer_options(text, "linkLayer")
    assert options["canvas"] is True
    assert not re.search(r"link_layer_\w+\.addTo\(", text)
    assert re.search(r"incident_layer_\w+\.addTo\(", text)


def test_data_size_is_linear_and_small():
    """One compact feature per row: ~475 bytes for the synthetic rows, no per-row code.

    The rows carry every column as the pipeline fills them (event type, role reason,
    precision, the border join's answers); the page embeds what it shows, once: ~350
    bytes before the events stage, 664 with all event and border columns embedded.
    """
    small = len(render.incident_map(many_incidents(100), tiles=None).get_root().render())
    large = len(render.incident_map(many_incidents(1100), tiles=None).get_root().render())
    per_row = (large - small) / 1000
    assert per_row < 520, per_row


def test_bad_border_lines():
    lines = sample_borders().rename(columns={"pair": "name"})
    with pytest.raises(ConfigurationError, match="pair"):
        render.incident_map(sample_incidents(), border_lines=lines)


def test_not_a_geodataframe():
    with pytest.raises(ConfigurationError, match="GeoDataFrame"):
        render.incident_map(sample_incidents().drop(columns="geometry"))


def test_save_map_is_atomic_and_needs_force(tmp_path: Path):
    m = render.incident_map(sample_incidents(), tiles=None)
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        render.save_map(m, target)
    assert target.read_text(encoding="utf-8") == "old"
    render.save_map(m, target, force=True)
    assert target.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert sorted(tmp_path.iterdir()) == [target]
    with pytest.raises(OutputError, match="does not exist"):
        render.save_map(m, tmp_path / "missing" / "map.html")


def test_template_syntax_in_the_data_is_not_evaluated():
    """branca re-renders macro output as a Jinja template; geomap's elements do not."""
    gdf = sample_incidents()
    gdf.loc[0, "name"] = "{{ 7*7 }} {% if true %}X{% endif %} {# c #}"
    gdf.loc[0, "border"] = "{{ 6*7 }}"
    page = (
        render.incident_map(
            gdf,
            border_lines=sample_borders().assign(pair=["{{ 6*7 }}", "AM-GE", "KZ-UZ"]),
            countries=sample_countries(),
            tiles=None,
            border_attribution="{{ 5*5 }}",
        )
        .get_root()
        .render()
    )
    names = {f["properties"]["name"] for f in _data(page)["features"]}
    assert "{{ 7*7 }} {% if true %}X{% endif %} {# c #}" in names
    pairs = {f["properties"]["pair"] for f in _layer_json(page, "borderLayer")[0]["features"]}
    assert "{{ 6*7 }}" in pairs
    assert _layer_json(page, "countryLayer")[1]["attribution"] == render.escape_text("{{ 5*5 }}")
