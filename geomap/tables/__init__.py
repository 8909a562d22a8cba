"""Event tables in and out as Arrow chunks: CSV (sniffed), Parquet/GeoParquet, GPKG, GeoJSON.

:func:`open_table` reads a table (or standard input) in chunks with every column's type;
:func:`write_table` writes chunks to a file (or CSV to standard output) keeping them.
:mod:`geomap.tables.dialects` guesses how a CSV is written; :mod:`geomap.tables.coords`
reads coordinates from columns or WKB. Nothing here knows about borders.
"""

from geomap.tables.dialects import Dialect, sniff
from geomap.tables.read import (
    COLUMN_TYPES,
    STDIO,
    TABLE_FORMATS,
    ColumnTypeError,
    Table,
    gdal_path,
    open_table,
    table_format,
)
from geomap.tables.write import GeometryOut, write_table

__all__ = [
    "COLUMN_TYPES",
    "STDIO",
    "TABLE_FORMATS",
    "Dialect",
    "GeometryOut",
    "ColumnTypeError",
    "Table",
    "gdal_path",
    "open_table",
    "sniff",
    "table_format",
    "write_table",
]
