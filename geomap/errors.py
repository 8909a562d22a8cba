"""Typed errors: every failure geomap reports derives from `GeomapError`."""

from __future__ import annotations

__all__ = [
    "GeomapError",
    "ConfigurationError",
    "DataFileError",
    "InputError",
    "GazetteerError",
    "BorderDataError",
    "PlaceNotFound",
    "OutputError",
]


class GeomapError(Exception):
    """Root of all geomap errors; the CLI turns it into a one-line message and exit 1."""


class ConfigurationError(GeomapError, ValueError):
    """Raised for an invalid option or argument (an unknown backend, a bad value)."""


class DataFileError(GeomapError, OSError):
    """Raised when a data file cannot be read: missing, a directory, unreadable or corrupt."""


class InputError(DataFileError):
    """Raised when an input text cannot be used: missing, empty, a directory or not UTF-8."""


class GazetteerError(DataFileError):
    """Raised when the gazetteer cache cannot be built, opened or verified."""


class BorderDataError(DataFileError):
    """Raised when a border dataset cannot be read or has no usable country polygons."""


class PlaceNotFound(GeomapError, LookupError):  # noqa: N818 (geopy-style name)
    """Raised when a lookup that must succeed finds no place."""


class OutputError(GeomapError, OSError):
    """Raised when an output cannot be written (exists without --force, unwritable directory)."""
