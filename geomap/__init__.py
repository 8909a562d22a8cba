"""geomap: news text about violent incidents -> places, distance to the nearest border, maps.

The public API is loaded lazily: ``import geomap`` loads no folium, geopandas, scipy or
pyogrio; each name below imports its module the first time it is used.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

from .errors import (
    BorderDataError,
    ConfigurationError,
    DataFileError,
    DependencyError,
    GazetteerError,
    GeomapError,
    InputError,
    OutputError,
)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time `__getattr__` imports on demand
    from .annotate import annotate_frame, annotate_table
    from .borders import Borders, border_distance, load_borders
    from .corpus import batch_geoparse
    from .evaluate import evaluate_corpus
    from .evaluate_events import evaluate_file
    from .events import analyse_events
    from .gazetteer import Gazetteer, build_gazetteer, open_gazetteer
    from .geocode import GazetteerGeocoder, NominatimGeocoder, get_geocoder
    from .incidents import document_incidents, incidents_from_texts
    from .job import map_files
    from .resolve import Toponym, geoparse
    from .text import get_extractor

__version__ = metadata.version("geomap")

#: Public name -> the module that defines it.
_LAZY = {
    "annotate_frame": "annotate",
    "annotate_table": "annotate",
    "batch_geoparse": "corpus",
    "Borders": "borders",
    "border_distance": "borders",
    "load_borders": "borders",
    "evaluate_corpus": "evaluate",
    "evaluate_file": "evaluate_events",
    "analyse_events": "events",
    "Gazetteer": "gazetteer",
    "build_gazetteer": "gazetteer",
    "open_gazetteer": "gazetteer",
    "GazetteerGeocoder": "geocode",
    "NominatimGeocoder": "geocode",
    "get_geocoder": "geocode",
    "document_incidents": "incidents",
    "incidents_from_texts": "incidents",
    "map_files": "job",
    "Toponym": "resolve",
    "geoparse": "resolve",
    "get_extractor": "text",
}

__all__ = [
    "BorderDataError",
    "Borders",
    "ConfigurationError",
    "DataFileError",
    "DependencyError",
    "GazetteerError",
    "GazetteerGeocoder",
    "NominatimGeocoder",
    "Gazetteer",
    "GeomapError",
    "InputError",
    "OutputError",
    "Toponym",
    "__version__",
    "analyse_events",
    "annotate_frame",
    "annotate_table",
    "batch_geoparse",
    "border_distance",
    "build_gazetteer",
    "document_incidents",
    "evaluate_corpus",
    "evaluate_file",
    "geoparse",
    "get_extractor",
    "get_geocoder",
    "incidents_from_texts",
    "load_borders",
    "map_files",
    "open_gazetteer",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines the public ``name`` on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'geomap' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
