"""Incidents + land borders -> a folium (Leaflet) map, saved atomically as one HTML file."""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely
import xyzservices
from branca.element import MacroElement
from folium.template import Template

from geomap._io import atomic_write
from geomap.errors import ConfigurationError, OutputError

__all__ = [
    "BORDER_PAD_DEGREES",
    "Legend",
    "escape_text",
    "format_distance",
    "incident_map",
    "save_map",
]

BORDER_PAD_DEGREES = 3.0
"""Border lines are drawn only if their bounds meet the focus box padded by this much."""

INCIDENT_COLOR = "#d7191c"
CONTEXT_COLOR = "#7f7f7f"
BORDER_COLOR = "#333333"
NEAREST_BORDER_COLOR = "#ff7f00"
LINK_COLOR = "#2c7bb6"

_WORLD_CENTER = (20.0, 0.0)  # (lat, lon)
_BORDER_DECIMALS = 5  # about 1 m; the border data is good to ~1 km

# Escapes on top of html.escape: the popup and tooltip HTML ends up inside a JavaScript
# template literal (`...`) in folium's output, where a backtick ends the string, "${"
# starts an expression and a backslash starts an escape sequence.
_JS_TEMPLATE_ESCAPES = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape_text(value: Any) -> str:
    r"""Escape one value from the data for folium popup, tooltip or icon HTML.

    ``html.escape(..., quote=True)`` plus the characters that matter inside a JavaScript
    template literal (backtick, ``$``, backslash), all as HTML character references, so
    the browser shows the original text. None and NaN become the empty string.

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
    '&#36;{a}&#92;b'
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


class Legend(MacroElement):
    """Static map legend, bottom-left: incident, context place, land border, link.

    Also carries the CSS of the distance labels. Holds no data from the incidents.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .geomap-legend {
                position: fixed; bottom: 24px; left: 12px; z-index: 9999;
                background: rgba(255, 255, 255, 0.92); padding: 8px 10px;
                border: 1px solid #999; border-radius: 4px;
                font: 12px/1.5 sans-serif; color: #222; max-width: 260px;
            }
            .geomap-legend .sym { display: inline-block; width: 22px; text-align: center; }
            .geomap-legend .dot {
                display: inline-block; border-radius: 50%; vertical-align: middle;
            }
            .geomap-legend .line {
                display: inline-block; width: 20px; vertical-align: middle;
            }
            .geomap-legend .note { color: #555; font-size: 11px; margin-top: 4px; }
            .geomap-distance-label div {
                font: bold 11px/16px sans-serif; color: #1a1a1a; text-align: center;
                background: rgba(255, 255, 255, 0.85); border: 1px solid #888;
                border-radius: 3px; white-space: nowrap;
            }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="geomap-legend" id="{{ this.get_name() }}">
            <div><b>geomap</b></div>
            <div><span class="sym"><span class="dot" style="width: 14px; height: 14px;
                background: {{ this.incident_color }};"></span></span> incident place</div>
            <div><span class="sym"><span class="dot" style="width: 8px; height: 8px;
                background: {{ this.context_color }};"></span></span> context place</div>
            <div><span class="sym"><span class="line" style="border-top: 1px solid
                {{ this.border_color }};"></span></span> land border</div>
            <div><span class="sym"><span class="line" style="border-top: 3px solid
                {{ this.nearest_color }};"></span></span> nearest land border</div>
            <div><span class="sym"><span class="line" style="border-top: 2px dashed
                {{ this.link_color }};"></span></span> distance to nearest border</div>
            <div class="note">Distances are geodesic.</div>
            <div class="note">Border data is accurate to about 1 km at this scale.</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"
        self.incident_color = INCIDENT_COLOR
        self.context_color = CONTEXT_COLOR
        self.border_color = BORDER_COLOR
        self.nearest_color = NEAREST_BORDER_COLOR
        self.link_color = LINK_COLOR


# Every {{ expression }} of the popup passes through escape_text (the environment's
# finalize hook), so no value from the data reaches the HTML unescaped.
_POPUP_TEMPLATE = jinja2.Environment(autoescape=False, finalize=escape_text).from_string(
    """<div class="geomap-popup" style="font: 12px/1.4 sans-serif;">
<b>{{ name }}</b>{% if place and place != name %} ({{ place }}){% endif %}<br>
Country: {{ country_code }}{% if country and country != country_code %} \
(border data: {{ country }}){% endif %}<br>
Coordinates: {{ lat }}, {{ lon }} (lat, lon)<br>
Role: {{ role }}{% if cue %} (cue: <i>{{ cue }}</i>){% endif %}<br>
{% if sentence %}<blockquote style="margin: 4px 0 4px 8px; color: #333;">{{ sentence }}\
</blockquote>{% endif %}
{% if distance %}{{ distance }} to the {{ border }} border{% else %}\
No land border distance{% endif %}<br>
Source: {{ source }}
</div>"""
)


def incident_map(
    incidents: gpd.GeoDataFrame,
    *,
    border_lines: gpd.GeoDataFrame | None = None,
    tiles: str | xyzservices.TileProvider | None = "OpenStreetMap",
) -> folium.Map:
    """Draw the incidents, their nearest land borders and the distances on a folium map.

    Incident rows (``role == "incident"``) are large red circles; other rows are small
    grey circles in their own layer. Each incident with a finite ``distance_km`` gets a
    dashed line to its nearest border point, labelled with the distance. Land borders
    near the incidents are drawn as one GeoJSON layer, the nearest ones emphasised. A
    legend and a layer control are added, and the view fits the incidents.

    Every text value from the data is escaped with `escape_text` before it reaches
    folium.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`). Reprojected to EPSG:4326 if needed.
    border_lines : GeoDataFrame, optional
        Land-border lines with a ``pair`` column (e.g. ``"AM-AZ"``). Only lines whose
        bounds meet the incidents' box padded by `BORDER_PAD_DEGREES` are drawn.
    tiles : str, xyzservices.TileProvider or None, default "OpenStreetMap"
        Basemap: an `xyzservices` provider or its name (``"OpenTopoMap"``), or None
        for no basemap (for example offline).

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
    folium takes (lat, lon); shapely and GeoJSON take (lon, lat). One circle marker is
    drawn per row, which suits up to a few thousand rows.
    """
    gdf = _to_wgs84(incidents, "incidents")
    provider = _tile_provider(tiles)
    m = folium.Map(
        location=_WORLD_CENTER,
        zoom_start=2,
        tiles=provider if provider is not None else None,
        control_scale=True,
    )

    # (lat, lon) of every row, from the geometry.
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    lon = np.asarray(shapely.get_x(geoms), dtype="float64")
    lat = np.asarray(shapely.get_y(geoms), dtype="float64")
    located = np.isfinite(lat) & np.isfinite(lon)
    role = _text_column(gdf, "role")
    is_incident = (role == "incident") & located
    border_lat = _float_column(gdf, "border_lat")
    border_lon = _float_column(gdf, "border_lon")
    distance = _float_column(gdf, "distance_km")
    linked = is_incident & np.isfinite(distance) & np.isfinite(border_lat)
    linked &= np.isfinite(border_lon)

    focus = is_incident if is_incident.any() else located
    box = _focus_box(lat[focus], lon[focus], border_lat[linked], border_lon[linked])

    if border_lines is not None and box is not None:
        nearest_pairs = set(_text_column(gdf, "border")[linked].tolist())
        layer = _border_layer(border_lines, box, nearest_pairs)
        if layer is not None:
            layer.add_to(m)

    context_group = folium.FeatureGroup(name="Context places", show=True)
    incident_group = folium.FeatureGroup(name="Incident places", show=True)
    link_group = folium.FeatureGroup(name="Distance to nearest border", show=True)

    records = [
        {key: (None if _missing(value) else value) for key, value in record.items()}
        for record in gdf.drop(columns=gdf.geometry.name).to_dict("records")
    ]
    for i in np.flatnonzero(located & ~is_incident):
        _marker(records[i], lat[i], lon[i], distance[i], incident=False).add_to(context_group)
    for i in np.flatnonzero(is_incident):
        _marker(records[i], lat[i], lon[i], distance[i], incident=True).add_to(incident_group)
    for i in np.flatnonzero(linked):
        _link(records[i], lat[i], lon[i], border_lat[i], border_lon[i], distance[i], link_group)

    context_group.add_to(m)
    link_group.add_to(m)
    incident_group.add_to(m)
    Legend().add_to(m)
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


def _border_layer(
    border_lines: gpd.GeoDataFrame,
    box: tuple[float, float, float, float],
    nearest_pairs: set[str],
) -> folium.GeoJson | None:
    """One GeoJson layer of the border lines near ``box``; nearest pairs emphasised."""
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
    if not near.any():
        return None
    pair = _text_column(lines, "pair")[near]
    geometry = shapely.transform(
        np.asarray(lines.geometry.array, dtype=object)[near],
        lambda coords: np.round(coords, _BORDER_DECIMALS),
    )
    data = gpd.GeoDataFrame(
        {
            # GeoJsonTooltip inserts property values as HTML: escape them here.
            "pair": [escape_text(_display_pair(p)) for p in pair],
            "nearest": [p in nearest_pairs for p in pair],
        },
        geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"),
    )

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        if feature["properties"]["nearest"]:
            return {"color": NEAREST_BORDER_COLOR, "weight": 4, "opacity": 0.9}
        return {"color": BORDER_COLOR, "weight": 1.5, "opacity": 0.8}

    return folium.GeoJson(
        data,
        name="Land borders",
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["pair"], aliases=["Border"]),
        smooth_factor=1.0,
    )


def _display_pair(pair: str) -> str:
    """Show a border pair with an en dash: ``"AM-AZ"`` -> ``"AM–AZ"``."""
    return pair.replace("-", "\u2013")


def _missing(value: Any) -> bool:
    """Return whether ``value`` is None, NA or a non-finite float."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(value)


def _number(value: float, decimals: int) -> str:
    """Format a finite float with ``decimals`` decimals, "" otherwise."""
    return f"{value:.{decimals}f}" if math.isfinite(value) else ""


def _popup_html(record: dict[str, Any], lat: float, lon: float, distance_km: float) -> str:
    """Popup HTML of one row; every value is escaped by the template."""
    border = record.get("border")
    pair = border if isinstance(border, str) else ""
    has_distance = math.isfinite(distance_km) and pair != ""
    return _POPUP_TEMPLATE.render(
        name=record.get("name"),
        place=record.get("place"),
        country_code=record.get("country_code"),
        country=record.get("country"),
        lat=_number(lat, 4),
        lon=_number(lon, 4),
        role=record.get("role"),
        cue=record.get("cue"),
        sentence=record.get("sentence"),
        distance=format_distance(distance_km, digits=2) if has_distance else "",
        border=_display_pair(pair),
        source=record.get("source"),
    )


def _marker(
    record: dict[str, Any], lat: float, lon: float, distance_km: float, *, incident: bool
) -> folium.CircleMarker:
    """Return a circle marker at (lat, lon) with an escaped popup and tooltip."""
    popup = folium.Popup(_popup_html(record, lat, lon, distance_km), max_width=360)
    tooltip = folium.Tooltip(escape_text(record.get("name")))
    if incident:
        return folium.CircleMarker(
            location=(lat, lon),
            radius=8,
            color="#7f0000",
            weight=2,
            fill=True,
            fill_color=INCIDENT_COLOR,
            fill_opacity=0.9,
            popup=popup,
            tooltip=tooltip,
        )
    return folium.CircleMarker(
        location=(lat, lon),
        radius=4,
        color=CONTEXT_COLOR,
        weight=1,
        fill=True,
        fill_color=CONTEXT_COLOR,
        fill_opacity=0.6,
        popup=popup,
        tooltip=tooltip,
    )


def _link(
    record: dict[str, Any],
    lat: float,
    lon: float,
    border_lat: float,
    border_lon: float,
    distance_km: float,
    group: folium.FeatureGroup,
) -> None:
    """Add a dashed line to the nearest border point and a distance label at its middle."""
    # Take the short way across the antimeridian.
    if border_lon - lon > 180:
        border_lon -= 360
    elif lon - border_lon > 180:
        border_lon += 360
    label = format_distance(distance_km)
    border = record.get("border")
    pair = _display_pair(border) if isinstance(border, str) else ""
    folium.PolyLine(
        locations=[(lat, lon), (border_lat, border_lon)],
        color=LINK_COLOR,
        weight=2,
        dash_array="6 6",
        tooltip=folium.Tooltip(escape_text(f"{label} to the {pair} border")),
    ).add_to(group)
    folium.Marker(
        location=((lat + border_lat) / 2, (lon + border_lon) / 2),
        icon=folium.DivIcon(
            html=f"<div>{escape_text(label)}</div>",
            class_name="geomap-distance-label",
            icon_size=(64, 18),
            icon_anchor=(32, 9),
        ),
    ).add_to(group)
