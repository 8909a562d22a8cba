"""The data of the map's layers, as GeoJSON FeatureCollections.

The incidents are the shared features of `geomap.features` (the serialiser the GeoJSON
export uses), restricted to the columns the page shows (:data:`PAGE_COLUMNS`), with the
page's own display properties added on top. Border lines near the incidents and the
offline country basemap are clipped, simplified and rounded here. Coordinates are
``(lon, lat)``, as in GeoJSON.
"""

from __future__ import annotations

import math
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

from .style import classify_cues, display_pair, format_distance, precision_codes

__all__ = [
    "BORDER_PAD_DEGREES",
    "DATE_COLUMNS",
    "OPTIONAL_PAGE_COLUMNS",
    "PAGE_COLUMNS",
    "border_collection",
    "country_collection",
    "disputed_line_collection",
    "incident_collection",
    "text_column",
]

BORDER_PAD_DEGREES = 3.0
"""Border lines are drawn only if their bounds meet the focus box padded by this much."""

PAGE_COLUMNS: Final = (
    "source", "name", "place", "role", "cue", "sentence", "country_code", "feature",
    "score", "country", "border", "distance_km", "border_lon", "border_lat",
)  # fmt: skip
"""The columns of the incidents table (`geomap.incidents.COLUMNS`) the page embeds: what
its popups, tooltips, labels, list and distance lines show. The page adds ``distance``
(the km label), ``cue_class`` (the marker's class: from ``event_type``, else ``cue``) and
``precision`` (1 town, 2 area, 3 region: `geomap.render.style.precision_codes`), and shows
``border`` with an en dash."""

OPTIONAL_PAGE_COLUMNS: Final = (
    "role_reason", "metonymic", "event_type", "geo_precision", "event_date", "date", "url",
    "admin", "claimants", "disputed", "at_border", "line_kind", "line_name", "line_distance_km",
)  # fmt: skip
"""Columns embedded only when the incidents have them: why a place has its role, whether it
stands for a government, the event type (shown, and filtered on, instead of the violence
word's class), its ACLED-style precision (1-3), the event's or the document's date (popup,
list, time slider), the document's URL (popup link), and the border data's answers for
disputed places (who administers and who claims it, whether it is at the border within the
data's accuracy, the nearest de facto line)."""

DATE_COLUMNS: Final = ("event_date", "date")
"""The columns the page's ``day`` (ISO date of the time slider) is read from: a row's event
date, else its document's date; a row with neither gets none (and no slider without any)."""

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
    else the cue's), ``precision`` (see `precision_codes`; a ``geo_precision`` column is
    used when there is one), ``day`` (ISO date from :data:`DATE_COLUMNS`, only when the
    frame has one of them) and ``border`` shown with an en dash (null where there is none).
    """
    border = text_column(gdf, "border")[rows].tolist()
    distance = float_column(gdf, "distance_km")[rows].tolist()
    cue_class = classify_cues(
        text_column(gdf, "cue")[rows],
        text_column(gdf, "sentence")[rows],
        text_column(gdf, "event_type")[rows],
    )
    geo_precision = gdf["geo_precision"].to_numpy()[rows] if "geo_precision" in gdf else None
    extra: dict[str, list[Any]] = {
        "border": [display_pair(b) if b else None for b in border],
        "distance": [
            (format_distance(d) or None) if b else None
            for d, b in zip(distance, border, strict=True)
        ],
        "cue_class": cue_class.tolist(),
        "precision": precision_codes(text_column(gdf, "feature")[rows], geo_precision).tolist(),
    }
    dated = [c for c in DATE_COLUMNS if c in gdf]
    if dated:  # each row's first date of DATE_COLUMNS that it has
        days = pd.Series([None] * len(rows), dtype=object)
        for column in dated:
            found = pd.Series(iso_days(gdf[column].iloc[rows]), dtype=object)
            days = days.where(days.notna(), found)
        if days.notna().any():
            extra["day"] = days.tolist()
    columns = [*PAGE_COLUMNS, *(c for c in OPTIONAL_PAGE_COLUMNS if c in gdf)]
    return feature_collection(incident_features(gdf, columns=columns, rows=rows, extra=extra))


def iso_days(values: pd.Series) -> list[str | None]:
    """Return each value as an ISO date ``YYYY-MM-DD`` (None where it is no date).

    ISO 8601 text and timestamps are read fast; other text is tried as a free-form date.
    Timestamps with a time zone are taken in UTC.

    Examples
    --------
    >>> iso_days(pd.Series(["2023-09-12", "2023-09-13T22:10:00Z", "13 Sep 2023", "soon", None]))
    ['2023-09-12', '2023-09-13', '2023-09-13', None, None]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values
    else:
        text = values.astype(object).where(values.notna(), None)
        text = text.map(lambda v: v if v is None else str(v).strip())
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        retry = parsed.isna() & text.notna() & (text != "")
        if retry.any():
            parsed[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")
    days = parsed.dt.strftime("%Y-%m-%d")
    return [d if isinstance(d, str) else None for d in days.tolist()]


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


def disputed_line_collection(
    lines: gpd.GeoDataFrame, box: tuple[float, float, float, float]
) -> dict[str, Any]:
    """GeoJSON of the disputed and de facto lines near ``box`` (`DisputedLineLayer`).

    ``lines`` as `geomap.borders.Borders.disputed_lines`: ``kind``, ``status``, ``name``,
    ``pair``, ``international`` and line geometry; clipped, simplified and rounded as the
    land borders are (:func:`border_collection`).
    """
    frame = as_wgs84(lines, "disputed_lines")
    south, west, north, east = box
    bounds = frame.geometry.bounds
    near = (
        (bounds["minx"] <= east + BORDER_PAD_DEGREES)
        & (bounds["maxx"] >= west - BORDER_PAD_DEGREES)
        & (bounds["miny"] <= north + BORDER_PAD_DEGREES)
        & (bounds["maxy"] >= south - BORDER_PAD_DEGREES)
    ).to_numpy(dtype=bool, na_value=False)
    geometry = shapely.clip_by_rect(
        np.asarray(frame.geometry.array, dtype=object)[near],
        west - BORDER_PAD_DEGREES,
        south - BORDER_PAD_DEGREES,
        east + BORDER_PAD_DEGREES,
        north + BORDER_PAD_DEGREES,
    )
    geometry = round_geometries(shapely.simplify(geometry, _BORDER_TOLERANCE), BORDER_DECIMALS)
    columns = {c: text_column(frame, c)[near].tolist() for c in ("kind", "status", "name")}
    pair = [display_pair(p) for p in text_column(frame, "pair")[near].tolist()]
    international = (
        frame["international"].to_numpy(dtype=bool)[near].tolist()
        if "international" in frame
        else [False] * int(near.sum())
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometry_json(geom),
            "properties": {
                "kind": columns["kind"][i],
                "status": columns["status"][i],
                "name": columns["name"][i],
                "pair": pair[i],
                "international": bool(international[i]),
            },
        }
        for i, geom in enumerate(geometry)
        if geom is not None and not shapely.is_empty(geom)
    ]
    return feature_collection(features)


def country_collection(
    countries: gpd.GeoDataFrame, box: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """Country polygons for the offline basemap, as GeoJSON, each with its ``name``.

    A coarse world (simplified by half a degree, small islands left out) outside a detail
    box around ``box``, and inside it the polygons clipped to the box and simplified in
    proportion to its size: the file stays small and the view around the incidents sharp.
    Each country is one feature (its coarse and detailed parts joined), with property
    ``name`` (the ``name`` column, else the ``code`` column, else empty): the page labels
    the countries with it.
    """
    frame = as_wgs84(countries, "countries")
    geoms = shapely.make_valid(np.asarray(frame.geometry.array, dtype=object))
    names = text_column(frame, "name" if "name" in frame else "code")
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms, names = geoms[keep], names[keep]
    if box is None:
        detail_box = None
    else:
        south, west, north, east = box
        pad = max(2.0, 0.5 * max(north - south, east - west))
        detail_box = (  # on whole hundredths: the coarse and detailed shapes meet exactly
            max(math.floor((west - pad) * 100) / 100, -180.0),
            max(math.floor((south - pad) * 100) / 100, -90.0),
            min(math.ceil((east + pad) * 100) / 100, 180.0),
            min(math.ceil((north + pad) * 100) / 100, 90.0),
        )
    parts, owner = shapely.get_parts(geoms, return_index=True)
    big = shapely.area(parts) >= _WORLD_MIN_AREA
    coarse = shapely.simplify(parts[big], _WORLD_TOLERANCE, preserve_topology=True)
    pieces: dict[int, list[Any]] = {}  # country -> its coarse parts, then its detail
    if detail_box is not None:
        coarse = shapely.difference(coarse, shapely.box(*detail_box))
    for geom, i in zip(coarse, owner[big].tolist(), strict=True):
        pieces.setdefault(i, []).append(geom)
    detailed: set[int] = set()
    if detail_box is not None:
        span = max(detail_box[2] - detail_box[0], detail_box[3] - detail_box[1])
        tolerance = min(max(span / 800.0, 0.001), 0.1)
        detail = shapely.clip_by_rect(geoms, *detail_box)
        detail = shapely.simplify(detail, tolerance, preserve_topology=True)
        for i in np.flatnonzero(~shapely.is_empty(detail)).tolist():
            pieces.setdefault(i, []).append(detail[i])
            detailed.add(i)
    features = []
    for i, group in pieces.items():
        group = [g for g in group if g is not None and not shapely.is_empty(g)]
        if not group:
            continue
        if i in detailed:  # one shape across the detail box's edge: one label per part
            grid = 10.0**-_DETAIL_DECIMALS
            geom = group[0] if len(group) == 1 else shapely.union_all(group, grid_size=grid)
            geom = round_geometries(geom, _DETAIL_DECIMALS)
        else:
            geom = round_geometries(shapely.union_all(group), _WORLD_DECIMALS)
        polygons = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]
        if not polygons:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry_json(shapely.MultiPolygon(polygons)),
                "properties": {"name": names[i]},
            }
        )
    return feature_collection(features)
