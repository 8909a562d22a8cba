"""The nearest-segment index: densified border lines, a KD-tree, geodesic refinement.

:class:`SegmentIndex` answers "which point of these lines is nearest to each query point,
and how far is it (geodesic, WGS84)?" for many points at once; :class:`Nearest` holds the
answers. The land-border index, each country's outline index and every coast piece are
segment indexes; nothing here knows what the lines are.

Coordinates are ``(lon, lat)`` in degrees on the way in and out; inside, vertices and query
points are earth-centred (ECEF) metres, so the antimeridian and the poles need no care.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geomap.geodesy import GEOD, densify, densify_coords, ecef, geodetic

__all__ = ["CHUNK", "NO_LABEL", "WORKERS", "Nearest", "SegmentIndex", "coast_label", "coast_row"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Candidate segments per point: segment, parameter, squared chord, vertex chord distances.
Candidates = tuple[IntArray, FloatArray, FloatArray, FloatArray]

#: Points per vectorised block (bounds the temporary arrays).
CHUNK: Final = 8192
#: Threads over blocks of points.
WORKERS: Final = max(1, min(os.cpu_count() or 1, 8))

#: The label of "no border point" in :class:`Nearest`. Land borders are labelled by their
#: row (>= 0) and coasts by :func:`coast_label` (<= -2), so no coast row is mistaken for it.
NO_LABEL: Final = -1

_MAX_SEGMENT_M: Final = 1000.0  # border lines are densified to segments no longer than this
_COARSE_SEGMENT_M: Final = 16_000.0  # ... and, for points far from them, to <= 16 km
_NEAR_M: Final = 50_000.0  # chord within which the 1 km level answers; beyond it the 16 km one
_COARSE_MIN_SHRINK: Final = 2  # a coarse level is kept only if it has at most half the vertices
_LEAFSIZE: Final = 128
_MIN_CURVATURE_RADIUS_M: Final = 6.33e6  # WGS84 meridian radius of curvature at the equator
_K_FIRST: Final = 4  # vertices fetched per point first; more only where the check needs them
# Ranking candidates by 3D chord instead of geodesic length can swap two candidates whose
# lengths differ by less than about c**3 / (24 R**2) * 2 % (the spread of the ellipsoid's
# radii of curvature); every candidate within this margin of the best chord is refined.
_RANK_MARGIN: Final = 2e-3 / 6.3e6**2
_RANK_SLACK_M: Final = 0.05


def coast_label(rows: npt.ArrayLike) -> IntArray:
    """Return the segment label of coast rows: ``-2 - row`` (never :data:`NO_LABEL`).

    Examples
    --------
    >>> coast_label([0, 3]).tolist(), coast_row(coast_label([0, 3])).tolist()
    ([-2, -5], [0, 3])
    """
    return np.asarray(-2 - np.asarray(rows, dtype=np.intp), dtype=np.intp)


def coast_row(labels: npt.ArrayLike) -> IntArray:
    """Return the coast row of coast labels (the inverse of :func:`coast_label`)."""
    return np.asarray(-2 - np.asarray(labels, dtype=np.intp), dtype=np.intp)


@dataclass(frozen=True, slots=True)
class Nearest:
    """Nearest border point for each query point (inf / :data:`NO_LABEL` / NaN if none)."""

    distance_m: FloatArray
    label: IntArray
    lon: FloatArray
    lat: FloatArray

    @classmethod
    def empty(cls, n: int) -> Nearest:
        """Return ``n`` entries with no border point yet."""
        return cls(
            distance_m=np.full(n, np.inf),
            label=np.full(n, NO_LABEL, dtype=np.intp),
            lon=np.full(n, np.nan),
            lat=np.full(n, np.nan),
        )

    def put(
        self,
        rows: IntArray,
        distance_m: npt.ArrayLike,
        label: IntArray,
        lon: FloatArray,
        lat: FloatArray,
    ) -> None:
        """Set the entries ``rows`` (one value of each per row)."""
        self.distance_m[rows] = distance_m
        self.label[rows] = label
        self.lon[rows] = lon
        self.lat[rows] = lat

    def update(self, rows: IntArray, other: Nearest) -> None:
        """Take ``other`` (one entry per row of ``rows``) wherever it is nearer."""
        better = other.distance_m < self.distance_m[rows]
        r = rows[better]
        self.distance_m[r] = other.distance_m[better]
        self.label[r] = other.label[better]
        self.lon[r] = other.lon[better]
        self.lat[r] = other.lat[better]


class SegmentIndex:
    """Densified border segments with a KD-tree on their vertices in ECEF metres.

    The query fetches the ``k`` vertices nearest to each point (3D chord distance), takes the
    segments that start or end at them and finds the nearest point of each (a straight 3D
    segment: it lies within centimetres of the 1 km geodesic it stands for). A point whose
    ``k``-th vertex is not far enough away to rule out an unseen segment within the ranking
    margin of the best one is queried again with ``8 k``. Every candidate within the margin
    is then measured with ``pyproj.Geod.inv`` and the shortest geodesic wins.

    Two levels: the lines densified to <= 1 km answer points with a vertex within
    50 km (``_NEAR_M``); the same geodesic lines in pieces of <= 16 km (:attr:`coarse`, about
    the original vertices, a quarter as many) answer the rest. Far from every border a
    KD-tree query visits every leaf whose box reaches into a thin shell around the point's
    nearest-vertex distance, so its cost grows with the number of vertices in that shell;
    the coarse level has far fewer, and the longer pieces cost little there: an unseen piece
    of half-length h can only come within sqrt(kth**2 - h**2) ~ kth - h**2 / (2 kth).
    Every point is first queried at the coarse level; only those whose nearest coarse
    vertex lies within ``_NEAR_M`` plus half a coarse piece go to the fine level.

    The KD-trees split at the sliding midpoint, not the median, and keep uncompacted node
    boxes; the points are queried in order of their 1-degree cell. Far from every line (the
    common case for the land borders) that matters: the coarse land tree answers 100,000
    random land points in 0.37 s with scipy's default tree, 0.21 s with this one and 0.14 s
    with the points in cell order (``bench/README.md``).
    """

    def __init__(
        self,
        lon: FloatArray,
        lat: FloatArray,
        part: IntArray,
        label: IntArray,
        coarse: SegmentIndex | None = None,
        *,
        leafsize: int = _LEAFSIZE,
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
        self.tree = (
            cKDTree(self.xyz, leafsize=leafsize, compact_nodes=False, balanced_tree=False)
            if n
            else None
        )
        if n:
            self.centre = self.xyz.mean(axis=0)
            self.radius_m = float(np.linalg.norm(self.xyz - self.centre, axis=1).max())
        else:
            self.centre = np.zeros(3)
            self.radius_m = 0.0

    @classmethod
    def from_geometries(
        cls, geometries: npt.NDArray[Any], labels: IntArray, *, leafsize: int = _LEAFSIZE
    ) -> SegmentIndex:
        """Index (Multi)LineStrings, ``labels[i]`` standing for every segment of the i-th.

        ``leafsize`` of the KD-trees: the default suits the land borders; a small index
        queried mostly from afar (the de facto lines: a few thousand vertices in a few
        regions) prunes better with smaller leaves (32: 20 % faster there).
        """
        return cls._two_levels(
            densify(geometries, labels, _MAX_SEGMENT_M),
            densify(geometries, labels, _COARSE_SEGMENT_M),
            leafsize,
        )

    @classmethod
    def from_vertices(
        cls, lon: FloatArray, lat: FloatArray, part: IntArray, label: IntArray
    ) -> SegmentIndex:
        """Index vertex arrays (consecutive vertices of one ``part`` make a segment)."""
        return cls._two_levels(
            densify_coords(lon, lat, part, label, _MAX_SEGMENT_M),
            densify_coords(lon, lat, part, label, _COARSE_SEGMENT_M),
        )

    @classmethod
    def _two_levels(
        cls,
        fine: tuple[FloatArray, FloatArray, IntArray, IntArray],
        coarse: tuple[FloatArray, FloatArray, IntArray, IntArray],
        leafsize: int = _LEAFSIZE,
    ) -> SegmentIndex:
        # A coarse level that is not much smaller than the fine one would only cost time.
        use = len(coarse[0]) * _COARSE_MIN_SHRINK <= len(fine[0])
        level = cls(*coarse, leafsize=leafsize) if use else None
        return cls(*fine, coarse=level, leafsize=leafsize)

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> SegmentIndex:
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

    def nearest(
        self, lon: FloatArray, lat: FloatArray, *, exact_within_m: float = np.inf
    ) -> Nearest:
        """Return the nearest border point of each (finite) point, threads over blocks.

        With ``exact_within_m``, a point whose nearest vertex is farther than that (in a
        straight 3D line, so the geodesic is too) gets the geodesic distance to that vertex
        (of the coarse level, if any) and no segment is searched: it never falls short of
        the true minimum and may exceed it by the ranking margin, about
        ``d**3 * 2e-3 / 6.3e6**2`` m for a distance ``d`` in metres (0.4 km at 2,000 km,
        6 km at 5,000 km), plus ``h**2 / (2 d)`` for pieces of half-length ``h`` (16 m at
        2,000 km for 16 km pieces). Far from every line of a small index that is about
        three times faster.
        """
        n = len(lon)
        out = Nearest.empty(n)
        if len(self) < 2 or not self.valid.any() or n == 0:
            return out
        # Neighbouring points walk the same branches of the trees: in 1-degree cells, the
        # queries of 100,000 random points take a third less time.
        order = np.argsort(np.floor(lat) * 360.0 + np.floor(lon), kind="stable")
        lon, lat = lon[order], lat[order]
        blocks = [slice(s, min(s + CHUNK, n)) for s in range(0, n, CHUNK)]
        if len(blocks) == 1 or WORKERS == 1:
            for block in blocks:
                self._nearest_block(lon, lat, block, out, exact_within_m)
        else:
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                list(
                    pool.map(
                        lambda b: self._nearest_block(lon, lat, b, out, exact_within_m), blocks
                    )
                )
        back = Nearest.empty(n)
        back.update(order, out)  # in input order again
        return back

    def _nearest_block(
        self,
        lon: FloatArray,
        lat: FloatArray,
        block: slice,
        out: Nearest,
        exact_m: float = np.inf,
    ) -> None:
        lon = lon[block]
        lat = lat[block]
        xyz = ecef(lon, lat)
        rows = np.arange(len(lon))
        if np.isfinite(exact_m):
            rows = (self.coarse or self)._far_vertex(lon, lat, xyz, exact_m, out, block.start)
            if not len(rows):
                return
        if self.coarse is None:
            self._settle(lon, lat, xyz, rows, np.inf, out, block.start, exact_m)
            return
        # The coarse level's first query, which most points need anyway, tells which points
        # may have a fine vertex within _NEAR_M: a fine vertex lies on the geodesic between
        # two coarse ones, so within half a coarse piece of one of them.
        coarse = self.coarse
        first = coarse._chord_candidates(xyz[rows], min(_K_FIRST, len(coarse)), np.inf)
        near = first[3][:, 0] <= _NEAR_M + coarse.half_max_m
        left = self._settle(lon, lat, xyz, rows[near], _NEAR_M, out, block.start, exact_m)
        far = ~near
        if far.any():
            rest = (first[0][far], first[1][far], first[2][far], first[3][far])
            coarse._settle(lon, lat, xyz, rows[far], np.inf, out, block.start, exact_m, rest)
        if len(left):
            coarse._settle(lon, lat, xyz, left, np.inf, out, block.start, exact_m)

    def _far_vertex(
        self,
        lon: FloatArray,
        lat: FloatArray,
        xyz: FloatArray,
        beyond_m: float,
        out: Nearest,
        offset: int,
    ) -> IntArray:
        """Answer the points whose nearest vertex is beyond ``beyond_m`` with that vertex.

        Returns the other points (rows of ``lon``) for the exact search.
        """
        assert self.tree is not None
        chord, idx = self.tree.query(xyz, k=1, workers=1)
        far = np.asarray(chord) > beyond_m
        v = np.asarray(idx, dtype=np.intp)[far]
        _, _, dist = GEOD.inv(lon[far], lat[far], self.lon[v], self.lat[v])
        out.put(np.flatnonzero(far) + offset, dist, self.label[v], self.lon[v], self.lat[v])
        return np.flatnonzero(~far)

    def _settle(
        self,
        lon: FloatArray,
        lat: FloatArray,
        xyz: FloatArray,
        todo: IntArray,
        bound: float,
        out: Nearest,
        offset: int,
        exact_m: float = np.inf,
        first: Candidates | None = None,
    ) -> IntArray:
        """Answer the points ``todo`` from vertices within ``bound``; return the others.

        A point is answered once no vertex it has not seen (none nearer than its ``k``-th,
        or than ``bound`` if fewer were found) can start or end a segment within the
        ranking margin of its best candidate. ``first``: the candidates of the first
        round (``k = _K_FIRST``), if already fetched.
        """
        k = _K_FIRST
        left: list[IntArray] = []
        while len(todo):
            k = min(k, len(self))
            if first is None:
                first = self._chord_candidates(xyz[todo], k, bound)
            seg, t, chord2, dist = first
            first = None
            kth = dist[:, -1]
            best = np.sqrt(chord2.min(axis=1))
            margin = np.where(best <= exact_m, best**3 * _RANK_MARGIN, 0.0)
            limit = best + margin + _RANK_SLACK_M + 2 * self.sag_m
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

    def _chord_candidates(self, xyz: FloatArray, k: int, bound: float) -> Candidates:
        """Return candidate segments, their nearest-point parameter and squared chord distance.

        Also the chord distances of the ``k`` nearest vertices, shape ``(n, k)`` (inf where
        fewer lie within ``bound``).
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
        return seg, t, chord2, dist

    def _refine(
        self,
        lon: FloatArray,
        lat: FloatArray,
        seg: IntArray,
        t: FloatArray,
        keep: npt.NDArray[np.bool_],
        out: Nearest,
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
        out.put(r, dist[first], self.label[s[first]], p_lon[first], p_lat[first])
