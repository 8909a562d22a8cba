"""Incidents + land borders -> a self-contained folium (Leaflet) map page.

The public face of the render room. Its modules, each with one job:

- `geomap.render.map`: `incident_map` (what goes on the map, assembled) and `save_map`;
- `geomap.render.elements`: the folium elements (inlined assets, embedded incidents,
  marker, link, border and basemap layers, controls, legend), placed in the page verbatim;
- `geomap.render.layers`: the layers' data as GeoJSON: the incidents through the shared
  serialiser `geomap.features` (as in the GeoJSON export) plus the page's own properties,
  the border lines near the incidents, the offline country basemap;
- `geomap.render.style`: violence classes and colours (from the one violence table,
  `geomap.rules.violence`), notes, and text formatting and escaping.

The browser side is ``geomap/data/geomap.js`` and ``geomap/data/geomap.css``.
"""

from __future__ import annotations

from .elements import (
    BorderLayer,
    CountryBasemap,
    IncidentData,
    IncidentLayer,
    InlineAssets,
    Legend,
    LinkLayer,
    MapControls,
)
from .layers import BORDER_PAD_DEGREES, OPTIONAL_PAGE_COLUMNS, PAGE_COLUMNS
from .map import CLUSTER_THRESHOLD, LABEL_LIMIT, LINK_LIMIT, incident_map, save_map
from .style import (
    BORDER_COLOR,
    CONTEXT_COLOR,
    CUE_CLASSES,
    LAND_COLOR,
    LINK_COLOR,
    NEAREST_BORDER_COLOR,
    classify_cues,
    escape_text,
    format_distance,
)

__all__ = [
    "BORDER_COLOR",
    "BORDER_PAD_DEGREES",
    "CLUSTER_THRESHOLD",
    "CONTEXT_COLOR",
    "CUE_CLASSES",
    "LABEL_LIMIT",
    "LAND_COLOR",
    "LINK_COLOR",
    "LINK_LIMIT",
    "NEAREST_BORDER_COLOR",
    "OPTIONAL_PAGE_COLUMNS",
    "PAGE_COLUMNS",
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
