"""Many documents or big event tables: chunking, the local and dask engines, data opened once.

Two jobs run here, each on one of two engines:

- :func:`annotate_table` adds the nearest border to every row of an existing event table
  (CSV, Parquet/GeoParquet, GeoPackage, GeoJSON), streaming it in chunks;
- :func:`batch_geoparse` geoparses a corpus (a folder of ``.txt`` files or a JSONL file) into
  one incidents table, written as partitioned GeoParquet, GeoJSON, GeoPackage and one map.

Engines (see :data:`ENGINES`): ``"local"`` runs the chunks in worker processes of this
machine (one process runs them in-process); ``"dask"`` runs them on a dask.distributed
cluster (an existing one at ``scheduler``, else a `distributed.LocalCluster`). Each worker
opens the gazetteer and the border index once, on start-up (a process-pool initializer or a
dask worker plugin); a task carries only its chunk (coordinates, or document texts), never
the data sets. The driver reads the input and writes the outputs in input order, with at
most a few chunks in flight, so memory stays bounded whatever the input size. Every engine
runs the same function on the same chunks, so the results are identical.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
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
from .errors import ConfigurationError, DataFileError, GeomapError, InputError, OutputError
from .gazetteer import open_gazetteer
from .incidents import COLUMNS, incidents_from_texts
from .io import atomic_write, check_target, read_text

__all__ = [
    "ENGINES",
    "RESULT_COLUMNS",
    "TABLE_FORMATS",
    "AnnotateSummary",
    "BatchSummary",
    "Document",
    "annotate_frame",
    "annotate_table",
    "batch_geoparse",
    "read_documents",
]

ENGINES: Final[tuple[str, ...]] = ("local", "dask")
"""Where chunks run: ``local`` (processes of this machine) or ``dask`` (a cluster)."""

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
"""Columns :func:`annotate_table` always adds (then ``side``/``kind`` when the border
dataset reports them, and ``measure``); see `geomap.borders.Borders.distance`."""

_OPTIONAL_RESULTS: Final = ("side", "kind")
_NUMERIC_RESULTS: Final = frozenset({"distance_km", "border_lon", "border_lat"})
_ROUND: Final = {"distance_km": 3, "border_lon": 6, "border_lat": 6}  # as geomap.export
_LAT_NAMES: Final = ("latitude", "lat", "y")
_LON_NAMES: Final = ("longitude", "lon", "lng", "long", "x")
_OGR_DRIVERS: Final = {"gpkg": "GPKG", "geojson": "GeoJSON"}
_DASK_HINT: Final = 'the dask engine needs dask: pip install "geomap[dask]"'
_PARQUET_HINT: Final = 'Parquet needs pyarrow: pip install "geomap[dask]" (or pyarrow)'

# -- worker side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Config:
    """What a worker needs to open its data: paths as the user gave them (None: defaults)."""

    borders_path: str | None = None
    gazetteer_path: str | None = None
    cache_dir: str | None = None
    gazetteer: bool = True


_WORKER: dict[str, _Config] = {}


def _init_worker(config: _Config) -> None:
    """Open the border index (and the gazetteer) once in this process, for all its tasks."""
    if config.cache_dir:
        os.environ["GEOMAP_CACHE_DIR"] = config.cache_dir
    _WORKER["config"] = config
    borders = load_borders(config.borders_path)  # cached per process by load_borders
    borders.distance(0.0, 0.0)  # build the search index now, not in the first task
    if config.gazetteer:
        open_gazetteer(config.gazetteer_path, build=True, progress=False)  # cached per path


def _worker_borders() -> Borders:
    config = _WORKER.get("config", _Config())
    return load_borders(config.borders_path)


def _distance(borders: Borders, lon: Any, lat: Any, measure: str) -> pd.DataFrame:
    """Call `Borders.distance`, passing ``measure`` only where the method takes it."""
    if "measure" in inspect.signature(borders.distance).parameters:
        return borders.distance(lon, lat, measure=measure)
    if measure != "land":
        raise ConfigurationError(
            f"this geomap's borders know only measure 'land', not {measure!r}"
        )
    return borders.distance(lon, lat)


def _distance_task(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], measure: str
) -> Any:
    """One annotate chunk, in a worker: coordinates in, rounded result columns out."""
    found = _distance(_worker_borders(), lon, lat, measure)
    for column, decimals in _ROUND.items():
        found[column] = found[column].round(decimals)
    return found


def _geoparse_task(docs: list[tuple[str, str]]) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """One batch chunk, in a worker: (id, text) pairs in, incidents and failures out."""
    config = _WORKER.get("config", _Config())
    gazetteer = open_gazetteer(config.gazetteer_path, build=False)
    borders = load_borders(config.borders_path)
    try:
        return incidents_from_texts(docs, gazetteer=gazetteer, borders=borders), []
    except Exception:  # noqa: BLE001 - find which document failed, keep the others
        frames, failed = [], []
        for doc_id, text in docs:
            try:
                frames.append(
                    incidents_from_texts([(doc_id, text)], gazetteer=gazetteer, borders=borders)
                )
            except Exception as err:  # noqa: BLE001 - reported per document, not raised
                failed.append((doc_id, f"{type(err).__name__}: {err}"))
        good = [f for f in frames if len(f)]
        if not good:
            return incidents_from_texts([], gazetteer=gazetteer, borders=borders), failed
        frame = pd.concat(good, ignore_index=True)
        return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), failed


# -- engines -------------------------------------------------------------------------------


class _Engine:
    """Run tasks in order of submission; subclasses decide where."""

    name = "local"
    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as err:  # noqa: BLE001 - re-raised by .result()
            done.set_exception(err)
        return done

    def close(self) -> None:
        """Release the workers."""


class _InlineEngine(_Engine):
    def __init__(self, config: _Config) -> None:
        _init_worker(config)


class _ProcessEngine(_Engine):
    def __init__(self, config: _Config, workers: int) -> None:
        import multiprocessing

        self.workers = workers
        # "spawn": a fresh interpreter per worker; nothing (SQLite handles, threads) is
        # inherited from the driver, and each worker opens its data once in the initializer.
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(config,),
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskEngine(_Engine):
    name = "dask"

    def __init__(self, config: _Config, workers: int | None, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ImportError(_DASK_HINT) from err
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ConfigurationError(
                    f"cannot reach the dask scheduler at {scheduler!r}: {err}; "
                    "check the address (e.g. tcp://host:8786) and that it is running"
                ) from err
        else:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",  # a local cluster listens on loopback only
            )
            self._client = Client(self._cluster)
        self._client.register_plugin(_plugin(config), name="geomap")
        self.workers = max(1, len(self._client.scheduler_info()["workers"]))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _plugin(config: _Config) -> Any:
    """Return a dask worker plugin: each worker opens the border index and gazetteer once."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class GeomapPlugin(WorkerPlugin):
        """Opens geomap's data sets when a worker starts (or joins later)."""

        def setup(self, worker: Any) -> None:  # noqa: ARG002 - dask's signature
            """Open the data sets on this worker."""
            _init_worker(config)

    return GeomapPlugin()


def _engine(name: str, config: _Config, *, workers: int | None, scheduler: str | None) -> _Engine:
    if name not in ENGINES:
        raise ConfigurationError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise ConfigurationError(f"workers must be at least 1, not {workers}")
    if name == "dask":
        return _DaskEngine(config, workers, scheduler)
    if scheduler:
        raise ConfigurationError("--scheduler needs --engine dask")
    count = workers or os.cpu_count() or 1
    return _InlineEngine(config) if count == 1 else _ProcessEngine(config, count)


def _ordered(
    engine: _Engine, jobs: Iterator[tuple[Any, Callable[..., Any], tuple[Any, ...]]]
) -> Iterator[tuple[Any, Any]]:
    """Submit ``(key, fn, args)`` jobs, ``2 * workers`` at most in flight; yield in order."""
    pending: deque[tuple[Any, Any]] = deque()
    limit = 2 * engine.workers
    for key, fn, args in jobs:
        pending.append((key, engine.submit(fn, *args)))
        while len(pending) >= limit:
            head, future = pending.popleft()
            yield head, future.result()
    while pending:
        head, future = pending.popleft()
        yield head, future.result()


def _config(borders_path: Any, gazetteer_path: Any, *, gazetteer: bool) -> _Config:
    return _Config(
        borders_path=None if borders_path is None else os.fspath(borders_path),
        gazetteer_path=None if gazetteer_path is None else os.fspath(gazetteer_path),
        cache_dir=os.environ.get("GEOMAP_CACHE_DIR"),
        gazetteer=gazetteer,
    )


# -- annotate ------------------------------------------------------------------------------


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
    """Return lon, lat (NaN where missing or invalid) from the columns, else the geometry."""
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
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    lon = np.where(bad, np.nan, lon)
    lat = np.where(bad, np.nan, lat)
    return lon, lat


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
        ``frame`` plus :data:`RESULT_COLUMNS` (then ``side``/``kind`` when reported, and
        ``measure``). Rows with missing or invalid coordinates get empty results.

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
    found = _distance(borders or load_borders(), lon, lat, measure)
    for column, decimals in _ROUND.items():
        found[column] = found[column].round(decimals)
    return _joined(frame, found, measure, prefix)


def _result_names(found: pd.DataFrame, prefix: str) -> list[tuple[str, str]]:
    names = list(RESULT_COLUMNS) + [c for c in _OPTIONAL_RESULTS if c in found]
    return [(c, prefix + c) for c in names]


def _joined(frame: pd.DataFrame, found: pd.DataFrame, measure: str, prefix: str) -> pd.DataFrame:
    out = frame.copy()
    for source, target in _result_names(found, prefix):
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
            for batch in _chain([next(batches, None)], batches):
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
        ``longitude``/``lon``/``lng`` if present, else the point geometry.
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
    borders = load_borders(borders_path)
    probe = _distance(borders, 0.0, 0.0, measure)  # checks the measure before any work
    _joined(first.frame.iloc[:0], probe.iloc[:0], measure, prefix)  # and the column names
    config = _config(borders_path, None, gazetteer=False)
    geo_meta = _geo_metadata(source, in_fmt, has_geometry) if out_fmt == "parquet" else None
    rows = invalid = 0
    runner = _engine(engine, config, workers=workers, scheduler=scheduler)
    try:
        with atomic_write(target, force=force) as tmp:
            writer = _TableWriter(tmp, out_fmt, geo_meta)
            bar = tqdm(total=total, desc="annotating", unit="row", disable=_disable(progress))

            def jobs() -> Iterator[tuple[Any, Callable[..., Any], tuple[Any, ...]]]:
                for chunk in _chain([first], chunks):
                    lon, lat = _coordinates(
                        chunk.frame,
                        chunk.geometry,
                        lon_name if use_columns else None,
                        lat_name if use_columns else None,
                    )
                    yield (chunk, lon, lat), _distance_task, (lon, lat, measure)

            for (chunk, lon, lat), found in _ordered(runner, jobs()):
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


def _chain(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def _disable(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


# -- batch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One document of a corpus: its id, its text (or why it is unusable) and extra fields.

    Attributes
    ----------
    id : str
        The JSONL ``id`` (else ``<file>:<line>``) or the file path relative to the folder.
    text : str or None
        The text; None when the document cannot be used.
    error : str or None
        Why it cannot be used (empty, not UTF-8, bad JSON, ...).
    fields : dict
        Other scalar JSONL fields (date, url, ...), carried into the outputs.
    """

    id: str
    text: str | None
    error: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def read_documents(path: str | os.PathLike[str]) -> Iterator[Document]:
    """Yield the documents of a folder of ``.txt`` files or of a JSONL file, in order.

    Parameters
    ----------
    path : path-like
        A folder (its ``*.txt`` files, recursively, sorted by path) or a ``.jsonl`` /
        ``.ndjson`` file of objects with ``text`` (required), ``id`` and other fields.

    Yields
    ------
    Document
        Unusable documents (empty, not UTF-8, invalid JSON, no text, a repeated id) come
        with ``text=None`` and the reason in ``error``; they are never dropped silently.

    Raises
    ------
    InputError
        If the path is missing, neither a folder nor a JSONL file, or has no documents.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"corpus '{root}' does not exist: check the path")
    seen: set[str] = set()
    count = 0
    if root.is_dir():
        for file in sorted(root.rglob("*.txt")):
            doc_id = file.relative_to(root).as_posix()
            count += 1
            try:
                yield Document(doc_id, read_text(file))
            except InputError as err:
                yield Document(doc_id, None, str(err))
        if count == 0:
            raise InputError(f"corpus folder '{root}' has no .txt files: put one article in each")
        return
    if root.suffix.lower() not in (".jsonl", ".ndjson"):
        raise InputError(
            f"corpus '{root}' is neither a folder of .txt files nor a .jsonl file: "
            "pass one of those"
        )
    try:
        handle = open(root, "rb")  # noqa: SIM115 - closed below; lines decoded one by one
    except OSError as err:
        raise InputError(f"cannot read corpus '{root}': {err.strerror}") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            count += 1
            doc = _jsonl_document(raw, f"{root.name}:{number}")
            if doc.text is not None and doc.id in seen:
                doc = Document(doc.id, None, f"id {doc.id!r} repeats an earlier document")
            seen.add(doc.id)
            yield doc
    if count == 0:
        raise InputError(f"corpus '{root}' is empty: give it one JSON object per line")


def _jsonl_document(raw: bytes, where: str) -> Document:
    try:
        record = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        return Document(where, None, f"{where}: not UTF-8 (bad byte at offset {err.start})")
    except json.JSONDecodeError as err:
        return Document(where, None, f"{where}: invalid JSON ({err.msg})")
    if not isinstance(record, dict):
        return Document(where, None, f"{where}: not a JSON object")
    doc_id = str(record.get("id", where))
    text = record.get("text")
    if not isinstance(text, str):
        return Document(doc_id, None, f"{where}: no 'text' string")
    if not text.strip():
        return Document(doc_id, None, f"{where}: empty text")
    fields = {
        k: v
        for k, v in record.items()
        if k not in ("id", "text") and (v is None or isinstance(v, str | int | float | bool))
    }
    return Document(doc_id, text, None, fields)


@dataclass(frozen=True)
class BatchSummary:
    """What :func:`batch_geoparse` did.

    Attributes
    ----------
    documents : int
        Documents in the corpus.
    skipped : list of (str, str)
        ``(id, reason)`` of each document that was skipped.
    rows : int
        Incident rows written (one per distinct place per document).
    outputs : list of Path
        The files and folder written.
    seconds : float
        Wall time.
    engine : str
        The engine used.
    workers : int
        How many workers it had.
    """

    documents: int
    skipped: list[tuple[str, str]]
    rows: int
    outputs: list[Path]
    seconds: float
    engine: str
    workers: int

    @property
    def docs_per_second(self) -> float:
        """Documents per second of wall time."""
        return self.documents / self.seconds if self.seconds > 0 else math.inf


#: Outputs of :func:`batch_geoparse` inside its folder.
BATCH_OUTPUTS: Final = {
    "parquet": "incidents",
    "geojson": "incidents.geojson",
    "gpkg": "incidents.gpkg",
    "html": "map.html",
}


def _with_fields(frame: gpd.GeoDataFrame, fields: dict[str, dict[str, Any]]) -> gpd.GeoDataFrame:
    """Add each document's extra fields as string columns (``doc_<name>`` on a clash)."""
    names = list(dict.fromkeys(k for f in fields.values() for k in f))
    out = frame.copy()
    geometry = out.pop("geometry")
    for name in names:
        column = f"doc_{name}" if name in COLUMNS or name == "geometry" else name
        values = [fields.get(s, {}).get(name) for s in out["source"]]
        out[column] = pd.array([None if v is None else str(v) for v in values], dtype="string")
    out["geometry"] = geometry
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def _parquet_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give text columns a string dtype so every part has the same Parquet schema."""
    out = frame.copy()
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def batch_geoparse(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    docs_per_task: int = 50,
    borders_path: str | os.PathLike[str] | None = None,
    gazetteer_path: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: bool | None = None,
) -> BatchSummary:
    """Geoparse a corpus into one incidents table, written as GeoParquet, GeoJSON, GPKG, map.

    Parameters
    ----------
    path : path-like
        A folder of ``.txt`` files or a JSONL file (see :func:`read_documents`).
    out_dir : path-like
        Created if missing. Receives ``incidents/part-NNNNN.parquet`` (GeoParquet, one
        part per task), ``incidents.geojson``, ``incidents.gpkg`` and ``map.html``
        (clustered markers), plus ``skipped.jsonl`` when documents were skipped.
    engine, scheduler, workers
        As in :func:`annotate_table`.
    docs_per_task : int
        Documents per task and per GeoParquet part.
    borders_path, gazetteer_path : path-like, optional
        The data sets (defaults: Natural Earth, the cached gazetteer); must be readable by
        the workers.
    force : bool
        Replace existing outputs.
    progress : bool, optional
        Progress bar; ``None``: only on a terminal.

    Returns
    -------
    BatchSummary
        With ``skipped`` listing each unusable or failed document and why; the others are
        in the outputs. The incidents have the columns of `geomap.incidents` (``source``
        is the document id) plus the documents' extra fields.

    Raises
    ------
    InputError
        If the corpus cannot be read at all.
    OutputError
        If an output exists (without ``force``) or cannot be written.
    """
    from .export import write_geojson, write_gpkg
    from .render import incident_map, save_map

    started = time.perf_counter()
    if docs_per_task < 1:
        raise ConfigurationError(f"docs per task must be at least 1, not {docs_per_task}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output '{out}' is not a directory: pass a directory to --out")
    targets = {k: out / v for k, v in BATCH_OUTPUTS.items()}
    if not force:
        existing = [t for t in [*targets.values(), out / "skipped.jsonl"] if t.exists()]
        if existing:
            raise OutputError(f"{existing[0]} exists: pass --force to overwrite")
    documents = read_documents(path)
    first = next(documents)  # raises InputError for an unusable corpus before any output
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output directory '{out}': {err.strerror}") from err
    borders = load_borders(borders_path)
    gazetteer = open_gazetteer(gazetteer_path, progress=progress)  # built once, here
    config = _config(borders_path, gazetteer_path, gazetteer=True)
    skipped: list[tuple[str, str]] = []
    count = 0
    parts_dir = Path(tempfile.mkdtemp(prefix=".incidents.", suffix=".tmp", dir=out))
    frames: list[gpd.GeoDataFrame] = []
    runner = _engine(engine, config, workers=workers, scheduler=scheduler)
    try:
        bar = tqdm(desc="geoparsing", unit="doc", disable=_disable(progress))

        def jobs() -> Iterator[tuple[Any, Callable[..., Any], tuple[Any, ...]]]:
            nonlocal count
            batch: list[Document] = []
            for doc in _chain([first], documents):
                count += 1
                if doc.text is None:
                    skipped.append((doc.id, doc.error or "unusable"))
                    continue
                batch.append(doc)
                if len(batch) == docs_per_task:
                    yield batch, _geoparse_task, ([(d.id, d.text) for d in batch],)
                    batch = []
            if batch:
                yield batch, _geoparse_task, ([(d.id, d.text) for d in batch],)

        for part, (batch, (frame, failed)) in enumerate(_ordered(runner, jobs())):
            skipped.extend(failed)
            frame = _with_fields(frame, {d.id: d.fields for d in batch})
            _parquet_ready(frame).to_parquet(parts_dir / f"part-{part:05d}.parquet", index=False)
            frames.append(frame)
            bar.update(len(batch))
        bar.close()
    except BaseException:
        shutil.rmtree(parts_dir, ignore_errors=True)
        raise
    finally:
        runner.close()
    merged = _merge(frames, lambda: incidents_from_texts([], gazetteer=gazetteer, borders=borders))
    written = [_replace_dir(parts_dir, targets["parquet"], force=force)]
    meta = {
        "generator": f"geomap {metadata.version('geomap')}",
        "borders": borders.source,
        "gazetteer": gazetteer.meta.get("source", ""),
        "distance": "geodesic (WGS84 ellipsoid) to the nearest international land border",
    }
    written.append(write_geojson(merged, targets["geojson"], force=force, metadata=meta))
    written.append(write_gpkg(merged, targets["gpkg"], force=force, borders=borders.lines))
    page = incident_map(merged, border_lines=borders.lines, cluster=True)
    written.append(save_map(page, targets["html"], force=force))
    skipped_file = out / "skipped.jsonl"
    if skipped:
        with atomic_write(skipped_file, force=force) as tmp:
            tmp.write_text(
                "".join(
                    json.dumps({"id": i, "error": e}, ensure_ascii=False) + "\n"
                    for i, e in skipped
                ),
                encoding="utf-8",
            )
        written.append(skipped_file)
    elif force and skipped_file.exists():
        skipped_file.unlink()  # from an earlier run: it would describe other documents
    return BatchSummary(
        documents=count,
        skipped=skipped,
        rows=len(merged),
        outputs=written,
        seconds=time.perf_counter() - started,
        engine=runner.name,
        workers=runner.workers,
    )


def _merge(
    frames: list[gpd.GeoDataFrame], empty: Callable[[], gpd.GeoDataFrame]
) -> gpd.GeoDataFrame:
    if not frames:
        return empty()
    merged = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")


def _replace_dir(tmp: Path, target: Path, *, force: bool) -> Path:
    """Move the finished parts folder onto ``target`` (replacing it only with ``force``)."""
    try:
        if target.exists():
            if not force:
                raise OutputError(f"{target} exists: pass --force to overwrite")
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, GeomapError):
            raise
        raise OutputError(f"cannot write {target}: {err.strerror or err}") from err
    return target
