"""Incidents + land borders -> a self-contained folium (Leaflet) map, saved atomically."""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup

from geomap.errors import ConfigurationError, OutputError
from geomap.io import atomic_write
from geomap.rules import violence

__all__ = [
    "BORDER_PAD_DEGREES",
    "CLUSTER_THRESHOLD",
    "CUE_CLASSES",
    "LABEL_LIMIT",
    "LINK_LIMIT",
    "BorderLayer",
    "CountryBasemap",
    "IncidentData",
    "IncidentLayer",
    "InlineAssets",
    "Legend",
    "LinkLayer",
    "MapControls",
    "classify_cues",
    "escape_text",
    "format_distance",
    "incident_map",
    "save_map",
]

BORDER_PAD_DEGREES = 3.0
"""Border lines are drawn only if their bounds meet the focus box padded by this much."""

CLUSTER_THRESHOLD = 200
"""With ``cluster=None``, markers are clustered when there are more located rows than this."""

LINK_LIMIT = 5000
"""More linked incidents than this: the distance-line layer is off until ticked."""

LABEL_LIMIT = 500
"""More linked incidents than this: no permanent km labels (the line tooltips stay)."""

CUE_CLASSES: dict[str, tuple[str, str]] = {
    "shelling": ("Shelling, strikes", "#d7191c"),
    "attack": ("Attack, raid", "#7b3294"),
    "clash": ("Clash, gunfire", "#018571"),
    "casualties": ("Killed, wounded", "#1a1a1a"),
    "other": ("Other violence", "#a6611a"),
}
"""Incident classes in legend order: class -> (legend label, marker colour)."""

INCIDENT_COLOR = CUE_CLASSES["shelling"][1]
CONTEXT_COLOR = "#8c8c8c"
BORDER_COLOR = "#555555"
NEAREST_BORDER_COLOR = "#ff7f00"
LINK_COLOR = "#2c7bb6"
LAND_COLOR = "#f2efe9"

ACCURACY_NOTE = "border data good to ~1 km"
PRECISION_NOTES = {
    "city": "the town's centre (GeoNames point), not its edge",
    "country": "a point inside the country: too coarse for an incident",
    "": "GeoNames point",
}

_WORLD_CENTER = (20.0, 0.0)  # (lat, lon)
_BORDER_DECIMALS = 5  # about 1 m; the border data is good to ~1 km
_BORDER_TOLERANCE = 0.0005  # degrees, about 50 m
_POINT_DECIMALS = 6
_INCIDENT_SIZE = 16  # marker diameter, px
_CONTEXT_SIZE = 10
_WORLD_TOLERANCE = 0.5  # degrees, the coarse world outside the detail box
_WORLD_MIN_AREA = 2.0  # square degrees: smaller islands are left out of the coarse world

# Escapes on top of html.escape for text that may end up inside a JavaScript template
# literal (`...`): a backtick ends the string, "${" starts an expression and a backslash
# starts an escape sequence.
# Braces too: branca renders folium's element output as a Jinja template a second time.
_JS_TEMPLATE_ESCAPES = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)

# JSON placed in an HTML page: no "<", ">", "&" or "'" at all, so it can neither close
# the <script> element it sits in nor open a comment; U+2028/9 for old JS parsers.
_HTML_SAFE_JSON = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "'": "\\u0027",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def escape_text(value: Any) -> str:
    r"""Escape one value from the data for HTML (an attribution, a naive folium popup).

    ``html.escape(..., quote=True)`` plus the characters that matter inside a JavaScript
    template literal (backtick, ``$``, backslash) and to Jinja (braces: branca renders a
    folium element's output as a template a second time), all as HTML character
    references, so the browser shows the original text. None and NaN become the empty
    string. The map's own layers never need it: they carry the data as JSON and show it
    as DOM text.

    Parameters
    ----------
    value : object
        The value; converted with `str`.

    Returns
    -------
    str
        Text safe to place in HTML and in folium's template literals.

    Examples
    --------
    >>> escape_text('<script>alert(`x`)</script>')
    '&lt;script&gt;alert(&#96;x&#96;)&lt;/script&gt;'
    >>> escape_text("${a}\\b")
    '&#36;&#123;a&#125;&#92;b'
    >>> escape_text(None)
    ''
    """
    if _missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_JS_TEMPLATE_ESCAPES)


def format_distance(distance_km: float, *, digits: int = 1) -> str:
    """Format a distance in km for the map: ``digits`` decimals, two below 1 km.

    Parameters
    ----------
    distance_km : float
        Distance in kilometres.
    digits : int, default 1
        Decimals at or above 1 km.

    Returns
    -------
    str
        For example ``"8.6 km"``; ``""`` for NaN.

    Examples
    --------
    >>> format_distance(8.5612)
    '8.6 km'
    >>> format_distance(0.334)
    '0.33 km'
    >>> format_distance(8.5612, digits=2)
    '8.56 km'
    """
    if not math.isfinite(distance_km):
        return ""
    decimals = max(digits, 2) if distance_km < 1 else digits
    return f"{distance_km:.{decimals}f} km"


def classify_cues(cues: Any, sentences: Any = None) -> Any:
    """Class of each incident's violence cue: shelling, attack, clash, casualties or other.

    The cue word (the ``cue`` column, e.g. ``"shelled"``) decides; where it is empty or
    missing, the first violence word of the sentence does. Anything else is ``"other"``.

    Parameters
    ----------
    cues : str or array-like of str
        Cue words; None/NaN count as empty.
    sentences : str or array-like of str, optional
        The sentences, same shape as ``cues``, used where the cue is empty.

    Returns
    -------
    str or numpy.ndarray of str
        One of `CUE_CLASSES` per cue: a str for a scalar, else an object array.

    Examples
    --------
    >>> classify_cues("shelled")
    'shelling'
    >>> classify_cues(["killed", "", None], ["", "Clashes erupted.", "Calm."]).tolist()
    ['casualties', 'clash', 'other']
    """
    scalar = np.ndim(cues) == 0
    cue = pd.Series(np.atleast_1d(np.asarray(cues, dtype=object)), dtype=object)
    cue = cue.where(cue.notna(), "").astype(str)
    text = cue
    if sentences is not None:
        sentence = pd.Series(np.atleast_1d(np.asarray(sentences, dtype=object)), dtype=object)
        if len(sentence) != len(cue):
            raise ConfigurationError("cues and sentences must have the same length")
        sentence = sentence.where(sentence.notna(), "").astype(str)
        text = cue.where(cue.str.strip() != "", sentence)
    vocabulary = violence()
    result = np.full(len(cue), "other", dtype=object)
    for i, value in enumerate(text.tolist()):
        found = vocabulary.regex.search(value)
        if found:
            result[i] = vocabulary.classify(found.group()) or "other"
    return str(result[0]) if scalar else result


# -- map elements --------------------------------------------------------------------------


class _Raw(Element):
    """Text placed in the page as it is: never compiled as a Jinja template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:  # noqa: ARG002 - Element's signature
        """Return the text unchanged."""
        return self.text


class _RawMacros(MacroElement):
    """A MacroElement whose macro output goes into the page verbatim.

    branca's ``MacroElement.render`` wraps each macro's output in ``Element(output)``,
    which compiles that output as a Jinja template and renders it again: text from the
    data such as ``{{ 7*7 }}`` would be evaluated in the Python process (template
    injection), and a 40 MB page is lexed for seconds. Here each macro is rendered once
    and its output is placed as it is; a shown `Layer` is still added to its parent.
    """

    def render(self, **kwargs: Any) -> str:
        """Render the header, html and script macros once, into the figure."""
        if isinstance(self, Layer) and self.show and self._parent is not None:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        figure = self.get_root()
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = module.__dict__.get(part)
            if macro is not None:
                getattr(figure, part).add_child(
                    _Raw(str(macro(self, kwargs))), name=self.get_name()
                )
        for child in self._children.values():
            child.render(**kwargs)
        return ""


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """Return (CSS, JS) of Leaflet, Leaflet.markercluster and geomap, to inline."""
    try:
        from xstatic.pkg import leaflet, leaflet_markercluster
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError(
            "geomap.render.incident_map needs the packages xstatic-leaflet and "
            "xstatic-leaflet-markercluster (pip install geomap)"
        ) from err
    leaflet_dir = Path(leaflet.BASE_DIR)
    cluster_dir = Path(leaflet_markercluster.BASE_DIR)
    own = resources.files("geomap") / "data"

    def image(match: re.Match[str]) -> str:
        data = (leaflet_dir / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    leaflet_css = re.sub(
        r"url\((images/[\w.-]+\.png)\)", image, (leaflet_dir / "leaflet.css").read_text("utf-8")
    )
    css = "\n".join(
        [
            leaflet_css,
            (cluster_dir / "MarkerCluster.css").read_text("utf-8"),
            (own / "geomap.css").read_text("utf-8"),
        ]
    )
    js = "\n;\n".join(
        [
            (leaflet_dir / "leaflet.js").read_text("utf-8"),
            (cluster_dir / "leaflet.markercluster.js").read_text("utf-8"),
            (own / "geomap.js").read_text("utf-8"),
        ]
    )
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    # Inlined code must not end its own element early; none of these files does.
    if re.search(r"</script|<!--", js, re.IGNORECASE) or re.search(r"</style", css, re.I):
        raise ConfigurationError("a bundled Leaflet file cannot be inlined safely")
    return css, js


class InlineAssets(_RawMacros):
    """Leaflet, Leaflet.markercluster and geomap's JS/CSS, inlined in the page header.

    The page then loads no script or stylesheet from the network; only a tile basemap,
    if one is added, does.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        <script>{{ this.js }}</script>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineAssets"
        css, js = _assets()
        self.css = Markup(css)
        self.js = Markup(js)


class _GeomapMap(folium.Map):
    """A folium Map that links no CDN file: its assets come from `InlineAssets`."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


def _html_safe_json(data: Any) -> Markup:
    """Serialise ``data`` as compact JSON that is safe inside an HTML <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _HTML_SAFE_JSON.items():  # str.replace: much faster than translate
        text = text.replace(chr(char), escaped)
    return Markup(text)


class IncidentData(_RawMacros):
    """The incidents as one GeoJSON FeatureCollection, embedded once in the page.

    The JSON sits in a ``<script type="application/json">`` element (inert: it is never
    executed) and is parsed once; `IncidentLayer` and `LinkLayer` draw from it.

    Parameters
    ----------
    collection : dict
        A GeoJSON FeatureCollection of points with the properties the layers read.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}_json">{{ this.json }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = JSON.parse(
            document.getElementById({{ (this.get_name() ~ "_json")|tojson }}).textContent
        );
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict[str, Any]) -> None:
        super().__init__()
        self._name = "IncidentData"
        self.json = _html_safe_json(collection)


class IncidentLayer(_RawMacros, Layer):
    """Markers of one role (``incident`` or ``context``) from an `IncidentData`.

    One Leaflet marker per feature, created in the browser; clustered with
    Leaflet.markercluster when ``cluster`` is true. Popups and tooltips are built on
    demand as DOM text.

    Parameters
    ----------
    data : IncidentData
        The embedded incidents.
    role : {"incident", "context"}
        Which features to draw.
    name : str
        Layer name in the layer control.
    cluster : bool
        Cluster the markers.
    show : bool, default True
        Whether the layer is shown on opening.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.pointLayer(
            {{ this.data.get_name() }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, data: IncidentData, *, role: str, name: str, cluster: bool, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "IncidentLayer"
        self.data = data
        self.options = {
            "role": role,
            "cluster": bool(cluster),
            "size": _INCIDENT_SIZE if role == "incident" else _CONTEXT_SIZE,
            "classes": list(CUE_CLASSES),
            "labels": {cls: label for cls, (label, _) in CUE_CLASSES.items()},
            "precision": PRECISION_NOTES,
            "accuracy": ACCURACY_NOTE,
        }


class LinkLayer(_RawMacros, Layer):
    """Dashed lines from each incident to its nearest border point, with km labels.

    Parameters
    ----------
    data : IncidentData
        The embedded incidents.
    labels : bool
        Permanent km labels at the middle of each line.
    canvas : bool
        Draw the lines on a canvas (faster for many lines).
    show : bool, default True
        Whether the layer is shown on opening.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.linkLayer(
            {{ this.data.get_name() }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, data: IncidentData, *, labels: bool, canvas: bool, show: bool = True
    ) -> None:
        super().__init__(name="Distance to nearest border", overlay=True, show=show)
        self._name = "LinkLayer"
        self.data = data
        self.options = {"labels": bool(labels), "canvas": bool(canvas), "color": LINK_COLOR}


class BorderLayer(_RawMacros, Layer):
    """Land-border lines as one GeoJSON layer; the pairs nearest to incidents emphasised.

    Parameters
    ----------
    collection : dict
        GeoJSON FeatureCollection of lines with properties ``pair`` and ``nearest``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.borderLayer(
            {{ this.json }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict[str, Any]) -> None:
        super().__init__(name="Land borders", overlay=True, show=True)
        self._name = "BorderLayer"
        self.json = _html_safe_json(collection)
        self.options = {
            "normal": {
                "color": BORDER_COLOR,
                "weight": 1.5,
                "opacity": 0.8,
                "className": "geomap-border",
            },
            "nearest": {
                "color": NEAREST_BORDER_COLOR,
                "weight": 4,
                "opacity": 0.9,
                "className": "geomap-border geomap-border-nearest",
            },
        }


class CountryBasemap(_RawMacros, Layer):
    """Offline basemap: country polygons from the border data on a sea-blue background.

    Parameters
    ----------
    collection : dict
        GeoJSON FeatureCollection of (Multi)Polygons.
    attribution : str
        Attribution HTML (escape data-derived parts with `escape_text`).
    show : bool
        Whether this is the base layer shown on opening.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.countryLayer(
            {{ this.json }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict[str, Any], *, attribution: str, show: bool) -> None:
        super().__init__(name="Countries (offline)", overlay=False, show=show)
        self._name = "CountryBasemap"
        self.json = _html_safe_json(collection)
        self.options = {
            "attribution": attribution,
            "style": {
                "stroke": False,
                "fillColor": LAND_COLOR,
                "fillOpacity": 1,
                "className": "geomap-country",
            },
        }


class MapControls(_RawMacros):
    """geomap's own full-screen button and geodesic measuring tool (no plugin files)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geomap.addControls({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, fullscreen: bool = True, measure: bool = True) -> None:
        super().__init__()
        self._name = "MapControls"
        self.options = {"fullscreen": fullscreen, "measure": measure}


class Legend(_RawMacros):
    """Static map legend, bottom-left: incident classes, context, borders, link.

    Also defines the marker colour of each class. Holds no data from the incidents; with
    ``empty=True`` it says that no places were found.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        {%- for cls, (label, color) in this.classes.items() %}
            .geomap-cue-{{ cls }} { background: {{ color }}; }
        {%- endfor %}
            .geomap-cue-context { background: {{ this.context_color }}; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="geomap-legend" id="{{ this.get_name() }}">
            {%- if this.empty %}
            <div class="geomap-empty"><b>No places found</b> in this text.</div>
            {%- endif %}
            <div><b>Incidents</b> (by the violence word)</div>
            {%- for cls, (label, color) in this.classes.items() %}
            <div><span class="sym"><span class="dot" style="width: 12px; height: 12px;
                background: {{ color }};"></span></span> {{ label }}</div>
            {%- endfor %}
            <div><span class="sym"><span class="dot" style="width: 8px; height: 8px;
                background: {{ this.context_color }};"></span></span> context place</div>
            <div><span class="sym"><span class="line" style="border-top: 1.5px solid
                {{ this.border_color }};"></span></span> land border</div>
            <div><span class="sym"><span class="line" style="border-top: 3px solid
                {{ this.nearest_color }};"></span></span> nearest land border</div>
            <div><span class="sym"><span class="line" style="border-top: 2px dashed
                {{ this.link_color }};"></span></span> distance to nearest border</div>
            <div class="note">Distances are geodesic (WGS84).</div>
            <div class="note">Border data is accurate to about 1 km at this scale;
                a place is its town centre.</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, *, empty: bool = False) -> None:
        super().__init__()
        self._name = "Legend"
        self.empty = empty
        self.classes = CUE_CLASSES
        self.context_color = CONTEXT_COLOR
        self.border_color = BORDER_COLOR
        self.nearest_color = NEAREST_BORDER_COLOR
        self.link_color = LINK_COLOR


# -- the map -------------------------------------------------------------------------------


def incident_map(
    incidents: gpd.GeoDataFrame,
    *,
    border_lines: gpd.GeoDataFrame | None = None,
    countries: gpd.GeoDataFrame | None = None,
    tiles: str | xyzservices.TileProvider | None = "OpenStreetMap",
    offline: bool = False,
    cluster: bool | None = None,
    border_attribution: str = "Borders: Natural Earth",
) -> folium.Map:
    """Draw the incidents, their nearest land borders and the distances on a folium map.

    The page is self-contained: Leaflet, Leaflet.markercluster and geomap's own code are
    inlined, and the incidents are embedded once as a GeoJSON FeatureCollection from
    which the browser draws the markers (one layer per role, clustered for many rows),
    the dashed line from each incident to its nearest border point with its km label,
    and the popups and tooltips. Incident markers are coloured by `classify_cues`.
    Land borders near the incidents are one GeoJSON layer, the nearest ones emphasised.
    A legend, layer control, scale bar, full-screen button and geodesic measuring tool
    are added, and the view fits the incidents.

    Only the tile basemap uses the network. With ``offline=True`` there is none: the
    basemap is drawn from ``countries`` (simplified; detailed near the incidents) and
    the page opens with no network at all. Text from the data is shown as DOM text,
    never parsed as HTML, and embedded as JSON that cannot close its ``<script>``.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`). Reprojected to EPSG:4326 if needed.
    border_lines : GeoDataFrame, optional
        Land-border lines with a ``pair`` column (e.g. ``"AM-AZ"``). Only lines whose
        bounds meet the incidents' box padded by `BORDER_PAD_DEGREES` are drawn.
    countries : GeoDataFrame, optional
        Country polygons (e.g. ``Borders.countries``) for the offline basemap. Shown
        first with ``offline=True`` or no ``tiles``, else offered as a second base layer.
    tiles : str, xyzservices.TileProvider or None, default "OpenStreetMap"
        Tile basemap: an `xyzservices` provider or its name (``"OpenTopoMap"``), with
        its attribution; None for none. Ignored with ``offline=True``.
    offline : bool, default False
        No tile basemap: the page makes no network request at all.
    cluster : bool, optional
        Cluster the markers; None (default) clusters above `CLUSTER_THRESHOLD` rows.
    border_attribution : str, default "Borders: Natural Earth"
        Attribution of the border data, shown with the offline basemap (plain text).

    Returns
    -------
    folium.Map
        The map; save it with `save_map`.

    Raises
    ------
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame, ``border_lines`` has no ``pair`` column,
        or ``tiles`` names no known provider.

    Notes
    -----
    folium takes (lat, lon); shapely and GeoJSON take (lon, lat).
    """
    gdf = _to_wgs84(incidents, "incidents")
    provider = None if offline else _tile_provider(tiles)
    m = _GeomapMap(location=_WORLD_CENTER, zoom_start=2, tiles=None, control_scale=True)
    m.options["max_zoom"] = 18  # markercluster needs it when no tile layer sets one
    m.options["min_zoom"] = 1
    InlineAssets().add_to(m)

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    lon = np.asarray(shapely.get_x(geoms), dtype="float64")  # NaN for missing/empty
    lat = np.asarray(shapely.get_y(geoms), dtype="float64")
    located = np.isfinite(lat) & np.isfinite(lon)
    role = _text_column(gdf, "role")
    is_incident = (role == "incident") & located
    border_lat = _float_column(gdf, "border_lat")
    border_lon = _float_column(gdf, "border_lon")
    distance = _float_column(gdf, "distance_km")
    linked = is_incident & np.isfinite(distance) & np.isfinite(border_lat)
    linked &= np.isfinite(border_lon) & (_text_column(gdf, "border") != "")

    focus = is_incident if is_incident.any() else located
    box = _focus_box(lat[focus], lon[focus], border_lat[linked], border_lon[linked])

    if provider is not None:
        folium.TileLayer(provider, name=provider.name, overlay=False, show=True).add_to(m)
    if countries is not None:
        CountryBasemap(
            _country_collection(countries, box),
            attribution=escape_text(border_attribution),
            show=provider is None,
        ).add_to(m)
    if border_lines is not None and box is not None:
        nearest_pairs = set(_text_column(gdf, "border")[linked].tolist())
        collection = _border_collection(border_lines, box, nearest_pairs)
        if collection["features"]:
            BorderLayer(collection).add_to(m)

    if located.any():
        data = IncidentData(_incident_collection(gdf, located, lat, lon, distance))
        data.add_to(m)
        n_linked = int(linked.sum())
        if n_linked:
            LinkLayer(
                data,
                labels=n_linked <= LABEL_LIMIT,
                canvas=n_linked > LABEL_LIMIT,
                show=n_linked <= LINK_LIMIT,
            ).add_to(m)
        clustered = bool(located.sum() > CLUSTER_THRESHOLD) if cluster is None else cluster
        if (located & ~is_incident).any():
            IncidentLayer(data, role="context", name="Context places", cluster=clustered).add_to(m)
        if is_incident.any():
            IncidentLayer(data, role="incident", name="Incidents", cluster=clustered).add_to(m)

    Legend(empty=not located.any()).add_to(m)
    MapControls().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if box is not None:
        south, west, north, east = box
        m.fit_bounds([[south, west], [north, east]], padding=(30, 30), max_zoom=12)
    return m


def save_map(m: folium.Map, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Save a folium map as one HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        The map, e.g. from `incident_map`.
    path : str or os.PathLike
        Output file, conventionally ``*.html``.
    force : bool, default False
        Overwrite ``path`` if it exists.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    """
    page = m.get_root().render()
    with atomic_write(path, force=force) as tmp:
        try:
            tmp.write_text(page, encoding="utf-8", newline="\n")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return Path(path)


# -- helpers -------------------------------------------------------------------------------


def _to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Check ``frame`` is a GeoDataFrame and return it in EPSG:4326 (no CRS = 4326)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ConfigurationError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    try:
        _ = frame.geometry
    except AttributeError as err:
        raise ConfigurationError(f"{what} has no active geometry column") from err
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        return frame.to_crs("EPSG:4326")
    return frame


def _tile_provider(
    tiles: str | xyzservices.TileProvider | None,
) -> xyzservices.TileProvider | None:
    """Resolve ``tiles`` to an xyzservices provider (None = no basemap)."""
    if tiles is None or isinstance(tiles, xyzservices.TileProvider):
        return tiles
    query = "OpenStreetMap Mapnik" if tiles.strip().lower() == "openstreetmap" else tiles
    try:
        return xyzservices.providers.query_name(query)
    except ValueError as err:
        raise ConfigurationError(
            f"unknown basemap {tiles!r}: use an xyzservices provider name such as "
            "'OpenStreetMap' or 'OpenTopoMap', or no basemap"
        ) from err


def _float_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as float64 (NaN where missing or absent)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as an object array of str ("" where missing or absent)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].astype(object)
    return np.asarray(values.where(values.notna(), "").map(str), dtype=object)


def _focus_box(
    lat: np.ndarray, lon: np.ndarray, border_lat: np.ndarray, border_lon: np.ndarray
) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the points and border points, None if none."""
    lats = np.concatenate([lat, border_lat])
    lons = np.concatenate([lon, border_lon])
    if not len(lats):
        return None
    return float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())


def _nullable(values: np.ndarray, decimals: int) -> list[float | None]:
    """Round finite floats; NaN becomes None (JSON null)."""
    rounded = np.round(values, decimals)
    return [float(v) if math.isfinite(v) else None for v in rounded.tolist()]


def _incident_collection(
    gdf: gpd.GeoDataFrame,
    located: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    distance: np.ndarray,
) -> dict[str, Any]:
    """Return the located rows as GeoJSON, with the properties the map shows."""
    rows = np.flatnonzero(located)

    def text(column: str) -> list[str]:
        return _text_column(gdf, column)[rows].tolist()

    border = [_display_pair(p) for p in text("border")]
    dist = distance[rows]
    labels = [
        (format_distance(d) or None) if b else None
        for d, b in zip(dist.tolist(), border, strict=True)
    ]
    cue = text("cue")
    sentence = text("sentence")
    cue_class = classify_cues(np.asarray(cue, dtype=object), np.asarray(sentence, dtype=object))
    columns = {
        "name": text("name"),
        "place": text("place"),
        "role": text("role"),
        "cue": cue,
        "cue_class": cue_class.tolist(),
        "country_code": text("country_code"),
        "country": text("country"),
        "feature": text("feature"),
        "border": border,
        "distance": labels,
        "distance_km": _nullable(dist, 3),
        "border_lon": _nullable(_float_column(gdf, "border_lon")[rows], _POINT_DECIMALS),
        "border_lat": _nullable(_float_column(gdf, "border_lat")[rows], _POINT_DECIMALS),
        "sentence": sentence,
        "source": text("source"),
    }
    keys = list(columns)
    coords = zip(
        np.round(lon[rows], _POINT_DECIMALS).tolist(),
        np.round(lat[rows], _POINT_DECIMALS).tolist(),
        strict=True,
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, y]},  # (lon, lat)
            "properties": dict(zip(keys, values, strict=True)),
        }
        for (x, y), *values in zip(coords, *columns.values(), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _border_collection(
    border_lines: gpd.GeoDataFrame,
    box: tuple[float, float, float, float],
    nearest_pairs: set[str],
) -> dict[str, Any]:
    """GeoJSON of the border lines near ``box``, each with ``pair`` and ``nearest``."""
    lines = _to_wgs84(border_lines, "border_lines")
    if "pair" not in lines:
        raise ConfigurationError("border_lines needs a 'pair' column (e.g. 'AM-AZ')")
    south, west, north, east = box
    bounds = lines.geometry.bounds  # minx = west, miny = south, ...
    near = (
        (bounds["minx"] <= east + BORDER_PAD_DEGREES)
        & (bounds["maxx"] >= west - BORDER_PAD_DEGREES)
        & (bounds["miny"] <= north + BORDER_PAD_DEGREES)
        & (bounds["maxy"] >= south - BORDER_PAD_DEGREES)
    ).to_numpy(dtype=bool, na_value=False)
    pair = _text_column(lines, "pair")[near]
    # Clipped to the padded box and simplified well below the data's ~1 km accuracy.
    geometry = shapely.clip_by_rect(
        np.asarray(lines.geometry.array, dtype=object)[near],
        west - BORDER_PAD_DEGREES,
        south - BORDER_PAD_DEGREES,
        east + BORDER_PAD_DEGREES,
        north + BORDER_PAD_DEGREES,
    )
    geometry = shapely.simplify(geometry, _BORDER_TOLERANCE)
    geometry = shapely.transform(geometry, lambda coords: np.round(coords, _BORDER_DECIMALS))
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(geom)),
            "properties": {"pair": _display_pair(p), "nearest": p in nearest_pairs},
        }
        for p, geom in zip(pair.tolist(), geometry, strict=True)
        if geom is not None and not shapely.is_empty(geom)
    ]
    return {"type": "FeatureCollection", "features": features}


def _country_collection(
    countries: gpd.GeoDataFrame, box: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """Country polygons for the offline basemap, as GeoJSON.

    A coarse world (simplified by `_WORLD_TOLERANCE`, small islands left out) outside a
    detail box, and inside it the polygons clipped to the box and simplified in
    proportion to its size: the file stays small and the view around the incidents sharp.
    """
    frame = _to_wgs84(countries, "countries")
    geoms = shapely.make_valid(np.asarray(frame.geometry.array, dtype=object))
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if box is None:
        detail_box = None
    else:
        south, west, north, east = box
        pad = max(2.0, 0.5 * max(north - south, east - west))
        detail_box = (
            max(west - pad, -180.0),
            max(south - pad, -90.0),
            min(east + pad, 180.0),
            min(north + pad, 90.0),
        )
    parts = shapely.get_parts(geoms)
    coarse = parts[shapely.area(parts) >= _WORLD_MIN_AREA]
    coarse = shapely.simplify(coarse, _WORLD_TOLERANCE, preserve_topology=True)
    shapes: list[tuple[Any, int]] = []
    if detail_box is not None:
        rect = shapely.box(*detail_box)
        coarse = shapely.difference(coarse, rect)
        span = max(detail_box[2] - detail_box[0], detail_box[3] - detail_box[1])
        tolerance = min(max(span / 800.0, 0.001), 0.1)
        detail = shapely.clip_by_rect(geoms, *detail_box)
        detail = shapely.simplify(detail, tolerance, preserve_topology=True)
        shapes.extend((g, 3) for g in detail)
    shapes = [(g, 2) for g in coarse] + shapes
    features = []
    for geom, decimals in shapes:
        if geom is None or shapely.is_empty(geom):
            continue
        rounded = shapely.transform(geom, lambda c, d=decimals: np.round(c, d))
        polygons = [
            g for g in shapely.get_parts(rounded) if g.geom_type == "Polygon" and g.area > 0
        ]
        if not polygons:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(shapely.MultiPolygon(polygons))),
                "properties": {},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _display_pair(pair: str) -> str:
    """Show a border pair with an en dash: ``"AM-AZ"`` -> ``"AM–AZ"``."""
    return pair.replace("-", "\u2013")


def _missing(value: Any) -> bool:
    """Return whether ``value`` is None, NA or a non-finite float."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(value)
