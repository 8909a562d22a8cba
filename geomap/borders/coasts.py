"""Coasts cut into pieces, for the ``any`` measure: the nearest coast of another country.

:class:`CoastPieces` splits every country's coast into pieces of one country within one
lon/lat cell, each a :class:`~geomap.borders.index.SegmentIndex` with a bounding ball, and
finds for each point the nearest coast of a country other than its own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from geomap.borders.index import CHUNK, WORKERS, Nearest, SegmentIndex, coast_label
from geomap.geodesy import ecef, wrap_lon

__all__ = ["CoastPieces"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_PIECE_DEG: Final = 20.0  # coasts are cut into pieces of one country and one cell this big
_PIECE_RANKS: Final = 24  # pieces ranked per point for ``any`` (the rest only if needed)


class CoastPieces:
    """All coasts, cut into pieces of one country's coast in one lon/lat cell, for ``any``.

    Each piece is a :class:`SegmentIndex` (both levels densify the same original segments,
    so they stand for the same curve) with a bounding ball. A point is compared with the
    pieces of other countries in the order of their balls' distance and stops at the first
    ball farther than its best candidate so far (chord <= geodesic): a country with
    far-flung territory no longer has one ball covering half the globe.
    """

    def __init__(self, indexes: list[SegmentIndex], owner: IntArray):
        self.indexes = indexes
        self.owner = np.asarray(owner, dtype=np.intp)
        self.centre = np.array([index.centre for index in indexes]).reshape(-1, 3)
        self.radius_m = np.array([index.radius_m for index in indexes], dtype=float)

    @classmethod
    def build(
        cls, geometries: npt.NDArray[Any], owner: IntArray, *, cell_deg: float = _PIECE_DEG
    ) -> CoastPieces:
        """Cut the coast lines into pieces of one owner within cells of ``cell_deg`` degrees.

        ``geometries[i]`` is the coast of the country in row ``owner[i]``; its segments get
        the label ``coast_label(i)``.
        """
        parts, geom_of_part = shapely.get_parts(geometries, return_index=True)
        coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
        lon, lat = coords[:, 0], coords[:, 1]
        geom = np.asarray(geom_of_part, dtype=np.intp)[part_of_vertex]
        label = coast_label(geom)
        segment = np.flatnonzero(part_of_vertex[:-1] == part_of_vertex[1:])
        nx = round(360 / cell_deg)
        col = np.clip(np.floor((wrap_lon(lon[segment]) + 180) / cell_deg), 0, nx - 1)
        row = np.clip(np.floor((lat[segment] + 90) / cell_deg), 0, round(180 / cell_deg) - 1)
        key = (np.asarray(owner, dtype=np.intp)[geom[segment]] + 1) * (nx * nx) + row * nx + col
        order = np.lexsort((segment, key))
        segment, key = segment[order], key[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        indexes: list[SegmentIndex] = []
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
            indexes.append(
                SegmentIndex.from_vertices(lon[vertex], lat[vertex], vpart, label[vertex])
            )
            owners.append(int(np.asarray(owner)[geom[seg[0]]]))
        return cls(indexes, np.asarray(owners, dtype=np.intp))

    def nearest_foreign(
        self, lon: FloatArray, lat: FloatArray, country: IntArray, out: Nearest
    ) -> None:
        """Update ``out`` with the nearest coast of a country other than each point's own.

        In rounds: in round ``r`` every point still open queries the piece whose ball is its
        ``r``-th nearest, and the points are grouped by piece, so each round costs one query
        per piece in use, whatever the number of points.
        """
        if len(lon) == 0 or not self.indexes:
            return
        step = 16 * CHUNK  # points per round trip: bounds the ranking arrays (~50 MB)
        for s in range(0, len(lon), step):
            block = slice(s, min(s + step, len(lon)))
            sub = Nearest(out.distance_m[block], out.label[block], out.lon[block], out.lat[block])
            self._rounds(lon[block], lat[block], country[block], sub)

    def _rounds(self, lon: FloatArray, lat: FloatArray, country: IntArray, out: Nearest) -> None:
        n = len(lon)
        ranks = min(_PIECE_RANKS, len(self.indexes))
        order = np.empty((n, ranks), dtype=np.intp)
        lower = np.empty((n, ranks))
        beyond = np.full(n, np.inf)  # the lower bound of the pieces not ranked
        for s in range(0, n, CHUNK):
            block = slice(s, min(s + CHUNK, n))
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
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
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
        out: Nearest,
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
