"""The border dataset and its queries: point in country and the nearest border.

:class:`Borders` holds the countries, their land borders and coasts, and answers
:meth:`Borders.country_at` and :meth:`Borders.distance` (after the measures of
:data:`MEASURES`) for many points at once, building its indexes on first use.
:class:`BorderParts` is what a :class:`Borders` is made of, for the disk cache.
Reading files and the caches live in :mod:`geomap.borders.dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geomap.borders.coasts import CoastPieces
from geomap.borders.derive import derive_coasts, derive_lines
from geomap.borders.grid import CountryGrid
from geomap.borders.index import Nearest, SegmentIndex
from geomap.geodesy import as_points
from geomap.options import MEASURES, check_measure

__all__ = ["MEASURES", "BorderParts", "Borders"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]

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


@dataclass(frozen=True, eq=False)
class BorderParts:
    """What a :class:`Borders` is made of: its data, and the indexes worth keeping on disk.

    ``coasts``, ``land_index`` and ``grid`` may be None: they are then derived or built on
    first use. ``description`` is the dataset's description (see
    :attr:`Borders.description`).
    """

    countries: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    coasts: gpd.GeoDataFrame | None
    source: str
    description: dict[str, Any]
    land_index: SegmentIndex | None = None
    grid: CountryGrid | None = None


class Borders:
    """Countries, their land borders and coasts, with vectorised geodesic queries.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        One row per country with columns ``code``, ``name`` and polygonal ``geometry`` in
        EPSG:4326 (lon/lat), as produced by :func:`~geomap.borders.load_borders`.
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
        self._setup(
            BorderParts(countries, derive_lines(countries), None, source, description or {})
        )

    def _setup(self, parts: BorderParts) -> None:
        countries, lines = parts.countries, parts.lines
        self.source = parts.source
        self.countries = countries
        self.lines = lines
        self._coasts = parts.coasts
        self.description: dict[str, Any] = {
            "file": parts.source,
            "countries": len(countries),
            "land_borders": len(lines),
            **parts.description,
        }
        self._country_tree = shapely.STRtree(np.asarray(countries.geometry.values, dtype=object))
        self._codes = np.asarray(countries["code"].to_numpy(), dtype=object)
        self._pairs = np.asarray(lines["pair"].to_numpy(), dtype=object)
        self._index = parts.land_index
        self._outline: dict[int, SegmentIndex] = {}
        self._pieces: CoastPieces | None = None
        self._grid = parts.grid

    @classmethod
    def from_parts(cls, parts: BorderParts) -> Borders:
        """Return borders made of ``parts`` as they are (nothing derived again), e.g. cached.

        The inverse of :meth:`parts`; parts that are None are derived or built on first use.
        """
        self = cls.__new__(cls)
        self._setup(parts)
        return self

    def parts(self) -> BorderParts:
        """Return what these borders are made of, the land index and grid built now.

        For the disk cache: :meth:`from_parts` rebuilds equal borders without deriving.
        """
        return BorderParts(
            countries=self.countries,
            lines=self.lines,
            coasts=self.coasts,
            source=self.source,
            description=self.description,
            land_index=self._segment_index(),
            grid=self._country_grid(),
        )

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

    @property
    def coasts(self) -> gpd.GeoDataFrame:
        """Each country's coast: its outline minus its land borders (derived on first use)."""
        if self._coasts is None:
            self._coasts = derive_coasts(self.countries, self.lines)
        return self._coasts

    def _segment_index(self) -> SegmentIndex:
        """Return the land-border index (labels: row of :attr:`lines`)."""
        if self._index is None:
            self._index = SegmentIndex.from_geometries(
                np.asarray(self.lines.geometry.values, dtype=object),
                np.arange(len(self.lines), dtype=np.intp),
            )
        return self._index

    def _outline_index(self, country: int) -> SegmentIndex:
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
            found = SegmentIndex.from_geometries(geoms, labels)
            self._outline[country] = found
        return found

    def _country_grid(self) -> CountryGrid:
        """Return the point-in-country grid (built once)."""
        if self._grid is None:
            self._grid = CountryGrid.build(self._country_tree, self._prepared_countries())
        return self._grid

    def _country_index(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Return the row of the country containing each point, -1 if none.

        ``lon``, ``lat`` as :func:`geomap.geodesy.as_points` returns them (NaN gives -1).
        """
        if len(self.countries) == 0 or not np.isfinite(lon).any():
            return np.full(len(lon), -1, dtype=np.intp)
        return self._country_grid().locate(self._prepared_countries(), lon, lat)

    def _prepared_countries(self) -> npt.NDArray[Any]:
        """Return the country polygons, prepared for fast point tests."""
        geoms = np.asarray(self.countries.geometry.values, dtype=object)
        shapely.prepare(geoms)
        return geoms

    def country_at(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> ObjectArray:
        """Return the code of the country containing each point, or None (sea, invalid input).

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude in degrees (lon first, as in shapely), checked and
            wrapped as in :meth:`distance`.

        Returns
        -------
        numpy.ndarray
            Object array of codes (or None), one per point, in input order. A point on a
            border gets one of the two countries.

        Examples
        --------
        >>> from geomap.borders import load_borders
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
            Longitudes are wrapped (406.4 is 46.4); a missing or infinite coordinate, a
            latitude outside [-90, 90] or a longitude beyond 1e6 degrees gives NaN and None,
            not an error (:func:`geomap.geodesy.as_points`, the one rule for every stage).
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
        >>> from geomap.borders import load_borders
        >>> b = load_borders()
        >>> b.distance(46.4068, 39.2076)[["country", "border", "side"]].values.tolist()
        [['AM', 'AM-AZ', 'AM']]
        >>> row = b.distance(9.9, 57.3, measure="any").iloc[0]  # Jutland: Sweden over the sea
        >>> row["border"], row["kind"], row["side"]
        ('DK-SE', 'coast', 'DK')
        """
        check_measure(measure)
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
        near = Nearest.empty(n)
        near.update(finite, found)
        return self._frame(near, country)

    def _nearest_outline(self, lon: FloatArray, lat: FloatArray, country: IntArray) -> Nearest:
        out = Nearest.empty(len(lon))
        order = np.argsort(country, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(country[order])) + 1)
        for rows in groups:
            if len(rows) and country[rows[0]] >= 0:
                index = self._outline_index(int(country[rows[0]]))
                out.update(rows, index.nearest(lon[rows], lat[rows]))
        return out

    def _coast_pieces(self) -> CoastPieces:
        """Return the coasts cut into pieces of one country and one grid cell (built once)."""
        if self._pieces is None:
            coasts = self.coasts
            row_of_code = {code: i for i, code in enumerate(self._codes)}
            owner = np.asarray(
                [row_of_code.get(code, -1) for code in coasts["code"].to_numpy(dtype=object)],
                dtype=np.intp,
            )
            self._pieces = CoastPieces.build(
                np.asarray(coasts.geometry.values, dtype=object), owner
            )
        return self._pieces

    def _nearest_any(self, lon: FloatArray, lat: FloatArray, country: IntArray) -> Nearest:
        out = Nearest.empty(len(lon))
        out.update(np.arange(len(lon)), self._segment_index().nearest(lon, lat))
        self._coast_pieces().nearest_foreign(lon, lat, country, out)
        return out

    def _frame(self, near: Nearest, country: IntArray) -> pd.DataFrame:
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
