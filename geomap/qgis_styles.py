"""QGIS layer styles for the GeoPackage export: the ``layer_styles`` table QGIS reads.

QGIS looks for a table named ``layer_styles`` in a GeoPackage and applies the row marked
``useAsDefault`` for each layer when the layer is opened. :func:`write_layer_styles` adds
that table (an attributes table registered in ``gpkg_contents``, with the columns QGIS
itself writes), one default style per layer, so that the file opens in QGIS looking like
the map page:

- ``incidents``: incidents coloured by the class of their event type, else of their violence
  cue (the one violence vocabulary: ``geomap/data/violence.tsv`` and ``event_types.tsv``; the
  colours and labels of ``violence_classes.tsv``, as on the map), labelled with their name;
  context places small and grey;
- ``borders``: land borders grey, the ones nearest to an incident thick and orange;
- ``border_links``: the incidents' links as dashed lines labelled with the distance in km
  (context places' links are in the layer but not drawn, as on the map).

Each style is QML (QGIS's own format, a categorized renderer keyed by a QGIS expression on
the layer's fields) plus a simplified SLD for other clients (roles only, no cue classes).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from .errors import OutputError
from .rules import table, violence

__all__ = [
    "BORDER_COLOR",
    "CONTEXT_COLOR",
    "LINK_COLOR",
    "NEAREST_BORDER_COLOR",
    "STYLE_NAME",
    "cue_class_expression",
    "layer_style_qml",
    "layer_style_sld",
    "write_layer_styles",
]

# The map page's colours (geomap.render.style); tests check that the two agree.
CONTEXT_COLOR: Final = "#8c8c8c"
BORDER_COLOR: Final = "#555555"
NEAREST_BORDER_COLOR: Final = "#ff7f00"
LINK_COLOR: Final = "#2c7bb6"
#: The name of the default style of each layer in ``layer_styles``.
STYLE_NAME: Final = "geomap"

_INCIDENT_MM = 3.6  # marker diameters, millimetres
_CONTEXT_MM = 2.0
_QGIS_VERSION = "3.22.0"  # the oldest QGIS this QML is written for (any later one reads it)


def _rgba(hex_color: str, alpha: int = 255) -> str:
    """``#rrggbb`` -> QGIS's ``r,g,b,a``."""
    value = hex_color.lstrip("#")
    return ",".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _literal(text: str) -> str:
    r"""Quote ``text`` as a QGIS expression string literal (``\`` and ``'`` escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _classes() -> list[tuple[str, str, str]]:
    """(class, legend label, colour) in legend order, from ``violence_classes.tsv``."""
    return [(row[0], row[1], row[2]) for row in table("violence_classes") if len(row) == 3]


def cue_class_expression() -> str:
    r"""Return the QGIS expression giving an incidents row its marker class.

    ``'context'`` for a row whose ``role`` is not ``incident``; otherwise, as
    `geomap.render.classify_cues` gives it, the class of its ``event_type``
    (``geomap/data/event_types.tsv``) or, without one, of the violence word in ``cue`` (or,
    where the cue is empty, of the first violence word of the ``sentence``): the event type
    of the word in ``geomap/data/violence.tsv``, matched whole, ignoring case; a word that is
    none is ``'other'``.

    Examples
    --------
    >>> expr = cue_class_expression()
    >>> expr.startswith("CASE WHEN coalesce(\"role\", '') <> 'incident' THEN 'context'")
    True
    """
    vocabulary = violence()

    def alternation(forms: Iterable[str]) -> str:
        ordered = sorted(forms, key=len, reverse=True)  # longest first, as geomap.rules
        return "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in ordered)

    anywhere = f"(?i)(?<![\\w-])(?:{alternation(vocabulary.triggers)})(?![\\w-])"
    cue = (
        "if(coalesce(\"cue\", '') <> '', \"cue\", "
        f"coalesce(regexp_substr(coalesce(\"sentence\", ''), {_literal(anywhere)}), ''))"
    )
    by_type = []
    word_whens = []
    for cls in vocabulary.classes:
        types = [t for t in vocabulary.event_types if vocabulary.class_of[t] == cls]
        listed = ", ".join(_literal(t) for t in types)
        by_type.append(f"WHEN coalesce(\"event_type\", '') IN ({listed}) THEN {_literal(cls)}")
        forms = [
            w for w, t in vocabulary.triggers.items() if vocabulary.class_of[t.event_type] == cls
        ]
        pattern = f"(?i)^(?:{alternation(forms)})$"
        word_whens.append(
            f"WHEN regexp_match(@geomap_cue, {_literal(pattern)}) > 0 THEN {_literal(cls)}"
        )
    classify = "CASE " + " ".join(word_whens) + " ELSE 'other' END"
    return (
        "CASE WHEN coalesce(\"role\", '') <> 'incident' THEN 'context' "
        + " ".join(by_type)
        + f" ELSE with_variable('geomap_cue', {cue}, {classify}) END"
    )


def _props(props: dict[str, str]) -> str:
    """Write a symbol layer's properties both ways QGIS 3 reads them."""
    options = "".join(
        f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>'
        for k, v in props.items()
    )
    legacy = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return f'<Option type="Map">{options}</Option>{legacy}'


def _marker(name: str, color: str, size_mm: float, outline: str = "#ffffff") -> str:
    props = {
        "name": "circle",
        "color": _rgba(color),
        "outline_color": _rgba(outline),
        "outline_style": "solid",
        "outline_width": "0.4",
        "outline_width_unit": "MM",
        "size": f"{size_mm:g}",
        "size_unit": "MM",
        "scale_method": "diameter",
    }
    return (
        f'<symbol type="marker" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
        f'force_rhr="0"><layer class="SimpleMarker" enabled="1" locked="0" pass="0">'
        f"{_props(props)}</layer></symbol>"
    )


def _line(name: str, color: str, width_mm: float, *, dashed: bool = False) -> str:
    props = {
        "line_color": _rgba(color),
        "line_style": "solid",
        "line_width": f"{width_mm:g}",
        "line_width_unit": "MM",
        "capstyle": "round",
        "joinstyle": "round",
        "use_custom_dash": "1" if dashed else "0",
        "customdash": "2;2",
        "customdash_unit": "MM",
    }
    return (
        f'<symbol type="line" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
        f'force_rhr="0"><layer class="SimpleLine" enabled="1" locked="0" pass="0">'
        f"{_props(props)}</layer></symbol>"
    )


def _labels(expression: str, *, line: bool) -> str:
    """Label by ``expression``: dark text with a white halo."""
    placement = (
        '<placement placement="4" dist="1" distUnits="MM"/>'
        if line
        else ('<placement placement="6" dist="1.5" distUnits="MM"/>')
    )
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(expression)} isExpression="1" fontSize="9" '
        'fontSizeUnit="Point" textColor="34,34,34,255" textOpacity="1" fontWeight="50" '
        'fontItalic="0" multilineHeight="1" namedStyle="">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.85" bufferJoinStyle="128"/>'
        f"</text-style>{placement}"
        '<rendering obstacle="1" scaleVisibility="0" drawLabels="1" displayAll="0"/>'
        "</settings></labeling>"
    )


def _qml(renderer: str, labeling: str = "") -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{_QGIS_VERSION}" styleCategories="Symbology|Labeling" '
        f'labelsEnabled="{1 if labeling else 0}">{renderer}{labeling}</qgis>\n'
    )


def _symbol(template: str, index: int) -> str:
    return template.replace('name="s"', f'name="{index}"', 1)


def layer_style_qml(layer: str, *, nearest_pairs: Iterable[str] = ()) -> str:
    """Return the QML style of one layer of the GeoPackage export.

    Parameters
    ----------
    layer : {"incidents", "borders", "border_links"}
        The layer (see `geomap.export.write_gpkg`).
    nearest_pairs : iterable of str
        For ``borders``: the pairs (``"AM-AZ"``) nearest to an incident, drawn orange.

    Raises
    ------
    OutputError
        For a layer geomap writes no style for.
    """
    if layer == "incidents":
        categories = [
            (cls, label, _symbol(_marker("s", color, _INCIDENT_MM), i))
            for i, (cls, label, color) in enumerate(_classes())
        ]
        n = len(categories)
        categories.append(
            ("context", "Context place", _symbol(_marker("s", CONTEXT_COLOR, _CONTEXT_MM), n))
        )
        names = "if(coalesce(\"role\", '') = 'incident', \"name\", NULL)"
        return _qml(_categorized(cue_class_expression(), categories), _labels(names, line=False))
    if layer == "borders":
        pairs = sorted(set(nearest_pairs))
        expression = (
            f"if(\"pair\" IN ({', '.join(_literal(p) for p in pairs)}), 'nearest', 'border')"
            if pairs
            else "'border'"
        )
        categories = [
            ("border", "Land border", _symbol(_line("s", BORDER_COLOR, 0.5), 0)),
            (
                "nearest",
                "Nearest border to an incident",
                _symbol(_line("s", NEAREST_BORDER_COLOR, 1.2), 1),
            ),
        ]
        return _qml(_categorized(expression, categories))
    if layer == "border_links":
        categories = [
            (
                "link",
                "Distance to the nearest border",
                _symbol(_line("s", LINK_COLOR, 0.5, dashed=True), 0),
            )
        ]
        # As on the map: links of incidents only (a value without a category is not drawn).
        incident = "coalesce(\"role\", '') = 'incident'"
        label = f"if({incident}, format_number(\"distance_km\", 1) || ' km', NULL)"
        return _qml(
            _categorized(f"if({incident}, 'link', 'context')", categories),
            _labels(label, line=True),
        )
    raise OutputError(
        f"no QGIS style for layer {layer!r}: geomap styles incidents, borders, border_links"
    )


def _categorized(expression: str, categories: list[tuple[str, str, str]]) -> str:
    """Write a categorized renderer: ``(value, label, symbol XML)`` per category, in order."""
    cats = "".join(
        f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(label)} render="true"/>'
        for i, (value, label, _) in enumerate(categories)
    )
    symbols = "".join(symbol for _, _, symbol in categories)
    return (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(expression)} '
        f'symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>"
    )


def layer_style_sld(layer: str, *, nearest_pairs: Iterable[str] = ()) -> str:
    """Return a simplified SLD (SE 1.1) style of one layer, for clients other than QGIS.

    Incidents by role only (the cue classes need QGIS's regular expressions), borders
    with the nearest ones orange, links dashed.
    """

    def rule(
        title: str, symbolizer: str, prop: str = "", values: Iterable[str] = (), *, other=False
    ) -> str:
        values = list(values)
        if other:
            flt = "<se:ElseFilter/>"
        elif not prop:
            flt = ""
        elif len(values) == 1:
            flt = (
                f"<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>{escape(prop)}"
                f"</ogc:PropertyName><ogc:Literal>{escape(values[0])}</ogc:Literal>"
                "</ogc:PropertyIsEqualTo></ogc:Filter>"
            )
        else:
            ors = "".join(
                f"<ogc:PropertyIsEqualTo><ogc:PropertyName>{escape(prop)}</ogc:PropertyName>"
                f"<ogc:Literal>{escape(v)}</ogc:Literal></ogc:PropertyIsEqualTo>"
                for v in values
            )
            flt = f"<ogc:Filter><ogc:Or>{ors}</ogc:Or></ogc:Filter>"
        return f"<se:Rule><se:Name>{escape(title)}</se:Name>{flt}{symbolizer}</se:Rule>"

    def point(color: str, size_px: int) -> str:
        return (
            "<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle"
            f'</se:WellKnownName><se:Fill><se:SvgParameter name="fill">{color}</se:SvgParameter>'
            '</se:Fill><se:Stroke><se:SvgParameter name="stroke">#ffffff</se:SvgParameter>'
            "</se:Stroke></se:Mark>"
            f"<se:Size>{size_px}</se:Size></se:Graphic></se:PointSymbolizer>"
        )

    def stroke(color: str, width_px: int, dash: str = "") -> str:
        dashed = (
            f'<se:SvgParameter name="stroke-dasharray">{dash}</se:SvgParameter>' if dash else ""
        )
        return (
            f'<se:LineSymbolizer><se:Stroke><se:SvgParameter name="stroke">{color}'
            f'</se:SvgParameter><se:SvgParameter name="stroke-width">{width_px}'
            f"</se:SvgParameter>{dashed}</se:Stroke></se:LineSymbolizer>"
        )

    if layer == "incidents":
        incident_color = {c: col for c, _, col in _classes()}.get("other", "#a6611a")
        rules = rule("Incident", point(incident_color, 12), "role", ["incident"])
        rules += rule("Context place", point(CONTEXT_COLOR, 7), other=True)
    elif layer == "borders":
        pairs = sorted(set(nearest_pairs))
        rules = rule("Land border", stroke(BORDER_COLOR, 2))
        if pairs:
            rules += rule(
                "Nearest border to an incident", stroke(NEAREST_BORDER_COLOR, 4), "pair", pairs
            )
    elif layer == "border_links":
        link = stroke(LINK_COLOR, 2, "6 6")
        rules = rule("Distance to the nearest border", link, "role", ["incident"])
    else:
        raise OutputError(f"no SLD style for layer {layer!r}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" '
        'xmlns:ogc="http://www.opengis.net/ogc" xmlns:se="http://www.opengis.net/se" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.opengis.net/sld '
        'http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd">'
        f"<NamedLayer><se:Name>{escape(layer)}</se:Name><UserStyle><se:Name>{STYLE_NAME}"
        f"</se:Name><se:FeatureTypeStyle>{rules}</se:FeatureTypeStyle></UserStyle>"
        "</NamedLayer></StyledLayerDescriptor>\n"
    )


def write_layer_styles(
    path: str | os.PathLike[str],
    layers: Iterable[str],
    *,
    nearest_pairs: Iterable[str] = (),
) -> None:
    """Add the ``layer_styles`` table to a GeoPackage, one default style per layer.

    Parameters
    ----------
    path : path-like
        The GeoPackage (being written: the caller makes the write atomic).
    layers : iterable of str
        The layers to style (``incidents``, ``borders``, ``border_links``), already in the
        file.
    nearest_pairs : iterable of str
        Border pairs nearest to an incident (orange in ``borders``).

    Raises
    ------
    OutputError
        If the table cannot be written.
    """
    import pandas as pd
    import pyogrio

    pairs = sorted(set(nearest_pairs))
    now = pd.Timestamp.now(tz="UTC").floor("ms")  # QGIS picks the newest default style
    try:
        con = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True)
        try:
            columns = dict(
                con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
            )
        finally:
            con.close()
    except sqlite3.Error as err:
        raise OutputError(f"cannot read the layers of {path} to style them: {err}") from err
    rows = [
        {
            "f_table_catalog": "",
            "f_table_schema": "",
            "f_table_name": layer,
            "f_geometry_column": columns.get(layer, "geom"),
            "styleName": STYLE_NAME,
            "styleQML": layer_style_qml(layer, nearest_pairs=pairs),
            "styleSLD": layer_style_sld(layer, nearest_pairs=pairs),
            "useAsDefault": True,
            "description": f"geomap: the {layer} layer as the map page draws it",
            "owner": "",
            "ui": "",
            "update_time": now,
        }
        for layer in layers
    ]
    frame = pd.DataFrame(rows)
    try:
        pyogrio.write_dataframe(
            frame, path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"}
        )
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        raise OutputError(f"cannot write the QGIS layer styles of {path}: {err}") from err
