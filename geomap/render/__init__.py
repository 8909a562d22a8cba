"""Incidents + land borders -> a self-contained folium (Leaflet) map page.

The public face of the render room. Its modules, each with one job:

- `geomap.render.map`: `incident_map` (what goes on the map, assembled) and `save_map`;
- `geomap.render.elements`: the folium elements (inlined assets, embedded incidents,
  marker, link, reference, border and basemap layers, controls), placed in the page
  verbatim;
- `geomap.render.page`: the page around the map (header with title, date and source,
  legend, place labels, incident list, filters), laid out beside the map, never over it;
- `geomap.render.layers`: the layers' data as GeoJSON: the incidents through the shared
  serialiser `geomap.features` (as in the GeoJSON export) plus the page's own properties,
  the border lines near the incidents, the offline country basemap;
- `geomap.render.style`: violence classes and colours (from the one violence table,
  `geomap.rules.violence`), notes, and text formatting and escaping.

The browser side is ``geomap/data/geomap.js`` (layers, popups, controls),
``geomap_labels.js`` (labels), ``geomap_page.js`` (the page) and ``geomap.css``.
"""

from __future__ import annotations

from .elements import (
    BorderLayer,
    CountryBasemap,
    DisputedLineLayer,
    IncidentData,
    IncidentLayer,
    InlineAssets,
    LinkLayer,
    MapControls,
    ReferenceLayer,
)
from .layers import (
    AT_BORDER_LABEL,
    BORDER_PAD_DEGREES,
    NEAR_LINE_KM,
    OPTIONAL_PAGE_COLUMNS,
    PAGE_COLUMNS,
)
from .map import CLUSTER_THRESHOLD, LINK_LIMIT, incident_map, save_map
from .page import Legend, PageLayout, PlaceLabels
from .style import (
    BORDER_COLOR,
    CONTEXT_COLOR,
    CUE_CLASSES,
    LAND_COLOR,
    LINK_COLOR,
    LOW_SCORE,
    NEAREST_BORDER_COLOR,
    PRECISION_LEVELS,
    classify_cues,
    escape_text,
    format_distance,
    precision_codes,
)

__all__ = [
    "AT_BORDER_LABEL",
    "BORDER_COLOR",
    "BORDER_PAD_DEGREES",
    "CLUSTER_THRESHOLD",
    "CONTEXT_COLOR",
    "CUE_CLASSES",
    "LAND_COLOR",
    "LINK_COLOR",
    "LINK_LIMIT",
    "LOW_SCORE",
    "NEAREST_BORDER_COLOR",
    "NEAR_LINE_KM",
    "OPTIONAL_PAGE_COLUMNS",
    "PAGE_COLUMNS",
    "PRECISION_LEVELS",
    "BorderLayer",
    "CountryBasemap",
    "DisputedLineLayer",
    "IncidentData",
    "IncidentLayer",
    "InlineAssets",
    "Legend",
    "LinkLayer",
    "MapControls",
    "PageLayout",
    "PlaceLabels",
    "ReferenceLayer",
    "classify_cues",
    "escape_text",
    "format_distance",
    "precision_codes",
    "incident_map",
    "save_map",
]
