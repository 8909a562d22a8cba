"""Incidents -> GeoJSON features, and the one rounding policy of every geomap output.

The one serialiser of the incidents table (`geomap.incidents`) to GeoJSON: the GeoJSON
file of `geomap.export` and the FeatureCollection embedded in the map page
(`geomap.render`, which adds its own display properties on top) are both built by
:func:`incident_features`. The rounding policy (:data:`ROUNDING`, :func:`round_frame`,
:func:`round_geometries`) is shared by every writer, and the RFC 7946 geometry rules
(longitudes wrapped by `geomap.geodesy.wrap_lon`, lines split at the antimeridian,
counter-clockwise outer rings) live here too.

Coordinates are ``(lon, lat)`` in EPSG:4326 throughout, as in shapely and GeoJSON.
Nothing here knows about folium or file formats.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geomap.errors import ConfigurationError
from geomap.geodesy import wrap_lon

__all__ = [
    "BORDER_DECIMALS",
    "COORD_DECIMALS",
    "DISTANCE_DECIMALS",
    "ROUNDING",
    "as_wgs84",
    "feature_collection",
    "float_column",
    "geometry_json",
    "incident_features",
    "json_safe",
    "point_coordinates",
    "rfc7946_geometries",
    "round_frame",
    "round_geometries",
]

COORD_DECIMALS: Final = 6
"""Decimals kept for longitudes and latitudes (about 0.1 m)."""

DISTANCE_DECIMALS: Final = 3
"""Decimals kept for distances in km (1 m)."""

BORDER_DECIMALS: Final = 5
"""Decimals kept for border lines the map simplifies (about 1 m; the data is good to ~1 km)."""

ROUNDING: Final[Mapping[str, int]] = MappingProxyType(
    {
        "lat": COORD_DECIMALS,
        "lon": COORD_DECIMALS,
        "border_lat": COORD_DECIMALS,
        "border_lon": COORD_DECIMALS,
        "distance_km": DISTANCE_DECIMALS,
        "line_lat": COORD_DECIMALS,
        "line_lon": COORD_DECIMALS,
        "line_distance_km": DISTANCE_DECIMALS,
        "ref_lat": COORD_DECIMALS,
        "ref_lon": COORD_DECIMALS,
        "rel_distance_km": DISTANCE_DECIMALS,
    }
)
"""Decimals kept for each numeric column of the incidents table that is rounded."""


def as_wgs84(frame: gpd.GeoDataFrame, what: str = "incidents") -> gpd.GeoDataFrame:
    """Check ``frame`` is a GeoDataFrame with geometry and return it in EPSG:4326.

    A frame with another CRS is reprojected; one without a CRS is taken to be EPSG:4326.

    Parameters
    ----------
    frame : GeoDataFrame
        The frame.
    what : str, default "incidents"
        What the frame is, for the error message.

    Returns
    -------
    GeoDataFrame
        ``frame`` itself when it is already in EPSG:4326, else a new frame.

    Raises
    ------
    ConfigurationError
        If ``frame`` is not a GeoDataFrame or has no active geometry column.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ConfigurationError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    try:
        _ = frame.geometry
    except AttributeError as err:
        raise ConfigurationError(f"{what} has no active geometry column") from err
    if frame.crs is None:
        return frame.set_crs("EPSG:4326")
    if not frame.crs.equals("EPSG:4326"):
        return frame.to_crs("EPSG:4326")
    return frame


def round_geometries(geoms: Any, decimals: int) -> Any:
    """Round every coordinate of ``geoms`` to ``decimals`` decimals (None stays None).

    Examples
    --------
    >>> from shapely import Point
    >>> round_geometries(Point(46.3397071, 39.50761), COORD_DECIMALS).wkt
    'POINT (46.339707 39.50761)'
    """
    return shapely.transform(geoms, lambda coords: np.round(coords, decimals))


def round_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with the :data:`ROUNDING` columns and the geometry rounded.

    Non-numeric columns of those names are left as they are; the geometry's coordinates
    are rounded to :data:`COORD_DECIMALS`.
    """
    out = frame.copy()
    for column, decimals in ROUNDING.items():
        if column in out and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].round(decimals)
    out[out.geometry.name] = round_geometries(
        np.asarray(out.geometry.array, dtype=object), COORD_DECIMALS
    )
    return out


def float_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as float64 (NaN where missing, not a number, or absent)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def point_coordinates(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (lon, lat) of each 2-D point, longitude wrapped into [-180, 180].

    NaN where the geometry is missing, empty, not a point, has a non-finite coordinate or
    a longitude `geomap.geodesy.wrap_lon` refuses. Longitudes already within [-180, 180]
    are returned exactly as stored.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> lon, lat = point_coordinates([Point(406.4, 39.5), None, LineString([(0, 0), (1, 1)])])
    >>> lon.round(1).tolist(), lat.tolist()
    ([46.4, nan, nan], [39.5, nan, nan])
    """
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    points = (shapely.get_type_id(arr) == 0) & ~shapely.has_z(arr) & ~shapely.is_empty(arr)
    lon = np.full(len(arr), np.nan)
    lat = np.full(len(arr), np.nan)
    lon[points] = shapely.get_x(arr[points])
    lat[points] = shapely.get_y(arr[points])
    outside = np.abs(lon) > 180.0  # NaN compares False
    if outside.any():
        lon[outside] = wrap_lon(lon[outside])
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    lon[bad] = np.nan
    lat[bad] = np.nan
    return lon, lat


def rfc7946_geometries(geoms: Any) -> Any:
    """Make geometries RFC 7946-conformant: wrapped, antimeridian-split, CCW outer rings.

    Longitudes of points are wrapped into [-180, 180] (`geomap.geodesy.wrap_lon`). A line
    segment spanning more than 180 degrees of longitude is taken to cross the
    antimeridian (the short way round) and the line is split there into a
    MultiLineString (RFC 7946 section 3.1.9). Polygon exterior rings are made
    counter-clockwise and holes clockwise (section 3.1.6); polygons are expected not to
    cross the antimeridian (Natural Earth splits them).

    Parameters
    ----------
    geoms : shapely geometry or array-like of them
        In EPSG:4326, (lon, lat).

    Returns
    -------
    shapely geometry or numpy.ndarray
        Same shape as ``geoms``; None stays None.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> rfc7946_geometries(LineString([(179, 0), (-179, 2)])).wkt
    'MULTILINESTRING ((179 0, 180 1), (-180 1, -179 2))'
    >>> rfc7946_geometries(Point(190, 10)).wkt
    'POINT (-170 10)'
    """
    scalar = np.ndim(geoms) == 0
    arr = np.atleast_1d(np.asarray(geoms, dtype=object)).copy()
    kind = shapely.get_type_id(arr)
    points = kind == 0
    if points.any():
        arr[points] = shapely.transform(arr[points], _with_wrapped_lon)
    polygonal = (kind == 3) | (kind == 6)
    if polygonal.any():
        arr[polygonal] = _orient(arr[polygonal])
    for i in np.flatnonzero((kind == 1) | (kind == 5)):
        arr[i] = _split_antimeridian(arr[i])
    return arr[0] if scalar else arr


def geometry_json(geom: Any) -> dict[str, Any] | None:
    """Return the GeoJSON geometry of ``geom`` as a dict; None for a missing or empty one.

    Examples
    --------
    >>> from shapely import LineString
    >>> geometry_json(LineString([(46.4, 39.2), (46.5, 38.9)]))
    {'type': 'LineString', 'coordinates': [[46.4, 39.2], [46.5, 38.9]]}
    """
    if geom is None or shapely.is_empty(geom):
        return None
    result: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return result


def incident_features(
    incidents: gpd.GeoDataFrame,
    *,
    columns: Sequence[str] | None = None,
    rows: Any = None,
    extra: Mapping[str, Sequence[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Return one GeoJSON Feature dict per row of the incidents table.

    Geometries follow RFC 7946 (:func:`rfc7946_geometries`) with coordinates rounded to
    :data:`COORD_DECIMALS`; a point without finite coordinates has a null geometry.
    Properties are JSON-safe (numpy scalars as Python numbers, NaN/NA as null, dates as
    ISO text) and rounded by :data:`ROUNDING`.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents` for the columns); reprojected to EPSG:4326
        if needed (no CRS: EPSG:4326).
    columns : sequence of str, optional
        The properties, in this order; default every column but the geometry. A column
        the frame lacks gives null.
    rows : array-like of int, optional
        Positions of the rows to serialise, in this order; default all.
    extra : mapping of str to sequence, optional
        Further properties, one value per serialised row, JSON-safe already: added after
        ``columns``, or replacing a property of the same name in place.

    Returns
    -------
    list of dict
        The features, ready for :func:`feature_collection`.

    Raises
    ------
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame, or an ``extra`` sequence has the wrong
        length.

    Examples
    --------
    >>> from shapely import Point
    >>> gdf = gpd.GeoDataFrame(
    ...     {"name": ["Goris"], "distance_km": [8.56123]}, geometry=[Point(406.33970, 39.5)]
    ... )
    >>> (feature,) = incident_features(gdf, extra={"label": ["8.6 km"]})
    >>> feature["geometry"]
    {'type': 'Point', 'coordinates': [46.3397, 39.5]}
    >>> feature["properties"]
    {'name': 'Goris', 'distance_km': 8.561, 'label': '8.6 km'}
    """
    gdf = as_wgs84(incidents)
    positions = np.arange(len(gdf)) if rows is None else np.asarray(rows, dtype=np.intp)
    geoms = np.asarray(gdf.geometry.array, dtype=object)[positions]
    names = [str(c) for c in gdf.columns if c != gdf.geometry.name] if columns is None else columns
    values = {name: _json_column(gdf, name, positions) for name in names}
    for name, column in (extra or {}).items():
        if len(column) != len(positions):
            raise ConfigurationError(
                f"property {name!r} has {len(column)} values for {len(positions)} features"
            )
        values[name] = list(column)
    keys = list(values)
    properties = (  # every column has one value per row: checked above or built so
        [dict(zip(keys, row)) for row in zip(*values.values())]  # noqa: B905 - speed
        if keys
        else [{} for _ in range(len(positions))]
    )
    return [
        {"type": "Feature", "geometry": geometry, "properties": props}
        for geometry, props in zip(_geometries_json(geoms), properties, strict=True)
    ]


def feature_collection(
    features: list[dict[str, Any]], *, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection dict of ``features``.

    Parameters
    ----------
    features : list of dict
        GeoJSON Feature dicts, e.g. from :func:`incident_features`.
    metadata : mapping, optional
        Written, made JSON-safe, as the top-level foreign member ``"geomap"`` (RFC 7946
        section 6.1).

    Examples
    --------
    >>> feature_collection([], metadata={"generator": "geomap"})
    {'type': 'FeatureCollection', 'geomap': {'generator': 'geomap'}, 'features': []}
    """
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if metadata is not None:
        collection["geomap"] = json_safe(dict(metadata))
    collection["features"] = features
    return collection


def json_safe(value: Any) -> Any:
    """Convert ``value`` to plain JSON types: numpy scalars to Python, NaN/NA/inf to None.

    Mappings and sequences are converted item by item; dates become ISO 8601 text, paths
    their string, anything else ``str(value)``.

    Examples
    --------
    >>> json_safe({"n": np.int64(4), "d": float("nan"), "xs": (np.float32(0.5),)})
    {'n': 4, 'd': None, 'xs': [0.5]}
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


# -- helpers -------------------------------------------------------------------------------


def _json_column(frame: pd.DataFrame, column: str, rows: np.ndarray) -> list[Any]:
    """Return the JSON-safe values of ``frame[column]`` at ``rows``, rounded by `ROUNDING`."""
    if column not in frame:
        return [None] * len(rows)
    series = frame[column].iloc[rows]
    decimals = ROUNDING.get(column)
    if decimals is not None and pd.api.types.is_numeric_dtype(series):
        series = series.round(decimals)
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":  # numpy bools and ints: exact
        return series.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in series.tolist()]
    values = series.tolist()
    if all(type(v) is str for v in values):  # the common text column, fast
        return values
    return [json_safe(v) for v in values]


def _geometries_json(geoms: np.ndarray) -> list[dict[str, Any] | None]:
    """GeoJSON geometry dicts (RFC 7946, rounded to `COORD_DECIMALS`) of ``geoms``."""
    out: list[dict[str, Any] | None] = [None] * len(geoms)
    kind = shapely.get_type_id(geoms)
    points = (kind == 0) & ~shapely.has_z(geoms)  # the incidents: fast, from the arrays
    lon, lat = point_coordinates(geoms[points])
    lon = np.round(lon, COORD_DECIMALS)
    lat = np.round(lat, COORD_DECIMALS)
    for i, x, y in zip(np.flatnonzero(points).tolist(), lon.tolist(), lat.tolist(), strict=True):
        if math.isfinite(x):  # lat is NaN exactly where lon is
            out[i] = {"type": "Point", "coordinates": [x, y]}  # (lon, lat)
    others = np.flatnonzero(~points & (kind >= 0))
    if len(others):
        shapes = round_geometries(rfc7946_geometries(geoms[others]), COORD_DECIMALS)
        for i, geom in zip(others.tolist(), shapes, strict=True):
            out[i] = geometry_json(geom)
    return out


def _with_wrapped_lon(coords: np.ndarray) -> np.ndarray:
    """Coordinates (lon, lat, ...) with longitudes outside [-180, 180] wrapped."""
    out = coords.copy()
    outside = np.abs(out[:, 0]) > 180.0
    out[outside, 0] = wrap_lon(out[outside, 0])
    return out


def _orient(polygons: np.ndarray) -> np.ndarray:
    """Exterior rings counter-clockwise, holes clockwise."""
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        return np.asarray(shapely.orient_polygons(polygons, exterior_cw=False), dtype=object)
    from shapely.geometry.polygon import orient

    def one(geom: Any) -> Any:
        if geom.geom_type == "Polygon":
            return orient(geom, sign=1.0)
        return shapely.MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])

    return np.array([one(g) for g in polygons], dtype=object)


def _split_antimeridian(geom: Any) -> Any:
    """Split a (Multi)LineString where a segment crosses the antimeridian."""
    parts: list[list[tuple[float, float]]] = []
    crossed = False
    for line in shapely.get_parts(geom):
        coords = np.asarray(line.coords)[:, :2]
        current = [tuple(coords[0])]
        for (lon1, lat1), (lon2, lat2) in zip(coords[:-1], coords[1:], strict=True):
            if abs(lon2 - lon1) > 180:
                crossed = True
                east = lon1 > lon2  # leaving across +180 towards -180
                lon2_unwrapped = lon2 + 360 if east else lon2 - 360
                edge = 180.0 if east else -180.0
                lat_cross = lat1 + (lat2 - lat1) * (edge - lon1) / (lon2_unwrapped - lon1)
                current.append((edge, lat_cross))
                parts.append(current)
                current = [(-edge, lat_cross)]
            current.append((lon2, lat2))
        parts.append(current)
    if not crossed:
        return geom
    return shapely.MultiLineString([p for p in parts if len(p) > 1])
