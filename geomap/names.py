"""Place names: one normalisation for both sides of a lookup, match kinds, feature types.

Shared by the gazetteer (its keys), the recognisers (their queries) and resolution (what a
candidate is). Nothing here knows about text flow, geometry or maps.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

from .rules import table

__all__ = [
    "behaves_as",
    "AREAS",
    "CONTEXT_ONLY",
    "LANDMARKS",
    "LINES",
    "NOT_INCIDENT_POINTS",
    "SHORT_FORMS",
    "SUPPLEMENTED",
    "TERRAIN",
    "UNITS",
    "WATER",
    "Candidate",
    "Feature",
    "MatchKind",
    "normalize_name",
    "normalize_names",
]


class MatchKind(IntEnum):
    """How a name matched a place, strongest first (stored as an int in the gazetteer)."""

    PRIMARY = 0  #: the place's own name
    ALTERNATE = 1  #: another spelling or language
    ALIAS = 2  #: a country's alias ("US", "Britain") or official name
    ADJECTIVE = 3  #: a country's adjective or demonym ("Armenian")
    DEMONYM = 4  #: a country's people in the plural ("Palestinians"): context, not a place
    INSTITUTION = 5  #: a building standing for a government ("White House"): context only


class Feature(str, Enum):
    """What a gazetteer place is (stored as its value in the gazetteer).

    The first seven come from GeoNames and Natural Earth; the others are the feature types
    of the curated supplement (``geomap/data/supplement.tsv``), grouped below by what a map
    of incidents may do with them (:data:`LINES`, :data:`WATER`, :data:`TERRAIN`,
    :data:`LANDMARKS`).
    """

    CITY = "city"
    CAPITAL = "capital"  #: a national capital
    COUNTY = "county"  #: a second-level unit (county, district)
    REGION = "region"  #: a first-level unit (state, province)
    COUNTRY = "country"
    MACROREGION = "macroregion"  #: a region of several countries ("Middle East")
    CONTINENT = "continent"
    DISPUTED_AREA = "disputed_area"  #: "Golan Heights", "Kashmir", "Shebaa Farms"
    BREAKAWAY = "breakaway"  #: a de facto state ("South Ossetia", "Transnistria")
    CEASEFIRE_LINE = "ceasefire_line"  #: "Line of Control", "Blue Line"
    BORDER_LINE = "border_line"  #: a named border ("Durand Line")
    VALLEY = "valley"
    MOUNTAIN_RANGE = "mountain_range"
    MOUNTAIN = "mountain"
    RIVER = "river"
    SEA = "sea"  #: seas, gulfs and oceans
    STRAIT = "strait"
    LAKE = "lake"
    LANDMARK = "landmark"  #: a temple, a fortress, a base
    CROSSING = "crossing"  #: a border crossing or a bridge
    DAM = "dam"
    PLANT = "plant"  #: a power plant
    TOWN = "town"  #: a supplement row that only adds a spelling to a GeoNames town

    def __str__(self) -> str:
        return self.value


#: Lines: their point is a midpoint hundreds of km from most of the line.
LINES = frozenset({Feature.CEASEFIRE_LINE, Feature.BORDER_LINE})
#: Water: no incident happens at a sea's or a river's point; "on the Dnieper" says where
#: only along a line hundreds of km long.
WATER = frozenset({Feature.SEA, Feature.STRAIT, Feature.LAKE, Feature.RIVER})
#: Terrain that spans tens to hundreds of km: placed at a point inside it.
TERRAIN = frozenset({Feature.VALLEY, Feature.MOUNTAIN_RANGE})
#: Landmarks: points as precise as a town or more.
LANDMARKS = frozenset(
    {Feature.LANDMARK, Feature.CROSSING, Feature.DAM, Feature.PLANT, Feature.MOUNTAIN}
)
#: The supplement's own feature types (their population is unknown, stored as 0).
SUPPLEMENTED = (
    frozenset({Feature.DISPUTED_AREA, Feature.BREAKAWAY}) | LINES | WATER | TERRAIN | LANDMARKS
)
#: Places too big to be a point or to be near anything.
AREAS = frozenset(
    {Feature.COUNTRY, Feature.REGION, Feature.CONTINENT, Feature.MACROREGION,
     Feature.DISPUTED_AREA, Feature.BREAKAWAY}
) | LINES | WATER | TERRAIN  # fmt: skip
#: Administrative units: ordinary words among their names need their country named.
UNITS = frozenset({Feature.REGION, Feature.COUNTY, Feature.CONTINENT, Feature.MACROREGION})
#: Places that are never the point of an incident on a town-level map: too coarse
#: (countries, regions of several countries, continents), a line, or water. The incidents
#: table keeps them as context.
NOT_INCIDENT_POINTS = (
    frozenset({Feature.COUNTRY, Feature.MACROREGION, Feature.CONTINENT}) | LINES | WATER
)


def behaves_as(feature: str | None) -> str | None:
    """Return the GeoNames-like feature a place of the supplement behaves as in a sentence.

    A landmark, crossing, dam, plant or mountain is a point like a town (``"city"``); a
    disputed or breakaway area, a valley or a mountain range an area like a region
    (``"region"``); every other feature is itself.

    Examples
    --------
    >>> behaves_as("landmark"), behaves_as("disputed_area"), behaves_as("county")
    ('city', 'region', 'county')
    """
    if feature in LANDMARKS:
        return Feature.CITY.value
    if feature in TERRAIN or feature in (Feature.DISPUTED_AREA, Feature.BREAKAWAY):
        return Feature.REGION.value
    return feature


#: Match kinds that name no place on the map: they only say which country a text is about.
CONTEXT_ONLY = frozenset({MatchKind.DEMONYM, MatchKind.INSTITUTION})
#: Short forms written before a name ("St. Louis", "Mt. Kenya"); a last word stays ("Main St").
SHORT_FORMS: dict[str, str] = dict(table("name_short_forms"))  # type: ignore[arg-type]


# One translation table for both the gazetteer keys and the queries (case is folded after it).
_NAME_TRANSLATION = str.maketrans(
    {
        "\u2019": "",
        "\u2018": "",
        "\u02bc": "",
        "`": "",
        "\u00b4": "",
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2012": " ",
        "\u2013": " ",
        "\u2014": " ",
        "_": " ",
        ".": "",
        "'": "",
        ",": " ",
        "\u0131": "i",  # dotless i (Turkish, Azerbaijani)
        "\u0259": "a",  # schwa (Azerbaijani "Xank\u0259ndi")
        "\u018f": "a",
        "\u00f8": "o",
        "\u00d8": "o",
        "\u0142": "l",
        "\u0141": "l",
        "\u0111": "d",
        "\u0110": "d",
        "\u00e6": "ae",
        "\u00c6": "ae",
        "\u0153": "oe",
        "\u00df": "ss",
    }
)


@functools.cache
def _combining_code_points() -> tuple[int, ...]:
    """Return every code point that is a combining mark (found once, in some hundredths of a s)."""
    found = map(unicodedata.combining, map(chr, range(sys.maxunicode + 1)))  # no Python loop
    return tuple(itertools.compress(itertools.count(), found))


@functools.cache
def _combining_marks() -> re.Pattern[str]:
    """Match a run of combining marks."""
    return re.compile("[" + "".join(map(re.escape, map(chr, _combining_code_points()))) + "]+")


def _strip_marks(text: str) -> str:
    """Return ``text`` without its combining marks; long texts in one vectorised pass."""
    if len(text) < 100_000:
        return _combining_marks().sub("", text)
    import numpy as np

    marks = np.zeros(sys.maxunicode + 1, dtype=bool)
    marks[list(_combining_code_points())] = True
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return points[~marks[points]].tobytes().decode("utf-32-le")


@functools.lru_cache(maxsize=1 << 16)  # news repeats its capitalised words
def normalize_name(name: str) -> str:
    """Return the lookup key of a place name: accents, case, dashes, dots and spaces folded.

    Parameters
    ----------
    name : str
        A place name as written.

    Returns
    -------
    str
        The key used on both sides of every gazetteer lookup.

    Examples
    --------
    >>> normalize_name("  Xank\u0259ndi ")
    'xankandi'
    >>> normalize_name("Nagorno-Karabakh")
    'nagorno karabakh'
    >>> normalize_name("St. Petersburg")
    'saint petersburg'
    """
    translated = name.translate(_NAME_TRANSLATION)
    if not translated.isascii():
        translated = _strip_marks(unicodedata.normalize("NFKD", translated))
    words = translated.casefold().split()
    if len(words) > 1 and not SHORT_FORMS.keys().isdisjoint(words[:-1]):
        words = [SHORT_FORMS.get(w, w) for w in words[:-1]] + words[-1:]
    return " ".join(words)


_OTHER_SPACES = re.compile(r"[^\S\n ]")  # white space but a newline or a space
# ASCII white space but a newline or a space (str.split() splits at each of them)
_ASCII_SPACES = tuple(c for c in map(chr, range(128)) if c.isspace() and c not in " \n")


@functools.cache
def _short_form_words() -> re.Pattern[str]:
    """Match a short form after a newline or a space, not as a line's last word ("st louis")."""
    forms = "|".join(sorted(map(re.escape, SHORT_FORMS), key=len, reverse=True))
    return re.compile(rf"[\n ](?:{forms})(?= )")


def _normalize_lines(text: str) -> str:
    """Return :func:`normalize_name` of every line of ``text`` (names joined by newlines).

    The same steps, each over the whole text: the translation table (one ``str.replace``
    per character it maps that occurs), compatibility decomposition without combining marks
    (only for a text that is not ASCII), case folding, one space between words, short forms
    expanded (no space at a line's ends first, so that a line's last word stays).
    """
    for code, replacement in _NAME_TRANSLATION.items():
        if chr(code) in text:
            text = text.replace(chr(code), replacement)
    if text.isascii():
        text = text.lower()  # casefold() of ASCII
        for space in _ASCII_SPACES:
            if space in text:
                text = text.replace(space, " ")
    else:
        text = _strip_marks(unicodedata.normalize("NFKD", text)).casefold()
        text = _OTHER_SPACES.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    text = text.replace("\n ", "\n").replace(" \n", "\n").strip(" ")
    expand = _short_form_words().sub
    return expand(lambda m: m.group()[0] + SHORT_FORMS[m.group()[1:]], "\n" + text)[1:]


def normalize_names(names: Sequence[str]) -> list[str]:
    """Return :func:`normalize_name` of many names at once, in a few passes over long strings.

    The same steps as :func:`normalize_name` (translation table, compatibility decomposition
    without combining marks, case folding, one space between words, short forms expanded)
    applied to all names joined by newlines, so that building the gazetteer's million keys
    takes about a second. ASCII names and the others are joined apart: the passes over the
    ASCII text, most of the names, are several times faster (one byte per character, and
    no decomposition). A name holding a newline is normalised on its own.

    Examples
    --------
    >>> normalize_names(["St. Petersburg", " Xank\u0259ndi", "Main St"])
    ['saint petersburg', 'xankandi', 'main st']
    """
    plain = list(map(str.isascii, names))
    keys: list[list[str]] = []
    for part in (list(itertools.compress(names, plain)),
                 list(itertools.compress(names, map(operator.not_, plain)))):  # fmt: skip
        text = "\n".join(part)
        if text.count("\n") != max(len(part) - 1, 0):
            return [normalize_name(n) for n in names]  # a name holds a newline
        keys.append(_normalize_lines(text).split("\n") if part else [])
    ascii_key, other_key = iter(keys[0]).__next__, iter(keys[1]).__next__
    return [ascii_key() if p else other_key() for p in plain]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One gazetteer place that a name may refer to.

    ``lat``/``lon`` are WGS84 degrees (geopy order is ``(lat, lon)``).
    ``kind`` says how the name matched (:class:`MatchKind`); ``feature`` what the place is
    (:class:`Feature`).
    """

    geonameid: int
    name: str
    lat: float
    lon: float
    country_code: str
    admin1: str
    population: int
    feature: str
    kind: int = MatchKind.PRIMARY

    @property
    def raw(self) -> dict[str, Any]:
        """The gazetteer row as a plain dict."""
        return {
            "geonameid": self.geonameid if self.geonameid > 0 else None,  # "Middle East": none
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "country_code": self.country_code,
            "admin1": self.admin1,
            "population": self.population,
            "feature": self.feature,
            "match_kind": self.kind,
        }
