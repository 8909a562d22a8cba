"""The choices geomap's commands and functions offer, named once for the library and the CLI.

Only names and descriptions live here (no heavy imports), so that the CLI can offer them
without loading the stages that act on them.
"""

from __future__ import annotations

from typing import Final

from .errors import ConfigurationError

__all__ = ["FORMATS", "MEASURES", "MEASURE_DESCRIPTIONS", "check_measure"]

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
