"""geopy-compatible geocoders over the offline gazetteer.

:class:`GazetteerGeocoder` has geopy's call shape, so it drops into code written for geopy
(``functools.partial``, ``geopy.extra.rate_limiter.RateLimiter``)::

    >>> from geomap import GazetteerGeocoder
    >>> loc = GazetteerGeocoder().geocode("Goris", country_codes=["AM"])
    >>> loc.address, round(loc.latitude, 2), round(loc.longitude, 2)
    ("Goris, Syunik', AM", 39.51, 46.34)
    >>> GazetteerGeocoder().geocode("Paris, TN").address
    'Paris, Tennessee, US'


Coordinates in :class:`geopy.location.Location` are ``(lat, lon)``.

:class:`NominatimGeocoder` is the one way geomap reaches the network, and only when asked
for (``get_geocoder("nominatim")``): OpenStreetMap's Nominatim through geopy, at most one
request a second, every answer cached in SQLite, the gazetteer when Nominatim does not answer.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from geopy.location import Location

from .errors import ConfigurationError, DataFileError
from .gazetteer import Gazetteer, open_gazetteer
from .io import cache_dir
from .names import Candidate, Feature, MatchKind, normalize_name
from .rules import table

__all__ = ["Geocoder", "GazetteerGeocoder", "NominatimGeocoder", "get_geocoder", "GEOCODERS"]


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


def _location(c: Candidate, region: str | None = None) -> Location:
    """Return a geopy Location for ``c``; ``raw`` gains its first-level region's name."""
    parts = [c.name, *([region] if region and region != c.name else []), c.country_code]
    return Location(", ".join(p for p in parts if p), (c.lat, c.lon), {**c.raw, "region": region})


# Short forms of first-level regions a query may end with: "Tenn.", "TN" (postal codes).
_REGION_FORMS = {
    **{normalize_name(short): normalize_name(name) for short, name in table("abbreviations")},
    **{code.casefold(): normalize_name(name) for code, name in table("postal_codes")},
}


class GazetteerGeocoder:
    """Offline geocoder over geomap's cached GeoNames gazetteer.

    Parameters
    ----------
    path : path-like, optional
        Gazetteer file; defaults to the cache (built on first use).
    gazetteer : Gazetteer, optional
        An already opened gazetteer (takes precedence over ``path``).
    cache_dir : path-like, optional
        The cache directory holding the gazetteer; default :func:`geomap.io.cache_dir`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        gazetteer: Gazetteer | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._path = path
        self._gazetteer = gazetteer
        self._cache_dir = cache_dir

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer, opened on first use."""
        if self._gazetteer is None:
            self._gazetteer = open_gazetteer(self._path, cache_dir=self._cache_dir)
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
        cands = self.gazetteer.search(query, country_codes=codes, limit=None)
        if not cands and "," in query:  # "Paris, Tennessee", "Paris, TN", "Paris, France"
            cands = self._within(query, codes)
        cands = cands[: 1 if exactly_one else (limit or 10)]
        found = [_location(c, self._region(c)) for c in cands]
        if exactly_one:
            return found[0] if found else None
        return found or None

    def _region(self, c: Candidate) -> str | None:
        """Return the name of the first-level region ``c`` lies in (a region: its own)."""
        if c.feature == Feature.REGION:
            return c.name
        return self.gazetteer.region_name(c.country_code, c.admin1) if c.admin1 else None

    def _within(self, query: str, codes: Iterable[str] | None) -> list[Candidate]:
        """Answer "Town, Area": the candidates of the town that lie in the named area.

        The area is a first-level region (its name, a style-guide short form such as
        "Tenn." or a postal code such as "TN") or a country (its name or ISO code).
        """
        name, _, area = query.rpartition(",")
        key = normalize_name(area)
        areas: set[tuple[str, str]] = set()
        region_key = _REGION_FORMS.get(key, key)
        for c in self.gazetteer.lookup([region_key, key]).get(region_key, []):
            if c.feature == Feature.REGION:
                areas.add((c.country_code, c.admin1))
            elif c.feature == Feature.COUNTRY and c.kind <= MatchKind.ALIAS:
                areas.add((c.country_code, ""))
        if len(area.strip()) == 2 and area.strip().isalpha():
            areas.add((area.strip().upper(), ""))  # an ISO country code
        towns = self.gazetteer.search(name, country_codes=codes, limit=None)
        inside = [c for c in towns if (c.country_code, c.admin1) in areas
                  or (c.country_code, "") in areas]  # fmt: skip
        return inside


class NominatimGeocoder:
    """Opt-in online geocoder: OpenStreetMap Nominatim via geopy, cached, with a fallback.

    It follows Nominatim's usage policy: a user agent that names your application (no
    default), at most one request per ``min_delay_seconds`` (geopy's ``RateLimiter``),
    and every answer, "not found" included, cached in an SQLite file so that no query is
    sent twice. When Nominatim times out or is unavailable, the offline gazetteer answers
    (with a warning) and that answer is not cached.

    Parameters
    ----------
    user_agent : str, optional
        Identifies your application to Nominatim; default ``$GEOMAP_USER_AGENT``.
    cache_path : path-like, optional
        The answer cache; default ``nominatim-v1.sqlite`` in the cache directory.
    min_delay_seconds : float, default 1.0
        Least time between two requests (the policy's maximum is one per second).
    timeout : float, default 10
        Seconds to wait for an answer before falling back to the gazetteer.
    gazetteer : Gazetteer, optional
        The fallback's gazetteer; default the cached one.
    geocoder : object, optional
        A geopy geocoder to use instead of ``geopy.geocoders.Nominatim`` (tests, a
        private Nominatim server).

    Raises
    ------
    ConfigurationError
        If no user agent is given or set.
    DataFileError
        If the answer cache cannot be opened.
    """

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        cache_path: str | os.PathLike[str] | None = None,
        min_delay_seconds: float = 1.0,
        timeout: float = 10,
        gazetteer: Gazetteer | None = None,
        geocoder: Any = None,
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        agent = user_agent or os.environ.get("GEOMAP_USER_AGENT", "").strip()
        if not agent:
            raise ConfigurationError(
                "the Nominatim geocoder needs a user agent naming your application and a "
                "contact (its usage policy): set GEOMAP_USER_AGENT or pass user_agent="
            )
        if geocoder is None:
            from geopy.geocoders import Nominatim

            geocoder = Nominatim(user_agent=agent, timeout=timeout)
        self.user_agent = agent
        self._timeout = timeout
        self._limited = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )
        self._fallback = GazetteerGeocoder(gazetteer=gazetteer)
        self.cache_path = Path(cache_path) if cache_path else cache_dir() / "nominatim-v1.sqlite"
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.cache_path, check_same_thread=False)
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL,"
                " fetched_at REAL NOT NULL)"
            )
            self._con.commit()
        except (OSError, sqlite3.Error) as err:
            raise DataFileError(
                f"cannot open the Nominatim answer cache '{self.cache_path}' ({err}): "
                "set GEOMAP_CACHE_DIR to a writable directory"
            ) from err

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: float | None = None,
        country_codes: Iterable[str] | str | None = None,
    ) -> Location | list[Location] | None:
        """Return the place(s) Nominatim finds for ``query`` (cached), else the gazetteer's.

        Parameters
        ----------
        query : str
            A place name or address.
        exactly_one : bool
            The best match only, else a list.
        timeout : float, optional
            Seconds to wait for Nominatim (default the constructor's ``timeout``).
        country_codes : str or iterable of str, optional
            Restrict to these ISO 3166-1 alpha-2 codes.

        Returns
        -------
        geopy.location.Location, list of Location, or None
            ``(lat, lon)`` order; ``None`` when nothing matches.
        """
        from geopy.exc import GeocoderTimedOut, GeocoderUnavailable

        if not isinstance(query, str):
            raise ConfigurationError(f"query must be a string, not {type(query).__name__}")
        codes = [country_codes] if isinstance(country_codes, str) else list(country_codes or [])
        codes = sorted(c.lower() for c in codes)
        key = json.dumps([normalize_name(query), codes, exactly_one])
        row = self._con.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return _from_cache(json.loads(row[0]), exactly_one)
        try:
            found = self._limited(
                query,
                exactly_one=exactly_one,
                timeout=timeout if timeout is not None else self._timeout,
                country_codes=codes or None,
            )
        except (GeocoderTimedOut, GeocoderUnavailable) as err:
            warnings.warn(
                f"Nominatim did not answer for {query!r} ({type(err).__name__}); "
                "using the offline gazetteer",
                stacklevel=2,
            )
            return self._fallback.geocode(
                query, exactly_one=exactly_one, country_codes=codes or None
            )
        locations = [] if found is None else [found] if isinstance(found, Location) else found
        answer = [[loc.address, loc.latitude, loc.longitude, loc.raw] for loc in locations]
        with self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                (key, json.dumps(answer, ensure_ascii=False), time.time()),
            )
        return _from_cache(answer, exactly_one)

    def close(self) -> None:
        """Close the answer cache."""
        self._con.close()


def _from_cache(answer: list[list[Any]], exactly_one: bool) -> Location | list[Location] | None:
    locations = [Location(address, (lat, lon), raw) for address, lat, lon, raw in answer]
    if not locations:
        return None
    return locations[0] if exactly_one else locations


GEOCODERS: dict[str, type[Any]] = {
    "gazetteer": GazetteerGeocoder,
    "nominatim": NominatimGeocoder,
}


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
