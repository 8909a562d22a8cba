"""The page around the map in a real browser (issue 16): labels, the incident list, the
layout, the switch to the offline basemap, filters and the time slider, printing.

Debian's headless Chromium through Playwright, as in tests/test_browser.py (whose `Opened`
helper opens a page with every outside request blocked and recorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geomap import render

from .common import (
    CHROMIUM,
    HOSTILE_NAME,
    INJECTIONS,
    events_incidents,
    injection_incidents,
    many_incidents,
    sample_borders,
    sample_countries,
    sample_incidents,
)
from .test_browser import Opened

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


@pytest.fixture(scope="module")
def offline_page(browser, sample_page_file: Path) -> Iterator[Opened]:
    """The offline sample page, shared by the tests that do not need its initial view."""
    opened = Opened(browser, sample_page_file)
    yield opened
    opened.close()


BOXES = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
    .map(e => { const r = e.getBoundingClientRect();
                return {x1: r.left, y1: r.top, x2: r.right, y2: r.bottom, text: e.textContent}; })
    .filter(b => b.x2 > b.x1 && b.y2 > b.y1)"""


def boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    """Bounding boxes (x1, y1, x2, y2) and text of the shown elements matching ``selector``."""
    return page.evaluate(BOXES, selector)


def overlap(a: dict[str, Any], b: dict[str, Any], tolerance: float = 0.5) -> bool:
    return (
        a["x1"] < b["x2"] - tolerance
        and b["x1"] < a["x2"] - tolerance
        and a["y1"] < b["y2"] - tolerance
        and b["y1"] < a["y2"] - tolerance
    )


def inside(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["x1"] >= b["x1"] and a["x2"] <= b["x2"] and a["y1"] >= b["y1"] and a["y2"] <= b["y2"]


def incident_names(page: Any) -> list[str]:
    return page.evaluate("geomap.state.incidents.map(f => f.properties.name)")


def named_at_first_view(opened: Opened) -> dict[str, str]:
    """Each incident name -> "label" or "list" (where it is visible), "" if nowhere."""
    page = opened.page
    (map_box,) = boxes(page, ".folium-map")
    (list_box,) = boxes(page, ".geomap-list-body")
    labels = {b["text"]: b for b in boxes(page, ".geomap-place-label .geomap-label-name")}
    rows = {b["text"]: b for b in boxes(page, ".geomap-list-row .geomap-cell-place")}
    found = {}
    for name in incident_names(page):
        if name in labels and inside(labels[name], map_box):
            found[name] = "label"
        elif name in rows and inside(rows[name], list_box):
            found[name] = "list"
        else:
            found[name] = ""
    return found


def test_every_incident_is_named_at_the_initial_view(fresh_page: Opened):
    page = fresh_page.page
    found = named_at_first_view(fresh_page)
    assert sorted(found) == sorted(["Goris", "Kapan", HOSTILE_NAME])
    assert all(found.values()), found
    # Both as a label on the map and as a list row, here: the map has room for all three.
    labelled = {b["text"] for b in boxes(page, ".geomap-label-incident .geomap-label-name")}
    assert labelled == {"Goris", "Kapan", HOSTILE_NAME}
    assert "Russia" not in labelled  # a context place: labelled apart, if there is room
    # Country names on the offline basemap.
    countries = {b["text"] for b in boxes(page, ".geomap-label-country")}
    assert {"Armenia", "Azerbaijan"} <= countries


def test_labels_never_overlap_each_other_markers_or_controls(fresh_page: Opened):
    page = fresh_page.page
    labels = boxes(page, ".geomap-place-label")
    markers = boxes(page, ".leaflet-marker-icon")
    controls = boxes(page, ".leaflet-control")
    (map_box,) = boxes(page, ".folium-map")
    assert len(labels) >= 5  # three incidents, two countries at least
    for i, a in enumerate(labels):
        assert inside(a, map_box), a
        for b in labels[i + 1 :]:
            assert not overlap(a, b), (a, b)
        for b in markers + controls:
            assert not overlap(a, b), (a, b)


def test_list_has_one_row_per_incident_and_a_click_opens_its_popup(offline_page: Opened):
    page = offline_page.page
    offline_page.close_popup()
    rows = page.locator(".geomap-list-row")
    assert rows.count() == 3  # the incidents (not the context place)
    assert page.inner_text(".geomap-list-count") == "(3)"
    kapan = offline_page.row("Kapan")
    assert "AM\u2013AZ 0.33" in kapan.inner_text() and "0.81" in kapan.inner_text()
    zoom = page.evaluate("geomap.state.map.getZoom()")
    kapan.click()
    page.wait_for_selector(".leaflet-popup-content .geomap-popup")
    assert page.inner_text(".leaflet-popup-content .geomap-title b") == "Kapan"
    assert page.evaluate("geomap.state.map.getZoom()") > zoom
    centre = page.evaluate("[geomap.state.map.getCenter().lat, geomap.state.map.getCenter().lng]")
    assert centre == pytest.approx([39.2075, 46.40576], abs=0.05)  # zoomed to Kapan
    assert "geomap-selected" in (kapan.get_attribute("class") or "")
    # A click on the marker selects its row too.
    offline_page.open_popup("Goris")
    goris = offline_page.row("Goris")
    assert "geomap-selected" in (goris.get_attribute("class") or "")
    offline_page.close_popup()


def test_the_list_sorts_by_its_columns(browser, tmp_path: Path):
    path = tmp_path / "sorted.html"
    render.save_map(render.incident_map(many_incidents(300), offline=True), path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        page.click(".geomap-list-sort:has-text('Border, km')")
        km = page.evaluate(
            "geomap.state.list.rows.map(f => f.feature ? 0 : f.properties.distance_km)"
        )
        assert km == sorted(km) and len(km) == len(incident_names(page))
        page.click(".geomap-list-sort:has-text('Border, km')")  # again: descending
        km = page.evaluate("geomap.state.list.rows.map(f => f.properties.distance_km)")
        assert km == sorted(km, reverse=True)
        page.click(".geomap-list-sort:has-text('Place')")
        shown = page.locator(".geomap-list-row .geomap-cell-place").all_inner_texts()
        assert shown == sorted(shown, key=str.lower)[: len(shown)]
        assert page.get_attribute(".geomap-list-sort:has-text('Place')", "aria-sort") == (
            "ascending"
        )
        # Virtualised: only the rows in view (and a few more) are in the DOM.
        assert page.locator(".geomap-list-row").count() < 60
        assert opened.errors == []
    finally:
        opened.close()


@pytest.fixture
def fresh_page(browser, sample_page_file: Path) -> Iterator[Opened]:
    """The offline sample page, just opened: its initial view."""
    opened = Opened(browser, sample_page_file)
    yield opened
    opened.close()


def test_panel_never_covers_the_map_its_markers_or_its_scale_bar(fresh_page: Opened):
    page = fresh_page.page
    (map_box,) = boxes(page, ".folium-map")
    (scale,) = boxes(page, ".leaflet-control-scale")
    assert "km" in scale["text"] and "mi" not in scale["text"]
    assert inside(scale, map_box)
    panel = boxes(page, ".geomap-legend, .geomap-list, .geomap-filters, .geomap-header")
    assert len(panel) >= 3
    for part in panel:
        assert not overlap(part, map_box), part
    controls = boxes(page, ".leaflet-control")
    incidents = boxes(page, ".leaflet-marker-icon.geomap-incident")
    assert len(incidents) == 3
    for marker in boxes(page, ".leaflet-marker-icon"):
        if marker in incidents:  # the initial view fits the incidents
            assert inside(marker, map_box), marker
        elif not overlap(marker, map_box):
            continue  # a context place far away (Russia)
        for other in [*controls, *panel]:
            assert not overlap(marker, other), (marker, other)


def test_a_short_list_leaves_the_legend_whole_and_the_list_its_room(fresh_page: Opened):
    page = fresh_page.page
    page.set_viewport_size({"width": 1000, "height": 800})  # room for all of the panel
    legend = page.evaluate(
        "(() => { const e = document.querySelector('.geomap-legend');"
        " return [e.scrollHeight, e.clientHeight]; })()"
    )
    assert legend[0] <= legend[1] + 1, legend  # nothing of it scrolled out of sight
    (listed,) = boxes(page, ".geomap-list")
    viewport = page.viewport_size
    rows = page.locator(".geomap-list-row").count()
    room = min(0.3 * viewport["height"], 240, 24 * rows)
    assert rows == 3 and listed["y2"] - listed["y1"] >= room - 1


def test_legend_and_list_collapse(browser, tmp_path: Path):
    path = tmp_path / "collapse.html"
    m = render.incident_map(sample_incidents(), countries=sample_countries(), offline=True)
    render.save_map(m, path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        width = page.evaluate("geomap.state.map.getSize().x")
        page.click(".geomap-side-toggle")
        assert not page.locator(".geomap-list").is_visible()
        assert not page.locator(".geomap-legend").is_visible()
        assert page.evaluate("geomap.state.map.getSize().x") > width + 200  # the map widens
        page.click(".geomap-side-toggle")
        assert page.locator(".geomap-list-row").first.is_visible()
        page.click(".geomap-list-toggle")
        assert not page.locator(".geomap-list-row").first.is_visible()
        page.click(".geomap-legend summary")
        assert not page.locator(".geomap-legend .geomap-legend-title").first.is_visible()
        assert opened.errors == []
    finally:
        opened.close()


def test_printing_shows_every_row_and_no_controls(browser, tmp_path: Path):
    path = tmp_path / "print.html"
    render.save_map(render.incident_map(many_incidents(400), offline=True), path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        n = len(incident_names(page))
        assert page.locator(".geomap-list-row").count() < n  # virtualised on screen
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.locator(".geomap-list-row").count() == n
        assert not page.locator(".geomap-side-toggle").is_visible()
        assert not page.locator(".leaflet-control-zoom").is_visible()
        assert page.locator(".geomap-page-title").is_visible()
        assert page.locator(".leaflet-control-scale").is_visible()
        pdf = page.pdf()
        assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
        page.emulate_media(media="screen")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        page.wait_for_function(f"document.querySelectorAll('.geomap-list-row').length < {n}")
        assert opened.errors == []
    finally:
        opened.close()


def test_tiles_blocked_switch_to_the_offline_basemap(browser, tmp_path: Path):
    path = tmp_path / "online.html"
    m = render.incident_map(
        sample_incidents(), border_lines=sample_borders(), countries=sample_countries()
    )
    render.save_map(m, path)
    opened = Opened(browser, path)  # routes every tile request to an abort
    page = opened.page
    try:
        page.wait_for_selector(".geomap-notice:not([hidden])", timeout=15_000)
        assert "offline basemap" in page.inner_text(".geomap-notice")
        assert opened.outside and all("openstreetmap" in u for u in opened.outside)
        assert page.locator("path.geomap-country").count() > 0
        assert page.locator(".leaflet-container.geomap-sea").count() == 1
        assert page.locator("img.leaflet-tile").count() == 0  # the tile layer is off
        assert page.evaluate("geomap.state.map.hasLayer(geomap.state.countries)")
        # The borders stay above the basemap that came last.
        assert page.locator("path.geomap-border").first.is_visible()
        assert "Borders: Natural Earth" in page.inner_text(".leaflet-control-attribution")
        assert [e for e in opened.errors if "Failed to load resource" not in e] == []
    finally:
        opened.close()


def _dated_incidents() -> Any:
    gdf = many_incidents(60, seed=3)
    days = ["2023-09-01", "2023-09-05", "2023-09-10"]
    gdf["date"] = [days[i % 3] for i in range(len(gdf))]
    return gdf


def test_time_slider_changes_what_is_visible(browser, tmp_path: Path):
    path = tmp_path / "dated.html"
    render.save_map(render.incident_map(_dated_incidents(), offline=True), path)
    opened = Opened(browser, path)
    page = opened.page
    markers = "geomap.state.points.map(g => g.getLayers().length).reduce((a, b) => a + b, 0)"
    try:
        assert page.inner_text(".geomap-time-range") == "2023-09-01 \u2013 2023-09-10"
        all_markers, all_rows = (
            page.evaluate(markers),
            page.evaluate("geomap.state.list.rows.length"),
        )
        assert all_markers == 60
        page.fill(".geomap-time-to", "0")  # the first day only
        page.wait_for_function(f"{markers} < 60")
        assert page.inner_text(".geomap-time-range") == "2023-09-01 \u2013 2023-09-01"
        days = page.evaluate("geomap.state.list.rows.map(f => f.properties.day)")
        assert set(days) == {"2023-09-01"} and len(days) < all_rows
        assert page.evaluate(markers) == 20
        page.fill(".geomap-time-from", "9")  # from the last day: "to" follows it
        page.wait_for_function(
            "geomap.state.list.rows.every(f => f.properties.day === '2023-09-10')"
        )
        assert page.evaluate(markers) == 20
        assert page.input_value(".geomap-time-to") == "9"
        # The event-type filter: unticking a type hides its markers and rows.
        page.fill(".geomap-time-from", "0")
        page.wait_for_function(f"{markers} === 60")
        label = page.locator(".geomap-types .geomap-type:has-text('Killing, wounding')")
        count = int(label.inner_text().rsplit("(", 1)[1].rstrip(")"))
        assert 0 < count < 60
        # The legend's class counts the same incidents (its types filter in the list).
        legend = page.locator(".geomap-legend-class[data-cue-class='casualties']")
        assert legend.inner_text().endswith(f"({count})")
        label.locator("input").uncheck()
        page.wait_for_function(f"{markers} === {60 - count}")
        types = page.evaluate("geomap.state.list.rows.map(f => f.properties.event_type)")
        assert "killing" not in types
        assert opened.errors == []
    finally:
        opened.close()


def test_a_clustered_map_has_no_pile_of_labels(browser, tmp_path: Path, borders):
    path = tmp_path / "batch.html"
    m = render.incident_map(
        many_incidents(400), countries=borders.countries, cluster=True, offline=True
    )
    render.save_map(m, path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        page.wait_for_selector(".geomap-cluster")
        opened.settle()
        labels = boxes(page, ".geomap-place-label")
        clusters = boxes(page, ".geomap-cluster")
        for i, a in enumerate(labels):
            for b in labels[i + 1 :] + clusters:
                assert not overlap(a, b), (a, b)
        # Lines only from markers shown by themselves: none out of the clusters.
        assert (
            page.locator("path.geomap-link").count()
            <= page.locator(".leaflet-marker-icon.geomap-incident").count()
        )
        # Zoomed in, the markers come out of the clusters and get their labels.
        page.evaluate(  # `void`: not the map object back to Python (slow to copy)
            "void geomap.state.map.setView(geomap.state.incidents[0]._marker.getLatLng(), 12,"
            " {animate: false})"
        )
        opened.settle()
        labels = boxes(page, ".geomap-label-incident")
        assert labels and all("km" in b["text"] for b in labels)
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert not overlap(a, b), (a, b)
        assert opened.errors == []
    finally:
        opened.close()


def test_injection_texts_stay_text_in_the_list_labels_title_and_filters(browser, tmp_path: Path):
    gdf = injection_incidents()
    gdf["date"] = INJECTIONS  # no dates: shown as text, no slider
    gdf["url"] = INJECTIONS
    gdf["event_type"] = INJECTIONS
    path = tmp_path / "hostile_page.html"
    m = render.incident_map(
        gdf, offline=True, title=INJECTIONS[0], source=INJECTIONS[1], date=INJECTIONS[4]
    )
    render.save_map(m, path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        assert page.evaluate("document.title") == INJECTIONS[0] + " \u2014 geomap"
        assert page.inner_text(".geomap-page-title") == INJECTIONS[0]
        meta = page.inner_text(".geomap-meta")
        assert INJECTIONS[1] in meta and INJECTIONS[4] in meta
        assert page.locator(".geomap-list-row").count() == len(INJECTIONS)
        places = page.locator(".geomap-list-row .geomap-cell-place").all_inner_texts()
        assert sorted(p.strip() for p in places) == sorted(t.strip() for t in INJECTIONS)
        types = page.locator(".geomap-list-row .geomap-cell-type").all_inner_texts()
        assert sorted(t.strip() for t in types) == sorted(t.strip() for t in INJECTIONS)
        filters = page.locator(".geomap-types .geomap-type").all_inner_texts()
        assert len(filters) == len(INJECTIONS)  # one per (hostile) event type, as text
        assert page.locator(".geomap-time").count() == 0  # no real date: no slider
        for name in {b["text"] for b in boxes(page, ".geomap-label-name")}:
            assert name in INJECTIONS  # labels are the texts themselves
        page.locator(".geomap-list-row").first.click()
        page.wait_for_selector(".leaflet-popup-content .geomap-popup")
        assert page.locator(".leaflet-popup-content a").count() == 0  # no http: no link
        for selector in (".geomap-header", ".geomap-list", ".geomap-filters", ".geomap-labels"):
            assert page.locator(f"{selector} img, {selector} svg, {selector} script").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


def test_popup_link_only_for_http_urls(browser, tmp_path: Path):
    gdf = sample_incidents().iloc[:2].copy()
    gdf["url"] = ["https://example.org/goris", "javascript:window.__pwned='url'"]
    gdf["date"] = ["2023-09-12", "2023-09-13"]
    path = tmp_path / "links.html"
    render.save_map(render.incident_map(gdf, offline=True), path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        opened.open_popup("Goris")
        link = page.locator(".leaflet-popup-content a.geomap-url")
        assert link.get_attribute("href") == "https://example.org/goris"
        assert link.get_attribute("rel") == "noopener noreferrer"
        # Goris has an event date: the document's date is shown as such.
        assert "Document date: 2023-09-12" in page.inner_text(".leaflet-popup-content")
        opened.open_popup("Kapan")
        assert page.locator(".leaflet-popup-content a").count() == 0
        assert "javascript:window.__pwned='url'" in page.inner_text(".leaflet-popup-content")
        assert page.evaluate("window.__pwned") is None
    finally:
        opened.close()


def test_the_sample_article_reads_without_hovering(browser, gazetteer, tmp_path: Path):
    """The bundled sample through the main job: every incident named on the first view."""
    from geomap import map_files

    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "syunik_shelling.txt"
    del gazetteer  # built (or opened) once: map_files opens it from the cache
    (path,) = map_files([sample], tmp_path, formats=["html"], offline=True)
    opened = Opened(browser, path)
    page = opened.page
    try:
        assert page.evaluate("document.title") == "syunik_shelling.txt \u2014 geomap"
        found = named_at_first_view(opened)
        assert len(found) >= 4 and all(found.values()), found
        labels = boxes(page, ".geomap-place-label")
        for i, a in enumerate(labels):
            for b in labels[i + 1 :] + boxes(page, ".leaflet-marker-icon"):
                assert not overlap(a, b), (a, b)
        assert {"Armenia", "Azerbaijan"} <= {
            b["text"] for b in boxes(page, ".geomap-label-country")
        }
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


# -- what the events and borders stages add (issues 13 and 15) ---------------------------------


@pytest.fixture(scope="module")
def events_page(browser, tmp_path_factory) -> Iterator[Opened]:
    """The events sample (tests/common.py `events_incidents`) in Chromium, offline (on the
    three sample countries: what is checked here comes from the incidents)."""
    path = tmp_path_factory.mktemp("events") / "events.html"
    m = render.incident_map(
        events_incidents(),
        border_lines=sample_borders(),
        countries=sample_countries(),
        offline=True,
        pov="deu",
        pov_text="Natural Earth's German point of view",
    )
    render.save_map(m, path)
    opened = Opened(browser, path)
    yield opened
    opened.close()


def popup_text(opened: Opened, name: str) -> str:
    opened.open_popup(name)
    return opened.page.inner_text(".leaflet-popup-content")


def test_popups_say_why_what_when_and_how_precise(events_page: Opened):
    levels = render.PRECISION_LEVELS
    goris = popup_text(events_page, "Goris")
    assert "Incident: Shelling, artillery or missile attack (\u201cshelled\u201d)" in goris
    assert "Why: target of 'shelled'" in goris
    assert "Event date: 2026-12-01" in goris
    assert f"Precision: 1 (ACLED geo_precision): {levels[1][1]}" in goris
    assert "8.6 km to the AM\u2013AZ border" in goris
    kapan = popup_text(events_page, "Kapan")
    assert "Incident: Killing, wounding (\u201ckilled\u201d)" in kapan
    assert "Why: near: location of 'killed'" in kapan
    assert f"Precision: 2 (ACLED geo_precision): {levels[2][1]}" in kapan
    # At the border within the data's accuracy: said, not measured.
    assert "at the AM\u2013AZ border (within the data\u2019s accuracy, ~1 km)" in kapan
    assert "0.33 km" not in kapan and "0.335" not in kapan
    golan = popup_text(events_page, "Majdal Shams")
    assert "Event date: 2026-11-30 (that week)" in golan
    assert "Country: IL (border data: SY) GeoNames and the border data disagree" in golan
    assert "Control: administered by IL; claimed by IL, SY; in Golan Heights (occupied)" in golan
    assert (
        "Nearest de facto line: 1974 disengagement line (Purple Line) (IL\u2013SY): 2.5 km"
        in golan
    )
    offset = popup_text(events_page, "10 km north-east of Goris")
    assert "Incident: Armed clash (\u201cclashes\u201d)" in offset
    assert "Located: 10 km north-east (bearing 45\u00b0) of Goris" in offset
    baku = popup_text(events_page, "Baku")
    assert "Role: context: not where violence happened" in baku
    assert "Why: named as the speaker" in baku and "Metonymic: the name stands for" in baku
    assert "Incident:" not in baku and "ACLED" not in baku
    container = popup_text(events_page, "Syunik district")
    assert "Role: container" in container and "Why: container of Goris" in container
    events_page.close_popup()
    assert events_page.errors == []


def test_quiet_roles_and_areas_in_the_browser(events_page: Opened):
    page = events_page.page
    incidents = page.locator(".leaflet-marker-icon.geomap-incident")
    quiet = page.locator(".leaflet-marker-icon.geomap-context")
    assert incidents.count() == 5 and quiet.count() == 2  # Baku and the container: grey
    sizes = page.evaluate(
        """() => ['geomap-incident', 'geomap-context'].map(c =>
            document.querySelector('.leaflet-marker-icon.' + c).getBoundingClientRect().width)"""
    )
    assert sizes[1] < sizes[0]  # quiet: smaller
    grey = page.evaluate(
        "getComputedStyle(document.querySelector('.leaflet-marker-icon.geomap-context'))"
        ".backgroundColor"
    )
    assert grey == "rgb(140, 140, 140)"  # CONTEXT_COLOR
    names = page.evaluate("geomap.state.features.map(f => f.properties.name)")
    assert "Russia" not in names  # a country that is no incident: no point for it
    note = page.locator(".geomap-areas")
    assert note.is_visible() and "Also named, not drawn" in note.inner_text()
    russia = note.locator(".geomap-area-name")
    assert russia.inner_text() == "Russia"
    assert russia.get_attribute("title") == (
        "context: metonymic: stands for its government, people or forces"
    )
    # Relative locations: a thin line from the offset point to its reference place.
    assert page.locator("path.geomap-reference").count() == 2  # and the hostile row's
    assert "point of view deu" in page.inner_text(".geomap-meta")
    assert "Incidents, by event type" in page.inner_text(".geomap-legend")
    # The km label and the list say "at border" for Kapan.
    assert "AM\u2013AZ <1" in events_page.row("Kapan").inner_text()
    page.evaluate(  # `void`: not the map object back to Python (slow to copy)
        "void geomap.state.map.setView(geomap.state.features.find("
        "f => f.properties.name === 'Kapan')._marker.getLatLng(), 12, {animate: false})"
    )
    page.wait_for_function(
        "[...document.querySelectorAll('.geomap-label-incident')]"
        ".some(l => l.textContent === 'Kapan at border')"
    )
    assert events_page.errors == []


def test_injection_texts_in_the_event_and_border_fields_never_run(browser, tmp_path: Path):
    gdf = injection_incidents()
    n = len(gdf)
    for column in ("admin", "claimants", "area", "area_status", "event_type", "event_date",
                   "date_precision", "border_kind", "line", "line_name", "rel_kind",
                   "role_reason"):  # fmt: skip
        gdf[column] = INJECTIONS
    gdf["disputed"] = True
    gdf["metonymic"] = [i % 2 == 0 for i in range(n)]
    gdf["at_border"] = [i % 2 == 1 for i in range(n)]
    gdf["accuracy_km"] = 1.0
    gdf["line_distance_km"] = 5.0
    gdf["rel_kind"] = ["offset" if i % 2 else t for i, t in enumerate(INJECTIONS)]
    gdf["rel_distance_km"], gdf["rel_bearing"] = 10.0, 90.0
    gdf["ref_lat"], gdf["ref_lon"] = gdf["lat"] - 0.05, gdf["lon"] - 0.05
    gdf["role"] = ["incident" if i % 3 else "context" for i in range(n)]
    areas = gdf.iloc[:3].assign(feature="country", role="context")  # listed, not drawn
    gdf = gpd.GeoDataFrame(
        pd.concat([gdf, areas], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    path = tmp_path / "hostile_events.html"
    render.save_map(render.incident_map(gdf, offline=True, pov=INJECTIONS[0]), path)
    opened = Opened(browser, path)
    page = opened.page
    try:
        for i, text in enumerate(INJECTIONS):
            opened.open_popup(text)
            content = page.locator(".leaflet-popup-content")
            assert text.strip() in content.inner_text()
            assert content.locator("img, svg, script, iframe").count() == 0
            opened.close_popup()
            assert i < n
        note = page.inner_text(".geomap-areas")
        assert all(t.strip() in note for t in INJECTIONS[:3])
        for selector in (".geomap-areas", ".geomap-meta", ".leaflet-tooltip-pane"):
            assert page.locator(f"{selector} img, {selector} svg, {selector} script").count() == 0
        assert page.locator("path.geomap-reference").count() > 0
        assert page.evaluate("window.__pwned") is None
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()
