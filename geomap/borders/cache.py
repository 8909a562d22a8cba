"""The disk cache of derived borders: one checksummed ``.npz`` file per source file.

Deriving land borders, coasts, the land-border index and the point-in-country grid from
Natural Earth takes seconds; :func:`save` keeps them (as :class:`BorderParts`) in the cache
directory it is given, written atomically, and :func:`load` returns them only if the file
is whole, of this format version and made from the same source file and options. The
caller chooses the directory (see :func:`geomap.io.cache_dir`); nothing here reads the
environment.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geomap.borders.core import BorderParts
from geomap.borders.derive import empty_lines, pair_labels
from geomap.borders.grid import CountryGrid
from geomap.borders.index import SegmentIndex
from geomap.errors import GeomapError
from geomap.io import atomic_write

__all__ = ["CacheKey", "cache_file", "load", "save"]

CacheKey: TypeAlias = tuple[str, int, int, str | None, str, str]
"""What a cache file is made from: the source file's path, mtime (ns) and size, the code
field asked for, the point of view and the digest of geomap's shipped border data."""

_VERSION: Final = 3
_UNIT_TEXT: Final = ("code", "name", "country", "admin", "claimants", "area", "area_status")
_EDGE_TEXT: Final = ("pair", "a", "b", "units", "kind", "name")


def cache_file(directory: Path, key: CacheKey) -> Path:
    """Return the cache file in ``directory`` for this source file and options.

    Examples
    --------
    >>> key = ("/data/a.gpkg", 1, 2, None, "file", "0f")
    >>> cache_file(Path("/tmp/c"), key).name.startswith("borders-v")
    True
    """
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:20]
    return directory / f"borders-v{_VERSION}-{digest}.npz"


def save(path: Path, key: CacheKey, parts: BorderParts) -> None:
    """Write ``parts`` (whole: coasts, land index and grid built) to ``path`` atomically.

    A failure (unwritable directory, full disk) is not an error: it only costs the next
    run the time to derive the borders again.
    """
    assert parts.coasts is not None and parts.land_index is not None and parts.grid is not None
    coasts = parts.coasts
    arrays: dict[str, npt.NDArray[Any]] = {
        "meta": np.array(
            json.dumps(
                {
                    "version": _VERSION,
                    "key": list(key),
                    "source": parts.source,
                    "description": parts.description,
                    "pov": parts.pov,
                }
            )
        ),
        "country_code": parts.countries["code"].to_numpy(dtype=str),
        "country_name": parts.countries["name"].to_numpy(dtype=str),
        **_pack_geoms("country", np.asarray(parts.countries.geometry.values, dtype=object)),
        "line_a": parts.lines["a"].to_numpy(dtype=str),
        "line_b": parts.lines["b"].to_numpy(dtype=str),
        "line_km": parts.lines["length_km"].to_numpy(dtype=float),
        **_pack_geoms("line", np.asarray(parts.lines.geometry.values, dtype=object)),
        "coast_code": coasts["code"].to_numpy(dtype=str),
        "coast_km": coasts["length_km"].to_numpy(dtype=float),
        **_pack_geoms("coast", np.asarray(coasts.geometry.values, dtype=object)),
        **{f"unit_{c}": _texts(parts.units[c]) for c in _UNIT_TEXT},
        "unit_disputed": parts.units["disputed"].to_numpy(dtype=bool),
        **_pack_geoms("unit", np.asarray(parts.units.geometry.values, dtype=object)),
        **{f"edge_{c}": _texts(parts.edges[c]) for c in _EDGE_TEXT},
        **_pack_geoms("edge", np.asarray(parts.edges.geometry.values, dtype=object)),
        **{f"land_{name}": value for name, value in parts.land_index.arrays().items()},
        **parts.grid.arrays(),
    }
    arrays["checksum"] = np.array(_checksum(arrays))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, force=True) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
    except (OSError, GeomapError):
        pass  # no cache: the next run derives the borders again


def load(path: Path, key: CacheKey) -> BorderParts | None:
    """Return the cached parts if the file is whole and made from this source, else None."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays["meta"]))
        if meta.get("version") != _VERSION or tuple(meta.get("key", ())) != key:
            return None
        if str(arrays["checksum"]) != _checksum(arrays):
            return None
        countries = gpd.GeoDataFrame(
            {
                "code": pd.Series(arrays["country_code"].astype(object), dtype=object),
                "name": pd.Series(arrays["country_name"].astype(object), dtype=object),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "country"), crs=4326),
        )
        a = arrays["line_a"].astype(object)
        b = arrays["line_b"].astype(object)
        lines = gpd.GeoDataFrame(
            {
                "pair": pd.Series(pair_labels(a, b), dtype=object),
                "a": pd.Series(a, dtype=object),
                "b": pd.Series(b, dtype=object),
                "length_km": arrays["line_km"].astype(float),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "line"), crs=4326),
            crs=4326,
        )
        if len(lines) == 0:
            lines = empty_lines()
        coasts = gpd.GeoDataFrame(
            {
                "code": pd.Series(arrays["coast_code"].astype(object), dtype=object),
                "length_km": arrays["coast_km"].astype(float),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "coast"), crs=4326),
            crs=4326,
        )
        units = gpd.GeoDataFrame(
            {
                **{c: _objects(arrays[f"unit_{c}"]) for c in _UNIT_TEXT},
                "disputed": arrays["unit_disputed"].astype(bool),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "unit"), crs=4326),
        )
        units = units[[*_UNIT_TEXT[:5], "disputed", *_UNIT_TEXT[5:], "geometry"]]
        edges = gpd.GeoDataFrame(
            {c: _objects(arrays[f"edge_{c}"]) for c in _EDGE_TEXT},
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "edge"), crs=4326),
        )
        index = SegmentIndex.from_arrays(
            {name[5:]: value for name, value in arrays.items() if name.startswith("land_")}
        )
        return BorderParts(
            countries=countries,
            lines=lines,
            coasts=coasts,
            source=str(meta["source"]),
            description=dict(meta["description"]),
            units=units,
            edges=edges,
            pov=str(meta["pov"]),
            land_index=index,
            grid=CountryGrid.from_arrays(arrays),
        )
    except Exception:  # noqa: BLE001 - missing, partial or foreign file: derive again
        return None


def _texts(column: pd.Series[Any]) -> npt.NDArray[np.str_]:
    """Return a text column as a str array, None as "" (no code, name or party is empty)."""
    values = column.to_numpy(dtype=object)
    return np.asarray(["" if v is None else str(v) for v in values], dtype=str)


def _objects(values: npt.NDArray[Any]) -> pd.Series[Any]:
    """Return the inverse of :func:`_texts`: "" back to None."""
    out = values.astype(object)
    out[out == ""] = None
    return pd.Series(out, dtype=object)


def _pack_geoms(prefix: str, geoms: npt.NDArray[Any]) -> dict[str, npt.NDArray[Any]]:
    """Return the geometries as one WKB byte array and its offsets."""
    wkb = shapely.to_wkb(geoms)
    sizes = np.fromiter((len(w) for w in wkb), dtype=np.int64, count=len(wkb))
    blob = np.frombuffer(b"".join(wkb), dtype=np.uint8) if len(wkb) else np.zeros(0, np.uint8)
    return {f"{prefix}_wkb": blob, f"{prefix}_off": np.concatenate(([0], np.cumsum(sizes)))}


def _unpack_geoms(arrays: Any, prefix: str) -> npt.NDArray[Any]:
    """Return the geometries :func:`_pack_geoms` packed under ``prefix``."""
    blob = arrays[f"{prefix}_wkb"].tobytes()
    off = arrays[f"{prefix}_off"]
    return np.asarray(
        shapely.from_wkb([blob[off[i] : off[i + 1]] for i in range(len(off) - 1)]), dtype=object
    )


def _checksum(arrays: dict[str, npt.NDArray[Any]]) -> str:
    """Return the SHA-256 of every array but ``checksum``, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        if name != "checksum":
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()
