"""Deriving border lines from country polygons: land borders and coasts.

A land border is a line two countries' polygons share (:func:`derive_lines`); a coast is a
country's outline minus its land borders (:func:`derive_coasts`). Both are GeoDataFrames
in EPSG:4326 with geodesic lengths.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geomap.geodesy import length_km

__all__ = ["derive_coasts", "derive_lines", "empty_lines", "lines_from_edges", "pair_labels"]


def pair_labels(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Return the ``"A-B"`` label of each land border from its two (sorted) codes.

    Examples
    --------
    >>> pair_labels(np.array(["AM"]), np.array(["AZ"])).tolist()
    ['AM-AZ']
    """
    return np.asarray([f"{x}-{y}" for x, y in zip(a, b, strict=True)], dtype=object)


def empty_lines() -> gpd.GeoDataFrame:
    """Return a land-border table with no rows (the columns of :func:`derive_lines`)."""
    columns = ["pair", "a", "b"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    empty["length_km"] = pd.Series(dtype=float)
    return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def derive_lines(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the land borders of touching countries: shared boundary parts that are lines."""
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
        return empty_lines()
    used, part_index = np.unique(pair_of_part, return_inverse=True)
    lines = shapely.line_merge(shapely.multilinestrings(parts, indices=part_index))
    lines = np.where(shapely.get_num_geometries(lines) == 1, shapely.get_geometry(lines, 0), lines)
    code_a = codes[left[used]].astype(str)
    code_b = codes[right[used]].astype(str)
    first = code_a <= code_b
    a = np.where(first, code_a, code_b).astype(object)
    b = np.where(first, code_b, code_a).astype(object)
    pair = pair_labels(a, b)
    km = length_km(lines)
    order = np.argsort(pair, kind="stable")
    frame = pd.DataFrame(
        {
            "pair": pd.Series(pair[order], dtype=object),
            "a": pd.Series(a[order], dtype=object),
            "b": pd.Series(b[order], dtype=object),
            "length_km": km[order],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines[order], crs=4326), crs=4326)


def lines_from_edges(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one land border per ``pair`` of countries from its edges, as :func:`derive_lines`.

    ``edges`` has ``pair``, ``a``, ``b`` and line geometry, possibly several rows per pair
    (one per pair of neighbouring units); their parts are merged as :func:`derive_lines`
    merges a shared boundary, so units that tile the countries give the same lines.
    """
    if len(edges) == 0:
        return empty_lines()
    pair = edges["pair"].to_numpy(dtype=object).astype(str)
    used, group = np.unique(pair, return_inverse=True)
    parts, edge_of_part = shapely.get_parts(
        np.asarray(edges.geometry.values, dtype=object), return_index=True
    )
    part_group = group[edge_of_part]
    order = np.argsort(part_group, kind="stable")
    lines = shapely.line_merge(shapely.multilinestrings(parts[order], indices=part_group[order]))
    lines = np.where(shapely.get_num_geometries(lines) == 1, shapely.get_geometry(lines, 0), lines)
    first = np.unique(group, return_index=True)[1]
    frame = pd.DataFrame(
        {
            "pair": pd.Series(used.astype(object), dtype=object),
            "a": pd.Series(edges["a"].to_numpy(dtype=object)[first], dtype=object),
            "b": pd.Series(edges["b"].to_numpy(dtype=object)[first], dtype=object),
            "length_km": length_km(lines),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, crs=4326), crs=4326)


def derive_coasts(countries: gpd.GeoDataFrame, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return each country's outline minus its land borders: its coast (islands included)."""
    geoms = np.asarray(countries.geometry.values, dtype=object)
    codes = np.asarray(countries["code"].to_numpy(), dtype=object)
    boundary = shapely.boundary(geoms)
    line_geoms = np.asarray(lines.geometry.values, dtype=object)
    a = lines["a"].to_numpy(dtype=object)
    b = lines["b"].to_numpy(dtype=object)
    coast = np.empty(len(codes), dtype=object)
    for i, code in enumerate(codes):
        mine = (a == code) | (b == code)
        coast[i] = (
            shapely.difference(boundary[i], shapely.union_all(line_geoms[mine]))
            if mine.any()
            else boundary[i]
        )
    parts, owner = shapely.get_parts(coast, return_index=True)
    ok = np.isin(
        shapely.get_type_id(parts),
        [shapely.GeometryType.LINESTRING, shapely.GeometryType.LINEARRING],
    )
    ok &= shapely.get_num_coordinates(parts) >= 2
    parts, owner = parts[ok], owner[ok]
    if len(parts) == 0:
        frame = pd.DataFrame(
            {"code": pd.Series(dtype=object), "length_km": pd.Series(dtype=float)}
        )
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    used, index = np.unique(owner, return_inverse=True)
    merged = shapely.multilinestrings(parts, indices=index)
    frame = pd.DataFrame(
        {"code": pd.Series(codes[used], dtype=object), "length_km": length_km(merged)}
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(merged, crs=4326), crs=4326)
