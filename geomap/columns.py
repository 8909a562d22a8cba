"""The columns annotate adds: their names, their types, and each chunk with them.

:data:`ADDED_COLUMNS` are added after every input column, in that order; :func:`added_names`
says what they are called (never the name of an input column); :func:`plan_for` decides,
for an input table and an output format, where the coordinates come from and which geometry
the output gets; :meth:`Plan.assemble` makes an output chunk (Arrow) from an input chunk
and the results of its rows (`geomap.distances.Found`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from geomap.distances import NUMBERS, TEXTS, Found
from geomap.errors import ConfigurationError
from geomap.geodesy import as_points
from geomap.tables import GeometryOut, Table
from geomap.tables.coords import LAT_NAMES, LON_NAMES, degrees, find_column, points, wkb_points

__all__ = [
    "ADDED_COLUMNS",
    "AUTO_PREFIX",
    "RESULT_COLUMNS",
    "Plan",
    "added_names",
    "plan_for",
    "valid_points",
]

#: The columns geomap adds, in order, with their types (see `geomap.borders.Borders.distance`).
ADDED_COLUMNS: Final[dict[str, str]] = {
    "country": "text: alpha-2 code of the country containing the point (empty at sea)",
    "border": "text: the border reached, e.g. AM-AZ (codes sorted)",
    "distance_km": "float64: geodesic distance (WGS84) to it, km, 3 decimals",
    "border_lon": "float64: longitude of its nearest point, degrees, 6 decimals",
    "border_lat": "float64: latitude of its nearest point, degrees, 6 decimals",
    "side": "text: which code of border the point lies in (empty: in neither)",
    "kind": "text: land (a land border) or coast",
    "measure": "text: the measure used (land, any or outline)",
}
"""Added to every row; Parquet, GeoPackage and GeoJSON outputs of a table without a geometry
also get ``geometry`` (a WKB point, EPSG:4326) and Parquet a ``bbox`` covering."""

RESULT_COLUMNS: Final[tuple[str, ...]] = tuple(ADDED_COLUMNS)[:5]
"""The first columns `geomap.annotate.annotate_table` adds."""

AUTO_PREFIX: Final = "geomap_"
"""Put before every added column when one of their names is already in the table."""


def added_names(columns: Sequence[str], prefix: str | None) -> dict[str, str]:
    """Return added column -> its name in the output, never one of ``columns``.

    Names are compared without case (GeoPackage and most SQL do). With ``prefix=None`` the
    names are bare unless one is taken, then all get :data:`AUTO_PREFIX`.

    Raises
    ------
    ConfigurationError
        If a name with the chosen prefix is still taken.

    Examples
    --------
    >>> added_names(["id", "country"], None)["country"]
    'geomap_country'
    >>> added_names(["id"], "g_")["measure"]
    'g_measure'
    """
    taken = {str(c).lower() for c in columns}

    def clash(p: str) -> list[str]:
        return [p + n for n in ADDED_COLUMNS if (p + n).lower() in taken]

    chosen = prefix if prefix is not None else ("" if not clash("") else AUTO_PREFIX)
    found = clash(chosen)
    if found:
        raise ConfigurationError(
            f"the table already has a column {found[0]!r}: pass another prefix (--prefix)"
        )
    return {n: chosen + n for n in ADDED_COLUMNS}


def _free_name(columns: Sequence[str], *names: str) -> str:
    taken = {str(c).lower() for c in columns}
    return next(
        n for n in (*names, *(f"{names[-1]}_{i}" for i in range(1, 99))) if n.lower() not in taken
    )


def valid_points(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[Any, Any]:
    """Wrap as `geomap.geodesy.as_points` does, keeping longitudes in [-180, 180] exactly."""
    wrapped, valid_lat = as_points(lon, lat)
    with np.errstate(invalid="ignore"):
        as_given = np.isfinite(wrapped) & (np.abs(lon) <= 180.0)
    return np.where(as_given, lon, wrapped), valid_lat


@dataclass(frozen=True)
class Plan:
    """How each chunk becomes an output chunk."""

    lon: str | None
    lat: str | None
    names: dict[str, str]
    measure: str
    decimal: str
    geometry: GeometryOut | None
    add_geometry: bool
    bbox_from_input: bool

    def coordinates(self, chunk: pa.Table, table: Table) -> tuple[Any, Any, Any]:
        """Return lon, lat (valid, WGS84; NaN where invalid) and the geometry bounds."""
        if self.lon is not None and self.lat is not None:
            lon = degrees(chunk.column(self.lon), self.lon, self.decimal)
            lat = degrees(chunk.column(self.lat), self.lat, self.decimal)
            bounds = None
        else:
            assert table.geometry is not None
            lon, lat, bounds = points(chunk.column(table.geometry), table.crs)
        lon, lat = valid_points(lon, lat)
        return lon, lat, bounds

    def schema(self, table: Table) -> pa.Schema:
        """Return the output schema: the input's columns, then the added ones."""
        nothing = np.empty(0)
        out = self.assemble(
            table.schema.empty_table(), nothing, nothing, np.empty((0, 4)), Found.empty(0)
        )
        return pa.schema(list(out.schema), metadata=table.schema.metadata)

    def assemble(self, chunk: pa.Table, lon: Any, lat: Any, bounds: Any, rows: Found) -> pa.Table:
        """Return ``chunk`` with the added columns (and geometry, bbox) after its own."""
        vocab = pa.array(rows.vocab, pa.string())
        columns = list(chunk.columns)
        names = list(chunk.column_names)
        for column in ADDED_COLUMNS:
            if column in NUMBERS:
                values = rows.numbers[:, NUMBERS.index(column)]
                columns.append(pa.array(values, mask=np.isnan(values)))
            elif column in TEXTS:
                codes = rows.codes[:, TEXTS.index(column)]
                columns.append(vocab.take(pa.array(codes, mask=codes < 0)))
            else:  # the measure, the same on every row
                columns.append(pa.array([self.measure]).take(np.zeros(len(lon), np.int32)))
            names.append(self.names[column])
        valid = np.isfinite(lon)
        if self.add_geometry:
            assert self.geometry is not None
            columns.append(wkb_points(lon, lat, valid))
            names.append(self.geometry.column)
        if self.geometry is not None and self.geometry.bbox is not None:
            box = bounds if self.bbox_from_input else np.column_stack([lon, lat, lon, lat])
            has = ~np.isnan(box[:, 0])
            columns.append(
                pa.StructArray.from_arrays(
                    [pa.array(box[:, i], mask=~has) for i in range(4)],
                    ["xmin", "ymin", "xmax", "ymax"],
                    mask=pa.array(~has),
                )
            )
            names.append(self.geometry.bbox)
        return pa.Table.from_arrays(columns, names=names)


def plan_for(
    table: Table,
    out_fmt: str,
    lon_col: str | None,
    lat_col: str | None,
    measure: str,
    prefix: str | None,
) -> Plan:
    """Decide the coordinates, added names and output geometry of ``table`` in ``out_fmt``.

    Raises
    ------
    ConfigurationError
        If a named coordinate column is missing, there are no coordinates at all, or the
        added names are taken with ``prefix``.
    """
    columns = list(table.schema.names)
    for given in (lon_col, lat_col):
        if given is not None and given not in columns:
            raise ConfigurationError(
                f"'{table.name}' has no column {given!r}: its columns are {', '.join(columns)}"
            )
    lon = find_column(columns, lon_col, LON_NAMES)
    lat = find_column(columns, lat_col, LAT_NAMES)
    if lon is None or lat is None:
        lon = lat = None
        if table.geometry is None:
            raise ConfigurationError(
                f"no coordinates in '{table.name}': pass --lat-col and --lon-col "
                f"(its columns are {', '.join(columns)})"
            )
    names = added_names(columns, prefix)
    chosen = names["measure"][: -len("measure")]
    taken = [*columns, *names.values()]
    geometry, add, from_input = None, False, False
    if table.geometry is not None:
        bbox = None
        covered = bool(
            ((table.geo or {}).get("columns", {}).get(table.geometry) or {}).get("covering")
        )
        if out_fmt == "parquet" and lon is None and not covered:
            bbox, from_input = _free_name(taken, chosen + "bbox", AUTO_PREFIX + "bbox"), True
        geometry = GeometryOut(
            table.geometry, table.crs, table.geometry_type or "Unknown", bbox, table.geo
        )
    elif out_fmt != "csv":
        column = _free_name(taken, chosen + "geometry", AUTO_PREFIX + "geometry")
        bbox = (
            _free_name([*taken, column], chosen + "bbox", AUTO_PREFIX + "bbox")
            if out_fmt == "parquet"
            else None
        )
        geometry, add = GeometryOut(column, None, "Point", bbox), True
    decimal = table.dialect.decimal if table.dialect is not None else "."
    return Plan(lon, lat, names, measure, decimal, geometry, add, from_input)
