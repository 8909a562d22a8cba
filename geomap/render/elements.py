"""The map's folium elements: inlined assets, embedded incidents, layers, controls, legend.

Each is a branca ``MacroElement`` whose output goes into the page verbatim (`RawMacros`):
data reaches the page only as JSON that cannot close its ``<script>`` element, and the
browser draws it with ``geomap/data/geomap.js``. Leaflet, Leaflet.markercluster and
geomap's own JS/CSS are inlined (`InlineAssets`), so the page loads nothing else.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup

from geomap.errors import ConfigurationError

from .style import (
    ACCURACY_NOTE,
    BORDER_COLOR,
    CONTEXT_COLOR,
    CUE_CLASSES,
    DISPUTED_LINE_STYLES,
    HISTORIC_LINE_STYLE,
    LAND_COLOR,
    LINK_COLOR,
    NEAREST_BORDER_COLOR,
    PRECISION_NOTES,
)

__all__ = [
    "BorderLayer",
    "CountryBasemap",
    "DisputedLineLayer",
    "GeomapMap",
    "IncidentData",
    "IncidentLayer",
    "InlineAssets",
    "Legend",
    "LinkLayer",
    "MapControls",
    "RawMacros",
    "html_safe_json",
]

_INCIDENT_SIZE = 16  # marker diameter, px
_CONTEXT_SIZE = 10

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


class _Raw(Element):
    """Text placed in the page as it is: never compiled as a Jinja template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:  # noqa: ARG002 - Element's signature
        """Return the text unchanged."""
        return self.text


class RawMacros(MacroElement):
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


class InlineAssets(RawMacros):
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


class GeomapMap(folium.Map):
    """A folium Map that links no CDN file: its assets come from `InlineAssets`."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


def html_safe_json(data: Any) -> Markup:
    """Serialise ``data`` as compact JSON that is safe inside an HTML <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _HTML_SAFE_JSON.items():  # str.replace: much faster than translate
        text = text.replace(chr(char), escaped)
    return Markup(text)


class IncidentData(RawMacros):
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
        self.json = html_safe_json(collection)


class IncidentLayer(RawMacros, Layer):
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


class LinkLayer(RawMacros, Layer):
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


class BorderLayer(RawMacros, Layer):
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
        self.json = html_safe_json(collection)
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


class DisputedLineLayer(RawMacros, Layer):
    """Claim lines, lines of control and ceasefire lines, each kind in its own style.

    Styles and legend labels: `geomap.render.style.DISPUTED_LINE_STYLES`; historic lines
    (e.g. the 1994 Karabakh ceasefire line) are drawn faint.

    Parameters
    ----------
    collection : dict
        GeoJSON FeatureCollection of lines with properties ``kind``, ``status``, ``name``,
        ``pair`` and ``international`` (`geomap.render.layers.disputed_line_collection`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.disputedLineLayer(
            {{ this.json }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict[str, Any]) -> None:
        super().__init__(name="Disputed and de facto lines", overlay=True, show=True)
        self._name = "DisputedLineLayer"
        self.json = html_safe_json(collection)
        self.options = {
            "styles": {kind: style for kind, (_, style) in DISPUTED_LINE_STYLES.items()},
            "labels": {kind: label for kind, (label, _) in DISPUTED_LINE_STYLES.items()},
            "historic": HISTORIC_LINE_STYLE,
        }


class CountryBasemap(RawMacros, Layer):
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
        self.json = html_safe_json(collection)
        self.options = {
            "attribution": attribution,
            "style": {
                "stroke": False,
                "fillColor": LAND_COLOR,
                "fillOpacity": 1,
                "className": "geomap-country",
            },
        }


class MapControls(RawMacros):
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


class Legend(RawMacros):
    """Static map legend, bottom-left: incident classes, context, borders, link.

    Also defines the marker colour of each class. Holds no data from the incidents; with
    ``empty=True`` it says that no places were found. ``line_kinds`` (of
    `DisputedLineLayer`, drawn on the map) and ``historic`` add their rows; ``pov`` (with
    ``pov_text``, what it means) names the point of view of the borders.
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
            {%- for kind in this.line_kinds %}
            {%- set label, style = this.line_styles[kind] %}
            <div><span class="sym"><svg width="20" height="6"><line x1="0" y1="3" x2="20"
                y2="3" stroke="{{ style.color }}" stroke-width="{{ style.weight }}"
                stroke-dasharray="{{ style.dashArray }}"/></svg></span> {{ label }}</div>
            {%- endfor %}
            {%- if this.historic %}
            <div><span class="sym"><svg width="20" height="6"><line x1="0" y1="3" x2="20"
                y2="3" stroke="#555555" stroke-width="1.5" stroke-opacity="0.35"/></svg></span>
                historic line (faint)</div>
            {%- endif %}
            {%- if this.pov %}
            <div class="note">Point of view: <b>{{ this.pov }}</b>{% if this.pov_text %}
                ({{ this.pov_text }}){% endif %}: its lines are the international
                borders.</div>
            {%- endif %}
            <div class="note">Distances are geodesic (WGS84).</div>
            <div class="note">Border data is accurate to about 1 km at this scale;
                a place is its town centre.</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        empty: bool = False,
        pov: str | None = None,
        pov_text: str | None = None,
        line_kinds: tuple[str, ...] = (),
        historic: bool = False,
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.empty = empty
        self.pov = pov
        self.pov_text = pov_text
        self.line_kinds = [k for k in DISPUTED_LINE_STYLES if k in line_kinds]
        self.line_styles = DISPUTED_LINE_STYLES
        self.historic = historic
        self.classes = CUE_CLASSES
        self.context_color = CONTEXT_COLOR
        self.border_color = BORDER_COLOR
        self.nearest_color = NEAREST_BORDER_COLOR
        self.link_color = LINK_COLOR
