"""The coordinates of a table: degrees from columns, points from WKB, and WKB from points.

Coordinates are ``(lon, lat)`` throughout, as in shapely and GeoJSON; a geometry in
another CRS is reprojected to WGS84 (pyproj, ``always_xy``). Missing, unparsable and
non-point values become NaN: the caller decides what an invalid row means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from geomap.errors import ConfigurationError

__all__ = ["LAT_NAMES", "LON_NAMES", "degrees", "find_column", "points", "wkb_points"]

FloatArray = npt.NDArray[np.float64]

#: Column names taken for latitude and longitude when none is given (any case).
LAT_NAMES: Final = ("latitude", "lat", "y")
LON_NAMES: Final = ("longitude", "lon", "lng", "long", "x")
_WKB_POINT: Final = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def find_column(columns: Sequence[str], given: str | None, names: Sequence[str]) -> str | None:
    """Return ``given``, else the first of ``names`` among ``columns`` (any case), else None.

    Examples
    --------
    >>> find_column(["ID", "Latitude"], None, LAT_NAMES)
    'Latitude'
    """
    if given is not None:
        return given
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def degrees(column: Any, name: str, decimal: str = ".") -> npt.NDArray[np.float64]:
    """Return a column of degrees as floats, NaN where missing or not a number."""
    dtype = column.type
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    if pa.types.is_null(dtype):
        return np.full(len(column), np.nan)
    if not (pa.types.is_string(dtype) or pa.types.is_large_string(dtype)):
        raise ConfigurationError(f"column {name!r} holds {dtype}, not degrees: name another")
    text = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)


def points(geometry: Any, crs: str | None) -> tuple[npt.NDArray[np.float64], ...]:
    """Return lon, lat of WKB points (NaN for anything else) in WGS84, and their bounds.

    ``crs`` is the geometry's CRS (None: WGS84 already); the bounds (n, 4) stay in it.
    """
    import shapely

    wkb = np.asarray(geometry.to_numpy(zero_copy_only=False), dtype=object)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")  # unreadable WKB: NaN
    is_point = shapely.get_type_id(geoms) == 0
    lon, lat = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    lon[is_point] = shapely.get_x(geoms[is_point])
    lat[is_point] = shapely.get_y(geoms[is_point])
    if crs is not None:
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(lon, lat)
    bounds = shapely.bounds(geoms)  # for the GeoParquet covering, in the file's CRS
    return np.asarray(lon, float), np.asarray(lat, float), bounds


def wkb_points(lon: FloatArray, lat: FloatArray, valid: npt.NDArray[np.bool_]) -> pa.Array:
    """Return a binary array of WKB points (lon, lat), null where not ``valid``.

    The bytes are written with NumPy (21 per point), without building shapely objects.

    Examples
    --------
    >>> import shapely
    >>> wkb = wkb_points(np.array([46.4, 0.0]), np.array([39.2, 0.0]), np.array([True, False]))
    >>> shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)).tolist()
    [<POINT (46.4 39.2)>, None]
    """
    n = len(lon)
    records = np.empty(int(valid.sum()), dtype=_WKB_POINT)
    records["order"], records["type"] = 1, 1  # little-endian, Point
    records["x"], records["y"] = lon[valid], lat[valid]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(valid * _WKB_POINT.itemsize, out=offsets[1:])
    mask = pa.array(valid, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        pa.binary(),
        n,
        [mask, pa.py_buffer(offsets), pa.py_buffer(records.tobytes())],
        null_count=n - len(records),
    )
