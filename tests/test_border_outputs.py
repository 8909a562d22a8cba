"""Points of view and the new border columns in geomap's outputs: files, map, CLI (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from folium.utilities import normalize

from geomap import render
from geomap.borders import AT_BORDER, load_borders
from geomap.cli import cli
from geomap.incidents import BORDER_COLUMNS, COLUMNS, incidents_from_texts
from geomap.job import map_files
from geomap.options import POV_DESCRIPTIONS

from .common import CHROMIUM, sample_countries, sample_incidents
from .test_browser import Opened

TEXT = "Artillery shelled Katzrin on Monday. Shells also hit Kapan, Armenia."


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("in") / "golan.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("pov", ["deu", "de_facto"])
def test_incidents_carry_the_view_and_the_mismatch_flag(gazetteer, pov: str) -> None:
    frame = incidents_from_texts([("t", TEXT)], gazetteer=gazetteer, borders=load_borders(pov=pov))
    assert list(frame.columns) == [*COLUMNS, "geometry"]
    assert set(BORDER_COLUMNS) <= set(frame.columns)
    frame = frame.set_index("name")
    katzrin = frame.loc["Katzrin"]
    assert katzrin["country_code"] == "IL"  # GeoNames
    assert (katzrin["admin"], katzrin["claimants"], katzrin["pov"]) == ("IL", "IL;SY", pov)
    # GeoNames and the German view disagree about the Golan: both kept, and flagged.
    assert katzrin["country"] == {"deu": "SY", "de_facto": "IL"}[pov]
    assert katzrin["country_mismatch"] == (pov == "deu")
    kapan = frame.loc["Kapan"]
    assert kapan["side"] == AT_BORDER and kapan["at_border"] and not kapan["country_mismatch"]
    assert frame["at_border"].dtype == bool and frame["disputed"].dtype == bool


def test_no_places_keeps_the_dtypes(gazetteer) -> None:
    empty = incidents_from_texts([("t", "Nothing here.")], gazetteer=gazetteer)
    assert list(empty.columns[:-1]) == COLUMNS and len(empty) == 0
    assert empty["at_border"].dtype == bool and empty["line_distance_km"].dtype == float


def test_files_state_the_view(article: str, tmp_path, gazetteer) -> None:  # noqa: ARG001
    written = map_files(
        [article], tmp_path, formats=["html", "geojson", "csv"], pov="de_facto", offline=True
    )
    assert [p.suffix for p in written] == [".html", ".geojson", ".csv"]
    collection = json.loads((tmp_path / "golan.geojson").read_text("utf-8"))
    meta = collection["geomap"]
    assert meta["pov"] == "de_facto" and meta["pov_description"] == POV_DESCRIPTIONS["de_facto"]
    assert meta["borders_dataset"]["pov"] == "de_facto"
    assert meta["border_accuracy_km"] == 1.0 and "at the border" in meta["at_border"]
    props = {f["properties"]["name"]: f["properties"] for f in collection["features"]}
    assert props["Katzrin"]["border_kind"] == "ceasefire"
    assert props["Katzrin"]["line_name"] == "1974 disengagement line (Purple Line)"
    assert props["Kapan"]["side"] == AT_BORDER
    table = pd.read_csv(tmp_path / "golan.csv").set_index("name")
    assert table.loc["Kapan", "side"] == AT_BORDER
    assert table.loc["Katzrin", "pov"] == "de_facto"
    assert not table.loc["Katzrin", "country_mismatch"]
    page = normalize((tmp_path / "golan.html").read_text("utf-8"))
    assert "geomap.disputedLineLayer(" in page
    assert "Point of view: <b>de_facto</b>" in page
    assert "ceasefire / armistice line" in page


def test_cli_map_pov(article: str, tmp_path, gazetteer) -> None:  # noqa: ARG001
    result = CliRunner().invoke(
        cli, ["map", article, "--out", str(tmp_path), "--format", "geojson", "--pov", "deu"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "golan.geojson").read_text("utf-8"))["geomap"]["pov"] == "deu"
    bad = CliRunner().invoke(cli, ["map", article, "--out", str(tmp_path), "--pov", "ISR"])
    assert bad.exit_code == 2 and "'ISR' is not one of 'deu', 'de_facto'" in bad.output
    assert "--pov [deu|de_facto]" in CliRunner().invoke(cli, ["map", "--help"]).output


def test_map_draws_each_kind_of_line_in_its_style(tmp_path) -> None:
    borders = load_borders(pov="deu")
    gdf = sample_incidents()  # Goris and Kapan: the historic 1994 line and current lines near
    page = render.save_map(
        render.incident_map(
            gdf,
            disputed_lines=borders.disputed_lines,
            pov=borders.pov,
            pov_text=borders.description["pov_description"],
            tiles=None,
        ),
        tmp_path / "map.html",
    ).read_text("utf-8")
    call = re.search(r"geomap\.disputedLineLayer\(\s*", page)
    assert call, "no disputed-line layer"
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(page, call.end())
    options, _ = decoder.raw_decode(page, page.index("{", end))
    kinds = {(f["properties"]["kind"], f["properties"]["status"]) for f in data["features"]}
    assert ("ceasefire", "historic") in kinds  # the 1994 Karabakh line, near Goris
    assert set(options["styles"]) == set(render.style.DISPUTED_LINE_STYLES)
    assert options["historic"]["opacity"] < options["styles"]["ceasefire"]["opacity"]
    text = normalize(page)
    assert "historic line (faint)" in text and "Point of view: <b>deu</b>" in text
    # Without the lines and the view, the legend is as before.
    plain = normalize(
        render.save_map(render.incident_map(gdf, tiles=None), tmp_path / "plain.html").read_text(
            "utf-8"
        )
    )
    assert re.search(r"geomap\.disputedLineLayer\(\s*\{", plain) is None
    assert "Point of view" not in plain


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_the_lines_draw_in_a_real_browser(browser, borders, tmp_path) -> None:
    """The disputed-line layer in Chromium: no error, its paths in their styles, tooltips."""
    path = render.save_map(
        render.incident_map(
            sample_incidents(),
            countries=sample_countries(),  # the basemap; the lines are the real ones
            offline=True,
            disputed_lines=borders.disputed_lines,
            pov=borders.pov,
        ),
        tmp_path / "lines.html",
    )
    opened = Opened(browser, path)
    try:
        assert opened.errors == [] and opened.outside == []
        strokes = opened.page.evaluate(
            "[...document.querySelectorAll('path.leaflet-interactive')]"
            ".map(p => [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray')])"
        )
        ceasefire = render.style.DISPUTED_LINE_STYLES["ceasefire"][1]
        assert [ceasefire["color"], ceasefire["dashArray"]] in strokes
        # Hover a ceasefire line: its sticky tooltip names it.
        opened.page.evaluate(
            """([color]) => {
                const path = [...document.querySelectorAll('path.leaflet-interactive')]
                    .find(p => p.getAttribute('stroke') === color);
                const box = path.getBoundingClientRect();
                const at = {bubbles: true, clientX: box.x + box.width / 2,
                            clientY: box.y + box.height / 2};
                path.dispatchEvent(new MouseEvent('mouseover', at));
                path.dispatchEvent(new MouseEvent('mousemove', at));
            }""",
            [ceasefire["color"]],
        )
        tooltip = opened.page.wait_for_selector(".leaflet-tooltip").text_content()
        assert tooltip.startswith("ceasefire / armistice line: ") and "historic" in tooltip
    finally:
        opened.close()
