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
    BORDER_KIND_LABELS,
    CUE_CLASSES,
    DISPUTED_LINE_STYLES,
    HISTORIC_LINE_STYLE,
    LAND_COLOR,
    LINK_COLOR,
    LOW_SCORE,
    NEAREST_BORDER_COLOR,
    PRECISION_LEVELS,
    PRECISION_NOTES,
    REFERENCE_COLOR,
    event_type_labels,
)

__all__ = [
    "BorderLayer",
    "CountryBasemap",
    "DisputedLineLayer",
    "GeomapMap",
    "IncidentData",
    "IncidentLayer",
    "InlineAssets",
    "LinkLayer",
    "MapControls",
    "RawMacros",
    "ReferenceLayer",
    "html_safe_json",
]

_INCIDENT_SIZE = 16  # marker diameter, px
_COARSE_SIZE = 10  # an incident only located to a region or coarser: a smaller dot
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


_OWN_JS = ("geomap.js", "geomap_labels.js", "geomap_page.js")  # in geomap/data, in this order


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
            *((own / name).read_text("utf-8") for name in _OWN_JS),
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
    area_names : dict, optional
        Names of the disputed and de facto areas (``area`` ids) of the places, for popups.
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
        self,
        data: IncidentData,
        *,
        role: str,
        name: str,
        cluster: bool,
        show: bool = True,
        area_names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "IncidentLayer"
        self.data = data
        self.options = {
            "role": role,
            "cluster": bool(cluster),
            "size": _INCIDENT_SIZE if role == "incident" else _CONTEXT_SIZE,
            "coarseSize": _COARSE_SIZE,
            "classes": list(CUE_CLASSES),
            "labels": {cls: label for cls, (label, _) in CUE_CLASSES.items()},
            "types": event_type_labels(),
            "precision": PRECISION_NOTES,
            "levels": PRECISION_LEVELS,
            "lowScore": LOW_SCORE,
            "accuracy": ACCURACY_NOTE,
            "areaNames": dict(area_names or {}),
            "borderKinds": BORDER_KIND_LABELS,
        }


class LinkLayer(RawMacros, Layer):
    """Dashed lines from each incident to its nearest border point.

    The km of each line is in its place's label (`geomap.render.page.PlaceLabels`), its
    tooltip and its popup.

    Parameters
    ----------
    data : IncidentData
        The embedded incidents.
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

    def __init__(self, data: IncidentData, *, canvas: bool, show: bool = True) -> None:
        super().__init__(name="Distance to nearest border", overlay=True, show=show)
        self._name = "LinkLayer"
        self.data = data
        self.options = {"canvas": bool(canvas), "color": LINK_COLOR}


class ReferenceLayer(RawMacros, Layer):
    """Thin lines from each incident located relative to a place to that place.

    "10 km north of Kharkiv": the incident's marker is at the offset point, its line goes
    to Kharkiv.

    Parameters
    ----------
    data : IncidentData
        The embedded incidents; the lines are drawn for features with a ``ref``
        (``[lon, lat]``).
    show : bool, default True
        Whether the layer is shown on opening.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.referenceLayer(
            {{ this.data.get_name() }}, {{ this.options|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, data: IncidentData, *, show: bool = True) -> None:
        super().__init__(
            name="Relative locations (to the reference place)", overlay=True, show=show
        )
        self._name = "ReferenceLayer"
        self.data = data
        self.options = {"color": REFERENCE_COLOR}


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
    """geomap's own full-screen button, geodesic measuring tool and metric scale bar."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geomap.addControls({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self, *, fullscreen: bool = True, measure: bool = True, scale: bool = True
    ) -> None:
        super().__init__()
        self._name = "MapControls"
        self.options = {"fullscreen": fullscreen, "measure": measure, "scale": scale}
