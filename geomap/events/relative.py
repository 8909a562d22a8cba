"""Relative locations: "10 km north of Kharkiv", "north of X", "outskirts of X", "between X and Y".

A relative location keeps its reference place. When the text gives a distance and a
direction, the offset point is computed geodesically on the WGS84 ellipsoid (pyproj ``Geod``),
never in degrees. Direction words (bearing in degrees from north) and units (km per unit) come
from ``geomap/data/event_words.tsv``, as do the number words ("a few km") and qualifiers
("some 30 miles").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from geomap.geodesy import GEOD, wrap_lon

from .vocab import vocabulary

__all__ = ["RelativeLocation", "find_relative", "offset_point"]


@dataclass(frozen=True, slots=True)
class RelativeLocation:
    """Where an event is said to be relative to a named place (the ``reference``).

    ``kind`` is ``"offset"`` (a distance and a direction: the point is computed), ``"direction"``
    ("north of X": a direction only), ``"distance"`` ("30 km from X": a distance only),
    ``"near"`` ("near X", "on the outskirts of X") or ``"between"`` ("between X and Y").
    ``distance_km`` and ``bearing`` (degrees clockwise from north) are None where the text
    gives none; ``lat``/``lon`` (WGS84 degrees) is the offset point of an ``"offset"``, the
    reference point otherwise. ``start``/``end`` delimit the phrase in the text.
    """

    kind: str
    start: int
    end: int
    distance_km: float | None = None
    bearing: float | None = None
    lat: float | None = None
    lon: float | None = None


def offset_point(
    lat: float, lon: float, distance_km: float, bearing: float
) -> tuple[float, float]:
    """Return the point ``distance_km`` from (lat, lon) towards ``bearing``, as (lat, lon).

    Geodesic on the WGS84 ellipsoid (`geomap.geodesy.GEOD`, pyproj ``Geod.fwd``); the
    longitude comes back within [-180, 180].

    Examples
    --------
    >>> lat, lon = offset_point(50.0, 36.25, 10.0, 0.0)   # 10 km north of Kharkiv's centre
    >>> round(lat, 4), round(lon, 4)
    (50.0899, 36.25)
    """
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing, distance_km * 1000.0)  # pyproj: (lon, lat)
    return float(lat2), float(wrap_lon(lon2)[()])


# up to three lowercase words between the phrase and the name ("the town of"), no preposition
_SKIP = r"(?:(?!(?:in|at|on|from|to|into|by|with|and|or|near)\s)[a-z-]+\s+){0,3}"


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    vocab = vocabulary()
    dirs = "|".join(
        re.escape(d).replace(r"\-", "[- ]?")
        for d in sorted(vocab.values["direction"], key=len, reverse=True)
    )
    units = "|".join(re.escape(u) for u in sorted(vocab.values["unit"], key=len, reverse=True))
    number_words = "|".join(
        re.escape(w).replace(r"\ ", r"\s+")
        for w in sorted(vocab.values["number_word"], key=len, reverse=True)
    )
    number = rf"(?P<num>\d+(?:[.,]\d+)?|{number_words})"
    qualifiers = "|".join(
        re.escape(w).replace(r"\ ", r"\s+")
        for w in sorted(vocab.words["qualifier"], key=len, reverse=True)
    )
    qualifier = rf"(?:(?:{qualifiers})\s+)?"
    # "10 km (6 miles) north-east of ", "some 30 miles south of the ", "15km from "
    offset = re.compile(
        rf"(?i)(?<![\w-]){qualifier}{number}[\s-]*(?P<unit>{units})\.?(?:\s*\([^()]{{0,30}}\))?"
        rf"\s+(?:(?:to\s+the\s+)?(?P<dir>{dirs})\s+(?:of|from)|(?P<from>from|away\s+from|outside))"
        rf"\s+(?:the\s+)?{_SKIP}$"
    )
    direction = re.compile(
        rf"(?i)(?<![\w-])(?:just\s+|further\s+|farther\s+|due\s+)?(?P<dir>{dirs})\s+of\s+"
        rf"(?:the\s+)?{_SKIP}$"
    )
    near = re.compile(
        r"(?i)(?<![\w-])(?:near|nearby|close\s+to|next\s+to|not\s+far\s+from|around"
        r"|(?:on\s+)?the\s+(?:outskirts|edge|fringes?|environs|vicinity|suburbs?)\s+of"
        r"|outskirts\s+of|suburbs?\s+of|vicinity\s+of|outside)"
        rf"\s+(?:the\s+)?{_SKIP}$"
    )
    return offset, direction, near


def find_relative(
    text: str, start: int, sentence_start: int, *, lat: float | None, lon: float | None
) -> RelativeLocation | None:
    """Return the relative location written just before the place name at ``start``, if any.

    Parameters
    ----------
    text : str
        The document.
    start : int
        Offset of the reference place's name.
    sentence_start : int
        Offset of its sentence (the phrase is looked for between the two).
    lat, lon : float or None
        The reference place (WGS84 degrees), for the offset point.

    Examples
    --------
    >>> t = "Shells fell 10 km north of Kharkiv."
    >>> r = find_relative(t, t.index("Kharkiv"), 0, lat=50.0, lon=36.25)
    >>> r.kind, r.distance_km, r.bearing, round(r.lat, 3)
    ('offset', 10.0, 0.0, 50.09)
    """
    vocab = vocabulary()
    window_start = max(sentence_start, start - 90)
    before = text[window_start:start]
    folded = before.lower()
    if not any(cue in folded for cue in vocab.words["relative_cue"]):
        return None  # no "of", "from", "near", "outside", "around", "next to": nothing relative
    offset, direction, near = _patterns()
    m = offset.search(before)
    if m:
        raw = " ".join(m.group("num").lower().replace(",", ".").split())
        distance = vocab.values["number_word"].get(raw) or float(raw)
        distance *= vocab.values["unit"][m.group("unit").lower()]
        s = window_start + m.start()
        if m.group("dir"):
            bearing = vocab.values["direction"][_direction_key(m.group("dir"))]
            point = (lat, lon)
            if lat is not None and lon is not None:
                point = offset_point(lat, lon, distance, bearing)
            return RelativeLocation("offset", s, start, distance, bearing, *point)
        return RelativeLocation("distance", s, start, distance, None, lat, lon)
    m = direction.search(before)
    if m:
        bearing = vocab.values["direction"][_direction_key(m.group("dir"))]
        return RelativeLocation(
            "direction", window_start + m.start(), start, None, bearing, lat, lon
        )
    m = near.search(before)
    if m:
        return RelativeLocation("near", window_start + m.start(), start, None, None, lat, lon)
    return None


def _direction_key(word: str) -> str:
    """Return the vocabulary key of a direction as written ("North East" -> "northeast")."""
    folded = re.sub(r"\s+", "-", word.lower())
    values = vocabulary().values["direction"]
    return folded if folded in values else folded.replace("-", "")
