"""Points of view: the disputed areas and de facto lines geomap ships, and the units they make.

``geomap/data/borders/`` (built by ``data_sources/build_borders.py``, sources and dates in its
``SOURCES.md``) holds the disputed and de facto areas as pieces of geomap's default countries
(Natural Earth 1:10m, German view), the lines between them with their kind, every non-ISO
code, and the data's accuracy. :func:`shipped` reads them once per process.

A point of view (:data:`geomap.options.POVS`) is built from *units*: the default countries
with their areas cut out, plus every area piece, each with its administering party and
claimants (:func:`area_view`). Dissolving the units by the country each view gives them
yields that view's countries; their shared boundaries are its international land borders,
kept as *edges* (one per pair of neighbouring units, with the kind of line it is:
``international``, ``line_of_control``, ``ceasefire``...) and as lines (one per pair of
countries). A user's border file has no areas: each country is its own unit
(:func:`plain_view`).

All geometry is WGS84 ``(lon, lat)``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from geomap.borders.derive import derive_lines, lines_from_edges, pair_labels
from geomap.borders.read import polygonal_part
from geomap.errors import DataFileError
from geomap.options import POVS, check_pov

__all__ = [
    "AT_BORDER",
    "DE_FACTO_KINDS",
    "UNIT_COLUMNS",
    "Shipped",
    "View",
    "area_view",
    "de_facto_lines",
    "file_pov",
    "map_lines",
    "plain_view",
    "scale_accuracy_km",
    "shipped",
]

ObjectArray = npt.NDArray[np.object_]

AT_BORDER: Final = "at the border (within the data's accuracy)"
"""What ``side`` says for a place nearer to its border than the border data's accuracy."""

DE_FACTO_KINDS: Final = ("line_of_control", "ceasefire")
"""The kinds of line that make the de facto line index (their ``current`` lines)."""

UNIT_COLUMNS: Final = (
    "code",
    "name",
    "country",
    "admin",
    "claimants",
    "disputed",
    "area",
    "area_status",
)
"""Columns of :attr:`View.units` (then ``geometry``): the unit's own code and name, the
country the point of view gives it, its administering party (``;``-joined where control is
split; None for land nobody administers), its claimants (sorted, ``;``-joined), whether more
than one party claims it, the id and status of its area (None for a plain country)."""

_FILES: Final = ("areas.geojson", "lines.geojson", "accuracy.json", "codes.tsv")
_NE_SCALE_KM: Final = {"10m": 1.0, "50m": 5.0, "110m": 11.0}


@dataclass(frozen=True)
class Shipped:
    """The shipped border data: areas, lines, accuracy and what they were built from.

    Attributes
    ----------
    areas, lines : geopandas.GeoDataFrame
        ``areas.geojson`` and ``lines.geojson`` (columns as in ``BORDERS_DESIGN.md``).
    accuracy : dict
        ``accuracy.json``: ``datasets`` (per source, ``accuracy_km``) and ``at_border_km``
        (per line kind).
    metadata : dict
        The ``metadata`` of ``areas.geojson``: ``sources`` with the SHA-256 of each input.
    digest : str
        SHA-256 of the shipped files, for cache keys.
    """

    areas: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    accuracy: dict[str, Any]
    metadata: dict[str, Any]
    digest: str

    @property
    def base_sha256(self) -> str:
        """SHA-256 of the country file the areas were cut from (the German-view zip)."""
        return str(self.metadata["sources"]["deu"]["sha256"])

    @property
    def base_accuracy_km(self) -> float:
        """Accuracy of the default countries' lines (Natural Earth 1:10m), km."""
        return float(self.accuracy["datasets"]["ne_10m_admin0_deu_5.1.1"]["accuracy_km"])

    def at_border_km(self, kind: str) -> float:
        """Distance below which a place is "at" a line of this kind, km (NaN if unknown)."""
        return float(self.accuracy["at_border_km"].get(kind, math.nan))


def _data(name: str) -> bytes:
    try:
        return resources.files("geomap").joinpath(f"data/borders/{name}").read_bytes()
    except OSError as err:
        raise DataFileError(
            f"geomap's border data 'data/borders/{name}' is missing: reinstall geomap"
        ) from err


@functools.cache
def shipped() -> Shipped:
    """Return the shipped border data (read once per process).

    Raises
    ------
    DataFileError
        If a file is missing or unreadable (a broken installation).
    """
    raw = {name: _data(name) for name in _FILES}
    digest = hashlib.sha256(b"".join(hashlib.sha256(raw[n]).digest() for n in _FILES))
    try:
        areas = pyogrio.read_dataframe(io.BytesIO(raw["areas.geojson"]))
        lines = pyogrio.read_dataframe(io.BytesIO(raw["lines.geojson"]))
        metadata = json.loads(raw["areas.geojson"])["metadata"]
        accuracy = json.loads(raw["accuracy.json"])
    except Exception as err:  # noqa: BLE001 - any parse failure means a broken file
        raise DataFileError(
            f"geomap's border data in 'data/borders/' could not be read ({err}): reinstall geomap"
        ) from err
    for frame in (areas, lines):
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].where(frame[column].notna(), "")
    return Shipped(areas, lines, accuracy, metadata, digest.hexdigest())


def file_pov(description: dict[str, Any]) -> str:
    """Return the point of view a border file is drawn from, as geomap names it.

    Natural Earth's default view is ``de_facto``, its German view ``deu`` (other views keep
    Natural Earth's code, e.g. ``ind``); any other file is ``file`` (its own lines).

    Examples
    --------
    >>> file_pov({"point_of_view": "default"}), file_pov({"point_of_view": None})
    ('de_facto', 'file')
    """
    view = description.get("point_of_view")
    return {"default": "de_facto", None: "file"}.get(view, str(view))


def scale_accuracy_km(description: dict[str, Any]) -> float:
    """Return the accuracy of a Natural Earth file's lines from its scale, km (NaN if unknown).

    0.1 mm at the map's scale, the generalisation Natural Earth draws to: 1 km at 1:10m
    (``accuracy.json``), 5 km at 1:50m, 11 km at 1:110m.

    Examples
    --------
    >>> scale_accuracy_km({"dataset": "Natural Earth 1:50m admin-0 countries"})
    5.0
    >>> scale_accuracy_km({"dataset": "geoBoundaries"})
    nan
    """
    dataset = str(description.get("dataset") or "")
    for scale, km in _NE_SCALE_KM.items():
        if dataset.startswith(f"Natural Earth 1:{scale} "):
            return km
    return math.nan


@dataclass(frozen=True)
class View:
    """A point of view's units, countries, edges and lines (see the module docstring).

    Attributes
    ----------
    units : geopandas.GeoDataFrame
        :data:`UNIT_COLUMNS` + geometry, ordered by the row of their ``country`` in
        :attr:`countries` (so that the first unit containing a point is in the first
        country containing it).
    countries : geopandas.GeoDataFrame
        ``code``, ``name``, geometry: the units dissolved by ``country``, sorted by code.
    edges : geopandas.GeoDataFrame
        ``pair``, ``a``, ``b`` (countries, sorted), ``units`` (the two units' codes, sorted,
        ``-``-joined), ``kind``, ``name``, geometry: the shared boundary of two neighbouring
        units in different countries.
    lines : geopandas.GeoDataFrame
        The edges merged per ``pair`` (:func:`geomap.borders.derive.lines_from_edges`).
    """

    units: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame


def plain_view(countries: gpd.GeoDataFrame, lines: gpd.GeoDataFrame | None = None) -> View:
    """Return the view of a file without areas: each country is its own unit.

    ``lines`` are the countries' land borders if already derived.
    """
    codes = countries["code"].to_numpy(dtype=object)
    n = len(codes)
    units = gpd.GeoDataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "name": pd.Series(countries["name"].to_numpy(dtype=object), dtype=object),
            "country": pd.Series(codes, dtype=object),
            "admin": pd.Series(codes, dtype=object),
            "claimants": pd.Series(codes, dtype=object),
            "disputed": np.zeros(n, dtype=bool),
            "area": pd.Series([None] * n, dtype=object),
            "area_status": pd.Series([None] * n, dtype=object),
        },
        geometry=gpd.GeoSeries(countries.geometry.values, crs=4326),
    )
    lines = derive_lines(countries) if lines is None else lines
    edges = gpd.GeoDataFrame(
        {
            "pair": lines["pair"].to_numpy(dtype=object),
            "a": lines["a"].to_numpy(dtype=object),
            "b": lines["b"].to_numpy(dtype=object),
            "units": lines["pair"].to_numpy(dtype=object),
            "kind": np.full(len(lines), "international", dtype=object),
            "name": np.full(len(lines), None, dtype=object),
        },
        geometry=gpd.GeoSeries(lines.geometry.values, crs=4326),
    )
    return View(units, countries, edges, lines)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def area_view(countries: gpd.GeoDataFrame, pov: str) -> View:
    """Return the point of view ``pov`` of geomap's default countries, areas applied.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        The default countries (Natural Earth 1:10m German view) as read, whose vertices
        the shipped areas share.
    pov : str
        One of :data:`geomap.options.POVS`.
    """
    check_pov(pov)
    areas = shipped().areas
    base = areas["base"].to_numpy(dtype=object)
    area_geoms = np.asarray(areas.geometry.values, dtype=object)
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    names = dict(zip(countries["code"], countries["name"], strict=True))
    for code, geom in zip(countries["code"], countries.geometry.values, strict=True):
        mine = base == code
        if mine.any():
            geom = polygonal_part(
                np.asarray([shapely.difference(geom, shapely.union_all(area_geoms[mine]))])
            )[0]
        if shapely.is_empty(geom):
            continue
        rows.append(
            {"code": code, "name": names[code], "country": code, "admin": code,
             "claimants": code, "disputed": False, "area": None, "area_status": None}
        )  # fmt: skip
        geoms.append(geom)
    for area, geom in zip(areas.itertuples(index=False), area_geoms, strict=True):
        rows.append(
            {
                "code": area.code,
                "name": area.name,
                "country": getattr(area, pov),
                "admin": _text(area.admin),
                "claimants": _text(area.claimants),
                "disputed": bool(area.disputed),
                "area": area.id,
                "area_status": _text(area.status),
            }
        )
        geoms.append(geom)
    frame = pd.DataFrame(
        {c: pd.Series([r[c] for r in rows], dtype=object) for c in UNIT_COLUMNS}
    ).astype({"disputed": bool})
    units = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326))
    dissolved = _dissolve(units, names)
    order = {code: i for i, code in enumerate(dissolved["code"])}
    rank = units["country"].map(order).to_numpy()
    units = units.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    edges = _edges(units)
    return View(units, dissolved, edges, lines_from_edges(edges))


def _dissolve(units: gpd.GeoDataFrame, names: dict[str, str]) -> gpd.GeoDataFrame:
    """Return the units dissolved by ``country`` (pieces share edges exactly: no new vertices)."""
    country = units["country"].to_numpy(dtype=object)
    geoms = np.asarray(units.geometry.values, dtype=object)
    codes = np.unique(country.astype(str))
    out_geoms = np.empty(len(codes), dtype=object)
    out_names = np.empty(len(codes), dtype=object)
    unit_names = units["name"].to_numpy(dtype=object)
    for i, code in enumerate(codes):
        members = np.flatnonzero(country == code)
        one = len(members) == 1
        out_geoms[i] = geoms[members[0]] if one else shapely.union_all(geoms[members])
        out_names[i] = names.get(code, unit_names[members[0]])
    out_geoms = polygonal_part(out_geoms)
    return gpd.GeoDataFrame(
        {"code": pd.Series(codes, dtype=object), "name": pd.Series(out_names, dtype=object)},
        geometry=gpd.GeoSeries(out_geoms, crs=4326),
    )


def _edges(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the shared boundaries of units in different countries, with their kind and name."""
    unit_lines = derive_lines(units[["code", "geometry"]])
    country_of = dict(zip(units["code"], units["country"], strict=True))
    a = unit_lines["a"].map(country_of).to_numpy(dtype=object)
    b = unit_lines["b"].map(country_of).to_numpy(dtype=object)
    keep = a != b
    first = np.where(a <= b, a, b)[keep]
    second = np.where(a <= b, b, a)[keep]
    pair_units = unit_lines["pair"].to_numpy(dtype=object)[keep]
    known = _edge_kinds(set(units["code"]), set(units["code"][units["area"].notna()]))
    kind_name = [known.get(u, ("international", None)) for u in pair_units]
    return gpd.GeoDataFrame(
        {
            "pair": pd.Series(pair_labels(first, second), dtype=object),
            "a": pd.Series(first, dtype=object),
            "b": pd.Series(second, dtype=object),
            "units": pd.Series(pair_units, dtype=object),
            "kind": pd.Series([k for k, _ in kind_name], dtype=object),
            "name": pd.Series([n for _, n in kind_name], dtype=object),
        },
        geometry=gpd.GeoSeries(np.asarray(unit_lines.geometry.values)[keep], crs=4326),
    )


def _edge_kinds(unit_codes: set[str], area_codes: set[str]) -> dict[str, tuple[str, str | None]]:
    """Kind and name of each shipped line that is the edge of an area, by its ``units``."""
    out: dict[str, tuple[str, str | None]] = {}
    lines = shipped().lines
    for units, kind, name in zip(lines["units"], lines["kind"], lines["name"], strict=True):
        codes = str(units).split("-")
        if set(codes) <= unit_codes and set(codes) & area_codes:
            out[str(units)] = (str(kind), _text(name))
    return out


def de_facto_lines() -> gpd.GeoDataFrame:
    """Return the current lines of control and ceasefire lines: ``pair``, ``kind``, ``name``.

    These are indexed for every point whatever the point of view (the ``line*`` columns of
    :meth:`geomap.borders.Borders.distance`); ``pair`` names the administering parties.
    """
    lines = shipped().lines
    keep = lines["kind"].isin(DE_FACTO_KINDS) & (lines["status"] == "current")
    return _line_frame(lines.loc[keep], ["pair", "kind", "name"])


def map_lines(pov: str) -> gpd.GeoDataFrame:
    """Return the lines the map draws in their own style: claims, lines of control, ceasefires.

    Columns ``pair``, ``kind``, ``status`` (``current`` or ``historic``), ``name``,
    ``international`` (whether ``pov`` counts it as an international border; False for a
    file's own view) and geometry.
    """
    lines = shipped().lines
    keep = lines["kind"].isin(("claim", *DE_FACTO_KINDS))
    frame = _line_frame(lines.loc[keep], ["pair", "kind", "status", "name"])
    column = f"international_{pov}"
    frame["international"] = (
        lines.loc[keep, column].to_numpy(dtype=bool)
        if pov in POVS and column in lines
        else np.zeros(int(keep.sum()), dtype=bool)
    )
    return frame


def _line_frame(lines: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    data = {c: pd.Series(lines[c].to_numpy(dtype=object), dtype=object) for c in columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(lines.geometry.values, crs=4326))
