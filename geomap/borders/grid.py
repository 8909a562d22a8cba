"""Point in country: a lon/lat grid of the countries meeting each cell, then exact tests.

:class:`CountryGrid` knows, for each 1-degree cell, which countries meet it and whether one
of them alone covers it; :meth:`CountryGrid.locate` answers most points from that and tests
the rest against the polygons of the few countries meeting their cell.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from geomap.borders.index import CHUNK, WORKERS

__all__ = ["CountryGrid"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_GRID_STEP_DEG: Final = 1.0  # cells of the point-in-country grid


class CountryGrid:
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
    def build(
        cls, tree: shapely.STRtree, geoms: npt.NDArray[Any], *, step: float = _GRID_STEP_DEG
    ) -> CountryGrid:
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
    def from_arrays(cls, arrays: Any) -> CountryGrid:
        """Rebuild a grid from :meth:`arrays` (a mapping that holds at least those)."""
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

    def locate(self, geoms: npt.NDArray[Any], lon: FloatArray, lat: FloatArray) -> IntArray:
        """Return the row of the country containing each point, -1 if none.

        ``geoms`` are the prepared country polygons the grid was built from; ``lon`` and
        ``lat`` are points as :func:`geomap.geodesy.as_points` returns them (longitudes in
        [-180, 180], NaN where the point is invalid, which gives -1).
        """
        result = np.full(len(lon), -1, dtype=np.intp)
        finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        if len(finite) == 0:
            return result
        x = lon[finite]
        y = lat[finite]
        # A cell that one country alone meets and covers answers its points outright; in
        # the others, each country meeting the cell is tested exactly (prepared once, before
        # any thread uses it), vectorised over that country's candidate points.
        found, point_idx, country_idx = self.candidates(x, y)
        order = np.argsort(country_idx, kind="stable")
        point_idx, country_idx = point_idx[order], country_idx[order]
        bounds = np.flatnonzero(np.diff(country_idx)) + 1
        groups = list(zip(np.split(point_idx, bounds), np.split(country_idx, bounds), strict=True))

        def inside(group: tuple[IntArray, IntArray]) -> npt.NDArray[np.bool_]:
            pts, cty = group
            if len(pts) == 0:
                return np.zeros(0, dtype=bool)
            return np.asarray(shapely.intersects_xy(geoms[cty[0]], x[pts], y[pts]))

        if len(point_idx) < 4 * CHUNK or WORKERS == 1:
            hits = [inside(g) for g in groups]
        else:
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                hits = list(pool.map(inside, groups))
        hit = np.concatenate(hits) if hits else np.zeros(0, dtype=bool)
        # A point in two countries (on their border) gets the first of them.
        tested = np.full(len(finite), len(geoms), dtype=np.intp)
        np.minimum.at(tested, point_idx[hit], country_idx[hit])
        found = np.where(tested < len(geoms), tested, found)
        result[finite] = found
        return result
