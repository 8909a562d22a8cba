"""QGIS layer styles in the GeoPackage export (geomap.qgis_styles), read back with sqlite3."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyogrio
import pytest

from geomap import export, qgis_styles, render
from geomap.errors import OutputError
from geomap.rules import violence

from .common import sample_borders, sample_incidents

QGIS_COLUMNS = [
    "id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
    "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time",
]  # fmt: skip
LAYERS = ("incidents", "borders", "border_links")


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    return export.write_gpkg(sample_incidents(), tmp_path / "out.gpkg", borders=sample_borders())


def _styles(path: Path) -> list[sqlite3.Row]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM layer_styles ORDER BY id").fetchall()
    finally:
        con.close()


def _fields(expression: str) -> set[str]:
    """The "quoted" field names of a QGIS expression (string literals left out)."""
    return set(re.findall(r'"([^"]+)"', re.sub(r"'(?:[^'\\]|\\.)*'", "''", expression)))


def _rgb(qgis_color: str) -> str:
    r, g, b, _ = (int(v) for v in qgis_color.split(","))
    return f"#{r:02x}{g:02x}{b:02x}"


def test_one_default_style_per_layer_in_the_table_qgis_reads(gpkg):
    rows = _styles(gpkg)
    assert list(rows[0].keys()) == QGIS_COLUMNS
    assert sorted(r["f_table_name"] for r in rows) == sorted(LAYERS)  # one each
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        (kind,) = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    finally:
        con.close()
    assert kind == "attributes"  # registered as QGIS registers it
    for row in rows:
        assert row["useAsDefault"] == 1 and row["styleName"] == qgis_styles.STYLE_NAME
        # QGIS matches on an empty catalog and schema and the layer's geometry column.
        assert row["f_table_catalog"] == "" and row["f_table_schema"] == ""
        assert row["f_geometry_column"] == geometry[row["f_table_name"]]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["update_time"])


def test_qml_and_sld_parse_and_use_the_layers_fields(gpkg):
    for row in _styles(gpkg):
        layer = row["f_table_name"]
        columns = set(pyogrio.read_info(gpkg, layer=layer)["fields"])
        qml = ET.fromstring(row["styleQML"])  # DOCTYPE included
        assert qml.tag == "qgis"
        renderer = qml.find("renderer-v2")
        assert renderer is not None and renderer.get("type") == "categorizedSymbol"
        used = _fields(renderer.get("attr", ""))
        for text_style in qml.iter("text-style"):
            used |= _fields(text_style.get("fieldName", ""))
        assert used and used <= columns, (layer, used - columns)
        categories = renderer.findall("categories/category")
        symbols = {s.get("name") for s in renderer.findall("symbols/symbol")}
        assert {c.get("symbol") for c in categories} == symbols  # every category drawn
        sld = ET.fromstring(row["styleSLD"])
        assert sld.tag == "{http://www.opengis.net/sld}StyledLayerDescriptor"
        names = {e.text for e in sld.iter("{http://www.opengis.net/ogc}PropertyName")}
        assert names <= columns


def test_incidents_are_coloured_by_cue_class_as_on_the_map(gpkg):
    (row,) = [r for r in _styles(gpkg) if r["f_table_name"] == "incidents"]
    renderer = ET.fromstring(row["styleQML"]).find("renderer-v2")
    assert renderer is not None
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    colours = {}
    for category in renderer.findall("categories/category"):
        (color,) = [
            p.get("v")
            for p in symbols[category.get("symbol")].iter("prop")
            if p.get("k") == "color"
        ]
        colours[category.get("value")] = (_rgb(color), category.get("label"))
    expected = {cls: (colour, label) for cls, (label, colour) in render.CUE_CLASSES.items()}
    assert {k: v for k, v in colours.items() if k != "context"} == expected
    assert colours["context"][0] == render.CONTEXT_COLOR


def test_colours_are_the_map_pages():
    assert qgis_styles.CONTEXT_COLOR == render.CONTEXT_COLOR
    assert qgis_styles.BORDER_COLOR == render.BORDER_COLOR
    assert qgis_styles.NEAREST_BORDER_COLOR == render.NEAREST_BORDER_COLOR
    assert qgis_styles.LINK_COLOR == render.LINK_COLOR


def _qgis_literals(expression: str) -> list[str]:
    r"""The string literals of a QGIS expression, unescaped (\\ -> \, \' -> ')."""
    found = re.findall(r"'((?:[^'\\]|\\.)*)'", expression)
    return [re.sub(r"\\(.)", r"\1", s) for s in found]


def test_the_class_expression_classifies_as_the_map_does():
    """Evaluate the expression's regular expressions with Python's re, as QGIS would."""
    expression = qgis_styles.cue_class_expression()
    literals = _qgis_literals(expression)
    whens = re.findall(
        r"regexp_match\(@geomap_cue, '((?:[^'\\]|\\.)*)'\) > 0 THEN '(\w+)'", expression
    )
    assert whens, expression
    rules = [(re.compile(re.sub(r"\\(.)", r"\1", p)), cls) for p, cls in whens]
    anywhere = re.compile(next(s for s in literals if s.startswith("(?i)(?<!")))
    typed = {
        t: cls
        for listed, cls in re.findall(
            r"coalesce\(\"event_type\", ''\) IN \(([^)]*)\) THEN '(\w+)'", expression
        )
        for t in re.findall(r"'(\w+)'", listed)
    }
    assert set(typed) == set(violence().event_types)

    def classify(cue: str, sentence: str, event_type: str) -> str:
        if event_type in typed:
            return typed[event_type]
        word = cue or (m.group() if (m := anywhere.search(sentence)) else "")
        return next((cls for pattern, cls in rules if pattern.search(word)), "other")

    words = list(violence().triggers)
    cues = [*words, "SHELLED", "Stormed", "Air  strikes", "exploring", "", "quiet"]
    sentences = ["", "Clashes erupted near the town.", "All was calm."]
    cases = [(c, s, t) for t in ("", "air_strike", "killing", "unknown") for c in cues
             for s in sentences]  # fmt: skip
    # The map's classes, in one call over arrays (a scalar call runs the same array code).
    wanted = render.classify_cues(*(list(column) for column in zip(*cases, strict=True)))
    for (cue, sentence, event_type), want in zip(cases, wanted, strict=True):
        assert classify(cue, sentence, event_type) == want, (cue, sentence, event_type)
    assert set(violence().classes) == {cls for _, cls in whens} == set(typed.values())


def test_nearest_borders_are_those_of_the_incidents(gpkg):
    (row,) = [r for r in _styles(gpkg) if r["f_table_name"] == "borders"]
    renderer = ET.fromstring(row["styleQML"]).find("renderer-v2")
    assert renderer is not None
    # Goris and Kapan (incidents) are nearest to AM-AZ; Russia is context.
    assert "\"pair\" IN ('AM-AZ')" in renderer.get("attr", "")
    values = {c.get("value") for c in renderer.findall("categories/category")}
    assert values == {"border", "nearest"}


def test_every_layer_still_reads_back(gpkg):
    for name, _ in pyogrio.list_layers(gpkg):
        frame = pyogrio.read_dataframe(gpkg, layer=name)
        assert (
            len(frame)
            == {"incidents": 4, "borders": 3, "border_links": 3, "layer_styles": 3}[name]
        )
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles")
    assert styles["useAsDefault"].dtype == np.bool_ and styles["useAsDefault"].all()


def test_unknown_layer_has_no_style():
    with pytest.raises(OutputError, match="no QGIS style"):
        qgis_styles.layer_style_qml("rivers")


QGIS_CHECK = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsExpression, QgsExpressionContext, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
for name in ("incidents", "borders", "border_links"):
    layer = QgsVectorLayer(sys.argv[1] + "|layername=" + name, name, "ogr")
    message, ok = layer.loadDefaultStyle()
    renderer = layer.renderer()
    expression = QgsExpression(renderer.classAttribute())
    values = []
    for feature in layer.getFeatures():
        context = QgsExpressionContext()
        context.setFeature(feature)
        values.append(str(expression.evaluate(context)))
    print(name, ok, renderer.type(), expression.hasParserError(), ",".join(values), flush=True)
os._exit(0)  # QGIS may crash while tearing down; what it loaded is already printed
"""


@pytest.mark.skipif(
    not (shutil.which("python3") and Path("/usr/lib/python3/dist-packages/qgis").exists()),
    reason="needs QGIS's Python bindings (apt-get install python3-qgis)",
)
def test_qgis_itself_loads_the_styles(gpkg):
    out = subprocess.run(
        ["/usr/bin/python3", "-c", QGIS_CHECK, str(gpkg)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split("\n")
    lines = {line.split()[0]: line.split() for line in out if line.strip()}
    for name in LAYERS:
        assert lines[name][1:4] == ["True", "categorizedSymbol", "False"], lines[name]
    gdf = sample_incidents()
    classes = render.classify_cues(
        gdf["cue"].tolist(), gdf["sentence"].tolist(), gdf["event_type"].tolist()
    )
    expected = [
        c if r == "incident" else "context" for c, r in zip(classes, gdf["role"], strict=True)
    ]
    assert lines["incidents"][4].split(",") == expected
    assert lines["borders"][4].split(",") == ["nearest", "border", "border"]  # AM-AZ first
