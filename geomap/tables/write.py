"""Writing tables from chunks: CSV, GeoParquet 1.1, GeoPackage and GeoJSON, every type kept.

:func:`write_table` streams chunks (Arrow tables of one schema) into one file, or CSV into
standard output. Column types stay what they are: numbers, dates and timestamps are
written as such in Parquet and GeoPackage, as numbers and ISO 8601 text in CSV and
GeoJSON. A WKB geometry column becomes WKT text in CSV; nested columns (lists, structs)
become JSON text there. Parquet output with a geometry is GeoParquet 1.1 with a ``bbox``
covering column when one is given; GeoPackage and GeoJSON go through GDAL's Arrow writer
(GeoJSON as RFC 7946, reprojected to WGS84 by GDAL).
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from geomap.errors import ConfigurationError, GeomapError, OutputError
from geomap.tables.read import gdal_path

__all__ = ["GeometryOut", "write_table"]

_OGR_DRIVERS: Final = {"gpkg": "GPKG", "geojson": "GeoJSON"}


@dataclass(frozen=True)
class GeometryOut:
    """The geometry of the chunks being written.

    Attributes
    ----------
    column : str
        The WKB column.
    crs : str or None
        Its CRS (anything pyproj reads); None: WGS84 longitude/latitude (OGC:CRS84).
    geometry_type : str
        GDAL's name for it: "Point", or "Unknown" for a mix.
    bbox : str or None
        A struct column ``xmin, ymin, xmax, ymax`` to declare as the GeoParquet covering.
    geo : dict or None
        The input's GeoParquet metadata, kept (with the covering added).
    """

    column: str
    crs: str | None = None
    geometry_type: str = "Unknown"
    bbox: str | None = None
    geo: dict[str, Any] | None = None

    def geoparquet(self) -> dict[str, Any]:
        """Return the GeoParquet 1.1 ``geo`` metadata for this geometry."""
        geo = json.loads(json.dumps(self.geo)) if self.geo else {}
        spec = dict(geo.get("columns", {}).get(self.column, {}))
        spec.setdefault("encoding", "WKB")
        spec.setdefault(
            "geometry_types", [] if self.geometry_type == "Unknown" else [self.geometry_type]
        )
        if self.crs is not None and "crs" not in spec:
            from pyproj import CRS

            spec["crs"] = CRS.from_user_input(self.crs).to_json_dict()
        if self.bbox is not None:
            spec["covering"] = {
                "bbox": {k: [self.bbox, k] for k in ("xmin", "ymin", "xmax", "ymax")}
            }
        columns = dict(geo.get("columns", {}))
        columns[self.column] = spec
        return {**geo, "version": "1.1.0", "primary_column": self.column, "columns": columns}


def _fixed_type(dtype: pa.DataType, fmt: str, geometry: bool) -> pa.DataType:
    """Return the type a column is written with in ``fmt`` (most keep their own)."""
    if pa.types.is_null(dtype):
        return pa.string()
    if pa.types.is_dictionary(dtype):
        return _fixed_type(dtype.value_type, fmt, geometry)
    if fmt == "csv" and (geometry or pa.types.is_nested(dtype)):
        return pa.string()
    return dtype


def _out_schema(schema: pa.Schema, fmt: str, geometry: GeometryOut | None) -> pa.Schema:
    geo_column = geometry.column if geometry is not None else None
    fields = [f.with_type(_fixed_type(f.type, fmt, f.name == geo_column)) for f in schema]
    meta = {k: v for k, v in (schema.metadata or {}).items() if k not in (b"pandas", b"geo")}
    if fmt == "parquet" and geometry is not None:
        meta[b"geo"] = json.dumps(geometry.geoparquet()).encode()
    return pa.schema(fields, metadata=meta or None)


def _as_text(column: Any, geometry: bool) -> pa.Array:
    if geometry:
        import numpy as np
        import shapely

        wkb = column.to_numpy(zero_copy_only=False)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
        return pa.array(shapely.to_wkt(np.asarray(geoms), rounding_precision=-1), pa.string())
    return pa.array(
        [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()],
        pa.string(),
    )


def _conformed(chunk: pa.Table, schema: pa.Schema, geometry: GeometryOut | None) -> pa.Table:
    """Give the chunk the output schema (text for geometry and nested columns in CSV)."""
    if chunk.schema.equals(schema, check_metadata=False):
        return chunk.replace_schema_metadata(schema.metadata)
    geo_column = geometry.column if geometry is not None else None
    columns = []
    for field, column in zip(schema, chunk.columns, strict=True):
        if column.type.equals(field.type):
            columns.append(column)
        elif pa.types.is_string(field.type) and (
            field.name == geo_column or pa.types.is_nested(column.type)
        ):
            columns.append(_as_text(column, field.name == geo_column))
        else:
            columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _dictionary_columns(chunk: pa.Table) -> list[str]:
    """Return the columns worth dictionary-encoding: few distinct values in the first chunk.

    Dictionary-encoding a column of mostly distinct values (ids, notes) only costs time;
    Parquet would fall back to plain encoding after trying.
    """
    import pyarrow.compute as pc

    limit = max(1, chunk.num_rows // 4)
    return [
        field.name
        for field, column in zip(chunk.schema, chunk.columns, strict=True)
        if not pa.types.is_nested(field.type) and pc.count_distinct(column).as_py() <= limit
    ]


def _failed(err: BaseException, shown: str) -> OutputError:
    if isinstance(err, OSError) and err.errno == errno.ENOSPC or "No space left" in str(err):
        return OutputError(
            f"no space left on the device while writing '{shown}': nothing was kept; free "
            "some space or choose another --out"
        )
    reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return OutputError(f"cannot write '{shown}': {reason}")


def write_table(
    path: Path | None,
    fmt: str,
    schema: pa.Schema,
    chunks: Iterator[pa.Table],
    *,
    geometry: GeometryOut | None = None,
    shown: str | None = None,
) -> None:
    """Write ``chunks`` (tables of ``schema``) to ``path`` in ``fmt``, as they come.

    Parameters
    ----------
    path : Path or None
        The file to create (the caller makes it atomic); None: standard output (CSV only).
    fmt : str
        ``"csv"``, ``"parquet"``, ``"gpkg"`` or ``"geojson"``.
    schema : pyarrow.Schema
        The schema of every chunk.
    chunks : iterator of pyarrow.Table
        The rows; an exception raised while producing them is raised here unchanged.
    geometry : GeometryOut, optional
        The WKB geometry column (required for GeoPackage and GeoJSON).
    shown : str, optional
        The name of the output for messages (default: ``path``).

    Raises
    ------
    OutputError
        If the file cannot be written (a full disk says so).
    ConfigurationError
        For a format that cannot go to standard output or lacks a geometry.
    """
    name = shown or (str(path) if path is not None else "<stdout>")
    out_schema = _out_schema(schema, fmt, geometry)
    if path is None and fmt != "csv":
        raise ConfigurationError("standard output takes CSV only: give --out a file for " + fmt)
    conformed = (_conformed(c, out_schema, geometry) for c in chunks)
    try:
        if fmt == "csv":
            sink: Any = sys.stdout.buffer if path is None else os.fspath(path)
            with pa_csv.CSVWriter(sink, out_schema) as writer:
                for chunk in conformed:
                    writer.write_table(chunk)
        elif fmt == "parquet":
            assert path is not None
            first = next(conformed, None)
            chunks_out = itertools.chain([first], conformed) if first is not None else iter(())
            dictionary = _dictionary_columns(first) if first is not None else True
            with pq.ParquetWriter(path, out_schema, use_dictionary=dictionary) as writer:
                for chunk in chunks_out:
                    writer.write_table(chunk, row_group_size=max(1, chunk.num_rows))
        else:
            assert path is not None
            if geometry is None:
                raise ConfigurationError(f"{fmt} output needs a geometry: pass a table with one")
            _write_ogr(path, fmt, out_schema, conformed, geometry)
    except (BrokenPipeError, GeomapError):
        raise  # a reader that stopped, or a failure of the input: not the output's
    except (OSError, pa.ArrowException) as err:
        raise _failed(err, name) from err


def _write_ogr(
    path: Path, fmt: str, schema: pa.Schema, chunks: Iterator[pa.Table], geometry: GeometryOut
) -> None:
    import pyogrio

    raised: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for chunk in chunks:
                yield from chunk.to_batches()
        except BaseException as err:  # noqa: BLE001 - GDAL would hide it: raised below
            raised.append(err)
            raise

    options = {"RFC7946": "YES"} if fmt == "geojson" else {}
    with gdal_path(path) as alias:
        try:
            pyogrio.write_arrow(
                pa.RecordBatchReader.from_batches(schema, batches()),
                alias,
                layer=path.stem,
                driver=_OGR_DRIVERS[fmt],
                geometry_name=geometry.column,
                geometry_type=geometry.geometry_type,
                crs=geometry.crs or "EPSG:4326",
                encoding="UTF-8" if fmt != "gpkg" else None,
                layer_options=options or None,
            )
        except Exception as err:
            if raised:
                raise raised[0] from None
            if isinstance(err, OSError | pa.ArrowException):
                raise
            raise _failed(err, os.fspath(path)) from err
        if raised:
            raise raised[0]
