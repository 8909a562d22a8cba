"""Mentions + gazetteer candidates + document context -> one chosen place each, scored.

Each candidate of a mention is scored on evidence a reader would use: how the name matched
(the place's own name beats an alternate spelling), its population, whether it is a country,
whether its country is named elsewhere in the document, and how close it lies to the other
places of the document (two passes: first without, then with spatial coherence). Names that are
also ordinary English words need more evidence. :func:`geoparse` runs extraction and
resolution together and is the public entry point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .extract import Mention, extract_mentions
from .gazetteer import (
    KIND_ALTERNATE,
    KIND_PRIMARY,
    Candidate,
    Gazetteer,
    open_gazetteer,
)

__all__ = ["Toponym", "geoparse", "resolve_mentions"]

# Hand-set weights of the evidence (see the module docstring); documented in the README.
W_POPULATION, W_NAME, W_COUNTRY_FEATURE, W_COUNTRY_IN_TEXT, W_NEARBY = 2.0, 1.5, 1.5, 1.0, 1.5
NAME_MATCH = {KIND_PRIMARY: 1.0, KIND_ALTERNATE: 0.3}
NEARBY_KM = 150.0
POPULOUS = 100_000
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Toponym:
    """A place name in a text and the place chosen for it.

    ``start``/``end`` are 0-based, end-exclusive offsets into the text (``text[start:end] ==
    name``). ``lat``/``lon`` are WGS84 degrees, ``None`` when unresolved. ``score`` is the
    confidence in [0, 1]; ``reason`` lists the evidence that decided, joined by ``+``.
    """

    start: int
    end: int
    name: str
    lat: float | None
    lon: float | None
    geonameid: int | None
    country_code: str | None
    score: float
    reason: str
    place: str | None = None
    feature: str | None = None
    population: int = 0
    sentence_start: int = 0
    sentence_end: int = 0


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    p1, p2 = np.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _base(c: Candidate, countries_in_text: set[str]) -> tuple[float, list[str]]:
    reasons = []
    score = W_POPULATION * min(math.log10(c.population + 1) / 7.0, 1.0)
    if c.population >= POPULOUS:
        reasons.append("populous")
    score += W_NAME * NAME_MATCH.get(c.kind, 1.0)
    reasons.append({0: "name", 1: "alternate-name", 2: "country-alias", 3: "adjective"}[c.kind])
    if c.feature == "country":
        score += W_COUNTRY_FEATURE
        reasons.append("country")
    elif c.country_code in countries_in_text:
        score += W_COUNTRY_IN_TEXT
        reasons.append("country-in-text")
    return score, reasons


def resolve_mentions(
    mentions: Sequence[Mention], candidates: dict[str, list[Candidate]]
) -> list[Toponym]:
    """Choose one place for each mention from its candidates, using the whole document.

    Parameters
    ----------
    mentions : sequence of Mention
        From :func:`geomap.extract.extract_mentions`.
    candidates : dict
        Lookup key -> gazetteer candidates (:meth:`Gazetteer.lookup`).

    Returns
    -------
    list of Toponym
        The mentions that are places, in text order. Mentions rejected as ordinary words
        (e.g. a sentence-initial "Police" with no supporting evidence) are left out.
    """
    cands = {m.key: candidates.get(m.key, []) for m in mentions}
    countries_in_text = {
        c.country_code for cs in cands.values() for c in cs[:1] if c.feature == "country"
    }
    picks: dict[str, Candidate] = {}
    for key, cs in cands.items():
        if cs:
            picks[key] = max(cs, key=lambda c: _base(c, countries_in_text)[0])
    # Spatial coherence: distance to the places chosen for the other names of the document.
    chosen: dict[str, tuple[Candidate, float, list[str]]] = {}
    for _ in range(2):
        anchors = [(k, c) for k, c in picks.items() if c.feature != "country"]
        for key, cs in cands.items():
            if not cs:
                continue
            others = [c for k, c in anchors if k != key]
            o_lat = np.array([c.lat for c in others])
            o_lon = np.array([c.lon for c in others])
            best: tuple[Candidate, float, list[str]] | None = None
            scores = []
            for c in cs:
                score, reasons = _base(c, countries_in_text)
                if others and c.feature != "country":
                    near = float(
                        np.exp(-_haversine_km(o_lat, o_lon, c.lat, c.lon).min() / NEARBY_KM)
                    )
                    score += W_NEARBY * near
                    if near > 0.3:
                        reasons.append("near-other-places")
                scores.append(score)
                if best is None or score > best[1]:
                    best = (c, score, reasons)
            assert best is not None
            arr = np.array(scores)
            share = float(np.exp(best[1] - np.logaddexp.reduce(arr))) if len(arr) > 1 else 1.0
            if len(cs) == 1:
                best[2].append("only-candidate")
            chosen[key] = (best[0], share * (1 - math.exp(-best[1] / 2)), best[2])
            picks[key] = best[0]
    out = []
    for m in mentions:
        if m.key not in chosen:
            continue
        c, score, reasons = chosen[m.key]
        if not _plausible(m, c, reasons):
            continue
        out.append(
            Toponym(
                start=m.start,
                end=m.end,
                name=m.name,
                lat=c.lat,
                lon=c.lon,
                geonameid=c.geonameid,
                country_code=c.country_code,
                score=round(score, 3),
                reason="+".join(reasons),
                place=c.name,
                feature=c.feature,
                population=c.population,
                sentence_start=m.sentence_start,
                sentence_end=m.sentence_end,
            )
        )
    return out


def _plausible(m: Mention, c: Candidate, reasons: list[str]) -> bool:
    """Demand more evidence for names that could be ordinary words or stray alternates."""
    if c.feature == "country":
        return True  # "Turkey", "China", "Chad": the capital in running text is enough
    supported = "country-in-text" in reasons or "near-other-places" in reasons
    if m.common_word:
        return not m.sentence_initial and (c.population >= POPULOUS or supported)
    if c.kind == KIND_ALTERNATE and c.population < 1000:
        return supported
    return True


def geoparse(text: str, *, gazetteer: Gazetteer | None = None) -> list[Toponym]:
    """Find the place names in ``text`` and resolve each to a gazetteer place.

    Parameters
    ----------
    text : str
        The document (e.g. a news article).
    gazetteer : Gazetteer, optional
        Defaults to :func:`geomap.gazetteer.open_gazetteer` (built on first use).

    Returns
    -------
    list of Toponym
        In text order; ``text[t.start:t.end] == t.name`` for each.

    Examples
    --------
    >>> [(t.name, t.country_code) for t in geoparse("Shells hit Goris and Kapan in Armenia.")]
    [('Goris', 'AM'), ('Kapan', 'AM'), ('Armenia', 'AM')]
    """
    gaz = gazetteer if gazetteer is not None else open_gazetteer()
    mentions = extract_mentions(
        text, gaz.known, common_words=gaz.words("common"), first_names=gaz.words("first")
    )
    return resolve_mentions(mentions, gaz.lookup(m.key for m in mentions))
