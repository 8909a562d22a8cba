"""The incident map: incidents + land borders -> one self-contained folium page, saved atomically.

`incident_map` decides what goes on the map (which rows are located and linked, the
data box and the initial view, the basemap, which layers, clustering by size, the
title, date and source) and assembles the elements of `geomap.render.elements` and
`geomap.render.page` with the data of `geomap.render.layers`; `save_map` writes the page.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import xyzservices
from branca.element import Figure
from markupsafe import Markup

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
    LinkLayer,
    MapControls,
    ReferenceLayer,
)
from .layers import (
    area_names,
    area_summary,
    border_collection,
    country_collection,
    disputed_line_collection,
    incident_collection,
    page_days,
    text_column,
)
from .page import Legend, PageLayout, PlaceLabels
from .style import LOW_SCORE, STAND_IN_FEATURES, escape_text, precision_codes

__all__ = [
    "CLUSTER_THRESHOLD",
    "LINK_CANVAS",
    "LINK_LIMIT",
    "NEAR_BORDER_DEGREES",
    "incident_map",
    "save_map",
]

CLUSTER_THRESHOLD = 200
"""With ``cluster=None``, markers are clustered when there are more located rows than this."""

LINK_LIMIT = 5000
"""More linked incidents than this: the distance-line layer is off until ticked."""

LINK_CANVAS = 500
"""More linked incidents than this: the distance lines are drawn on a canvas (faster)."""

NEAR_BORDER_DEGREES = 1.0
"""A border point this close to the incidents' box (degrees, about 100 km; more for a wide
box) is kept in the initial view; farther ones are not (their line leaves the view)."""

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
    title: str | None = None,
    source: str | None = None,
    date: str | None = None,
) -> folium.Map:
    """Draw the incidents, their nearest land borders and the distances on a folium map.

    The page is self-contained: Leaflet, Leaflet.markercluster and geomap's own code are
    inlined, and the incidents are embedded once as a GeoJSON FeatureCollection from
    which the browser draws the markers (full markers for incidents, small grey ones for
    context and container places; clustered for many rows), the dashed line from each
    incident to its nearest border point, a thin line from each incident located relative
    to a place ("10 km north of Kharkiv") to that place, and the popups and tooltips.
    Incident markers are coloured by `classify_cues` (the event type's class); an incident
    with a score below `geomap.render.style.LOW_SCORE` is drawn hollow, one located only
    to an area or a region (`geomap.render.style.precision_codes`) with a dashed ring (and
    a region's with no line and no km: its point only stands in for it). A region,
    country, sea or line that is no incident (`geomap.render.style.STAND_IN_FEATURES`) is
    not drawn: the page names it under the incident list. Popups say why each place has
    its role (``role_reason``), the event type, date and precision, who administers and
    who claims a disputed place, and "at the border" where a place is nearer to it than
    the border data's accuracy. Land borders near the incidents are one GeoJSON layer,
    the nearest ones emphasised. Place names (each incident with its km to the border, or
    "at border") and, on the offline basemap, country names are labelled without
    overlaps.

    A header gives the title, date, source and point of view; beside the map a side panel holds the
    legend, filters (event type, confidence, and a time slider when the incidents have
    dates) and a sortable list of the incidents (a click zooms to the place and opens
    its popup), all collapsible and printable. The initial view fits the incidents (a far
    border point's line may leave it) clear of the map's controls; a metric scale bar,
    layer control, full-screen button and geodesic measuring tool are added.

    Only the tile basemap uses the network. With ``offline=True`` there is none: the
    basemap is drawn from ``countries`` (simplified; detailed near the incidents) and
    the page opens with no network at all; with tiles, the page switches to that
    basemap by itself (and says so) when the tiles cannot be loaded. Text from the data
    is shown as DOM text, never parsed as HTML, and embedded as JSON that cannot close
    its ``<script>``.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`). Reprojected to EPSG:4326 if needed. Also
        read when present: the events stage's and the border join's columns, and the
        ``date`` and ``url`` of ``geomap batch`` documents (see
        `geomap.render.layers.OPTIONAL_PAGE_COLUMNS`).
    border_lines : GeoDataFrame, optional
        Land-border lines with a ``pair`` column (e.g. ``"AM-AZ"``). Only lines whose
        bounds meet the incidents' box padded by `BORDER_PAD_DEGREES` are drawn.
    countries : GeoDataFrame, optional
        Country polygons (e.g. ``Borders.countries``, with a ``name`` column for the
        labels) for the offline basemap. Shown first with ``offline=True`` or no
        ``tiles``, else a second base layer, and the fallback when tiles fail.
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
        The point of view of the borders (e.g. ``Borders.pov``), named in the header and
        the legend.
    pov_text : str, optional
        What that point of view means (e.g. ``Borders.description["pov_description"]``),
        shown with it.
    title : str, optional
        The page's title (header and ``<title>``); default the file name of the one
        source, else "N documents".
    source : str, optional
        The source line; default the ``source`` values (the first three and a count).
    date : str, optional
        The date line; default the range of the incidents' dates, when they have any.

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
    m = GeomapMap(location=_WORLD_CENTER, zoom_start=2, tiles=None, control_scale=False)
    m.options["max_zoom"] = 18  # markercluster needs it when no tile layer sets one
    m.options["min_zoom"] = 1
    InlineAssets().add_to(m)

    # NaN for missing, empty or non-point geometries; longitudes wrapped as in the exports.
    lon, lat = point_coordinates(np.asarray(gdf.geometry.array, dtype=object))
    role = text_column(gdf, "role")
    feature = text_column(gdf, "feature")
    # A region, country, sea or line that is no incident is not drawn: its point would
    # only stand in for it (the page names it apart, with its role).
    area = np.isin(feature, sorted(STAND_IN_FEATURES)) & (role != "incident")
    located = np.isfinite(lat) & np.isfinite(lon) & ~area
    is_incident = (role == "incident") & located
    geo_precision = gdf["geo_precision"].to_numpy() if "geo_precision" in gdf else None
    # An incident located only to a region or coarser: no line from the point that stands
    # in for it (the event may be anywhere in it).
    coarse = is_incident & (precision_codes(feature, geo_precision) == 3)
    border_lat = float_column(gdf, "border_lat")
    border_lon = float_column(gdf, "border_lon")
    distance = float_column(gdf, "distance_km")
    linked = is_incident & ~coarse & np.isfinite(distance) & np.isfinite(border_lat)
    linked &= np.isfinite(border_lon) & (text_column(gdf, "border") != "")

    focus = is_incident if is_incident.any() else located
    # The data box (border lines, detailed basemap) holds every linked border point; the
    # view box only the near ones: a far border's line may leave the initial view.
    box = _focus_box(lat[focus], lon[focus], border_lat[linked], border_lon[linked])
    view = _view_box(lat[focus], lon[focus], border_lat[linked], border_lon[linked])

    refs: dict[str, Any] = {"points": []}
    if provider is not None:
        refs["tiles"] = folium.TileLayer(provider, name=provider.name, overlay=False, show=True)
        refs["tiles"].add_to(m)
    if countries is not None:
        refs["countries"] = CountryBasemap(
            country_collection(countries, box),
            attribution=escape_text(border_attribution),
            show=provider is None,
        )
        refs["countries"].add_to(m)
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

    precisions: list[int] = []
    low = False
    relative = False
    if located.any():
        rows = np.flatnonzero(located)
        collection = incident_collection(gdf, rows)
        incident_props = [
            f["properties"]
            for f in collection["features"]
            if f["properties"]["role"] == "incident"
        ]
        precisions = sorted({p["precision"] for p in incident_props})
        low = any(p.get("score", 1.0) < LOW_SCORE for p in incident_props)
        relative = any("ref" in p for p in incident_props)
        refs["data"] = IncidentData(collection)
        refs["data"].add_to(m)
        n_linked = int(linked.sum())
        if n_linked:
            refs["links"] = LinkLayer(
                refs["data"], canvas=n_linked > LINK_CANVAS, show=n_linked <= LINK_LIMIT
            )
            refs["links"].add_to(m)
        if relative:
            refs["relative"] = ReferenceLayer(refs["data"])
            refs["relative"].add_to(m)
        clustered = bool(located.sum() > CLUSTER_THRESHOLD) if cluster is None else cluster
        names = _area_names(gdf, located)
        if (located & ~is_incident).any():
            layer = IncidentLayer(
                refs["data"],
                role="context",
                name="Context places",
                cluster=clustered,
                area_names=names,
            )
            refs["points"].append(layer.add_to(m))
        if is_incident.any():
            layer = IncidentLayer(
                refs["data"],
                role="incident",
                name="Incidents",
                cluster=clustered,
                area_names=names,
            )
            refs["points"].append(layer.add_to(m))
        refs["labels"] = PlaceLabels().add_to(m)

    event_types = bool((text_column(gdf, "event_type")[is_incident] != "").any())
    Legend(
        empty=not located.any(),
        areas_only=bool(not located.any() and area.any()),
        low=low,
        precisions=precisions,
        pov=pov,
        pov_text=pov_text,
        line_kinds=line_kinds,
        historic=historic,
        event_types=event_types,
        relative=relative,
    ).add_to(m)
    MapControls().add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    sources = _sources(gdf, located | area)
    page_title = title if title else _default_title(sources)
    PageLayout(
        title=page_title,
        date=date if date else _default_date(gdf, located),
        source=source if source else _default_source(sources),
        box=view,
        refs=refs,
        context=int((located & ~is_incident).sum()),
        has_precision="geo_precision" in gdf,
        generator=_generator(),
        pov=pov,
        pov_text=pov_text,
        areas=area_summary(gdf, area),
    ).add_to(m)
    figure = m.get_root()
    if isinstance(figure, Figure):  # folium.Map makes one
        figure.title = Markup(escape_text(f"{page_title} \u2014 geomap"))
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


def _sources(gdf: gpd.GeoDataFrame, located: np.ndarray) -> list[str]:
    """Return the distinct non-empty ``source`` values of the located rows, in order."""
    values = text_column(gdf, "source")[located] if located.any() else text_column(gdf, "source")
    return [s for s in dict.fromkeys(values.tolist()) if s]


def _default_title(sources: list[str]) -> str:
    """Return the file name of the one source, else "N documents" ("Incident map": none)."""
    if len(sources) == 1:
        return Path(sources[0]).name or sources[0]
    return f"{len(sources):,} documents" if sources else "Incident map"


def _default_source(sources: list[str]) -> str | None:
    """Return the sources: all of up to three, else the first three and how many more."""
    if not sources:
        return None
    shown = ", ".join(sources[:3])
    return shown if len(sources) <= 3 else f"{shown} and {len(sources) - 3:,} more"


def _default_date(gdf: gpd.GeoDataFrame, located: np.ndarray) -> str | None:
    """Return the range of the drawn rows' days, None without any.

    Each row's day is its first date of `geomap.render.layers.DATE_COLUMNS`: the event's,
    else the document's.
    """
    found = page_days(gdf, np.flatnonzero(located)) if located.any() else None
    days = sorted({d for d in found or () if d})
    if not days:
        return None
    return days[0] if days[0] == days[-1] else f"{days[0]} \u2013 {days[-1]}"


def _area_names(gdf: gpd.GeoDataFrame, located: np.ndarray) -> dict[str, str]:
    """Return the names of the disputed and de facto areas (``area`` ids) of drawn rows."""
    if "area" not in gdf or not located.any():
        return {}
    ids = {a for a in text_column(gdf, "area")[located].tolist() if a}
    return area_names(ids) if ids else {}


def _generator() -> str:
    """Return "geomap <version>" (just "geomap" when the package metadata is missing)."""
    try:
        return f"geomap {metadata.version('geomap')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "geomap"


def _view_box(
    lat: np.ndarray, lon: np.ndarray, border_lat: np.ndarray, border_lon: np.ndarray
) -> tuple[float, float, float, float] | None:
    """Return the initial view's box: the points, and the border points near them.

    A border point counts when it lies within half the points' extent (at least
    `NEAR_BORDER_DEGREES`) of their box; farther ones are left out, their line leaving
    the view.
    """
    if not len(lat):
        return None
    south, west, north, east = lat.min(), lon.min(), lat.max(), lon.max()
    pad = max(0.5 * max(north - south, east - west), NEAR_BORDER_DEGREES)
    near = (
        (border_lat >= south - pad)
        & (border_lat <= north + pad)
        & (border_lon >= west - pad)
        & (border_lon <= east + pad)
    )
    return _focus_box(lat, lon, border_lat[near], border_lon[near])


def _focus_box(
    lat: np.ndarray, lon: np.ndarray, border_lat: np.ndarray, border_lon: np.ndarray
) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the points and border points, None if none."""
    lats = np.concatenate([lat, border_lat])
    lons = np.concatenate([lon, border_lon])
    if not len(lats):
        return None
    return float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())
