"""The border dataset and its queries: point in country and the nearest border.

:class:`Borders` holds one point of view of the countries (their units, land borders and
coasts) and answers :meth:`Borders.country_at` and :meth:`Borders.distance` (after the
measures of :data:`MEASURES`) for many points at once, building its indexes on first use.
:class:`BorderParts` is what a :class:`Borders` is made of, for the disk cache. Reading
files, building points of view and the caches live in :mod:`geomap.borders.dataset` and
:mod:`geomap.borders.views`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geomap.borders.answer import COLUMNS, Tables, answer_frame
from geomap.borders.coasts import CoastPieces
from geomap.borders.derive import derive_coasts
from geomap.borders.grid import CountryGrid
from geomap.borders.index import Nearest, SegmentIndex, coast_label
from geomap.borders.views import (
    de_facto_lines,
    file_pov,
    map_lines,
    plain_view,
    scale_accuracy_km,
    shipped,
)
from geomap.geodesy import GEOD, as_points
from geomap.options import MEASURES, POV_DESCRIPTIONS, check_measure

__all__ = ["COLUMNS", "MEASURES", "BorderParts", "Borders"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class BorderParts:
    """What a :class:`Borders` is made of: its data, and the indexes worth keeping on disk.

    ``units`` and ``edges`` are those of a :class:`~geomap.borders.views.View`; ``coasts``,
    ``land_index`` (over ``edges``) and ``grid`` (over ``units``) may be None: they are then
    derived or built on first use. ``description`` is the dataset's description (see
    :attr:`Borders.description`) and ``pov`` its point of view.
    """

    countries: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    coasts: gpd.GeoDataFrame | None
    source: str
    description: dict[str, Any]
    units: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    pov: str
    land_index: SegmentIndex | None = None
    grid: CountryGrid | None = None


_LINE_EXACT_M: Final = 2_000_000.0
"""De facto lines nearer than this (2,000 km) are measured exactly; beyond, the geodesic
distance to the chord-nearest vertex is given (see :meth:`SegmentIndex.nearest
<geomap.borders.index.SegmentIndex.nearest>`), at most 0.13 % too long at 5,000 km."""


@functools.cache
def _de_facto_index() -> tuple[gpd.GeoDataFrame, SegmentIndex]:
    """Return the current lines of control and ceasefire lines and their index (once)."""
    lines = de_facto_lines()
    index = SegmentIndex.from_geometries(
        np.asarray(lines.geometry.values, dtype=object),
        np.arange(len(lines), dtype=np.intp),
        leafsize=32,
    )
    return lines, index


class Borders:
    """Countries, their land borders and coasts, with vectorised geodesic queries.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        One row per country with columns ``code``, ``name`` and polygonal ``geometry`` in
        EPSG:4326 (lon/lat), as produced by :func:`~geomap.borders.load_borders`. Each
        country is its own unit (no disputed areas: see :func:`~geomap.borders.load_borders`
        for points of view).
    source : str, optional
        Where the countries came from (a file path), kept for metadata.
    description : dict, optional
        What the dataset is (see :attr:`description`); by default just the source.

    Attributes
    ----------
    source : str
        The file the countries were read from.
    pov : str
        The point of view: ``"deu"`` or ``"de_facto"`` (:data:`geomap.options.POVS`) for
        geomap's default data, else the file's own (``"file"``, or Natural Earth's code).
    description : dict
        The dataset for the outputs' metadata: ``file``, ``dataset`` (e.g. ``"Natural Earth
        1:10m admin-0 countries"``), ``version`` (e.g. ``"5.1.1"``, from the file's
        ``*.VERSION.txt`` when there is one), ``point_of_view`` (of the file: ``"deu"`` for
        Natural Earth's German point of view, ``"default"`` for its de-facto one),
        ``code_field``, ``countries`` and ``land_borders`` (counts), ``pov`` and
        ``pov_description``, ``accuracy_km`` (of the lines; None if unknown) and, with
        geomap's disputed areas applied, ``areas`` (their sources and dates). Unknown values
        are None.
    countries : geopandas.GeoDataFrame
        Columns ``code`` (ISO 3166-1 alpha-2 where the data has one, else a code listed in
        ``geomap/data/borders/codes.tsv``), ``name`` and ``geometry`` (valid
        (Multi)Polygons, EPSG:4326), one row per code, as this point of view draws them.
    units : geopandas.GeoDataFrame
        The pieces the countries are made of (:data:`geomap.borders.views.UNIT_COLUMNS`):
        each disputed or de facto area and the rest of each country, with its ``country``
        under this view, administering party and claimants.
    lines : geopandas.GeoDataFrame
        Land borders, one row per pair of countries sharing a boundary line: ``pair``
        (``"AM-AZ"``, the codes sorted), ``a``, ``b``, ``length_km`` (geodesic, WGS84) and
        ``geometry`` ((Multi)LineString, lon/lat). Points where countries merely touch are
        not borders.
    edges : geopandas.GeoDataFrame
        The land borders in pieces between two units, each with its ``kind``
        (``international``, ``line_of_control``, ``ceasefire``...) and ``name``: the
        ``border_kind`` of :meth:`distance`.
    coasts : geopandas.GeoDataFrame
        Each country's outline minus its land borders (its coastline, islands included):
        ``code``, ``length_km`` and ``geometry`` (MultiLineString). Used by the ``any`` and
        ``outline`` measures.
    accuracy_km : float
        How good the lines are (1 km for Natural Earth 1:10m; NaN when unknown): a place
        at sea nearer to a coast than this gets that coast's country. (At a border the
        shipped data's ``accuracy.json`` gives 2 km: the lines' 1 km and the places they
        put on the wrong side.)

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
        info = dict(description or {})
        view = plain_view(countries)
        pov = str(info.get("pov") or file_pov(info))
        self._setup(
            BorderParts(countries, view.lines, None, source, info, view.units, view.edges, pov)
        )

    def _setup(self, parts: BorderParts) -> None:
        countries, lines, units = parts.countries, parts.lines, parts.units
        self.source = parts.source
        self.pov = parts.pov
        self.countries = countries
        self.lines = lines
        self.units = units
        self.edges = parts.edges
        self._coasts = parts.coasts
        areas = bool(units["area"].notna().any())
        data = shipped()
        self.accuracy_km = data.base_accuracy_km if areas else scale_accuracy_km(parts.description)
        self.description: dict[str, Any] = {
            "file": parts.source,
            "countries": len(countries),
            "land_borders": len(lines),
            **parts.description,
            "pov": self.pov,
            "pov_description": POV_DESCRIPTIONS.get(
                self.pov, "the border file's own lines, as drawn"
            ),
            "accuracy_km": None if math.isnan(self.accuracy_km) else self.accuracy_km,
        }
        self._codes = np.asarray(countries["code"].to_numpy(), dtype=object)
        row_of = {code: i for i, code in enumerate(self._codes)}
        self._unit_country = np.asarray(
            [row_of[c] for c in units["country"].to_numpy(dtype=object)], dtype=np.intp
        )
        self._unit_tree = shapely.STRtree(np.asarray(units.geometry.values, dtype=object))
        # At-the-border distances by kind: the shipped lines' (accuracy.json), and for a
        # file without areas its own accuracy for its borders and coasts.
        at_km = {k: data.at_border_km(k) for k in data.accuracy["at_border_km"]}
        at_km["coast"] = self.accuracy_km
        if not areas:
            at_km["international"] = self.accuracy_km
        edge = {c: parts.edges[c].to_numpy(dtype=object) for c in ("pair", "a", "b", "kind")}
        self._tables_base: dict[str, Any] = {
            "country_code": self._codes,
            "edge_pair": edge["pair"],
            "edge_a": edge["a"],
            "edge_b": edge["b"],
            "edge_kind": edge["kind"],
            "unit_admin": units["admin"].to_numpy(dtype=object),
            "unit_claimants": units["claimants"].to_numpy(dtype=object),
            "unit_disputed": units["disputed"].to_numpy(dtype=bool),
            "unit_area": units["area"].to_numpy(dtype=object),
            "unit_status": units["area_status"].to_numpy(dtype=object),
            "at_km": at_km,
        }
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
            description={k: v for k, v in self.description.items() if k not in _DERIVED},
            units=self.units,
            edges=self.edges,
            pov=self.pov,
            land_index=self._segment_index(),
            grid=self._country_grid(),
        )

    def __repr__(self) -> str:
        return (
            f"<Borders {len(self.countries)} countries, {len(self.lines)} land borders "
            f"from {self.source!r}, point of view {self.pov!r}>"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_index"] = None  # rebuilt lazily where it is used (e.g. in a worker)
        state["_outline"] = {}
        state["_pieces"] = None
        return state

    @property
    def disputed_lines(self) -> gpd.GeoDataFrame:
        """Claim lines, lines of control and ceasefire lines, for maps (the shipped lines).

        Columns ``pair``, ``kind`` (``claim``, ``line_of_control``, ``ceasefire``),
        ``status`` (``current`` or ``historic``), ``name``, ``international`` (whether this
        point of view counts the line as an international border) and line geometry.
        """
        return map_lines(self.pov)

    @property
    def coasts(self) -> gpd.GeoDataFrame:
        """Each country's coast: its outline minus its land borders (derived on first use)."""
        if self._coasts is None:
            self._coasts = derive_coasts(self.countries, self.lines)
        return self._coasts

    def _segment_index(self) -> SegmentIndex:
        """Return the land-border index (labels: row of :attr:`edges`)."""
        if self._index is None:
            self._index = SegmentIndex.from_geometries(
                np.asarray(self.edges.geometry.values, dtype=object),
                np.arange(len(self.edges), dtype=np.intp),
            )
        return self._index

    def _outline_index(self, country: int) -> SegmentIndex:
        """Return one country's outline index: coasts (coast labels) + land-border edges."""
        found = self._outline.get(country)
        if found is None:
            code = self._codes[country]
            coasts = self.coasts
            coast_rows = np.flatnonzero(coasts["code"].to_numpy(dtype=object) == code)
            edge_rows = np.flatnonzero(
                (self.edges["a"].to_numpy(dtype=object) == code)
                | (self.edges["b"].to_numpy(dtype=object) == code)
            )
            geoms = np.concatenate(
                (
                    np.asarray(coasts.geometry.values, dtype=object)[coast_rows],
                    np.asarray(self.edges.geometry.values, dtype=object)[edge_rows],
                )
            )
            labels = np.concatenate((coast_label(coast_rows), edge_rows)).astype(np.intp)
            found = SegmentIndex.from_geometries(geoms, labels)
            self._outline[country] = found
        return found

    def _country_grid(self) -> CountryGrid:
        """Return the point-in-unit grid (built once)."""
        if self._grid is None:
            self._grid = CountryGrid.build(self._unit_tree, self._prepared_units())
        return self._grid

    def _unit_index(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Return the row of the unit containing each point, -1 if none.

        ``lon``, ``lat`` as :func:`geomap.geodesy.as_points` returns them (NaN gives -1).
        Units are ordered by country, so a point on a border gets the first country.
        """
        if len(self.units) == 0 or not np.isfinite(lon).any():
            return np.full(len(lon), -1, dtype=np.intp)
        return self._country_grid().locate(self._prepared_units(), lon, lat)

    def _country_index(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Return the row of the country containing each point, -1 if none."""
        return self._country_of(self._unit_index(lon, lat))

    def _country_of(self, unit: IntArray) -> IntArray:
        return np.where(unit >= 0, self._unit_country[np.maximum(unit, 0)], -1).astype(np.intp)

    def _prepared_units(self) -> npt.NDArray[Any]:
        """Return the unit polygons, prepared for fast point tests."""
        geoms = np.asarray(self.units.geometry.values, dtype=object)
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
            Object array of codes (or None), one per point, in input order, under this
            point of view. A point on a border gets one of the two countries.

        Examples
        --------
        >>> from geomap.borders import load_borders
        >>> load_borders().country_at([44.5152, -30.0], [40.1872, 40.0]).tolist()
        ['AM', None]
        >>> load_borders(pov="de_facto").country_at(35.69, 32.99).tolist()  # Katzrin
        ['IL']
        """
        lon_arr, lat_arr = as_points(lon, lat)
        rows = self._country_index(lon_arr, lat_arr)
        out = np.full(len(rows), None, dtype=object)
        out[rows >= 0] = self._codes[rows[rows >= 0]]
        return out

    def distance(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, measure: str = "land"
    ) -> pd.DataFrame:
        """Return the containing country and unit, the nearest border and de facto line.

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
              border) or across the water (its coast); at sea, the nearest land border or
              coast of any country;
            - ``"outline"``: the outline of the point's own country, coast included; NaN at
              sea.

            International means: under this point of view (:attr:`pov`).

        Returns
        -------
        pandas.DataFrame
            One row per point, in input order (RangeIndex), with columns
            (:data:`~geomap.borders.answer.COLUMNS`)

            - ``country``: code of the containing country under this point of view (None at
              sea, see ``at_coast``; never None on land: land no state claims, such as Bir
              Tawil, is ``BRT``);
            - ``border``: the border reached: ``"A-B"`` (codes sorted) for the land border
              of A and B; for a coast of D, ``"C-D"`` when the point lies in another
              country C (a border across the water), else ``"D"`` (the point's own coast
              with ``outline``, or any coast seen from the sea with ``any``);
            - ``distance_km``: geodesic on the WGS84 ellipsoid;
            - ``border_lon``, ``border_lat``: the nearest point of that border;
            - ``side``: which of the codes in ``border`` the point lies in, None when it
              lies in neither (at sea, or in a third country), and
              ``"at the border (within the data's accuracy)"`` when ``at_border``;
            - ``kind``: ``"land"`` (a land border) or ``"coast"``;
            - ``border_kind``: what that border is: ``"international"``,
              ``"line_of_control"`` (e.g. Kashmir's Line of Control, which both Natural
              Earth views draw as the India-Pakistan border), ``"ceasefire"`` (e.g. the
              Golan's 1974 line under ``de_facto``), ``"administrative"`` or ``"coast"``;
            - ``at_border``: whether the point is nearer to it than ``accuracy_km``: its
              side and distance are then not to be trusted;
            - ``accuracy_km``: the border data's accuracy there (NaN when unknown);
            - ``at_coast``: the point lies at sea but nearer to a coast than the data's
              accuracy, and is given that coast's unit and country (:meth:`country_at`,
              the polygon test alone, says None);
            - ``admin``: the administering (de facto) party of the point's unit (``;``-joined
              where control is split, e.g. Abyei ``"SD;SS"``; None at sea and in land
              nobody administers); ``claimants``: the parties claiming it (sorted,
              ``;``-joined); ``disputed``: more than one claimant;
            - ``area``: the disputed or de facto area the point lies in (an id of
              ``geomap/data/borders/areas.geojson``, e.g. ``"golan_heights"``; None
              elsewhere) and ``area_status`` (``occupied``, ``annexed``, ``breakaway``...);
            - ``line``, ``line_kind`` (``line_of_control`` or ``ceasefire``), ``line_name``,
              ``line_distance_km``, ``line_lon``, ``line_lat``, ``at_line``: the nearest
              current de facto line (line of control, ceasefire or armistice line),
              whatever the point of view, with ``line`` the administering parties on its
              two sides;
            - ``pov``: the point of view (:attr:`pov`).

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
        ``pyproj.Geod.inv``. The unit (and so the country) comes from a 1-degree grid
        (cells one unit alone covers) or an exact point-in-polygon test. With ``any``,
        coasts are cut into pieces of one country within 20 degrees cells, each searched
        only where its bounding ball could hold a nearer point. The result agrees with a
        25 m brute force to within metres; the data itself is good to roughly 1 km. The de
        facto lines have an index of their own, searched the same way, exactly within
        2,000 km of a line; beyond, ``line_distance_km`` is the geodesic distance to the
        vertex of the line (in pieces of <= 16 km) nearest in a straight (3D) line, which
        may be longer than the shortest geodesic by up to ``d**3 * 2e-3 / 6.3e6**2`` m
        plus 16 m (0.13 % at 5,000 km), a difference no analysis of a line that far away
        turns on.

        Examples
        --------
        >>> from geomap.borders import load_borders
        >>> b = load_borders()
        >>> b.distance(46.4068, 39.2076)[["country", "border", "at_border"]].values.tolist()
        [['AM', 'AM-AZ', True]]
        >>> row = b.distance(9.9, 57.3, measure="any").iloc[0]  # Jutland: Sweden over the sea
        >>> row["border"], row["kind"], row["side"]
        ('DK-SE', 'coast', 'DK')
        >>> row = load_borders(pov="de_facto").distance(35.69, 32.99).iloc[0]  # Katzrin
        >>> row["country"], row["admin"], row["claimants"], row["border_kind"]
        ('IL', 'IL', 'IL;SY', 'ceasefire')
        """
        check_measure(measure)
        lon_arr, lat_arr = as_points(lon, lat)
        n = len(lon_arr)
        unit = self._unit_index(lon_arr, lat_arr)
        at_coast = self._onto_coast(lon_arr, lat_arr, unit)
        country = self._country_of(unit)
        finite = np.flatnonzero(np.isfinite(lon_arr))
        if measure == "land":
            found = self._segment_index().nearest(lon_arr[finite], lat_arr[finite])
        elif measure == "outline":
            found = self._nearest_outline(lon_arr[finite], lat_arr[finite], country[finite])
        else:
            found = self._nearest_any(lon_arr[finite], lat_arr[finite], country[finite])
        near = Nearest.empty(n)
        near.update(finite, found)
        lines, line_index = _de_facto_index()
        line = Nearest.empty(n)
        line.update(
            finite,
            line_index.nearest(lon_arr[finite], lat_arr[finite], exact_within_m=_LINE_EXACT_M),
        )
        tables = Tables(
            **self._tables_base,
            coast_code=self.coasts["code"].to_numpy(dtype=object),
            line_pair=lines["pair"].to_numpy(dtype=object),
            line_kind=lines["kind"].to_numpy(dtype=object),
            line_name=lines["name"].to_numpy(dtype=object),
            pov=self.pov,
        )
        return answer_frame(tables, near, unit, country, line, at_coast)

    def _onto_coast(
        self, lon: FloatArray, lat: FloatArray, unit: IntArray
    ) -> npt.NDArray[np.bool_]:
        """Give points at sea within the data's accuracy of a coast the unit of that coast.

        ``unit`` is updated in place; returns which points were moved. A town's point a few
        hundred metres off a generalised 1:10m coast is on land as far as the data can tell.
        The units within reach (in degrees, widened for the latitude) are candidates; the
        geodesic distance to the nearest point of each candidate's outline decides.
        """
        moved = np.zeros(len(unit), dtype=bool)
        limit_km = float(self._tables_base["at_km"]["coast"])
        sea = np.flatnonzero((unit < 0) & np.isfinite(lon))
        if not len(sea) or not limit_km > 0:
            return moved
        points = shapely.points(lon[sea], lat[sea])
        reach = 1.01 * limit_km / 110.57 / np.maximum(np.cos(np.radians(lat[sea])), 1e-3)
        which, candidate = self._unit_tree.query(points, predicate="dwithin", distance=reach)
        if not len(which):
            return moved
        geoms = np.asarray(self.units.geometry.values, dtype=object)
        ends = shapely.get_coordinates(shapely.shortest_line(geoms[candidate], points[which]))
        _, _, gap_m = GEOD.inv(lon[sea][which], lat[sea][which], ends[0::2, 0], ends[0::2, 1])
        gap_m = np.asarray(gap_m)
        order = np.lexsort((candidate, gap_m, which))  # per point: the nearest unit first
        first = order[np.r_[True, which[order][1:] != which[order][:-1]]]
        near = first[gap_m[first] < limit_km * 1000.0]
        rows = sea[which[near]]
        unit[rows] = candidate[near]
        moved[rows] = True
        return moved

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


_DERIVED = frozenset({"file", "countries", "land_borders", "pov_description", "accuracy_km"})
"""Description entries :meth:`Borders._setup` derives (not kept in :class:`BorderParts`)."""
