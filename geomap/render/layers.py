"""The data of the map's layers, as GeoJSON FeatureCollections.

The incidents are the shared features of `geomap.features` (the serialiser the GeoJSON
export uses), restricted to the columns the page shows (:data:`PAGE_COLUMNS`), with the
page's own display properties added on top. Border lines near the incidents and the
offline country basemap are clipped, simplified and rounded here. Coordinates are
``(lon, lat)``, as in GeoJSON.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geomap.errors import ConfigurationError
from geomap.features import (
    BORDER_DECIMALS,
    as_wgs84,
    feature_collection,
    float_column,
    geometry_json,
    incident_features,
    round_geometries,
)

from .style import classify_cues, display_pair, format_distance

__all__ = [
    "BORDER_PAD_DEGREES",
    "OPTIONAL_PAGE_COLUMNS",
    "PAGE_COLUMNS",
    "border_collection",
    "country_collection",
    "incident_collection",
    "text_column",
]

BORDER_PAD_DEGREES = 3.0
"""Border lines are drawn only if their bounds meet the focus box padded by this much."""

PAGE_COLUMNS: Final = (
    "source", "name", "place", "role", "cue", "sentence", "country_code", "feature",
    "country", "border", "distance_km", "border_lon", "border_lat",
)  # fmt: skip
"""The columns of the incidents table (`geomap.incidents.COLUMNS`) the page embeds: what
its popups, tooltips and distance lines show. The page adds ``distance`` (the km label)
and ``cue_class`` (the marker's class: from ``event_type``, else ``cue``) and shows
``border`` with an en dash."""

OPTIONAL_PAGE_COLUMNS: Final = (
    "role_reason", "metonymic", "event_type", "geo_precision", "event_date",
)  # fmt: skip
"""Columns of the events stage the page embeds when the incidents have them, after
:data:`PAGE_COLUMNS`: why a place has its role, whether it stands for a government, the
event type, its ACLED-style precision (1-3) and date."""

_BORDER_TOLERANCE = 0.0005  # degrees, about 50 m: well below the border data's ~1 km
_WORLD_TOLERANCE = 0.5  # degrees, the coarse world outside the detail box
_WORLD_MIN_AREA = 2.0  # square degrees: smaller islands are left out of the coarse world
_WORLD_DECIMALS = 2  # the coarse world, simplified by _WORLD_TOLERANCE
_DETAIL_DECIMALS = 3  # the detail box, simplified by at most 0.1 degree


def text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as an object array of str ("" where missing or absent)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].astype(object)
    return np.asarray(values.where(values.notna(), "").map(str), dtype=object)


def incident_collection(gdf: gpd.GeoDataFrame, rows: np.ndarray) -> dict[str, Any]:
    """Return the incidents at positions ``rows`` as the page's FeatureCollection.

    The shared features (`geomap.features.incident_features`) of :data:`PAGE_COLUMNS` and
    of those :data:`OPTIONAL_PAGE_COLUMNS` the frame has, plus ``distance`` (the km label,
    null without a border), ``cue_class`` (see `classify_cues`: the event type's class,
    else the cue's) and ``border`` shown with an en dash (null where there is none).
    """
    border = text_column(gdf, "border")[rows].tolist()
    distance = float_column(gdf, "distance_km")[rows].tolist()
    cue_class = classify_cues(
        text_column(gdf, "cue")[rows],
        text_column(gdf, "sentence")[rows],
        text_column(gdf, "event_type")[rows],
    )
    extra = {
        "border": [display_pair(b) if b else None for b in border],
        "distance": [
            (format_distance(d) or None) if b else None
            for d, b in zip(distance, border, strict=True)
        ],
        "cue_class": cue_class.tolist(),
    }
    columns = [*PAGE_COLUMNS, *(c for c in OPTIONAL_PAGE_COLUMNS if c in gdf)]
    return feature_collection(incident_features(gdf, columns=columns, rows=rows, extra=extra))


def border_collection(
    border_lines: gpd.GeoDataFrame,
    box: tuple[float, float, float, float],
    nearest_pairs: set[str],
) -> dict[str, Any]:
    """GeoJSON of the border lines near ``box``, each with ``pair`` and ``nearest``."""
    lines = as_wgs84(border_lines, "border_lines")
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
    pair = text_column(lines, "pair")[near]
    # Clipped to the padded box and simplified well below the data's ~1 km accuracy.
    geometry = shapely.clip_by_rect(
        np.asarray(lines.geometry.array, dtype=object)[near],
        west - BORDER_PAD_DEGREES,
        south - BORDER_PAD_DEGREES,
        east + BORDER_PAD_DEGREES,
        north + BORDER_PAD_DEGREES,
    )
    geometry = shapely.simplify(geometry, _BORDER_TOLERANCE)
    geometry = round_geometries(geometry, BORDER_DECIMALS)
    features = [
        {
            "type": "Feature",
            "geometry": geometry_json(geom),
            "properties": {"pair": display_pair(p), "nearest": p in nearest_pairs},
        }
        for p, geom in zip(pair.tolist(), geometry, strict=True)
        if geom is not None and not shapely.is_empty(geom)
    ]
    return feature_collection(features)


def country_collection(
    countries: gpd.GeoDataFrame, box: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """Country polygons for the offline basemap, as GeoJSON.

    A coarse world (simplified by half a degree, small islands left out) outside a detail
    box around ``box``, and inside it the polygons clipped to the box and simplified in
    proportion to its size: the file stays small and the view around the incidents sharp.
    """
    frame = as_wgs84(countries, "countries")
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
        shapes.extend((g, _DETAIL_DECIMALS) for g in detail)
    shapes = [(g, _WORLD_DECIMALS) for g in coarse] + shapes
    features = []
    for geom, decimals in shapes:
        if geom is None or shapely.is_empty(geom):
            continue
        rounded = round_geometries(geom, decimals)
        polygons = [
            g for g in shapely.get_parts(rounded) if g.geom_type == "Polygon" and g.area > 0
        ]
        if not polygons:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry_json(shapely.MultiPolygon(polygons)),
                "properties": {},
            }
        )
    return feature_collection(features)
