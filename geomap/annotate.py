"""Event-table annotation: the nearest international border of every row, in chunks.

:func:`annotate_frame` annotates a table in memory; :func:`annotate_table` streams a table
(:mod:`geomap.tables`: CSV, Parquet/GeoParquet, GeoPackage, GeoJSON, or ``"-"`` for
standard input) in chunks through one of the engines of :mod:`geomap.engines` and writes it
in input order, in the format of the output's suffix (atomically; ``"-"``: CSV on standard
output). Every engine computes the same numbers for the same points, so the output is
identical whichever ran it.

**The user's table stays theirs.** Every input column is written untouched, in its order
and with its type (numbers stay numbers, dates stay dates); geomap's columns
(:data:`ADDED_COLUMNS`) come after them. If one of their names is already taken (ACLED has
``country``), all of them get the prefix ``geomap_``; an explicit ``prefix`` is used as
given. No input column is ever replaced.

Coordinates come from the latitude/longitude columns (WGS84 degrees) or else from the point
geometry, reprojected from its CRS to WGS84 (a GeoParquet ``crs``, a GeoPackage's SRS).
Validity is :func:`geomap.geodesy.as_points`'s: a longitude outside [-180, 180] is wrapped,
rows with missing or unusable coordinates are kept with empty results and counted. Event
data repeat places (many events in one town): each distinct point is computed once per run.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from .borders import Borders, load_borders
from .columns import (
    ADDED_COLUMNS,
    AUTO_PREFIX,
    RESULT_COLUMNS,
    Plan,
    added_names,
    plan_for,
    valid_points,
)
from .distances import NUMBERS, TEXTS, Found, Memo, find, prepare
from .engines import (
    Job,
    WorkerConfig,
    claim,
    consume_in_thread,
    prefetch,
    run_ordered,
    start_engine,
    sweep_leftovers,
    worker_borders,
)
from .errors import ConfigurationError, OutputError
from .io import atomic_write, check_target, progress_disabled
from .options import check_measure
from .tables import (
    STDIO,
    ColumnTypeError,
    Dialect,
    Table,
    open_table,
    table_format,
    write_table,
)
from .tables.coords import LAT_NAMES, LON_NAMES, degrees, find_column, points

__all__ = [
    "ADDED_COLUMNS",
    "AUTO_PREFIX",
    "RESULT_COLUMNS",
    "AnnotateSummary",
    "annotate_frame",
    "annotate_table",
]


@dataclass(frozen=True)
class AnnotateSummary:
    """What :func:`annotate_table` did.

    Attributes
    ----------
    output : Path
        The file written (``Path("-")``: standard output).
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
    columns : tuple of str
        The names of the columns added (with their prefix).
    read_as : str or None
        How a CSV input was read (delimiter, encoding, decimal mark), if any was guessed.
    """

    output: Path
    rows: int
    invalid: int
    seconds: float
    engine: str
    workers: int
    columns: tuple[str, ...] = ()
    read_as: str | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows annotated per second of wall time."""
        return self.rows / self.seconds if self.seconds > 0 else math.inf


def annotate_frame(
    frame: pd.DataFrame,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    measure: str = "land",
    borders: Borders | None = None,
    prefix: str | None = None,
) -> pd.DataFrame:
    """Return ``frame`` with the nearest border of each row added (a copy, same index).

    The in-memory twin of :func:`annotate_table`, with the same columns and numbers; it
    also suits ``dask_geopandas.GeoDataFrame.map_partitions``.

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
    prefix : str, optional
        Put before each added column name; default: none, or ``geomap_`` if a name is taken.

    Returns
    -------
    pandas.DataFrame
        ``frame`` plus :data:`ADDED_COLUMNS` (text as pandas ``string``). Rows with
        missing or invalid coordinates get empty results.

    Raises
    ------
    ConfigurationError
        If no coordinates are found or the added names are taken with ``prefix``.

    Examples
    --------
    >>> df = pd.DataFrame({"latitude": [39.2076, None], "longitude": [46.4068, 1.0]})
    >>> out = annotate_frame(df)
    >>> out["border"].tolist(), out["distance_km"].round(1).tolist()
    (['AM-AZ', <NA>], [0.3, nan])
    """
    check_measure(measure)
    names = added_names([str(c) for c in frame.columns], prefix)
    lon_name = find_column(list(frame.columns), lon_col, LON_NAMES)
    lat_name = find_column(list(frame.columns), lat_col, LAT_NAMES)
    if lon_name in frame and lat_name in frame:
        lon = degrees(pa.array(frame[lon_name], from_pandas=True), str(lon_name))
        lat = degrees(pa.array(frame[lat_name], from_pandas=True), str(lat_name))
    else:
        geo = getattr(frame, "geometry", None) if hasattr(frame, "crs") else None
        if geo is None or lon_col or lat_col:
            raise ConfigurationError(
                "no coordinates found: name the columns (lon_col=, lat_col=) "
                "or pass a GeoDataFrame of points"
            )
        geo = geo.to_crs("EPSG:4326") if geo.crs is not None else geo
        lon, lat, _ = points(pa.array(geo.to_wkb().to_numpy(), pa.binary()), None)
    lon, lat = valid_points(lon, lat)
    found = find(borders or load_borders(), lon, lat, measure)
    out = frame.copy()
    for j, column in enumerate(NUMBERS):
        out[names[column]] = found.numbers[:, j]
    vocab = np.asarray(found.vocab + [None], dtype=object)
    for j, column in enumerate(TEXTS):
        out[names[column]] = pd.array(vocab[found.codes[:, j]], dtype="string")
    out[names["measure"]] = pd.array([measure] * len(out), dtype="string")
    order = [*frame.columns, *(names[c] for c in ADDED_COLUMNS)]
    return out[order]


def _distance_task(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], measure: str
) -> Found:
    """One chunk's new points, in a worker: coordinates in, compact results out."""
    return find(worker_borders(), lon, lat, measure)


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
    code_field: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    prefix: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    types: dict[str, str] | None = None,
    force: bool = False,
    progress: bool | None = None,
) -> AnnotateSummary:
    """Add the nearest international border to every row of an event table, in chunks.

    Parameters
    ----------
    path : path-like or "-"
        CSV (delimiter, encoding and decimal mark guessed unless given), Parquet or
        GeoParquet (a file or a folder of parts), GeoPackage or GeoJSON; the format is taken
        from the suffix (`geomap.tables.TABLE_FORMATS`). ``"-"``: standard input.
    out : path-like or "-", optional
        The output; its suffix picks the format. ``"-"``: CSV on standard output. Default:
        ``<stem>.annotated<suffix>`` beside the input (standard output for ``"-"``).
    lat_col, lon_col : str, optional
        WGS84 coordinate columns, degrees. Default: ``latitude``/``lat`` and
        ``longitude``/``lon``/``lng`` if present, else the point geometry (reprojected
        from its CRS). Longitudes outside [-180, 180] are wrapped.
    measure : str
        ``"land"`` (default), ``"any"`` or ``"outline"`` (see `geomap.borders.MEASURES`).
    engine : {"local", "dask"}
        ``local``: ``workers`` processes of this machine (1: in this process); ``dask``:
        the cluster at ``scheduler``, else a LocalCluster of ``workers`` processes.
    scheduler : str, optional
        Address of an existing dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Local engine: processes; default 1, in which the border search runs on every core
        in threads while other threads read and write (more processes each load the
        borders again and compete for the same cores: see bench/README.md). Dask engine:
        LocalCluster workers, default all cores.
    chunk_size : int
        Rows per chunk (the memory bound: a few chunks are in flight); Parquet chunks
        never straddle the input's row groups.
    borders_path : path-like, optional
        Admin-0 polygons (default Natural Earth 1:10m); must be readable by the workers.
    code_field : str, optional
        Its country-code column (default: the first known one).
    cache_dir : path-like, optional
        Where the borders derived from ``borders_path`` are cached (default
        :func:`geomap.io.cache_dir`, looked up by each worker for itself).
    prefix : str, optional
        Put before each added column name; default none, or ``geomap_`` when the table
        already has a column of that name (:func:`added_names`).
    sep, encoding, decimal : str, optional
        How a CSV is written (delimiter, Python codec, decimal mark); guessed if not given.
    types : dict, optional
        CSV column -> ``text``, ``int``, ``float``, ``date``, ``timestamp`` or ``bool``,
        instead of the guessed type.
    force : bool
        Overwrite ``out``.
    progress : bool, optional
        Progress bar; ``None``: only on a terminal.

    Returns
    -------
    AnnotateSummary
        Rows written, rows with invalid coordinates, the columns added, time.

    Raises
    ------
    InputError
        If the input is missing, empty or not in its encoding.
    DataFileError
        If it cannot be read in its format (the message names the line for a CSV).
    ConfigurationError
        For an unknown format, engine or measure, or missing coordinate columns.
    OutputError
        If ``out`` exists (without ``force``) or cannot be written (a full disk says so).
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    check_measure(measure)
    if chunk_size < 1:
        raise ConfigurationError(f"chunk size must be at least 1, not {chunk_size}")
    source = os.fspath(path)
    if out is None:
        p = Path(source)
        suffix = p.suffix if not p.is_dir() else ".parquet"
        out = STDIO if source == STDIO else p.with_name(f"{p.stem}.annotated{suffix}")
    to_stdout = os.fspath(out) == STDIO
    target = Path(out)
    out_fmt = "csv" if to_stdout else table_format(target, "output")
    if not to_stdout:
        if (
            source != STDIO
            and Path(source).exists()
            and target.resolve() == Path(source).resolve()
        ):
            raise OutputError(f"output '{target}' is the input: choose another --out")
        check_target(target, force=force)
        sweep_leftovers(target)
    # Here first: a bad border file fails before any work, and its cache is built once.
    load_borders(borders_path, code_field=code_field, cache_dir=cache_dir)
    config = WorkerConfig.of(
        borders_path, cache_dir=cache_dir, gazetteer=False, code_field=code_field
    )
    memo = Memo()
    text_columns: list[str] = []
    runner = None
    try:
        while True:
            table = open_table(
                source,
                chunk_size=chunk_size,
                sep=sep,
                encoding=encoding,
                decimal=decimal,
                types=types,
                text_columns=text_columns,
                as_text=out_fmt == "csv",  # CSV to CSV: every cell as written
            )
            try:
                plan = plan_for(table, out_fmt, lon_col, lat_col, measure, prefix)
                if runner is None:
                    count = 1 if workers is None and engine == "local" else workers
                    runner = start_engine(engine, config, workers=count, scheduler=scheduler)
                counts = [0, 0]
                bar = tqdm(
                    total=table.rows,
                    desc="annotating",
                    unit="row",
                    disable=progress_disabled(progress),
                )
                chunks = _annotated(table, plan, runner, memo, counts, bar)
                schema = plan.schema(table)

                # Three at once: a thread reads, this one computes, a thread writes.
                if to_stdout:
                    writer = functools.partial(
                        write_table, None, "csv", schema, geometry=plan.geometry
                    )
                    consume_in_thread(writer, chunks)
                else:
                    with atomic_write(target, force=force) as tmp, claim(tmp.parent):
                        writer = functools.partial(
                            write_table, tmp, out_fmt, schema, geometry=plan.geometry,
                            shown=str(target),
                        )  # fmt: skip
                        consume_in_thread(writer, chunks)
                bar.close()
                break
            except ColumnTypeError as err:
                if source == STDIO or err.column in text_columns:
                    raise
                text_columns.append(err.column)  # read again, that column as text
            finally:
                table.close()
    finally:
        if runner is not None:
            runner.close()
    return AnnotateSummary(
        output=target,
        rows=counts[0],
        invalid=counts[1],
        seconds=time.perf_counter() - started,
        engine=runner.name,
        workers=runner.workers,
        columns=tuple(schema.names[len(table.schema.names) :]),
        read_as=_read_as(table),
    )


def _read_as(table: Table) -> str | None:
    """How a CSV was read, when that was guessed and is not plain comma-separated UTF-8."""
    dialect = table.dialect
    if dialect is None or not dialect.guessed or dialect.describe() == Dialect().describe():
        return None
    return dialect.describe()


def _annotated(
    table: Table, plan: Plan, runner: Any, memo: Memo, counts: list[int], bar: Any
) -> Iterator[pa.Table]:
    """Yield the annotated chunks in input order; count rows and invalid rows."""

    def jobs() -> Iterator[Job]:
        for chunk in prefetch(table.chunks):
            lon, lat, bounds = plan.coordinates(chunk, table)
            prepared = prepare(lon, lat, memo)
            new_lon, new_lat = prepared.missing()
            yield (
                (chunk, lon, lat, bounds, prepared),
                _distance_task,
                (new_lon, new_lat, plan.measure),
            )

    for (chunk, lon, lat, bounds, prepared), found in run_ordered(runner, jobs()):
        rows = prepared.resolve(found, memo)
        counts[0] += chunk.num_rows
        counts[1] += int(np.isnan(lon).sum())
        bar.update(chunk.num_rows)
        yield plan.assemble(chunk, lon, lat, bounds, rows)
