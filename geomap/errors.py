"""Typed errors: every failure geomap reports derives from `GeomapError`."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = [
    "GeomapError",
    "ConfigurationError",
    "DataFileError",
    "InputError",
    "GazetteerError",
    "BorderDataError",
    "OutputError",
    "DependencyError",
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


class OutputError(GeomapError, OSError):
    """Raised when an output cannot be written (exists without --force, unwritable directory)."""


class DependencyError(GeomapError, ImportError):
    """Raised when an optional program or package a feature needs is missing.

    For example ``--format png`` without Chromium or Playwright; the message names what to
    install.
    """


class _PlaceNotFound(GeomapError, LookupError):  # noqa: N818 (the old public name)
    """Raised by nothing: geomap's lookups return None or an empty list when nothing matches."""


def __getattr__(name: str) -> Any:
    """Keep ``geomap.errors.PlaceNotFound`` importable, with a warning (it is never raised)."""
    if name == "PlaceNotFound":
        warnings.warn(
            "geomap.errors.PlaceNotFound is deprecated: no geomap function raises it "
            "(lookups return None or an empty list); catch GeomapError instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return _PlaceNotFound
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
