"""The data of the map's layers, as GeoJSON FeatureCollections.

The incidents are the shared features of `geomap.features` (the serialiser the GeoJSON
export uses), restricted to the columns the page shows (:data:`PAGE_COLUMNS`), with the
page's own display properties added on top. Border lines near the incidents and the
offline country basemap are clipped, simplified and rounded here. Coordinates are
``(lon, lat)``, as in GeoJSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geomap.errors import ConfigurationError
from geomap.features import (
    BORDER_DECIMALS,
    ROUNDING,
    as_wgs84,
    feature_collection,
    float_column,
    geometry_json,
    incident_features,
    round_geometries,
)

from .style import classify_cues, display_pair, format_distance, precision_codes

__all__ = [
    "AREA_LIST",
    "AT_BORDER_LABEL",
    "BORDER_PAD_DEGREES",
    "DATE_COLUMNS",
    "NEAR_LINE_KM",
    "OPTIONAL_PAGE_COLUMNS",
    "PAGE_COLUMNS",
    "area_names",
    "area_summary",
    "bool_column",
    "border_collection",
    "country_collection",
    "disputed_line_collection",
    "incident_collection",
    "iso_days",
    "page_days",
    "text_column",
]

TextAt = Callable[[str], np.ndarray]
"""A text column (`text_column`) at the rows being serialised."""

BORDER_PAD_DEGREES = 3.0
"""Border lines are drawn only if their bounds meet the focus box padded by this much."""

PAGE_COLUMNS: Final = (
    "source", "name", "place", "role", "cue", "sentence", "country_code", "feature",
    "score", "country", "border", "distance_km", "border_lon", "border_lat",
)  # fmt: skip
"""The columns of the incidents table (`geomap.incidents.COLUMNS`) the page embeds: what
its popups, tooltips, labels, list and distance lines show. The page adds ``distance``
(the km label: "at border" when ``at_border``), ``cue_class`` (an incident's marker class:
from ``event_type``, else ``cue``) and ``precision`` (an incident's 1 town, 2 area,
3 region: `geomap.render.style.precision_codes`), and shows ``border`` with an en dash.

Only what the page shows is embedded, and nothing twice (`incident_collection`): a property
that is null, ``""`` or false is left out (the browser reads a missing property as such);
``place`` is left out where it is the ``name``, ``country`` where it is the
``country_code`` (the page flags the two codes only where they differ)."""

OPTIONAL_PAGE_COLUMNS: Final = (
    "role_reason", "metonymic", "event_type", "event_date", "date_precision", "date", "url",
    "rel_kind", "rel_distance_km", "rel_bearing", "at_border", "admin", "claimants", "area",
    "area_status",
)  # fmt: skip
"""Columns embedded when the incidents have them: why a place has its role and whether it
stands for a government (popup), the event type (marker class, popup, list, filters), the
event's date and its precision, the document's date of ``geomap batch`` and its URL
(popup, list, time slider), a relative location ("10 km north of X": popup), whether the
place is at its border within the data's accuracy, and who administers and who claims a
place in a disputed or de facto area (popup; left out for the other places, where both
are just its country). ``geo_precision`` is embedded as ``precision``; the nearest de
facto line as ``near_line`` and ``near_line_km`` within `NEAR_LINE_KM`; the reference
point of an offset as ``ref`` (``[lon, lat]``); the accuracy of an ``at_border`` place as
``accuracy``."""

DATE_COLUMNS: Final = ("event_date", "date")
"""The columns the page's ``day`` (ISO date of the time slider) is read from: a row's event
date, else its document's date; a row with neither gets none (and no slider without any)."""

NEAR_LINE_KM: Final = 100.0
"""A place this near a line of control or ceasefire line (km) has it named in its popup."""

AT_BORDER_LABEL: Final = "at border"
"""The km label of a place nearer to its border than the border data's accuracy."""

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


def bool_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as a bool array (False where missing or absent)."""
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    values = frame[column].astype(object)
    return np.asarray(values.where(values.notna(), False), dtype=bool)


def incident_collection(gdf: gpd.GeoDataFrame, rows: np.ndarray) -> dict[str, Any]:
    """Return the incidents at positions ``rows`` as the page's FeatureCollection.

    The shared features (`geomap.features.incident_features`) of :data:`PAGE_COLUMNS` and
    of those :data:`OPTIONAL_PAGE_COLUMNS` the frame has, plus the page's own properties:
    ``distance`` (the km label, :data:`AT_BORDER_LABEL` when ``at_border``; null without a
    border, and for an incident of precision 3, whose point stands in for a region),
    ``border_kind`` (where the nearest border is no international border), for
    incidents ``cue_class`` (see `classify_cues`: the event type's class, else the
    cue's) and ``precision`` (see `precision_codes`: ``geo_precision`` when the
    frame has it, else from the feature), ``day`` (ISO date from :data:`DATE_COLUMNS`,
    only when the frame has one of them), ``accuracy`` (km, of an ``at_border`` place),
    ``ref`` (``[lon, lat]`` of the reference place of an offset: "10 km north of X"),
    ``near_line``, ``near_line_km`` and ``at_line`` (the nearest line of control or
    ceasefire line within :data:`NEAR_LINE_KM`), and ``border`` shown with an en dash.
    ``day`` is left out where it is the ``event_date``.

    Only what the page shows is kept (see :data:`PAGE_COLUMNS`): null, ``""`` and false
    properties are left out, ``place`` where it is the ``name``, ``country`` where it is the
    ``country_code``, and ``admin``, ``claimants``, ``area`` and ``area_status`` of a place
    that lies in no disputed or de facto area and is administered by its country.
    """
    rows = np.asarray(rows, dtype=np.intp)
    texts: dict[str, np.ndarray] = {}

    def text(column: str) -> np.ndarray:  # each text column converted once
        if column not in texts:
            texts[column] = text_column(gdf, column)[rows]
        return texts[column]

    incident = (text("role") == "incident").tolist()
    border = text("border").tolist()
    distance = float_column(gdf, "distance_km")[rows].tolist()
    at_border = bool_column(gdf, "at_border")[rows]
    cue_class = classify_cues(text("cue"), text("sentence"), text("event_type")).tolist()
    geo_precision = gdf["geo_precision"].to_numpy()[rows] if "geo_precision" in gdf else None
    precision = precision_codes(text("feature"), geo_precision).tolist()
    # An incident only located to a region or coarser: no km label (its point stands in).
    coarse = [i and p == 3 for i, p in zip(incident, precision, strict=True)]
    extra: dict[str, list[Any]] = {  # in the order of the properties
        "place": _unless_same(text("place").tolist(), text("name").tolist()),
        "country": _unless_same(text("country").tolist(), text("country_code").tolist()),
        "border": [display_pair(b) if b else None for b in border],
        **_contested(gdf, rows, text),
        "distance": [
            (AT_BORDER_LABEL if at else (format_distance(d) or None)) if b and not c else None
            for d, b, at, c in zip(distance, border, at_border.tolist(), coarse, strict=True)
        ],
        "cue_class": [c if i else None for c, i in zip(cue_class, incident, strict=True)],
        "precision": [int(p) if i else None for p, i in zip(precision, incident, strict=True)],
    }
    if "border_kind" in gdf:  # said only where it is not an international border
        extra["border_kind"] = [None if k == "international" else k for k in text("border_kind")]
    days = page_days(gdf, rows)
    if days is not None:  # left out where it is the event date (the page reads that then)
        extra["day"] = _unless_same(days, text("event_date").tolist())
    if at_border.any():
        accuracy = float_column(gdf, "accuracy_km")[rows]
        extra["accuracy"] = [
            (float(a) if math.isfinite(a) else None) if at else None
            for a, at in zip(accuracy.tolist(), at_border.tolist(), strict=True)
        ]
    extra.update(_references(gdf, rows, text))
    extra.update(_near_lines(gdf, rows, text))
    columns = [
        *PAGE_COLUMNS,
        *(c for c in OPTIONAL_PAGE_COLUMNS if c in gdf and c not in extra),  # extra: after
    ]
    features = incident_features(gdf, columns=columns, rows=rows, extra=extra)
    for feature in features:  # only what the page shows: no null, "" or false
        feature["properties"] = {
            k: v
            for k, v in feature["properties"].items()
            if v is not None and v is not False and v != ""
        }
    return feature_collection(features)


def _unless_same(values: list[Any], others: list[Any]) -> list[Any]:
    """Return ``values``, None where a value is the same as the other column's."""
    return [None if v == o else v for v, o in zip(values, others, strict=True)]


def _contested(gdf: gpd.GeoDataFrame, rows: np.ndarray, text: TextAt) -> dict[str, Any]:
    """Return ``admin``, ``claimants``, ``area`` and ``area_status`` where they say more.

    That is, in a disputed or de facto area, or held by a party other than the country
    under the point of view; None for the other places (both are just their country).
    """
    present = [c for c in ("admin", "claimants", "area", "area_status") if c in gdf]
    if not present:
        return {}
    admin = text("admin")
    contested = bool_column(gdf, "disputed")[rows] | (text("area") != "")
    contested |= (admin != "") & (admin != text("country"))
    keep = contested.tolist()
    return {
        c: [v if k else None for v, k in zip(text(c).tolist(), keep, strict=True)] for c in present
    }


def _references(gdf: gpd.GeoDataFrame, rows: np.ndarray, text: TextAt) -> dict[str, Any]:
    """Return ``ref``: ``[lon, lat]`` of the reference place of each offset row, else None."""
    if "rel_kind" not in gdf:
        return {}
    offset = text("rel_kind") == "offset"
    ref_lon, ref_lat = float_column(gdf, "ref_lon")[rows], float_column(gdf, "ref_lat")[rows]
    offset &= np.isfinite(ref_lon) & np.isfinite(ref_lat)
    if not offset.any():
        return {}
    decimals = ROUNDING["ref_lat"]
    return {
        "ref": [
            [round(float(lon), decimals), round(float(lat), decimals)] if k else None
            for lon, lat, k in zip(
                ref_lon.tolist(), ref_lat.tolist(), offset.tolist(), strict=True
            )
        ]
    }


def _near_lines(gdf: gpd.GeoDataFrame, rows: np.ndarray, text: TextAt) -> dict[str, Any]:
    """Return the nearest line of control or ceasefire line of places within `NEAR_LINE_KM`."""
    if "line_distance_km" not in gdf or "line_name" not in gdf:
        return {}
    km = float_column(gdf, "line_distance_km")[rows]
    line_name = text("line_name")
    near = np.isfinite(km) & (km <= NEAR_LINE_KM) & (line_name != "")
    if not near.any():
        return {}
    pair = text("line")
    at_line = bool_column(gdf, "at_line")[rows]
    decimals = ROUNDING["line_distance_km"]
    return {
        "near_line": [
            (f"{t} ({display_pair(p)})" if p else t) if k else None
            for t, p, k in zip(line_name.tolist(), pair.tolist(), near.tolist(), strict=True)
        ],
        "near_line_km": [
            round(float(d), decimals) if k else None
            for d, k in zip(km.tolist(), near.tolist(), strict=True)
        ],
        "at_line": [bool(a and k) for a, k in zip(at_line.tolist(), near.tolist(), strict=True)],
    }


def page_days(gdf: pd.DataFrame, rows: np.ndarray) -> list[str | None] | None:
    """Return the ISO day of each row at ``rows``: its first date of :data:`DATE_COLUMNS`.

    None when the frame has none of these columns or no row has a date.
    """
    dated = [c for c in DATE_COLUMNS if c in gdf]
    if not dated:
        return None
    days = pd.Series([None] * len(rows), dtype=object)
    for column in dated:
        found = pd.Series(iso_days(gdf[column].iloc[rows]), dtype=object)
        days = days.where(days.notna(), found)
    return days.tolist() if days.notna().any() else None


AREA_LIST: Final = 30
"""At most this many names of areas that are not drawn are listed on the page."""


def area_summary(gdf: pd.DataFrame, area: np.ndarray) -> dict[str, Any] | None:
    """Return the areas named but not drawn (regions, countries that are no incident).

    Returns None without any, else ``{"names": [[name, role, reason, count], ...],
    "more": n}``: each distinct name once (in the order of the text, the first row's role
    and ``role_reason``, and how many rows name it), at most :data:`AREA_LIST`, and how
    many more distinct names there are.
    """
    if not area.any():
        return None
    rows = np.flatnonzero(area)
    names = text_column(gdf, "name")[rows].tolist()
    roles = text_column(gdf, "role")[rows].tolist()
    reasons = text_column(gdf, "role_reason")[rows].tolist()
    seen: dict[str, list[Any]] = {}
    for name, role, reason in zip(names, roles, reasons, strict=True):
        if name in seen:
            seen[name][3] += 1
        else:
            seen[name] = [name, role, reason, 1]
    listed = list(seen.values())
    return {"names": listed[:AREA_LIST], "more": max(0, len(listed) - AREA_LIST)}


def area_names(ids: set[str]) -> dict[str, str]:
    """Return the names of disputed and de facto areas by id (the ``area`` column).

    The shipped border data's (``geomap/data/borders/areas.geojson``), else the id with
    spaces.
    """
    from geomap.borders.views import shipped

    known = dict(zip(shipped().areas["id"], shipped().areas["name"], strict=True))
    return {i: str(known.get(i) or i.replace("_", " ")) for i in sorted(ids)}


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
    near, geometry = _lines_near(lines, box)
    pair = text_column(lines, "pair")[near]
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


def _lines_near(
    lines: gpd.GeoDataFrame, box: tuple[float, float, float, float]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Return which ``lines`` (WGS84) come within the padding of ``box``, and their geometry.

    The geometry of those rows is clipped to the padded box, simplified well below the
    data's ~1 km accuracy and rounded (``BORDER_DECIMALS``); it may be empty.
    """
    south, west, north, east = box
    bounds = lines.geometry.bounds  # minx = west, miny = south, ...
    near = (
        (bounds["minx"] <= east + BORDER_PAD_DEGREES)
        & (bounds["maxx"] >= west - BORDER_PAD_DEGREES)
        & (bounds["miny"] <= north + BORDER_PAD_DEGREES)
        & (bounds["maxy"] >= south - BORDER_PAD_DEGREES)
    ).to_numpy(dtype=bool, na_value=False)
    geometry = shapely.clip_by_rect(
        np.asarray(lines.geometry.array, dtype=object)[near],
        west - BORDER_PAD_DEGREES,
        south - BORDER_PAD_DEGREES,
        east + BORDER_PAD_DEGREES,
        north + BORDER_PAD_DEGREES,
    )
    geometry = shapely.simplify(geometry, _BORDER_TOLERANCE)
    return near, round_geometries(geometry, BORDER_DECIMALS)


def disputed_line_collection(
    lines: gpd.GeoDataFrame, box: tuple[float, float, float, float]
) -> dict[str, Any]:
    """GeoJSON of the disputed and de facto lines near ``box`` (`DisputedLineLayer`).

    ``lines`` as `geomap.borders.Borders.disputed_lines`: ``kind``, ``status``, ``name``,
    ``pair``, ``international`` and line geometry; clipped, simplified and rounded as the
    land borders are (:func:`border_collection`).
    """
    frame = as_wgs84(lines, "disputed_lines")
    near, geometry = _lines_near(frame, box)
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
