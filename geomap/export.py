"""Incidents -> GeoJSON (RFC 7946), GeoPackage and CSV files, each written atomically."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geomap.errors import ConfigurationError, OutputError
from geomap.io import atomic_write

__all__ = [
    "COORD_DECIMALS",
    "DISTANCE_DECIMALS",
    "atomic_write",
    "geojson_dict",
    "rfc7946_geometries",
    "write_csv",
    "write_geojson",
    "write_gpkg",
]

COORD_DECIMALS = 6
"""Decimals kept for longitudes and latitudes (about 0.1 m)."""

DISTANCE_DECIMALS = 3
"""Decimals kept for ``distance_km`` (1 m)."""

_ROUNDING = {
    "lat": COORD_DECIMALS,
    "lon": COORD_DECIMALS,
    "border_lat": COORD_DECIMALS,
    "border_lon": COORD_DECIMALS,
    "distance_km": DISTANCE_DECIMALS,
}

PathLike = str | os.PathLike[str]


def geojson_dict(
    incidents: gpd.GeoDataFrame, *, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build an RFC 7946 FeatureCollection dict from an incidents GeoDataFrame.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents` for the columns). Reprojected to EPSG:4326
        if it has another CRS; a frame without a CRS is taken to be EPSG:4326.
    metadata : mapping, optional
        Written as the top-level foreign member ``"geomap"`` (RFC 7946 section 6.1).

    Returns
    -------
    dict
        A JSON-safe dict: coordinates in (lon, lat) order rounded to 6 decimals, no
        ``crs`` member, every non-geometry column as a property, NaN and None as null;
        geometries made RFC 7946-conformant by `rfc7946_geometries`.

    Raises
    ------
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame with an active geometry column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["Goris"]}, geometry=[Point(46.3397071, 39.5076)])
    >>> fc = geojson_dict(gdf)
    >>> fc["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [46.339707, 39.5076]}
    >>> fc["features"][0]["properties"]
    {'name': 'Goris'}
    """
    gdf = _prepare(incidents)
    geoms = shapely.transform(
        rfc7946_geometries(np.asarray(gdf.geometry.array, dtype=object)),
        lambda coords: np.round(coords, COORD_DECIMALS),
    )
    props = _properties(gdf)
    features = [
        {
            "type": "Feature",
            "geometry": _geometry_json(geom),
            "properties": row,
        }
        for geom, row in zip(geoms, props, strict=True)
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if metadata is not None:
        collection["geomap"] = _json_safe(dict(metadata))
    collection["features"] = features
    return collection


def write_geojson(
    incidents: gpd.GeoDataFrame,
    path: PathLike,
    *,
    force: bool = False,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the incidents as an RFC 7946 GeoJSON FeatureCollection, atomically.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.geojson``.
    force : bool, default False
        Overwrite ``path`` if it exists.
    metadata : mapping, optional
        Provenance (generator, border dataset, ...), written as the top-level foreign
        member ``"geomap"``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame.

    See Also
    --------
    geojson_dict : the dict that is written.
    """
    collection = geojson_dict(incidents, metadata=metadata)
    with atomic_write(path, force=force) as tmp:
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                json.dump(collection, fh, ensure_ascii=False, allow_nan=False)
                fh.write("\n")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return Path(path)


def write_gpkg(
    incidents: gpd.GeoDataFrame,
    path: PathLike,
    *,
    force: bool = False,
    borders: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write the incidents (and optionally the land borders) to a GeoPackage, atomically.

    Layers: ``incidents`` (points); with ``borders``, also ``borders`` (the land-border
    lines as given) and ``border_links`` (one MultiLineString per row with a finite distance,
    from the place to its nearest border point, with ``name``, ``role``, ``border`` and
    ``distance_km``).

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.gpkg``.
    force : bool, default False
        Overwrite ``path`` if it exists.
    borders : GeoDataFrame, optional
        Land-border lines with columns ``pair``, ``a``, ``b``, ``length_km``, geometry.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    ConfigurationError
        If ``incidents`` or ``borders`` is not a GeoDataFrame.
    """
    gdf = _rounded(_prepare(incidents))
    layers: list[tuple[str, gpd.GeoDataFrame, str | None]] = [("incidents", gdf, "Point")]
    if borders is not None:
        lines = _prepare(borders, what="borders")
        layers.append(("borders", lines, None if len(lines) else "MultiLineString"))
        layers.append(("border_links", border_links(gdf), "MultiLineString"))
    with atomic_write(path, force=force) as tmp:
        for layer, frame, geometry_type in layers:
            try:
                pyogrio.write_dataframe(
                    frame,
                    tmp,
                    layer=layer,
                    driver="GPKG",
                    geometry_type=geometry_type,
                )
            except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
                raise OutputError(f"cannot write layer {layer!r} of {path}: {err}") from err
    return Path(path)


def border_links(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one LineString per row from the place to its nearest border point.

    Rows without a finite ``distance_km``, ``border_lon`` or ``border_lat`` get no line.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`), in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Columns ``name``, ``role``, ``border``, ``distance_km`` and a MultiLineString
        geometry from (lon, lat) to (border_lon, border_lat), EPSG:4326: one part, or two
        where the short way crosses the antimeridian (split there).
    """
    lon = _float_column(incidents, "lon")
    lat = _float_column(incidents, "lat")
    border_lon = _float_column(incidents, "border_lon")
    border_lat = _float_column(incidents, "border_lat")
    distance = _float_column(incidents, "distance_km")
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(border_lon) & np.isfinite(border_lat)
    ok &= np.isfinite(distance)
    # (lon, lat) order, as shapely and GeoPackage expect.
    coords = np.stack(
        [np.column_stack([lon[ok], lat[ok]]), np.column_stack([border_lon[ok], border_lat[ok]])],
        axis=1,
    )
    geometry = shapely.linestrings(coords) if len(coords) else np.array([], dtype=object)
    # The short way round, split at the antimeridian; one type for the whole layer.
    geometry = _as_multilines(rfc7946_geometries(geometry))
    data = {
        column: (
            incidents[column].to_numpy()[ok]
            if column in incidents
            else np.full(int(ok.sum()), None, dtype=object)
        )
        for column in ("name", "role", "border")
    }
    data["distance_km"] = np.round(distance[ok], DISTANCE_DECIMALS)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def write_csv(incidents: gpd.GeoDataFrame, path: PathLike, *, force: bool = False) -> Path:
    """Write the incidents as UTF-8 CSV with a ``wkt`` column, atomically.

    The first column, ``wkt``, holds ``POINT (lon lat)`` rounded to 6 decimals (GDAL's
    CSV driver and QGIS pick it up as the geometry); the other columns are the incident
    properties, rounded as in GeoJSON.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.csv``.
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
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame.

    Notes
    -----
    Values are written as they are. Spreadsheet programs may treat a cell starting with
    ``=``, ``+``, ``-`` or ``@`` as a formula; open the file as text or in a GIS.
    """
    gdf = _rounded(_prepare(incidents))
    wkt = shapely.to_wkt(
        np.asarray(gdf.geometry.array, dtype=object),
        rounding_precision=COORD_DECIMALS,
        trim=True,
    )
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    table.insert(0, "wkt", wkt)
    with atomic_write(path, force=force) as tmp:
        try:
            table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return Path(path)


def rfc7946_geometries(geoms: Any) -> Any:
    """Make geometries RFC 7946-conformant: wrapped, antimeridian-split, CCW outer rings.

    Longitudes of points are wrapped into [-180, 180]. A line segment spanning more than
    180 degrees of longitude is taken to cross the antimeridian (the short way round)
    and the line is split there into a MultiLineString (RFC 7946 section 3.1.9). Polygon
    exterior rings are made counter-clockwise and holes clockwise (section 3.1.6);
    polygons are expected not to cross the antimeridian (Natural Earth splits them).

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
        arr[points] = shapely.transform(arr[points], _wrap_coords)
    polygonal = (kind == 3) | (kind == 6)
    if polygonal.any():
        arr[polygonal] = _orient(arr[polygonal])
    for i in np.flatnonzero((kind == 1) | (kind == 5)):
        arr[i] = _split_antimeridian(arr[i])
    return arr[0] if scalar else arr


def _wrap_coords(coords: np.ndarray) -> np.ndarray:
    """Wrap longitudes (first column) into [-180, 180]."""
    out = coords.copy()
    outside = (out[:, 0] < -180) | (out[:, 0] > 180)
    out[outside, 0] = (out[outside, 0] + 180) % 360 - 180
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


def _as_multilines(geoms: np.ndarray) -> np.ndarray:
    """LineStrings as one-part MultiLineStrings (one geometry type per layer)."""
    out = np.asarray(geoms, dtype=object).copy()
    lines = shapely.get_type_id(out) == 1
    out[lines] = [shapely.MultiLineString([g]) for g in out[lines]]
    return out


# -- helpers -------------------------------------------------------------------------------


def _prepare(frame: gpd.GeoDataFrame, *, what: str = "incidents") -> gpd.GeoDataFrame:
    """Check ``frame`` is a GeoDataFrame with geometry and return it in EPSG:4326."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ConfigurationError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    try:
        _ = frame.geometry
    except AttributeError as err:
        raise ConfigurationError(f"{what} has no active geometry column") from err
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        return frame.to_crs("EPSG:4326")
    if frame.crs is None:
        return frame.set_crs("EPSG:4326")
    return frame


def _rounded(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Round coordinates and distances as in the GeoJSON output."""
    out = gdf.copy()
    for column, decimals in _ROUNDING.items():
        if column in out and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].round(decimals)
    out[out.geometry.name] = shapely.transform(
        np.asarray(out.geometry.array, dtype=object),
        lambda coords: np.round(coords, COORD_DECIMALS),
    )
    return out


def _float_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as float64 (NaN where missing or absent)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _properties(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return one JSON-safe properties dict per row (all columns but the geometry)."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    values: dict[str, list[Any]] = {}
    for column in columns:
        series = gdf[column]
        decimals = _ROUNDING.get(str(column))
        if decimals is not None and pd.api.types.is_numeric_dtype(series):
            series = series.round(decimals)
        values[str(column)] = [_json_safe(v) for v in series.tolist()]
    return [{c: values[c][i] for c in values} for i in range(len(gdf))]


def _geometry_json(geom: Any) -> dict[str, Any] | None:
    """Return the GeoJSON geometry of ``geom``, None for a missing or empty geometry."""
    if geom is None or shapely.is_empty(geom):
        return None
    return _json_safe(geom.__geo_interface__)


def _json_safe(value: Any) -> Any:
    """Convert ``value`` to plain JSON types: numpy scalars to Python, NaN/NA/inf to None."""
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
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_safe(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)
