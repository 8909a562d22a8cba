"""The incident map: incidents + land borders -> one self-contained folium page, saved atomically.

`incident_map` decides what goes on the map (which rows are located and linked, the
focus box, the basemap, which layers, clustering and labels by size) and assembles the
elements of `geomap.render.elements` with the data of `geomap.render.layers`;
`save_map` writes the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from geomap.errors import ConfigurationError, OutputError
from geomap.features import as_wgs84, float_column, point_coordinates
from geomap.io import atomic_write

from .elements import (
    BorderLayer,
    CountryBasemap,
    DisputedLineLayer,
    GeomapMap,
    IncidentData,
    IncidentLayer,
    InlineAssets,
    Legend,
    LinkLayer,
    MapControls,
)
from .layers import (
    border_collection,
    country_collection,
    disputed_line_collection,
    incident_collection,
    text_column,
)
from .style import escape_text

__all__ = ["CLUSTER_THRESHOLD", "LABEL_LIMIT", "LINK_LIMIT", "incident_map", "save_map"]

CLUSTER_THRESHOLD = 200
"""With ``cluster=None``, markers are clustered when there are more located rows than this."""

LINK_LIMIT = 5000
"""More linked incidents than this: the distance-line layer is off until ticked."""

LABEL_LIMIT = 500
"""More linked incidents than this: no permanent km labels (the line tooltips stay)."""

_WORLD_CENTER = (20.0, 0.0)  # (lat, lon)


def incident_map(
    incidents: gpd.GeoDataFrame,
    *,
    border_lines: gpd.GeoDataFrame | None = None,
    countries: gpd.GeoDataFrame | None = None,
    tiles: str | xyzservices.TileProvider | None = "OpenStreetMap",
    offline: bool = False,
    cluster: bool | None = None,
    border_attribution: str = "Borders: Natural Earth",
    disputed_lines: gpd.GeoDataFrame | None = None,
    pov: str | None = None,
    pov_text: str | None = None,
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
    disputed_lines : GeoDataFrame, optional
        Claim lines, lines of control and ceasefire lines (e.g.
        ``Borders.disputed_lines``), drawn near the incidents each kind in its own style
        (`DisputedLineLayer`) and named in the legend.
    pov : str, optional
        The point of view of the borders (e.g. ``Borders.pov``), named in the legend.
    pov_text : str, optional
        What that point of view means (e.g. ``Borders.description["pov_description"]``),
        shown with it.

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
    gdf = as_wgs84(incidents, "incidents")
    provider = None if offline else _tile_provider(tiles)
    m = GeomapMap(location=_WORLD_CENTER, zoom_start=2, tiles=None, control_scale=True)
    m.options["max_zoom"] = 18  # markercluster needs it when no tile layer sets one
    m.options["min_zoom"] = 1
    InlineAssets().add_to(m)

    # NaN for missing, empty or non-point geometries; longitudes wrapped as in the exports.
    lon, lat = point_coordinates(np.asarray(gdf.geometry.array, dtype=object))
    located = np.isfinite(lat) & np.isfinite(lon)
    role = text_column(gdf, "role")
    is_incident = (role == "incident") & located
    border_lat = float_column(gdf, "border_lat")
    border_lon = float_column(gdf, "border_lon")
    distance = float_column(gdf, "distance_km")
    linked = is_incident & np.isfinite(distance) & np.isfinite(border_lat)
    linked &= np.isfinite(border_lon) & (text_column(gdf, "border") != "")

    focus = is_incident if is_incident.any() else located
    box = _focus_box(lat[focus], lon[focus], border_lat[linked], border_lon[linked])

    if provider is not None:
        folium.TileLayer(provider, name=provider.name, overlay=False, show=True).add_to(m)
    if countries is not None:
        CountryBasemap(
            country_collection(countries, box),
            attribution=escape_text(border_attribution),
            show=provider is None,
        ).add_to(m)
    if border_lines is not None and box is not None:
        nearest_pairs = set(text_column(gdf, "border")[linked].tolist())
        collection = border_collection(border_lines, box, nearest_pairs)
        if collection["features"]:
            BorderLayer(collection).add_to(m)
    line_kinds: tuple[str, ...] = ()
    historic = False
    if disputed_lines is not None and box is not None:
        drawn = disputed_line_collection(disputed_lines, box)
        if drawn["features"]:
            DisputedLineLayer(drawn).add_to(m)
            line_kinds = tuple(f["properties"]["kind"] for f in drawn["features"])
            historic = any(f["properties"]["status"] == "historic" for f in drawn["features"])

    if located.any():
        data = IncidentData(incident_collection(gdf, np.flatnonzero(located)))
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

    Legend(
        empty=not located.any(),
        pov=pov,
        pov_text=pov_text,
        line_kinds=line_kinds,
        historic=historic,
    ).add_to(m)
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


def _focus_box(
    lat: np.ndarray, lon: np.ndarray, border_lat: np.ndarray, border_lon: np.ndarray
) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the points and border points, None if none."""
    lats = np.concatenate([lat, border_lat])
    lons = np.concatenate([lon, border_lon])
    if not len(lats):
        return None
    return float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())
