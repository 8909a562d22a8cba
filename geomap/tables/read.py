"""Reading event tables in chunks of Arrow tables: CSV, Parquet/GeoParquet, GPKG, GeoJSON.

Every reader gives a :class:`Table`: the schema as read (every column with its own type),
the geometry column and its CRS when there is one, the row count when it is known, and
the chunks. CSV goes through pyarrow's streaming reader (its dialect from
:func:`geomap.tables.dialects.sniff`); Parquet (one file, or a folder of parts through
``pyarrow.dataset``) row group by row group, so chunks never straddle row groups; GeoPackage
and GeoJSON through GDAL's Arrow stream (``pyogrio.raw.open_arrow``). ``"-"`` reads standard
input (CSV, or Parquet, which is spooled to an unnamed temporary file first).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.dataset as pa_ds
import pyarrow.parquet as pq

from geomap.errors import ConfigurationError, DataFileError, InputError
from geomap.tables.dialects import (
    SAMPLE_BYTES,
    Dialect,
    first_bad_byte,
    header_problem,
    line_of_bytes,
    line_of_text,
    sniff,
)

__all__ = [
    "COLUMN_TYPES",
    "INFER_BYTES",
    "STDIO",
    "TABLE_FORMATS",
    "ColumnTypeError",
    "Table",
    "gdal_path",
    "open_table",
    "projected",
    "table_format",
]

#: The path that means standard input (or output).
STDIO: Final = "-"

TABLE_FORMATS: Final[dict[str, str]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
}
"""Event-table formats, by file suffix (a folder of ``*.parquet`` parts is Parquet)."""

#: Bytes at the start of a CSV from which column types are guessed.
INFER_BYTES = 16 << 20

#: Names a user can give a CSV column's type with (``types=`` / ``--type COL=TYPE``).
COLUMN_TYPES: Final[dict[str, pa.DataType]] = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "bool": pa.bool_(),
}


class ColumnTypeError(DataFileError):
    """Raised when a CSV column guessed from its first rows holds another type further on.

    :func:`geomap.annotate.annotate_table` then reads the file again with that column as
    text; only standard input, which cannot be read twice, lets the error through.
    """

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class Table:
    """An input table opened for reading in chunks.

    Attributes
    ----------
    name : str
        The path as given (``"<stdin>"`` for standard input), for messages.
    fmt : str
        One of the values of :data:`TABLE_FORMATS`.
    schema : pyarrow.Schema
        Every column as read, in order (the geometry column included).
    chunks : iterator of pyarrow.Table
        The rows, in order, at most ``chunk_size`` per chunk.
    rows : int or None
        The row count, when the format says it up front.
    geometry : str or None
        The WKB geometry column, if any.
    crs : str or None
        Its CRS (anything pyproj reads); None: WGS84 longitude/latitude.
    geometry_type : str or None
        GDAL's name for its type, when known ("Point", "Unknown", ...).
    geo : dict or None
        The input's GeoParquet metadata.
    dialect : Dialect or None
        How a CSV was read.
    """

    name: str
    fmt: str
    schema: pa.Schema
    chunks: Iterator[pa.Table]
    rows: int | None = None
    geometry: str | None = None
    crs: str | None = None
    geometry_type: str | None = None
    geo: dict[str, Any] | None = None
    dialect: Dialect | None = None
    _close: list[Callable[[], Any]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Release the files and temporary files held."""
        while self._close:
            with contextlib.suppress(Exception):
                self._close.pop()()


def table_format(path: str | os.PathLike[str], what: str) -> str:
    """Return the format of ``path`` by its suffix (a folder: Parquet parts).

    Raises
    ------
    ConfigurationError
        For a suffix not in :data:`TABLE_FORMATS`.
    """
    p = Path(path)
    found = TABLE_FORMATS.get(p.suffix.lower())
    if found is None and what == "input" and p.is_dir():
        found = "parquet"
    if found is None:
        raise ConfigurationError(
            f"{what} '{p}' has an unknown format: use one of {', '.join(TABLE_FORMATS)}"
        )
    return found


@contextlib.contextmanager
def gdal_path(path: Path) -> Iterator[str]:
    """Yield a name GDAL reads as a plain file for ``path`` (created on exit if written).

    pyogrio reads ``a!b.gpkg`` as member ``b.gpkg`` of an archive ``a`` and ``s3:x`` as a
    URL: such paths are reached through a symbolic link to their folder in a private
    temporary directory, and a file written there is moved onto ``path``.
    """
    text = os.fspath(path)
    if "!" not in text and ":" not in text:
        yield text
        return
    holder = Path(tempfile.mkdtemp(prefix="geomap-gdal-"))
    try:
        folder = holder / "d"
        folder.symlink_to(path.parent.resolve(), target_is_directory=True)
        existed = path.exists()
        alias = folder / ("table" + path.suffix.lower())
        if existed:
            alias = holder / ("table" + path.suffix.lower())
            alias.symlink_to(path.resolve())
        yield os.fspath(alias)
        written = path.parent / alias.name
        if not existed and written.exists():
            written.rename(path)
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def open_table(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = 100_000,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    types: Mapping[str, str] | None = None,
    text_columns: Sequence[str] = (),
    as_text: bool = False,
) -> Table:
    """Open an event table (or ``"-"``, standard input) for reading in chunks.

    Parameters
    ----------
    path : path-like or "-"
        A file whose suffix is in :data:`TABLE_FORMATS`, a folder of Parquet parts, or
        ``"-"`` (a CSV, or a Parquet file, on standard input).
    chunk_size : int
        Rows per chunk at most.
    sep, encoding, decimal : str, optional
        How a CSV is written; guessed from its first 64 KB when not given.
    types : mapping, optional
        CSV column -> one of :data:`COLUMN_TYPES`, instead of the guessed type.
    text_columns : sequence of str
        CSV columns to read as text whatever they look like.
    as_text : bool
        Read every CSV column as text, exactly as written (for CSV out: the text goes
        through unchanged).

    Raises
    ------
    InputError
        If the input is missing.
    DataFileError
        If it cannot be read in its format, or two columns have one name.
    ConfigurationError
        For an unknown format, column type or codec.
    """
    if sep is not None and len(sep) != 1:
        raise ConfigurationError(f"the CSV delimiter must be one character, not {sep!r}")
    if as_text:
        types, text_columns = None, ("*",)
    if os.fspath(path) == STDIO:
        return _open_stdin(chunk_size, sep, encoding, decimal, types, text_columns)
    source = Path(path)
    if not source.exists():
        raise InputError(f"input '{source}' does not exist: check the path")
    fmt = table_format(source, "input")
    if source.is_dir() and fmt != "parquet":
        raise InputError(f"input '{source}' is a directory: pass the table file")
    if fmt == "csv":
        return _open_csv(
            source, str(source), chunk_size, sep, encoding, decimal, types, text_columns
        )
    if fmt == "parquet":
        return _open_parquet(source, str(source), chunk_size)
    return _open_ogr(source, fmt, chunk_size)


class _Chained(io.RawIOBase):
    """The bytes already read from a stream, then the rest of it."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = memoryview(head), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if len(self._head):
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _open_stdin(
    chunk_size: int,
    sep: str | None,
    encoding: str | None,
    decimal: str | None,
    types: Mapping[str, str] | None,
    text_columns: Sequence[str],
) -> Table:
    stream = sys.stdin.buffer
    head = stream.read(SAMPLE_BYTES)
    if head.startswith(b"PAR1"):  # Parquet needs to seek: spool it to an unnamed file
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the table
        spool.write(head)
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        table = _open_parquet(spool, "<stdin>", chunk_size)
        table._close.append(spool.close)
        return table
    chained = io.BufferedReader(_Chained(head, stream), buffer_size=1 << 20)
    return _open_csv(
        chained, "<stdin>", chunk_size, sep, encoding, decimal, types, text_columns, head
    )


def _arrow_codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ConfigurationError(
            f"unknown encoding {encoding!r}: use a Python codec name such as utf-8 or cp1252"
        ) from None
    return "utf8" if name == "utf-8" else name


def _column_types(
    dialect: Dialect, name: str, types: Mapping[str, str] | None, text_columns: Sequence[str]
) -> dict[str, pa.DataType]:
    if "*" in text_columns:  # every column as text
        text_columns = dialect.header
    chosen = {c: pa.string() for c in (*dialect.text_columns, *text_columns)}
    for column, kind in (types or {}).items():
        if kind not in COLUMN_TYPES:
            raise ConfigurationError(
                f"unknown column type {kind!r} for {column!r}: "
                f"use one of {', '.join(COLUMN_TYPES)}"
            )
        if column not in dialect.header:
            raise ConfigurationError(
                f"'{name}' has no column {column!r}: its columns are {', '.join(dialect.header)}"
            )
        chosen[column] = COLUMN_TYPES[kind]
    return {c: t for c, t in chosen.items() if c in dialect.header}


def _open_csv(
    source: Path | IO[bytes],
    name: str,
    chunk_size: int,
    sep: str | None,
    encoding: str | None,
    decimal: str | None,
    types: Mapping[str, str] | None,
    text_columns: Sequence[str],
    head: bytes | None = None,
) -> Table:
    if head is None:
        assert isinstance(source, Path)
        try:
            with open(source, "rb") as handle:
                head = handle.read(SAMPLE_BYTES)
        except OSError as err:
            raise InputError(f"cannot read input '{name}': {err.strerror}") from err
    if not head.strip():
        raise InputError(f"input '{name}' is empty: give it a header line and rows")
    if encoding is not None:
        _arrow_codec(encoding)
    dialect = sniff(head, delimiter=sep, encoding=encoding, decimal=decimal)
    problem = header_problem(dialect.header)
    if problem:
        raise DataFileError(f"cannot read CSV '{name}': {problem}; rename one in its header")
    invalid: list[Any] = []

    def remember(row: Any) -> str:
        invalid.append(row)
        return "error"

    def reader(block: int, column_types: dict[str, pa.DataType]) -> Any:
        try:
            return pa_csv.open_csv(
                os.fspath(source) if isinstance(source, Path) else source,
                read_options=pa_csv.ReadOptions(
                    block_size=block, encoding=_arrow_codec(dialect.encoding)
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=dialect.delimiter,
                    newlines_in_values=True,
                    invalid_row_handler=remember,
                ),
                convert_options=pa_csv.ConvertOptions(
                    strings_can_be_null=False,
                    decimal_point=dialect.decimal,
                    column_types=column_types,
                ),
            )
        except (pa.ArrowException, UnicodeDecodeError) as err:
            raise _csv_failure(err, source, name, dialect, invalid, None) from err

    column_types = _column_types(dialect, name, types, text_columns)
    if isinstance(source, Path) and len(column_types) < len(dialect.header):
        # Types are guessed from the first INFER_BYTES; the file is then read in 1 MB blocks,
        # which costs half the CPU time of large ones and keeps Arrow's read-ahead small.
        probe = reader(INFER_BYTES, column_types).schema
        column_types = {
            f.name: pa.string() if pa.types.is_null(f.type) else f.type for f in probe
        }  # a column empty so far: text
        for f in probe:
            if pa.types.is_binary(f.type):  # Arrow's type for text not in the encoding
                raise _encoding_failure(source, name, dialect, f.name)
    stream = reader(1 << 20, column_types)
    schema = stream.schema
    for f in schema:
        if pa.types.is_binary(f.type):
            raise _encoding_failure(source, name, dialect, f.name)

    def chunks() -> Iterator[pa.Table]:
        pending: list[pa.RecordBatch] = []
        count = 0
        yielded = False
        try:
            for batch in stream:
                pending.append(batch)
                count += batch.num_rows
                if count >= chunk_size:
                    table = pa.Table.from_batches(pending, schema)
                    for lo in range(0, count - chunk_size + 1, chunk_size):
                        yielded = True
                        yield table.slice(lo, chunk_size)
                    rest = count % chunk_size
                    pending = table.slice(count - rest).to_batches() if rest else []
                    count = rest
        except (pa.ArrowException, UnicodeDecodeError) as err:
            raise _csv_failure(err, source, name, dialect, invalid, schema) from err
        if pending or not yielded:
            yield pa.Table.from_batches(pending, schema)

    return Table(name, "csv", schema, chunks(), dialect=dialect)


def _csv_failure(
    err: BaseException,
    source: Path | IO[bytes],
    name: str,
    dialect: Dialect,
    invalid: list[Any],
    schema: pa.Schema | None,
) -> DataFileError:
    """Turn a pyarrow CSV error into a one-line message with the line and the fix."""
    message = str(err)
    if "invalid UTF8" in message or "codec can't decode" in message:
        return _encoding_failure(source, name, dialect, None)
    if invalid:
        row = invalid[0]
        line = row.number
        if line is None and isinstance(source, Path):
            with open(source, "rb") as handle:
                line = line_of_text(handle, row.text, dialect.encoding)
        where = f"line {line}" if line else "a line"
        return DataFileError(
            f"cannot read CSV '{name}': {where} has {row.actual_columns} fields where the "
            f"header has {row.expected_columns} ({row.text[:60]!r}); it was read as "
            f"{dialect.describe()}: pass --sep if that is wrong, else quote that line's fields"
        )
    if "conversion error to" in message and schema is not None and "column #" in message:
        index = int(message.split("column #", 1)[1].split(":", 1)[0])
        column = schema.names[index]
        value = message.rsplit("invalid value", 1)[-1].strip()
        return ColumnTypeError(
            f"column {column!r} of '{name}' looked like {schema.field(index).type} in its "
            f"first rows but holds {value} further on: pass --type {column}=text",
            column,
        )
    if "Empty CSV" in message:
        return InputError(f"input '{name}' is empty: give it a header line and rows")
    return DataFileError(f"cannot read CSV '{name}' ({dialect.describe()}): {message}")


def _encoding_failure(
    source: Path | IO[bytes], name: str, dialect: Dialect, column: str | None
) -> DataFileError:
    where = f" (column {column!r})" if column else ""
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            bad = first_bad_byte(handle, dialect.encoding)
            if bad is not None:
                where = f": byte 0x{bad[1]:02x} on line {line_of_bytes(handle, bad[0])}{where}"
    guess = "cp1252" if dialect.encoding == "utf-8" else "utf-8"
    return InputError(
        f"input '{name}' is not {dialect.encoding} text{where}: pass --encoding "
        f"(e.g. --encoding {guess}) or convert it (iconv -f ... -t utf-8)"
    )


def _geo_metadata(
    schema: pa.Schema, name: str
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """Return the GeoParquet metadata, its primary column and CRS, checked."""
    raw = (schema.metadata or {}).get(b"geo")
    if raw is None:
        return None, None, None
    fix = (
        "rewrite it (e.g. geopandas to_parquet), or remove the 'geo' metadata and pass "
        "--lat-col/--lon-col"
    )
    try:
        geo = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise DataFileError(
            f"'{name}' has GeoParquet metadata that is not JSON ({err}): {fix}"
        ) from err
    column = geo.get("primary_column") if isinstance(geo, dict) else None
    columns = geo.get("columns") if isinstance(geo, dict) else None
    spec = columns.get(column) if isinstance(columns, dict) else None
    if not isinstance(column, str) or not isinstance(spec, dict):
        raise DataFileError(
            f"'{name}' has malformed GeoParquet metadata (no primary column described): {fix}"
        )
    if (
        column not in schema.names
        or not pa.types.is_binary(schema.field(column).type)
        and not pa.types.is_large_binary(schema.field(column).type)
    ):
        raise DataFileError(
            f"'{name}' GeoParquet metadata names geometry column {column!r}, which is not a "
            f"binary column of the file: {fix}"
        )
    if str(spec.get("encoding", "WKB")).upper() != "WKB":
        raise DataFileError(
            f"'{name}' stores its geometry as {spec.get('encoding')!r}, not WKB: convert it "
            "to WKB, or pass --lat-col/--lon-col"
        )
    crs = spec.get("crs")  # absent: OGC:CRS84; null: unknown, taken as lon/lat like GIS do
    try:
        return geo, column, projected(crs)
    except ValueError as err:
        raise DataFileError(
            f"'{name}' has a GeoParquet CRS pyproj cannot read ({err}): {fix}"
        ) from err


def projected(crs: Any) -> str | None:
    """Return ``crs`` as text if it is not WGS84 longitude/latitude, else None.

    Raises
    ------
    ValueError
        If pyproj cannot read it.

    Examples
    --------
    >>> projected("EPSG:4326"), projected(None), projected("EPSG:3857")
    (None, None, 'EPSG:3857')
    """
    if crs is None or crs == "":
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        found = CRS.from_user_input(crs)
    except CRSError as err:
        raise ValueError(str(err)) from err
    if found.equals("OGC:CRS84") or found.equals("EPSG:4326", ignore_axis_order=True):
        return None
    return json.dumps(crs) if isinstance(crs, dict) else str(crs)


def _open_parquet(source: Path | IO[bytes], name: str, chunk_size: int) -> Table:
    fix = "check it is a whole Parquet file (or folder of them)"
    try:
        if isinstance(source, Path) and source.is_dir():
            dataset = pa_ds.dataset(source, format="parquet")
            files: list[Any] = sorted(dataset.files)
            schema = dataset.schema
            if not files:
                raise InputError(
                    f"folder '{name}' has no Parquet files: pass a table or a folder of *.parquet"
                )
        else:
            files = [source]
            schema = pq.read_schema(source)
            if not isinstance(source, Path):
                source.seek(0)
        # Page by page (not whole row groups at once): less memory, no slower.
        handles = [pq.ParquetFile(f, pre_buffer=False, buffer_size=1 << 20) for f in files]
    except (OSError, pa.ArrowException) as err:
        if isinstance(err, InputError):
            raise
        raise DataFileError(f"cannot read Parquet '{name}': {err}: {fix}") from err
    problem = header_problem(schema.names)
    if problem:
        raise DataFileError(
            f"cannot read Parquet '{name}': {problem}; rename one (e.g. pyarrow rename_columns)"
        )
    geo, geometry, crs = _geo_metadata(schema, name)

    def chunks() -> Iterator[pa.Table]:
        yielded = False
        try:
            for handle in handles:
                for group in range(handle.num_row_groups):
                    for batch in handle.iter_batches(batch_size=chunk_size, row_groups=[group]):
                        yielded = True
                        table = pa.Table.from_batches([batch])
                        yield table if table.schema.equals(schema) else table.cast(schema)
        except (OSError, pa.ArrowException) as err:
            raise DataFileError(f"cannot read Parquet '{name}': {err}: {fix}") from err
        if not yielded:
            yield schema.empty_table()

    rows = sum(h.metadata.num_rows for h in handles)
    return Table(name, "parquet", schema, chunks(), rows=rows, geometry=geometry, crs=crs, geo=geo)


def _ogr_crs(crs: Any, name: str) -> str | None:
    try:
        return projected(crs)
    except ValueError as err:
        raise DataFileError(f"'{name}' has a CRS pyproj cannot read ({err}): fix its SRS") from err


def _open_ogr(source: Path, fmt: str, chunk_size: int) -> Table:
    import pyogrio
    import pyogrio.raw

    name = str(source)
    holder = gdal_path(source)
    alias = holder.__enter__()
    try:
        info = pyogrio.read_info(alias)
        context = pyogrio.raw.open_arrow(alias, batch_size=chunk_size, use_pyarrow=True)
        meta, reader = context.__enter__()
    except Exception as err:  # noqa: BLE001 - pyogrio raises its own DataSourceError & co
        holder.__exit__(None, None, None)
        raise DataFileError(f"cannot read '{name}' as {fmt}: {err}") from err
    schema = reader.schema
    geometry = meta.get("geometry_name") or (
        "wkb_geometry" if "wkb_geometry" in schema.names else None
    )
    problem = header_problem(schema.names)
    if problem:
        context.__exit__(None, None, None)
        holder.__exit__(None, None, None)
        raise DataFileError(f"cannot read '{name}': {problem}; rename one")

    def chunks() -> Iterator[pa.Table]:
        yielded = False
        try:
            for batch in reader:
                yielded = True
                yield pa.Table.from_batches([batch])
        except Exception as err:  # noqa: BLE001 - GDAL's errors, one line with the file
            raise DataFileError(f"cannot read '{name}' as {fmt}: {err}") from err
        if not yielded:
            yield schema.empty_table()

    table = Table(
        name,
        fmt,
        schema,
        chunks(),
        rows=int(info["features"]) if int(info["features"]) >= 0 else None,
        geometry=geometry,
        crs=_ogr_crs(meta.get("crs"), name),
        geometry_type=info.get("geometry_type"),
    )
    table._close.extend(
        [lambda: holder.__exit__(None, None, None), lambda: context.__exit__(None, None, None)]
    )
    return table
