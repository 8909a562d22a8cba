"""The map in a real browser: Debian's headless Chromium, driven by Playwright.

Pages are opened as file:// URLs. Every request that is not file:, data: or blob: is
blocked and recorded, so the offline tests prove the page needs no network at all.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod

from geomap import render

from .common import (
    CHROMIUM,
    INJECTIONS,
    injection_incidents,
    many_incidents,
    page_incidents,
    sample_borders,
    sample_countries,
)

LOCAL_SCHEMES = ("file:", "data:", "blob:")

# Resolves once the page has drawn (Opened.settle): clustered groups hold all the markers
# they were given (markercluster adds them in chunks), the place labels have no update
# pending, and the number of elements in the map stays put for three frames in a row.
SETTLED = """async () => {
    const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    const state = window.geomap && window.geomap.state;
    const busy = () => !!state && (
        state.points.some(g => g.geomapCluster && g._map
                               && g.getLayers().length < g.geomapMarkers.length)
        || (!!state.labels && state.labels._timer != null));
    let last = -1, same = 0;
    for (let i = 0; i < 600 && same < 3; i++) {
        await frame();
        const n = document.querySelectorAll('.leaflet-container *').length;
        same = n === last && !busy() ? same + 1 : 0;
        last = n;
    }
    return same >= 3;
}"""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


class Opened:
    """A page opened in Chromium, with its console errors and outside requests."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1000, "height": 700})
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.geomap && document.querySelector('.leaflet-pane')")
        self.settle()

    def settle(self) -> None:
        """Wait until the page has drawn: every clustered marker group holds all its markers
        (they are added in chunks), no label placement is pending, and the map's elements
        stay the same for three animation frames in a row."""
        self.page.evaluate(SETTLED)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def layers(self, prefix: str) -> str:
        """A JS expression: the global layer variables whose names start with ``prefix``."""
        return f"Object.keys(window).filter(k => k.startsWith('{prefix}')).map(k => window[k])"

    def marker_box(self, name: str) -> dict[str, float]:
        """Bounding box of the marker whose feature is named ``name`` (scrolled into view)."""
        box = self.page.evaluate(
            """([layers, name]) => {
                for (const group of layers) {
                    let found = null;
                    group.eachLayer(l => {
                        if (l.feature && l.feature.properties.name === name) found = l;
                    });
                    if (found && found.getElement()) {
                        const r = found.getElement().getBoundingClientRect();
                        return {x: r.x, y: r.y, width: r.width, height: r.height};
                    }
                }
                return null;
            }""",
            [self.page.evaluate_handle(self.layers("incident_layer_")), name],
        )
        assert box, f"no marker for {name!r} in the DOM"
        return box

    def close_popup(self) -> None:
        self.page.evaluate(
            "Object.keys(window).filter(k => k.startsWith('map_'))"
            ".forEach(k => window[k].closePopup())"
        )
        self.page.wait_for_selector(".leaflet-popup", state="detached")

    def click_marker(self, name: str) -> None:
        """Click the marker of ``name`` with the mouse and wait for its popup."""
        self.close_popup()
        box = self.marker_box(name)
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.page.wait_for_selector(".leaflet-popup-content .geomap-popup")

    def open_popup(self, name: str) -> None:
        """Open the popup of ``name`` as a click on its marker does (wherever the view is)."""
        self.page.evaluate(
            """(name) => { const f = geomap.state.features.find(f => f.properties.name === name);
                           f._marker.fire('click', {latlng: f._marker.getLatLng()}, true); }""",
            name,
        )
        self.page.wait_for_function(
            "(name) => (document.querySelector('.geomap-popup .geomap-title b') || {})"
            ".textContent === name",
            arg=name,
        )

    def row(self, name: str) -> Any:
        """The list row of the incident named ``name``."""
        index = self.page.evaluate(
            "(name) => geomap.state.features.findIndex(f => f.properties.name === name)", name
        )
        return self.page.locator(f".geomap-list-row[data-index='{index}']")

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def offline_page(browser, sample_page_file: Path) -> Iterator[Opened]:
    opened = Opened(browser, sample_page_file)
    yield opened
    opened.close()


def test_offline_page_loads_without_errors_or_network(offline_page: Opened):
    assert offline_page.errors == []
    assert offline_page.outside == []
    assert offline_page.page.evaluate("typeof L.markerClusterGroup") == "function"
    assert offline_page.page.locator(".geomap-legend").is_visible()
    # The offline basemap is drawn: country polygons on a sea-blue background.
    assert offline_page.page.locator("path.geomap-country").count() > 0
    assert offline_page.page.locator(".leaflet-container.geomap-sea").count() == 1
    assert "Borders: Natural Earth" in offline_page.page.inner_text(".leaflet-control-attribution")


def test_markers_and_border_lines_are_in_the_dom(offline_page: Opened):
    page = offline_page.page
    assert page.locator(".leaflet-marker-icon.geomap-incident").count() == 3
    assert page.locator(".leaflet-marker-icon.geomap-context").count() == 1
    # The class of the event type, else of the cue: the hostile row's type is "attack".
    assert page.locator(".leaflet-marker-icon.geomap-incident.geomap-cue-shelling").count() == 1
    assert page.locator(".leaflet-marker-icon.geomap-incident.geomap-cue-attack").count() == 1
    assert page.locator(".leaflet-marker-icon.geomap-incident.geomap-cue-casualties").count() == 1
    assert page.locator("path.geomap-border").count() >= 2
    assert page.locator("path.geomap-border-nearest").count() >= 1
    assert page.locator("path.geomap-link").count() == 2
    kms = page.locator(".geomap-label-incident .geomap-label-km").all_inner_texts()
    assert sorted(k.strip() for k in kms) == ["0.33 km", "8.6 km"]  # in the place labels
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-scale-imperial").count() == 0  # km only
    assert page.locator(".leaflet-control-layers").count() == 1


def test_popup_opens_on_click_and_shows_the_distance(offline_page: Opened):
    page = offline_page.page
    offline_page.click_marker("Goris")
    popup = page.inner_text(".leaflet-popup-content")
    assert "Goris" in popup
    assert "8.6 km to the AM\u2013AZ border" in popup
    assert "8.561 km geodesic" in popup and "1 km" in popup
    assert "39.5111, 46.3389 (lat, lon)" in popup
    assert "Precision: 1 (ACLED geo_precision): " + render.PRECISION_LEVELS[1][1] in popup
    assert "Source: data/samples/syunik.txt" in popup
    assert page.inner_text(".leaflet-popup-content mark") == "Goris"  # highlighted
    offline_page.close_popup()
    # A tooltip with name and distance on hover.
    box = offline_page.marker_box("Kapan")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".leaflet-tooltip")
    assert "Kapan \u2014 0.33 km to the AM\u2013AZ border" in page.inner_text(".leaflet-tooltip")
    assert offline_page.errors == []


def test_measure_tool_gives_the_geodesic_distance(offline_page: Opened):
    page = offline_page.page
    # An earlier popup's auto-pan: no moving map. (`void`: Leaflet returns the map, which
    # Playwright would copy back to Python, slowly.)
    page.evaluate("void geomap.state.map.stop()")
    page.click(".geomap-measure a")
    map_box = page.locator(".folium-map").bounding_box()
    # Clear of the controls and of the markers (bottom-left quarter to the middle).
    points = [
        (0.2 * map_box["width"], 0.8 * map_box["height"]),
        (0.55 * map_box["width"], 0.55 * map_box["height"]),
    ]
    for x, y in points:
        page.mouse.click(map_box["x"] + x, map_box["y"] + y)
    km = float(page.get_attribute(".geomap-measure-result", "data-km"))
    latlngs = json.loads(page.get_attribute(".geomap-measure-result", "data-points"))
    clicked = page.evaluate(
        """(points) => points.map(([x, y]) => {
            const ll = geomap.state.map.containerPointToLatLng([x, y]);
            return [ll.lat, ll.lng];
        })""",
        points,
    )
    for got, want in zip(latlngs, clicked, strict=True):
        assert got == pytest.approx(want, abs=0.01)  # where we clicked (to a pixel)
    (lat1, lon1), (lat2, lon2) = latlngs
    expected = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000
    assert km == pytest.approx(expected, rel=1e-6)
    assert "km (geodesic" in page.inner_text(".geomap-measure-result")
    page.click(".geomap-measure a")
    assert not page.locator(".geomap-measure-result").is_visible()


def test_fullscreen_button(offline_page: Opened):
    page = offline_page.page
    on = """() => {
        const c = document.querySelector('.folium-map');
        return document.fullscreenElement === c
            || c.classList.contains('geomap-pseudo-fullscreen');
    }"""
    page.click(".geomap-fullscreen a")
    page.wait_for_function(on, timeout=5_000)  # fails the test if the map never fills
    page.click(".geomap-fullscreen a")
    page.wait_for_function(f"!({on})()", timeout=5_000)
    assert offline_page.errors == []


def test_screenshot_is_not_blank(offline_page: Opened, tmp_path: Path):
    from PIL import Image

    png = offline_page.page.screenshot(path=str(tmp_path / "map.png"))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1000, 700)
    colors = image.getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 50  # land, sea, borders, markers, legend
    dominant = max(count for count, _ in colors)
    assert dominant < 0.9 * 1000 * 700
    pixels = {color for _, color in colors}
    # Some pixel of each marker colour of the sample (shelling red, killed black).
    for hex_color in (render.CUE_CLASSES["shelling"][1], render.CUE_CLASSES["casualties"][1]):
        rgb = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
        assert any(max(abs(a - b) for a, b in zip(rgb, p, strict=True)) < 8 for p in pixels)


def test_injection_texts_do_not_execute(browser, tmp_path: Path):
    path = tmp_path / "hostile.html"
    m = render.incident_map(
        injection_incidents(),
        border_lines=sample_borders(),
        countries=sample_countries(),
        offline=True,
        border_attribution=INJECTIONS[1],
    )
    render.save_map(m, path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        assert page.locator(".leaflet-marker-icon.geomap-incident").count() == len(INJECTIONS)
        for text in INJECTIONS:
            opened.click_marker(text)
            content = page.locator(".leaflet-popup-content")
            assert text in content.inner_text() or text.strip() in content.inner_text()
            assert content.locator("img, svg, script, iframe").count() == 0
            assert content.locator("b").count() == 2  # geomap's own: name, distance
            assert page.locator(".leaflet-popup-content mark").first.inner_text() == text
            opened.close_popup()
            box = opened.marker_box(text)
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector(".leaflet-tooltip")
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img[src='x'], svg[onload]").count() == 0
        assert INJECTIONS[1] in page.inner_text(".leaflet-control-attribution")  # as text
        assert opened.errors == []
        assert opened.outside == []
    finally:
        opened.close()


def test_many_incidents_cluster(browser, tmp_path: Path):
    path = tmp_path / "many.html"
    render.save_map(render.incident_map(many_incidents(3000), offline=True), path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        page.wait_for_selector(".geomap-cluster")
        clusters = page.locator(".geomap-cluster").count()
        markers = page.locator(".leaflet-marker-icon.geomap-marker").count()
        assert clusters > 0 and markers < 3000
        counts = page.evaluate(
            f"{opened.layers('incident_layer_')}.map(g => g.getLayers().length)"
        )
        assert sum(counts) == 3000
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


def test_default_page_requests_only_the_tiles(browser, tmp_path: Path):
    path = tmp_path / "online.html"
    render.save_map(render.incident_map(page_incidents(), border_lines=sample_borders()), path)
    opened = Opened(browser, path)
    try:
        for _ in range(200):  # the routed requests reach Python as the page is driven
            if opened.outside:
                break
            opened.page.wait_for_timeout(25)
        assert opened.outside, "the tile basemap should have been requested"
        assert all(url.startswith("https://tile.openstreetmap.org/") for url in opened.outside)
        assert opened.page.locator(".leaflet-marker-icon.geomap-marker").count() == 4
        assert "OpenStreetMap" in opened.page.inner_text(".leaflet-control-attribution")
    finally:
        opened.close()
