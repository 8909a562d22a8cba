"""Event-table annotation: the nearest international border of every row, in chunks.

:func:`annotate_frame` annotates a table in memory; :func:`annotate_table` streams a file
(CSV, Parquet/GeoParquet, GeoPackage, GeoJSON) in chunks through one of the engines of
:mod:`geomap.engines` and writes the annotated table atomically, in input order, in the
format of the output's suffix. Every engine runs the same task on the same chunks, so the
output is identical whichever ran it.

Coordinates are valid as :func:`geomap.geodesy.as_points` says (the one longitude policy,
shared with :func:`geomap.border_distance`): longitudes outside [-180, 180] are wrapped,
rows with missing or unusable coordinates are kept with empty results and counted.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from tqdm.auto import tqdm

from .borders import Borders, load_borders
from .engines import Job, WorkerConfig, run_ordered, start_engine, worker_borders
from .errors import ConfigurationError, DataFileError, InputError, OutputError
from .features import ROUNDING
from .geodesy import as_points
from .io import atomic_write, check_target, progress_disabled

__all__ = [
    "RESULT_COLUMNS",
    "TABLE_FORMATS",
    "AnnotateSummary",
    "annotate_frame",
    "annotate_table",
]

TABLE_FORMATS: Final[dict[str, str]] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
}
"""Event-table formats of :func:`annotate_table`, by file suffix."""

RESULT_COLUMNS: Final[tuple[str, ...]] = (
    "country",
    "border",
    "distance_km",
    "border_lon",
    "border_lat",
)
"""The first columns :func:`annotate_table` adds; ``side``, ``kind`` and ``measure``
follow. See `geomap.borders.Borders.distance`."""

_ADDED: Final = (*RESULT_COLUMNS, "side", "kind")  # then "measure"
_NUMERIC_RESULTS: Final = frozenset({"distance_km", "border_lon", "border_lat"})
_LAT_NAMES: Final = ("latitude", "lat", "y")
_LON_NAMES: Final = ("longitude", "lon", "lng", "long", "x")
_OGR_DRIVERS: Final = {"gpkg": "GPKG", "geojson": "GeoJSON"}
_PARQUET_HINT: Final = 'Parquet needs pyarrow: pip install "geomap[dask]" (or pyarrow)'


@dataclass(frozen=True)
class AnnotateSummary:
    """What :func:`annotate_table` did.

    Attributes
    ----------
    output : Path
        The file written.
    rows : int
        Rows read and written (all of them: none is dropped).
    invalid : int
        Rows whose coordinates were missing or invalid; their results are empty.
    seconds : float
        Wall time.
    engine : str
        The engine used.
    workers : int
        How many workers it had.
    """

    output: Path
    rows: int
    invalid: int
    seconds: float
    engine: str
    workers: int

    @property
    def rows_per_second(self) -> float:
        """Rows annotated per second of wall time."""
        return self.rows / self.seconds if self.seconds > 0 else math.inf


def _table_format(path: Path, what: str) -> str:
    found = TABLE_FORMATS.get(path.suffix.lower())
    if found is None:
        raise ConfigurationError(
            f"{what} '{path}' has an unknown format: use one of {', '.join(sorted(TABLE_FORMATS))}"
        )
    return found


def _find_column(columns: Sequence[str], given: str | None, names: Sequence[str]) -> str | None:
    if given is not None:
        return given
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _coordinates(
    frame: pd.DataFrame, geometry: Any, lon_col: str | None, lat_col: str | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return lon, lat (NaN where missing or invalid) from the columns, else the geometry.

    Validity is :func:`geomap.geodesy.as_points`'s: a longitude outside [-180, 180] is
    wrapped (406.4 is 46.4), one beyond its limit (1e308) is invalid. Longitudes already
    inside [-180, 180] are kept exactly as given.
    """
    if lon_col is not None and lat_col is not None:
        lon = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        lat = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        geoms = np.asarray(geometry, dtype=object)
        is_point = shapely.get_type_id(geoms) == 0  # None gives -1
        lon = np.full(len(geoms), np.nan)
        lat = np.full(len(geoms), np.nan)
        lon[is_point] = shapely.get_x(geoms[is_point])
        lat[is_point] = shapely.get_y(geoms[is_point])
    wrapped, valid_lat = as_points(lon, lat)  # NaN where invalid
    as_given = np.isfinite(wrapped) & (np.abs(lon) <= 180.0)  # wrapping could move a bit
    return np.where(as_given, lon, wrapped), valid_lat


def annotate_frame(
    frame: pd.DataFrame,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    measure: str = "land",
    borders: Borders | None = None,
    prefix: str = "",
) -> pd.DataFrame:
    """Return ``frame`` with the nearest border of each row added (a copy, same index).

    This is the per-chunk work of :func:`annotate_table`, for a table already in memory;
    it also suits ``dask_geopandas.GeoDataFrame.map_partitions``.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The events; coordinates in ``lon_col``/``lat_col`` (WGS84 degrees) or, when those
        are not given and not found (``longitude``/``lon``/``lng``..., ``latitude``/``lat``),
        in the point geometry of a GeoDataFrame (reprojected to EPSG:4326).
    lon_col, lat_col : str, optional
        The coordinate columns.
    measure : str
        ``"land"`` (default) or another of `geomap.borders.MEASURES`.
    borders : Borders, optional
        Default: Natural Earth 1:10m (`geomap.load_borders`).
    prefix : str
        Put before each added column name, e.g. ``"geomap_"``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` plus :data:`RESULT_COLUMNS`, ``side``, ``kind`` and ``measure``. Rows
        with missing or invalid coordinates get empty results; a longitude outside
        [-180, 180] is wrapped, as in `geomap.border_distance`.

    Raises
    ------
    ConfigurationError
        If no coordinates are found or an added column already exists.

    Examples
    --------
    >>> df = pd.DataFrame({"latitude": [39.2076, None], "longitude": [46.4068, 1.0]})
    >>> out = annotate_frame(df)
    >>> out["border"].tolist(), out["distance_km"].round(1).tolist()
    (['AM-AZ', <NA>], [0.3, nan])
    """
    lon_name = _find_column(list(frame.columns), lon_col, _LON_NAMES)
    lat_name = _find_column(list(frame.columns), lat_col, _LAT_NAMES)
    geometry = None
    if lon_name is None or lat_name is None or lon_name not in frame or lat_name not in frame:
        if not isinstance(frame, gpd.GeoDataFrame) or lon_col or lat_col:
            raise ConfigurationError(
                "no coordinates found: name the columns (lon_col=, lat_col=) "
                "or pass a GeoDataFrame of points"
            )
        geo = frame.geometry
        geometry = geo.to_crs("EPSG:4326").values if geo.crs is not None else geo.values
        lon_name = lat_name = None
    lon, lat = _coordinates(frame, geometry, lon_name, lat_name)
    found = (borders or load_borders()).distance(lon, lat, measure=measure)
    return _joined(frame, _rounded(found), measure, prefix)


def _rounded(found: pd.DataFrame) -> pd.DataFrame:
    """Round the distances to the metre and the border points to 0.1 m, as the exports."""
    for column in ("distance_km", "border_lon", "border_lat"):
        decimals = ROUNDING[column]
        found[column] = found[column].round(decimals)
    return found


def _distance_task(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], measure: str
) -> pd.DataFrame:
    """One chunk, in a worker: coordinates in, rounded result columns out."""
    return _rounded(worker_borders().distance(lon, lat, measure=measure))


def _joined(frame: pd.DataFrame, found: pd.DataFrame, measure: str, prefix: str) -> pd.DataFrame:
    """Return ``frame`` with the result columns of ``found`` (same rows) and ``measure``."""
    out = frame.copy()
    for source in _ADDED:
        target = prefix + source
        if target in frame.columns:
            raise ConfigurationError(
                f"the table already has a column {target!r}: pass a prefix (--prefix geomap_)"
            )
        values = found[source].to_numpy()
        out[target] = values if source in _NUMERIC_RESULTS else pd.array(values, dtype="string")
    out[prefix + "measure"] = pd.array([measure] * len(out), dtype="string")
    return out


@dataclass
class _Chunk:
    """A slice of the input table: attributes, the geometry if any, the raw Arrow table."""

    frame: pd.DataFrame
    geometry: Any = None
    arrow: Any = None


def _need_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as err:
        raise ImportError(_PARQUET_HINT) from err
    return pyarrow


def _read_chunks(path: Path, fmt: str, chunk_size: int) -> tuple[int | None, Iterator[_Chunk]]:
    """Return (row count if known, chunk iterator) for the input table."""
    if fmt == "csv":
        try:
            reader = pd.read_csv(
                path, dtype=str, keep_default_na=False, chunksize=chunk_size, encoding="utf-8"
            )
        except (OSError, ValueError, UnicodeDecodeError) as err:
            raise DataFileError(f"cannot read CSV '{path}': {err}") from err

        def csv_chunks() -> Iterator[_Chunk]:
            try:
                empty = True
                for frame in reader:
                    empty = False
                    yield _Chunk(frame)
                if empty:  # a header and no rows
                    yield _Chunk(pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as err:
                raise DataFileError(
                    f"cannot read CSV '{path}': {err}; check it is UTF-8 comma-separated"
                ) from err

        return None, csv_chunks()
    if fmt == "parquet":
        pa = _need_pyarrow()
        try:
            file = pa.parquet.ParquetFile(path)
        except (OSError, pa.ArrowException) as err:
            raise DataFileError(f"cannot read Parquet '{path}': {err}") from err
        geo = json.loads((file.schema_arrow.metadata or {}).get(b"geo", b"null"))
        geo_col = geo.get("primary_column") if geo else None

        def parquet_chunks() -> Iterator[_Chunk]:
            batches = file.iter_batches(batch_size=chunk_size)
            for batch in itertools.chain([next(batches, None)], batches):
                table = pa.Table.from_batches(
                    [] if batch is None else [batch], schema=file.schema_arrow
                )
                frame = table.to_pandas()
                geometry = None
                if geo_col is not None and geo_col in frame:
                    geometry = shapely.from_wkb(frame.pop(geo_col).to_numpy(dtype=object))
                yield _Chunk(frame, geometry, table)

        return file.metadata.num_rows, parquet_chunks()
    try:
        info = pyogrio.read_info(path)
    except Exception as err:  # noqa: BLE001 - pyogrio raises its own DataSourceError & co
        raise DataFileError(f"cannot read '{path}' as {fmt}: {err}") from err
    total = int(info["features"])
    crs = info.get("crs")

    def ogr_chunks() -> Iterator[_Chunk]:
        # GeoJSON is parsed whole by GDAL anyway: read it once; GeoPackage page by page.
        step = total if fmt == "geojson" else chunk_size
        for start in range(0, max(total, 1), max(step, 1)):
            gdf = pyogrio.read_dataframe(path, skip_features=start, max_features=step)
            if crs and gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
                gdf = gdf.to_crs("EPSG:4326")
            for lo in range(0, max(len(gdf), 1), chunk_size):
                part = gdf.iloc[lo : lo + chunk_size]
                geometry = part.geometry.values if part.geometry.name in part else None
                yield _Chunk(pd.DataFrame(part.drop(columns=part.geometry.name)), geometry)

    return total, ogr_chunks()


class _TableWriter:
    """Write chunks to ``path`` (already a temporary file) in one format."""

    def __init__(self, path: Path, fmt: str, geo_meta: dict[str, Any] | None) -> None:
        self.path, self.fmt, self.geo_meta = path, fmt, geo_meta
        self._parquet: Any = None
        self._first = True

    def write(self, chunk: _Chunk, out: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame = out
            if chunk.geometry is not None:
                frame = out.assign(
                    wkt=shapely.to_wkt(np.asarray(chunk.geometry), rounding_precision=-1)
                )
            frame.to_csv(
                self.path, mode="w" if self._first else "a", header=self._first, index=False
            )
        elif self.fmt == "parquet":
            self._write_parquet(chunk, out)
        else:
            gdf = gpd.GeoDataFrame(out, geometry=chunk.geometry, crs="EPSG:4326")
            pyogrio.write_dataframe(
                gdf, self.path, driver=_OGR_DRIVERS[self.fmt], append=not self._first
            )
        self._first = False

    def _write_parquet(self, chunk: _Chunk, out: pd.DataFrame) -> None:
        pa = _need_pyarrow()
        added = [c for c in out.columns if c not in chunk.frame.columns]
        if chunk.arrow is not None:
            table = chunk.arrow
            for column in added:
                table = table.append_column(column, pa.array(out[column], from_pandas=True))
        else:
            table = pa.Table.from_pandas(out, preserve_index=False)
            if chunk.geometry is not None:
                wkb = shapely.to_wkb(np.asarray(chunk.geometry), flavor="iso")
                table = table.append_column("geometry", pa.array(wkb, type=pa.binary()))
        if self._parquet is None:
            fields = [
                f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
            ]
            meta = dict(table.schema.metadata or {})
            meta.pop(b"pandas", None)
            if self.geo_meta is not None:
                meta[b"geo"] = json.dumps(self.geo_meta).encode()
            schema = pa.schema(fields, metadata=meta)
            self._parquet = pa.parquet.ParquetWriter(self.path, schema)
        self._parquet.write_table(table.cast(self._parquet.schema))

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


def _geo_metadata(path: Path, fmt: str, has_geometry: bool) -> dict[str, Any] | None:
    """GeoParquet metadata for the output: the input's own, or a new one for points."""
    if fmt == "parquet":
        pa = _need_pyarrow()
        raw = (pa.parquet.read_schema(path).metadata or {}).get(b"geo")
        if raw:
            return dict(json.loads(raw))
    if not has_geometry:
        return None
    return {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": []}},
    }


def annotate_table(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    lat_col: str | None = None,
    lon_col: str | None = None,
    measure: str = "land",
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int = 100_000,
    borders_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    prefix: str = "",
    force: bool = False,
    progress: bool | None = None,
) -> AnnotateSummary:
    """Add the nearest international border to every row of an event table, in chunks.

    Parameters
    ----------
    path : path-like
        CSV (UTF-8, with a header), Parquet/GeoParquet, GeoPackage or GeoJSON; the format
        is taken from the suffix (:data:`TABLE_FORMATS`).
    out : path-like, optional
        The output; its suffix picks the format. Default: ``<stem>.annotated<suffix>``
        beside the input (the same format).
    lat_col, lon_col : str, optional
        WGS84 coordinate columns, degrees. Default: ``latitude``/``lat`` and
        ``longitude``/``lon``/``lng`` if present, else the point geometry. Longitudes
        outside [-180, 180] are wrapped, as in `geomap.border_distance`.
    measure : str
        ``"land"`` (default), ``"any"`` or ``"outline"`` (see `geomap.borders.MEASURES`).
    engine : {"local", "dask"}
        ``local``: ``workers`` processes of this machine (1: in this process); ``dask``:
        the cluster at ``scheduler``, else a LocalCluster of ``workers`` processes.
    scheduler : str, optional
        Address of an existing dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Processes (local engine, default all cores) or LocalCluster workers.
    chunk_size : int
        Rows per chunk (the memory bound: a few chunks per worker are in flight).
    borders_path : path-like, optional
        Admin-0 polygons (default Natural Earth 1:10m); must be readable by the workers.
    cache_dir : path-like, optional
        Where the borders derived from ``borders_path`` are cached. Default
        :func:`geomap.io.cache_dir` (``$GEOMAP_CACHE_DIR``, else the user cache), looked up
        by each worker for itself; when given, every worker uses this one (on a remote
        dask cluster it must be a path the workers can write).
    prefix : str
        Put before each added column name (for tables that already have ``country``).
    force : bool
        Overwrite ``out``.
    progress : bool, optional
        Progress bar; ``None``: only on a terminal.

    Returns
    -------
    AnnotateSummary
        Rows written, rows with invalid coordinates, time.

    Raises
    ------
    InputError
        If the input is missing or a directory.
    DataFileError
        If it cannot be read in its format.
    ConfigurationError
        For an unknown format, engine or measure, missing coordinate columns, or an added
        column that already exists.
    OutputError
        If ``out`` exists (without ``force``) or cannot be written.
    """
    started = time.perf_counter()
    source = Path(path)
    if not source.exists():
        raise InputError(f"input '{source}' does not exist: check the path")
    if source.is_dir():
        raise InputError(f"input '{source}' is a directory: pass the table file")
    in_fmt = _table_format(source, "input")
    target = (
        Path(out)
        if out is not None
        else source.with_name(f"{source.stem}.annotated{source.suffix}")
    )
    out_fmt = _table_format(target, "output")
    if target.resolve() == source.resolve():
        raise OutputError(f"output '{target}' is the input: choose another --out")
    check_target(target, force=force)
    if chunk_size < 1:
        raise ConfigurationError(f"chunk size must be at least 1, not {chunk_size}")
    total, chunks = _read_chunks(source, in_fmt, chunk_size)
    first = next(chunks)  # every reader yields at least one chunk, maybe empty
    columns = [str(c) for c in first.frame.columns]
    has_geometry = first.geometry is not None
    lon_name = _find_column(columns, lon_col, _LON_NAMES)
    lat_name = _find_column(columns, lat_col, _LAT_NAMES)
    use_columns = lon_name is not None and lat_name is not None
    for given in (lon_col, lat_col):
        if given is not None and given not in columns:
            raise ConfigurationError(
                f"'{source}' has no column {given!r}: its columns are {', '.join(columns)}"
            )
    if not use_columns and not has_geometry:
        raise ConfigurationError(
            f"no coordinates in '{source}': pass --lat-col and --lon-col "
            f"(its columns are {', '.join(columns)})"
        )
    borders = load_borders(borders_path, cache_dir=cache_dir)
    probe = borders.distance(0.0, 0.0, measure=measure)  # checks the measure before any work
    _joined(first.frame.iloc[:0], probe.iloc[:0], measure, prefix)  # and the column names
    config = WorkerConfig.of(borders_path, cache_dir=cache_dir, gazetteer=False)
    geo_meta = _geo_metadata(source, in_fmt, has_geometry) if out_fmt == "parquet" else None
    rows = invalid = 0
    runner = start_engine(engine, config, workers=workers, scheduler=scheduler)
    try:
        with atomic_write(target, force=force) as tmp:
            writer = _TableWriter(tmp, out_fmt, geo_meta)
            bar = tqdm(
                total=total, desc="annotating", unit="row", disable=progress_disabled(progress)
            )

            def jobs() -> Iterator[Job]:
                for chunk in itertools.chain([first], chunks):
                    lon, lat = _coordinates(
                        chunk.frame,
                        chunk.geometry,
                        lon_name if use_columns else None,
                        lat_name if use_columns else None,
                    )
                    yield (chunk, lon, lat), _distance_task, (lon, lat, measure)

            for (chunk, lon, lat), found in run_ordered(runner, jobs()):
                out_frame = _joined(chunk.frame, found, measure, prefix)
                if out_fmt in _OGR_DRIVERS and chunk.geometry is None:
                    points = shapely.points(lon, lat)  # (lon, lat); NaN -> empty point
                    chunk.geometry = np.where(np.isnan(lon), None, points)
                writer.write(chunk, out_frame)
                rows += len(chunk.frame)
                invalid += int(np.isnan(lon).sum())
                bar.update(len(chunk.frame))
            writer.close()
            bar.close()
    finally:
        runner.close()
    return AnnotateSummary(
        output=target,
        rows=rows,
        invalid=invalid,
        seconds=time.perf_counter() - started,
        engine=runner.name,
        workers=runner.workers,
    )
