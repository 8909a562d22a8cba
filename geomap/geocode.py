"""geopy-compatible geocoders over the offline gazetteer.

:class:`GazetteerGeocoder` has geopy's call shape, so it drops into code written for geopy
(``functools.partial``, ``geopy.extra.rate_limiter.RateLimiter``)::

    >>> from geomap import GazetteerGeocoder
    >>> loc = GazetteerGeocoder().geocode("Goris", country_codes=["AM"])
    >>> loc.address, round(loc.latitude, 2), round(loc.longitude, 2)
    ('Goris, AM', 39.51, 46.34)

Coordinates in :class:`geopy.location.Location` are ``(lat, lon)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Protocol

from geopy.location import Location

from .errors import ConfigurationError
from .gazetteer import Candidate, Gazetteer, open_gazetteer

__all__ = ["Geocoder", "GazetteerGeocoder", "get_geocoder", "GEOCODERS"]


class Geocoder(Protocol):
    """What geomap needs of a geocoder: geopy's ``geocode`` call shape."""

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: float | None = None,
        country_codes: Iterable[str] | None = None,
    ) -> Location | list[Location] | None:
        """Return the best place (or all candidates) for ``query``, or ``None``."""
        ...


def _location(c: Candidate) -> Location:
    return Location(f"{c.name}, {c.country_code}", (c.lat, c.lon), c.raw)


class GazetteerGeocoder:
    """Offline geocoder over geomap's cached GeoNames gazetteer.

    Parameters
    ----------
    path : path-like, optional
        Gazetteer file; defaults to the cache (built on first use).
    gazetteer : Gazetteer, optional
        An already opened gazetteer (takes precedence over ``path``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self._path = path
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer, opened on first use."""
        if self._gazetteer is None:
            self._gazetteer = open_gazetteer(self._path)
        return self._gazetteer

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: float | None = None,
        country_codes: Iterable[str] | str | None = None,
        limit: int | None = None,
    ) -> Location | list[Location] | None:
        """Return the place(s) that ``query`` names.

        Parameters
        ----------
        query : str
            A place name; case and accents do not matter.
        exactly_one : bool
            Return the best candidate only (the place's own name before alternate
            spellings, then the most populous), else a list of candidates.
        timeout : float, optional
            Accepted for geopy compatibility; the lookup is local and never waits.
        country_codes : str or iterable of str, optional
            Restrict to these ISO 3166-1 alpha-2 codes.
        limit : int, optional
            With ``exactly_one=False``, at most this many (default 10).

        Returns
        -------
        geopy.location.Location, list of Location, or None
            ``None`` when nothing matches. ``Location.raw`` holds the gazetteer row.
        """
        del timeout  # local lookups have nothing to wait for
        if not isinstance(query, str):
            raise ConfigurationError(f"query must be a string, not {type(query).__name__}")
        codes = [country_codes] if isinstance(country_codes, str) else country_codes
        cands = self.gazetteer.search(
            query, country_codes=codes, limit=1 if exactly_one else (limit or 10)
        )
        if exactly_one:
            return _location(cands[0]) if cands else None
        return [_location(c) for c in cands] or None


GEOCODERS: dict[str, type[Any]] = {"gazetteer": GazetteerGeocoder}


def get_geocoder(name: str) -> type[Any]:
    """Return the geocoder class registered under ``name``.

    Raises
    ------
    ConfigurationError
        If no geocoder has that name.
    """
    try:
        return GEOCODERS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown geocoder {name!r}; choose one of: {', '.join(sorted(GEOCODERS))}"
        ) from None
