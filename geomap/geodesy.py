"""Geodesy on the WGS84 ellipsoid, shared by every stage.

Valid coordinates, longitude wrapping, geodesic lengths and interpolation, great-circle
distances, earth-centred vectors.

Coordinates here are always ``(lon, lat)`` in degrees, as in shapely and GeoJSON. Nothing
here knows about places, borders or text.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from geomap.errors import ConfigurationError

__all__ = [
    "EARTH_RADIUS_KM",
    "GEOD",
    "MAX_ABS_LON",
    "as_points",
    "densify",
    "densify_coords",
    "ecef",
    "geodetic",
    "great_circle_km",
    "length_km",
    "wrap_lon",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: The WGS84 ellipsoid, for every geodesic distance geomap reports.
GEOD: Final = Geod(ellps="WGS84")
_WGS84_A: Final = 6378137.0
_WGS84_F: Final = 1 / 298.257223563
_WGS84_B: Final = _WGS84_A * (1 - _WGS84_F)
_WGS84_E2: Final = _WGS84_F * (2 - _WGS84_F)
_WGS84_EP2: Final = _WGS84_E2 / (1 - _WGS84_E2)
#: Mean earth radius (IUGG), km: for great-circle comparisons, never for reported distances.
EARTH_RADIUS_KM: Final = 6371.0088
#: Longitudes beyond this many degrees are refused, not wrapped: a float that large cannot
#: hold a position to better than a millimetre of arc once reduced modulo 360.
MAX_ABS_LON: Final = 1e6


def wrap_lon(lon: npt.ArrayLike) -> FloatArray:
    """Return longitudes wrapped into [-180, 180], keeping 180 itself; NaN where refused.

    Every stage wraps the same way: values in [-180, 180] are kept exactly; other finite
    values up to :data:`MAX_ABS_LON` degrees are reduced modulo 360 (406.4 is 46.4);
    anything else (NaN, infinite, 1e308) is NaN.

    Examples
    --------
    >>> wrap_lon([406.4, -190.0, 180.0, 0.1, 1e308]).round(1).tolist()
    [46.4, 170.0, 180.0, 0.1, nan]
    >>> float(wrap_lon(0.1)[()]) == 0.1
    True
    """
    arr = np.asarray(lon, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(arr) & (np.abs(arr) <= MAX_ABS_LON)
        inside = (arr >= -180.0) & (arr <= 180.0)  # kept exactly as given
        wrapped = np.where(inside, arr, (arr + 180.0) % 360.0 - 180.0)
    return np.where(ok, wrapped, np.nan)


def as_points(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return flat float arrays of equal length, longitudes wrapped; invalid points NaN.

    A point is invalid when either coordinate is missing or not finite, its latitude is
    outside [-90, 90], or its longitude cannot be wrapped (:func:`wrap_lon`).

    Raises
    ------
    ConfigurationError
        If ``lon`` and ``lat`` are not numbers or cannot be broadcast together.

    Examples
    --------
    >>> lon, lat = as_points([406.4, 10.0, None], [39.5, 91.0, 0.0])
    >>> lon.round(1).tolist(), lat.tolist()
    ([46.4, nan, nan], [39.5, nan, nan])
    """
    try:
        lon_arr, lat_arr = np.broadcast_arrays(
            np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        )
    except (TypeError, ValueError) as err:
        raise ConfigurationError(
            f"lon and lat must be numbers or equally long arrays of degrees: {err}"
        ) from err
    lon_arr = wrap_lon(lon_arr.ravel())
    lat_arr = lat_arr.ravel().astype(float)
    bad = ~(np.isfinite(lon_arr) & np.isfinite(lat_arr) & (np.abs(lat_arr) <= 90.0))
    lon_arr[bad] = np.nan
    lat_arr[bad] = np.nan
    return lon_arr, lat_arr


def great_circle_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> Any:
    """Return the great-circle (haversine) distance in km on the mean-radius sphere.

    Broadcasts like NumPy; a scalar in gives a NumPy scalar out. Good to ~0.5 % of the
    ellipsoidal distance: for ranking and evaluation, not for the distances geomap reports
    (those are geodesic, :data:`GEOD`).

    Examples
    --------
    >>> round(float(great_circle_km(0, 0, 1, 0)), 1)
    111.2
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlon = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def ecef(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Return WGS84 earth-centred (ECEF) coordinates in metres, shape ``(n, 3)``, height 0."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    cos_phi = np.cos(phi)
    n = _WGS84_A / np.sqrt(1.0 - _WGS84_E2 * sin_phi * sin_phi)
    return np.column_stack(
        (n * cos_phi * np.cos(lam), n * cos_phi * np.sin(lam), n * (1.0 - _WGS84_E2) * sin_phi)
    )


def geodetic(xyz: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return (lon, lat) in degrees of ECEF points at or near the surface (Bowring)."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    p = np.hypot(x, y)
    theta = np.arctan2(z * _WGS84_A, p * _WGS84_B)
    lat = np.arctan2(
        z + _WGS84_EP2 * _WGS84_B * np.sin(theta) ** 3,
        p - _WGS84_E2 * _WGS84_A * np.cos(theta) ** 3,
    )
    return np.degrees(np.arctan2(y, x)), np.degrees(lat)


def densify(
    geometries: npt.NDArray[Any], labels: IntArray, max_segment_m: float
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Split lines into geodesic pieces <= ``max_segment_m``: lon, lat, part, label."""
    import shapely

    parts, geom_of_part = shapely.get_parts(geometries, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
    label = np.asarray(labels, dtype=np.intp)[np.asarray(geom_of_part, dtype=np.intp)]
    return densify_coords(
        coords[:, 0],
        coords[:, 1],
        np.asarray(part_of_vertex, dtype=np.intp),
        label[part_of_vertex],
        max_segment_m,
    )


def densify_coords(
    lon: FloatArray,
    lat: FloatArray,
    part_of_vertex: IntArray,
    labels: IntArray,
    max_segment_m: float,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """:func:`densify` on vertex arrays (consecutive vertices of one part make a segment)."""
    n = len(lon)
    valid = np.zeros(n, dtype=bool)
    valid[:-1] = part_of_vertex[:-1] == part_of_vertex[1:]
    azimuth = np.zeros(n)
    length = np.zeros(n)
    if valid.any():
        k = np.flatnonzero(valid)
        azimuth[k], _, length[k] = GEOD.inv(lon[k], lat[k], lon[k + 1], lat[k + 1])
    pieces = np.where(valid, np.maximum(1, np.ceil(length / max_segment_m)), 1).astype(np.intp)
    source = np.repeat(np.arange(n), pieces)
    step = np.arange(len(source)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = step / pieces[source]
    new_lon = lon[source].copy()
    new_lat = lat[source].copy()
    inner = fraction > 0
    if inner.any():
        s = source[inner]
        new_lon[inner], new_lat[inner], _ = GEOD.fwd(
            lon[s], lat[s], azimuth[s], length[s] * fraction[inner]
        )
    return new_lon, new_lat, part_of_vertex[source], labels[source]


def length_km(lines: npt.NDArray[Any]) -> FloatArray:
    """Return the geodesic (WGS84) length of each (Multi)LineString in km."""
    import shapely

    line_parts, line_of_part = shapely.get_parts(lines, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(line_parts, return_index=True)
    same = np.flatnonzero(part_of_vertex[:-1] == part_of_vertex[1:])
    _, _, seg_m = GEOD.inv(
        coords[same, 0], coords[same, 1], coords[same + 1, 0], coords[same + 1, 1]
    )
    return np.asarray(
        np.bincount(line_of_part[part_of_vertex[same]], weights=seg_m, minlength=len(lines))
        / 1000.0,
        dtype=float,
    )
