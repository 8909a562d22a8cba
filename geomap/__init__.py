"""geomap: news text about violent incidents -> places, distance to the nearest border, maps."""

from __future__ import annotations

from importlib import metadata

from .annotate import annotate_frame, annotate_table
from .borders import Borders, border_distance, load_borders
from .corpus import batch_geoparse
from .errors import (
    BorderDataError,
    ConfigurationError,
    DataFileError,
    GazetteerError,
    GeomapError,
    InputError,
    OutputError,
    PlaceNotFound,
)
from .evaluate import evaluate_corpus
from .extract import get_extractor
from .gazetteer import Gazetteer, build_gazetteer, open_gazetteer
from .geocode import GazetteerGeocoder, NominatimGeocoder, get_geocoder
from .incidents import document_incidents, incidents_from_texts
from .job import map_files
from .resolve import Toponym, geoparse

__version__ = metadata.version("geomap")

__all__ = [
    "BorderDataError",
    "Borders",
    "ConfigurationError",
    "DataFileError",
    "GazetteerError",
    "GazetteerGeocoder",
    "NominatimGeocoder",
    "Gazetteer",
    "GeomapError",
    "InputError",
    "OutputError",
    "PlaceNotFound",
    "Toponym",
    "__version__",
    "annotate_frame",
    "annotate_table",
    "batch_geoparse",
    "border_distance",
    "build_gazetteer",
    "document_incidents",
    "evaluate_corpus",
    "geoparse",
    "get_extractor",
    "get_geocoder",
    "incidents_from_texts",
    "load_borders",
    "map_files",
    "open_gazetteer",
]
