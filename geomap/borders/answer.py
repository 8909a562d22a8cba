"""The answer of :meth:`Borders.distance <geomap.borders.Borders.distance>`: its columns, once.

:data:`COLUMNS` names the columns and :func:`answer_frame` assembles them from the nearest
border points, the unit each point lies in and the nearest de facto line, as looked up in
:class:`Tables` (the arrays of one :class:`~geomap.borders.Borders`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from geomap.borders.index import NO_LABEL, Nearest, coast_row
from geomap.borders.views import AT_BORDER

__all__ = ["COLUMNS", "Tables", "answer_frame"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]

COLUMNS: Final[tuple[str, ...]] = (
    "country",
    "border",
    "distance_km",
    "border_lon",
    "border_lat",
    "side",
    "kind",
    "border_kind",
    "at_border",
    "accuracy_km",
    "at_coast",
    "admin",
    "claimants",
    "disputed",
    "area",
    "area_status",
    "line",
    "line_kind",
    "line_name",
    "line_distance_km",
    "line_lon",
    "line_lat",
    "at_line",
    "pov",
)
"""The columns of :meth:`Borders.distance <geomap.borders.Borders.distance>`, in order."""


@dataclass(frozen=True)
class Tables:
    """What an answer is read from: codes and attributes by row, and the accuracy.

    ``country_code`` by country row; ``edge_*`` by land-border edge (the labels of the land
    and outline indexes); ``coast_code`` by coast row; ``unit_*`` by unit row; ``line_*``
    by de facto line (the labels of the line index). ``at_km`` maps a border kind
    (``international``, ``line_of_control``..., ``coast``) to the distance below which a
    point is at it (NaN: unknown, never at it); ``pov`` is the point of view.
    """

    country_code: ObjectArray
    edge_pair: ObjectArray
    edge_a: ObjectArray
    edge_b: ObjectArray
    edge_kind: ObjectArray
    coast_code: ObjectArray
    unit_admin: ObjectArray
    unit_claimants: ObjectArray
    unit_disputed: npt.NDArray[np.bool_]
    unit_area: ObjectArray
    unit_status: ObjectArray
    line_pair: ObjectArray
    line_kind: ObjectArray
    line_name: ObjectArray
    at_km: Mapping[str, float]
    pov: str


def _pick(values: ObjectArray, rows: IntArray) -> ObjectArray:
    """``values[rows]`` with None where ``rows`` is negative."""
    out = np.full(len(rows), None, dtype=object)
    hit = rows >= 0
    out[hit] = values[rows[hit]]
    return out


def _threshold(kinds: ObjectArray, at_km: Mapping[str, float]) -> FloatArray:
    """Return the at-the-border distance for each kind (NaN for None or an unknown kind)."""
    mapped = pd.Series(kinds, dtype=object).map(dict(at_km))
    return np.asarray(pd.to_numeric(mapped, errors="coerce"), dtype=float)


def answer_frame(
    tables: Tables,
    near: Nearest,
    unit: IntArray,
    country: IntArray,
    line: Nearest,
    at_coast: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """Return the answer: one row per point (see :data:`COLUMNS` and ``Borders.distance``).

    Parameters
    ----------
    tables : Tables
        The borders' arrays.
    near : Nearest
        The nearest border point of each point (labels: edge rows, or coast labels).
    unit, country : numpy.ndarray
        The unit and country row containing each point (-1: none).
    line : Nearest
        The nearest de facto line point (labels: rows of the de facto lines).
    at_coast : numpy.ndarray of bool
        Whether the point lies at sea within the data's accuracy of the coast of ``unit``.
    """
    n = len(country)
    hit = near.label != NO_LABEL
    land = hit & (near.label >= 0)
    coast = hit & (near.label < 0)
    point_code = _pick(tables.country_code, country)
    a = np.full(n, None, dtype=object)
    b = np.full(n, None, dtype=object)
    border = np.full(n, None, dtype=object)
    kind = np.full(n, None, dtype=object)
    border_kind = np.full(n, None, dtype=object)
    if land.any():
        rows = near.label[land]
        a[land] = tables.edge_a[rows]
        b[land] = tables.edge_b[rows]
        border[land] = tables.edge_pair[rows]
        kind[land] = "land"
        border_kind[land] = tables.edge_kind[rows]
    if coast.any():
        owner = tables.coast_code[coast_row(near.label[coast])]
        mine = point_code[coast]
        across = np.asarray(pd.notna(mine), dtype=bool) & np.not_equal(mine, owner)
        first = np.where(across, mine, owner)
        second = np.where(across, owner, np.full(len(owner), None, dtype=object))
        swap = across & (first.astype(str) > second.astype(str))
        a[coast] = np.where(swap, second, first)
        b[coast] = np.where(swap, first, second)
        border[coast] = np.where(
            across, a[coast].astype(str) + "-" + b[coast].astype(str), owner
        ).astype(object)
        kind[coast] = "coast"
        border_kind[coast] = "coast"
    distance_km = np.where(hit, near.distance_m / 1000.0, np.nan)
    accuracy_km = _threshold(border_kind, tables.at_km)
    at_border = np.asarray(distance_km < accuracy_km, dtype=bool)  # NaN compares False
    on_side = np.asarray(pd.notna(point_code), dtype=bool) & (
        np.equal(point_code, a) | np.equal(point_code, b)
    )
    side = np.full(n, None, dtype=object)
    side[on_side] = point_code[on_side]
    side[at_border] = AT_BORDER
    line_hit = line.label != NO_LABEL
    line_rows = np.where(line_hit, line.label, -1)
    line_kind = _pick(tables.line_kind, line_rows)
    line_km = np.where(line_hit, line.distance_m / 1000.0, np.nan)
    at_line = np.asarray(line_km < _threshold(line_kind, tables.at_km), dtype=bool)

    disputed = np.zeros(n, dtype=bool)
    in_unit = unit >= 0
    disputed[in_unit] = tables.unit_disputed[unit[in_unit]]

    def text(values: ObjectArray) -> pd.Series[str]:
        return pd.Series(values, dtype=object)

    return pd.DataFrame(
        {
            "country": text(point_code),
            "border": text(border),
            "distance_km": distance_km,
            "border_lon": np.where(hit, near.lon, np.nan),
            "border_lat": np.where(hit, near.lat, np.nan),
            "side": text(side),
            "kind": text(kind),
            "border_kind": text(border_kind),
            "at_border": at_border,
            "accuracy_km": accuracy_km,
            "at_coast": np.asarray(at_coast, dtype=bool),
            "admin": text(_pick(tables.unit_admin, unit)),
            "claimants": text(_pick(tables.unit_claimants, unit)),
            "disputed": disputed,
            "area": text(_pick(tables.unit_area, unit)),
            "area_status": text(_pick(tables.unit_status, unit)),
            "line": text(_pick(tables.line_pair, line_rows)),
            "line_kind": text(line_kind),
            "line_name": text(_pick(tables.line_name, line_rows)),
            "line_distance_km": line_km,
            "line_lon": np.where(line_hit, line.lon, np.nan),
            "line_lat": np.where(line_hit, line.lat, np.nan),
            "at_line": at_line,
            "pov": text(np.full(n, tables.pov, dtype=object)),
        },
        columns=list(COLUMNS),
    )
