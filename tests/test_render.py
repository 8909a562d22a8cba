from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from folium.utilities import normalize

from geomap import render
from geomap.errors import ConfigurationError, OutputError

from .common import (
    FAR_BORDER_LON,
    HOSTILE_NAME,
    HOSTILE_SENTENCE,
    HOSTILE_SOURCE,
    empty_incidents,
    sample_borders,
    sample_incidents,
)

# Substrings that must never reach the page raw.
FORBIDDEN = [
    "<script>alert",
    "<img src=x onerror",
    "<img",
    "${alert",
    "`${",
    "C:\\users",
    "<!-- Ստեփանակերտ",
    "evil</script>",
    'Goris">',
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
        sample_incidents(),
        border_lines=sample_borders(),
        tiles=None,
    )


class _Scripts(HTMLParser):
    """Collect inline <script> bodies and the tag structure as a browser would."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.closed: list[str] = []
        self._in_script = False
        self._src = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            self._src = any(name == "src" for name, _ in attrs)
            if not self._src:
                self.scripts.append("")
        elif tag == "img":
            raise AssertionError(f"unexpected <img> tag: {attrs}")

    def handle_data(self, data):
        if self._in_script and not self._src:
            self.scripts[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        self.closed.append(tag)


def test_markers_by_role(page: str):
    text = normalize(page)
    assert text.count("L.circleMarker(") == 4
    assert text.count('"radius": 8') == 3  # three incident rows
    assert text.count('"radius": 4') == 1  # one context row
    assert f'"fillColor": "{render.INCIDENT_COLOR}"' in text
    assert f'"fillColor": "{render.CONTEXT_COLOR}"' in text
    for group in ("Incident places", "Context places", "Distance to nearest border"):
        assert f'"{group}"' in text  # toggled in the layer control
    assert "L.control.layers(" in text


def test_popup_content(page: str):
    text = normalize(page)
    assert "<b>Goris</b>" in text
    assert "Coordinates: 39.5111,46.3389 (lat,lon)" in text
    assert "Role: incident (cue: <i>shelled</i>)" in text
    assert "8.56 km to the AM\u2013AZ border" in text
    assert "0.33 km to the AM\u2013AZ border" in text
    assert "1234.57 km to the RU\u2013MN border" in text  # context popup, but no line
    assert "Source: data/samples/syunik.txt" in text
    assert "Azerbaijani forces shelled Goris on Tuesday." in text


def test_legend_template_is_in_page(page: str):
    legend = render.Legend()
    folium.Map(tiles=None).add_child(legend)
    html_macro = legend._template.module.__dict__["html"]
    expected = normalize(html_macro(legend, {}))
    expected = re.sub(r'id="[^"]*"', "", expected)
    text = re.sub(r'id="legend_[0-9a-f]+"', "", normalize(page))
    assert expected in text
    assert "nearest land border" in text
    assert "accurate to about 1 km" in text


def test_border_layer(page: str):
    text = normalize(page)
    assert text.count("L.geoJson(") == 1  # one layer for all lines
    match = re.search(r"_add\((\{\"bbox\".*?\}|\{\"type\".*?\})\);", text)
    assert match, "embedded border GeoJSON not found"
    data = json.loads(match.group(1))
    pairs = sorted(f["properties"]["pair"] for f in data["features"])
    assert pairs == ["AM\u2013AZ", "AM\u2013GE"]  # KZ-UZ is outside the padded box
    assert str(FAR_BORDER_LON) not in text
    nearest = {f["properties"]["pair"]: f["properties"]["nearest"] for f in data["features"]}
    assert nearest == {"AM\u2013AZ": True, "AM\u2013GE": False}
    assert f'"color": "{render.NEAREST_BORDER_COLOR}"' in text  # emphasised style
    assert f'"color": "{render.BORDER_COLOR}"' in text
    assert '"Land borders"' in text


def test_distance_links_and_labels(page: str):
    text = normalize(page)
    assert text.count("L.polyline(") == 2  # Goris and Kapan; not context, not NaN
    assert text.count('"dashArray": "6 6"') == 2
    assert r"\u003cdiv\u003e8.6 km\u003c/div\u003e" in text  # DivIcon label, JSON-escaped
    assert r"\u003cdiv\u003e0.33 km\u003c/div\u003e" in text
    assert "1234.6 km" not in text
    assert '"className": "geomap-distance-label"' in text
    # The Goris line goes from the place to its border point, (lat, lon).
    assert "[[39.5111111,46.3388889],[39.4875123456,46.4321987654]]" in text


def test_fit_bounds_to_incidents(page: str):
    text = normalize(page)
    match = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", text)
    assert match
    (south, west), (north, east) = json.loads(match.group(1))
    gdf = sample_incidents()
    incidents = gdf[gdf["role"] == "incident"]
    assert south == pytest.approx(incidents["lat"].min())
    assert north == pytest.approx(incidents["lat"].max())
    assert west == pytest.approx(incidents["lon"].min())
    assert east == pytest.approx(incidents["lon"].max())
    assert east < 100  # the Russia context row does not stretch the view


def test_hostile_strings_are_escaped(page: str):
    for bad in FORBIDDEN:
        assert bad not in page, bad
    assert "Goris&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#96;&#36;{alert(2)}&#96;" in page
    assert "C:&#92;users&#92;x" in page
    assert "it&#x27;s &quot;quoted&quot;" in page
    assert "Ստեփանակերտ" in page
    assert page.rstrip().endswith("</html>")


def test_page_structure_survives_hostile_data(page: str):
    parser = _Scripts()
    parser.feed(page)
    parser.close()
    assert parser.closed[-1] == "html"
    assert "body" in parser.closed
    # Every inline script is the whole script folium wrote: data never closed one early.
    assert any("fitBounds" in script for script in parser.scripts)
    assert all(
        "alert" not in script or "&lt;script&gt;alert" in script for script in parser.scripts
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to parse JavaScript")
def test_inline_scripts_are_valid_javascript(page: str, tmp_path: Path):
    parser = _Scripts()
    parser.feed(page)
    for i, script in enumerate(parser.scripts):
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
        ("`${x}`", "&#96;&#36;{x}&#96;"),
        ("a\\u0041", "a&#92;u0041"),
        ("it's & co", "it&#x27;s &amp; co"),
        (None, ""),
        (float("nan"), ""),
        (3, "3"),
    ],
)
def test_escape_text(raw, escaped):
    assert render.escape_text(raw) == escaped


def test_hostile_row_alone_has_valid_page(tmp_path: Path):
    gdf = sample_incidents().iloc[[3]]
    text = _page(tmp_path, gdf, tiles=None)
    for bad in FORBIDDEN:
        assert bad not in text, bad
    assert HOSTILE_NAME not in text and HOSTILE_SENTENCE not in text
    assert HOSTILE_SOURCE not in text
    assert "No land border distance" in text
    assert "L.polyline(" not in text


def test_empty_frame_renders_world_view(tmp_path: Path):
    text = normalize(_page(tmp_path, empty_incidents(), border_lines=sample_borders()))
    assert "L.circleMarker(" not in text
    assert "L.geoJson(" not in text
    assert ".fitBounds(" not in text
    assert '"zoom": 2' in text
    assert "geomap-legend" in text
    assert "openstreetmap" in text.lower()
    assert text.endswith("</html>")


def test_context_only_fits_all_rows(tmp_path: Path):
    gdf = sample_incidents()
    gdf["role"] = "context"
    text = normalize(_page(tmp_path, gdf, tiles=None))
    assert text.count('"radius": 4') == 4
    assert "L.polyline(" not in text
    match = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", text)
    assert match
    (south, west), (north, east) = json.loads(match.group(1))
    assert north == pytest.approx(61.52401) and east == pytest.approx(105.318756)


def test_tiles(tmp_path: Path):
    no_tiles = normalize(_page(tmp_path, sample_incidents(), tiles=None))
    assert "L.tileLayer(" not in no_tiles
    m = render.incident_map(sample_incidents(), tiles="OpenTopoMap")
    assert "tile.opentopomap.org" in m.get_root().render()
    with pytest.raises(ConfigurationError, match="unknown basemap"):
        render.incident_map(sample_incidents(), tiles="no such basemap")


def test_bad_border_lines():
    lines = sample_borders().rename(columns={"pair": "name"})
    with pytest.raises(ConfigurationError, match="pair"):
        render.incident_map(sample_incidents(), border_lines=lines)


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
