"""The evidence for each candidate place of a name, and the document context it comes from.

:func:`evidence` scores one candidate on what a reader would use: how the name matched (the
place's own name beats an alternate spelling), its population, whether it is a country,
region or capital, whether its country or region is named elsewhere in the document, whether
it lies in the region most of the document's places lie in, or in the area named right after
it ("Paris, Tenn."), and how close it lies to the places chosen for the other names.
:func:`plausible` says whether a candidate may be meant at all (names that may be ordinary
words, acronyms, speakers or stray spellings need more evidence). :class:`Context` is what the
document says so far. The hand-set weights are module constants, documented in the README and
checked by cross-validation (``bench/cv_geoparse.py``). :mod:`geomap.resolve` decides with
them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from .geodesy import EARTH_RADIUS_KM
from .names import (
    AREAS,
    CONTEXT_ONLY,
    LANDMARKS,
    LINES,
    SUPPLEMENTED,
    TERRAIN,
    UNITS,
    WATER,
    Candidate,
    Feature,
    MatchKind,
)
from .text import Mention

__all__ = [
    "TOWNS",
    "Context",
    "Evidence",
    "NameUse",
    "Scored",
    "evidence",
    "holds_part",
    "nearness",
    "own_evidence",
    "plausible",
]

W_POPULATION, W_NAME, W_FEATURE, W_COUNTRY_IN_TEXT, W_REGION_IN_TEXT, W_NEARBY = (
    2.0, 1.5, 1.5, 1.0, 1.0, 1.5
)  # fmt: skip
W_CAPITAL = 1.0  # national capitals are what news names most ("Washington", "Tbilisi")
W_WITHIN = 3.0  # "Paris, Tenn.": the area named right after a town holds it
W_FOCUS = 1.5  # the region that holds most of the document's other places ("Paris" with Memphis)
FOCUS_SHARE = 0.5  # ... at least this share of them, and two names or more
NAME_MATCH: dict[int, float] = {MatchKind.PRIMARY: 1.0, MatchKind.ALTERNATE: 0.3}
NEARBY_KM = 150.0
POPULOUS = 100_000
METROPOLIS = 1_000_000
TINY = 1_000
SMALL = 10_000
SHORT_ALTERNATE = 4  # an alternate name this short needs corroboration (chosen by CV)
TREE_ANCHORS = 256  # more anchors than this: nearest by k-d tree, not a distance matrix
SMALL_MATRIX = 64  # at most this many candidate-anchor distances: plain Python, not NumPy
#: Towns of any kind.
TOWNS = frozenset({Feature.CITY, Feature.CAPITAL})


class Evidence(str, Enum):
    """Why a place was chosen: the parts of a toponym's ``reason``, joined by ``+``."""

    POPULOUS = "populous"
    NAME = "name"
    ALTERNATE_NAME = "alternate-name"
    ALIAS = "alias"
    ADJECTIVE = "adjective"
    COUNTRY = "country"
    REGION = "region"
    CONTINENT = "continent"
    MACROREGION = "macroregion"
    COUNTY = "county"
    CAPITAL = "capital"
    COUNTRY_IN_TEXT = "country-in-text"
    HOLDS_OTHER_PLACES = "holds-other-places"
    REGION_IN_TEXT = "region-in-text"
    NEAR_OTHER_PLACES = "near-other-places"
    REGION_OVER_NAMESAKE_TOWN = "region-over-namesake-town"
    REGION_OVER_NAMESAKE_COUNTRY = "region-over-namesake-country"
    TOWN_OVER_NAMESAKE_COUNTY = "town-over-namesake-county"
    CITY_OVER_NAMESAKE_REGION = "city-over-namesake-region"
    ONLY_CANDIDATE = "only-candidate"
    NOT_IN_GAZETTEER = "not-in-gazetteer"
    DISPUTED_AREA = "disputed-area"
    BREAKAWAY = "breakaway"
    LINE = "line"
    WATER = "water"
    TERRAIN = "terrain"
    LANDMARK = "landmark"
    DEMONYM = "demonym"
    INSTITUTION = "institution"
    IN_NAMED_AREA = "in-named-area"
    HOLDS_TOWN_BEFORE = "holds-town-before"
    LISTED_WITH_LIKE = "listed-with-like"
    UNIT_NAMED = "unit-named"
    DOCUMENT_FOCUS = "in-document-focus"
    RECORDS_DISAGREE = "records-disagree"
    LANDMARK_NOT_IN_GAZETTEER = "landmark-not-in-gazetteer"
    VARIANT_SPELLING = "variant-spelling"


_MATCH_EVIDENCE: dict[int, Evidence] = {
    MatchKind.PRIMARY: Evidence.NAME,
    MatchKind.ALTERNATE: Evidence.ALTERNATE_NAME,
    MatchKind.ALIAS: Evidence.ALIAS,
    MatchKind.ADJECTIVE: Evidence.ADJECTIVE,
    MatchKind.DEMONYM: Evidence.DEMONYM,
    MatchKind.INSTITUTION: Evidence.INSTITUTION,
}
# What a place that is not a town is, as evidence.
_FEATURE_EVIDENCE: dict[str, Evidence] = {
    Feature.COUNTRY: Evidence.COUNTRY,
    Feature.REGION: Evidence.REGION,
    Feature.CONTINENT: Evidence.CONTINENT,
    Feature.MACROREGION: Evidence.MACROREGION,
    Feature.DISPUTED_AREA: Evidence.DISPUTED_AREA,
    Feature.BREAKAWAY: Evidence.BREAKAWAY,
    **dict.fromkeys(LINES, Evidence.LINE),
    **dict.fromkeys(WATER, Evidence.WATER),
    **dict.fromkeys(TERRAIN, Evidence.TERRAIN),
    **dict.fromkeys(LANDMARKS, Evidence.LANDMARK),
}
# Areas whose naming says which country a text is about.
_COUNTRY_AREAS = frozenset(
    {Feature.COUNTRY, Feature.REGION, Feature.DISPUTED_AREA, Feature.BREAKAWAY}
)
# Evidence that the document is about the place's country or region.
_SUPPORT = frozenset(
    {Evidence.COUNTRY_IN_TEXT, Evidence.REGION_IN_TEXT, Evidence.NEAR_OTHER_PLACES}
)
# Evidence that a place is local to the document, not just in a country it names.
_LOCAL = frozenset({Evidence.REGION_IN_TEXT, Evidence.NEAR_OTHER_PLACES})


@dataclass(frozen=True)
class NameUse:
    """A distinct name of the document and how it was written (all its mentions together)."""

    key: str
    common_word: bool = False  # also a frequent English word
    locative: bool = False  # written after a preposition of place at least once ("in Nelson")
    initial_only: bool = False  # every mention starts a sentence
    acronym: bool = False  # written in capitals, at most 5 letters ("NATO", "BA")
    speaker: bool = False  # a lone word that says or tells something ("Johnson said")
    part: bool = False  # always inside the name of something else ("Windsor Castle")
    ner: bool = False  # a recogniser already judged it a place
    unit: str | None = None  # a following word asks for this feature ("the Sumy region")
    variant: bool = False  # written in a spelling the gazetteer lacks ("Baramulla")
    # the areas named right after it ("Paris, Tenn."): (country, admin1), admin1 "" for a
    # whole country
    within: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(
        cls,
        key: str,
        mentions: Sequence[Mention],
        within: frozenset[tuple[str, str]] | None = None,
    ) -> NameUse:
        """Sum up how the mentions of one name were written."""
        return cls(
            variant=all(m.variant for m in mentions),
            unit=mentions[0].unit,
            within=within or frozenset(),
            key=key,
            common_word=any(m.common_word for m in mentions),
            locative=any(m.locative for m in mentions),
            initial_only=all(m.sentence_initial for m in mentions),
            acronym=all(m.name.isupper() and len(m.name) <= 5 for m in mentions),
            speaker=any(m.speaker for m in mentions),
            part=all(m.part for m in mentions),
            ner=all(m.ner for m in mentions),
        )


# -- the document context --------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchors:
    """The point places of a context as arrays (radians), with each name's column.

    Above :data:`TREE_ANCHORS` places, a k-d tree over their unit vectors answers "nearest
    anchor" in log time, so a text naming thousands of places resolves in linear time.
    """

    index: dict[str, int]
    lat: np.ndarray
    lon: np.ndarray
    coslat: np.ndarray
    tree: Any = None
    # the same as (lat, lon, cos lat) tuples: a few distances are cheaper without NumPy
    points: tuple[tuple[float, float, float], ...] = ()


@dataclass
class Context:
    """What the document says so far: its countries, regions and point places.

    Each piece of evidence remembers which names gave it, so that no name supports itself.
    """

    countries: dict[str, set[str]] = field(default_factory=dict)
    regions: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    anchors: dict[str, Candidate] = field(default_factory=dict)
    # the point places of the document by the country and the region they lie in
    inside: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # the region holding most of the document's point places (see W_FOCUS), and their names
    focus: tuple[str, str] | None = None
    focus_names: set[str] = field(default_factory=set)
    _arrays: _Anchors | None = None

    @classmethod
    def from_picks(cls, picks: dict[str, Candidate]) -> Context:
        """Return the context that the places chosen for the names (``picks``) give."""
        ctx = cls()
        for key, c in picks.items():
            if c.feature in _COUNTRY_AREAS and c.country_code:
                ctx.countries.setdefault(c.country_code, set()).add(key)
            if c.feature == Feature.REGION:
                ctx.regions.setdefault((c.country_code, c.admin1), set()).add(key)
            if c.feature not in AREAS and c.kind not in CONTEXT_ONLY:
                ctx.anchors[key] = c
                ctx.inside.setdefault((c.country_code, ""), set()).add(key)
                ctx.inside.setdefault((c.country_code, c.admin1), set()).add(key)
        regional = {area: keys for area, keys in ctx.inside.items() if area[1]}
        if regional:
            area, keys = max(regional.items(), key=lambda item: (len(item[1]), item[0]))
            if len(keys) >= 2 and len(keys) >= FOCUS_SHARE * len(ctx.anchors):
                ctx.focus, ctx.focus_names = area, keys
        return ctx

    def anchor_arrays(self) -> _Anchors:
        """Return the anchors as arrays, computed once per context."""
        if self._arrays is None:
            lat = np.radians([a.lat for a in self.anchors.values()])[None, :]
            lon = np.radians([a.lon for a in self.anchors.values()])[None, :]
            index = {key: i for i, key in enumerate(self.anchors)}
            tree = None
            if len(index) > TREE_ANCHORS:
                from scipy.spatial import cKDTree

                tree = cKDTree(_unit_vectors(lat[0], lon[0]))
            coslat = np.cos(lat)
            points = tuple(zip(lat[0].tolist(), lon[0].tolist(), coslat[0].tolist(), strict=True))
            self._arrays = _Anchors(index, lat, lon, coslat, tree, points)
        return self._arrays

    def names_country(self, code: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in country ``code``."""
        return _other_than(self.countries.get(code), key)

    def names_region(self, code: str, admin1: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in that region."""
        return _other_than(self.regions.get((code, admin1)), key)

    def in_focus(self, c: Candidate, key: str) -> bool:
        """Whether ``c`` lies in the document's focus region, made by names other than ``key``."""
        if self.focus != (c.country_code, c.admin1):
            return False
        return len(self.focus_names - {key}) >= 2

    def holds_places(self, c: Candidate, key: str) -> bool:
        """Whether a country or region ``c`` holds places chosen for other names."""
        area = (c.country_code, c.admin1 if c.feature == Feature.REGION else "")
        return _other_than(self.inside.get(area), key)


def _other_than(names: set[str] | None, key: str) -> bool:
    """Whether ``names`` holds a name other than ``key`` (without building a new set)."""
    if not names:
        return False
    return len(names) > 1 or key not in names


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return points (radians) as unit vectors, shape ``(n, 3)``: chords order like arcs."""
    coslat = np.cos(lat)
    return np.column_stack((coslat * np.cos(lon), coslat * np.sin(lon), np.sin(lat)))


def nearness(cs: Sequence[Candidate], key: str, ctx: Context) -> np.ndarray:
    """Return exp(-d / NEARBY_KM) for each candidate (0 when there is nothing to be near).

    ``d`` is the great-circle distance in km to the nearest place chosen for another name of
    the document; one distance matrix per name. Areas are never near anything: no distances.
    """
    if all(c.feature in AREAS for c in cs):
        return np.zeros(len(cs))
    anchors = ctx.anchor_arrays()
    own = anchors.index.get(key)
    if len(anchors.index) - (own is not None) == 0:
        return np.zeros(len(cs))
    if anchors.tree is None and len(cs) * len(anchors.points) <= SMALL_MATRIX:
        return np.array([_nearness_of(c, anchors.points, own) for c in cs])
    lat1 = np.radians([c.lat for c in cs])
    lon1 = np.radians([c.lon for c in cs])
    if anchors.tree is not None:  # many anchors: the nearest two by chord, then not itself
        chord, found = anchors.tree.query(_unit_vectors(lat1, lon1), k=2)
        pick = np.where(found[:, 0] == (-1 if own is None else own), 1, 0)
        nearest = chord[np.arange(len(cs)), pick]
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(nearest / 2, 0, 1))
        return np.exp(-km / NEARBY_KM)
    h = (
        np.sin((anchors.lat - lat1[:, None]) / 2) ** 2
        + np.cos(lat1[:, None]) * anchors.coslat * np.sin((anchors.lon - lon1[:, None]) / 2) ** 2
    )
    if own is not None:
        h[:, own] = 1.0  # a name is not near itself: the antipode
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))).min(axis=1)
    return np.exp(-km / NEARBY_KM)


def _nearness_of(
    c: Candidate, points: Sequence[tuple[float, float, float]], own: int | None
) -> float:
    """Return :func:`nearness` of one candidate to a few anchors, in plain Python.

    The same haversine as the matrix of :func:`nearness`, term for term, without NumPy's
    overhead per call, which dominates below :data:`SMALL_MATRIX` distances.
    """
    lat1, lon1 = math.radians(c.lat), math.radians(c.lon)
    cos1 = math.cos(lat1)
    h_min = 1.0  # a name is not near itself: the antipode
    for j, (lat2, lon2, cos2) in enumerate(points):
        if j == own:
            continue
        h = math.sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * math.sin((lon2 - lon1) / 2) ** 2
        h_min = min(h_min, max(h, 0.0))
    km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h_min))
    return math.exp(-km / NEARBY_KM)


# -- the rules -------------------------------------------------------------------------------


def own_evidence(c: Candidate, use: NameUse) -> tuple[float, tuple[Evidence, ...]]:
    """Return the part of :func:`evidence` that the document context leaves unchanged.

    How the name matched, the population, what the place is: resolution runs in passes
    over one context after another, and this part is worked out once per document.
    """
    found: list[Evidence] = []
    area = c.feature in AREAS
    score = (
        0.0  # their population is the sum of their towns', not a measure of fame
        if c.feature in (Feature.REGION, Feature.CONTINENT, Feature.MACROREGION)
        else W_POPULATION * min(math.log10(c.population + 1) / 7.0, 1.0)
    )
    if c.population >= POPULOUS and not area:
        found.append(Evidence.POPULOUS)
    if use.variant:  # another spelling of the place's name: as weak as an alternate name
        score += W_NAME * NAME_MATCH[MatchKind.ALTERNATE]
        found.append(Evidence.VARIANT_SPELLING)
    else:
        score += W_NAME * NAME_MATCH.get(c.kind, 1.0)
        found.append(_MATCH_EVIDENCE[c.kind])
    if area or c.feature in SUPPLEMENTED:  # a named area, line, water or landmark
        score += W_FEATURE
        found.append(_FEATURE_EVIDENCE[c.feature])
    elif c.feature == Feature.COUNTY:
        found.append(Evidence.COUNTY)
    elif c.feature == Feature.CAPITAL and c.kind == MatchKind.PRIMARY:
        score += W_CAPITAL
        found.append(Evidence.CAPITAL)
    return score, tuple(found)


def evidence(
    c: Candidate,
    use: NameUse,
    ctx: Context,
    near: float,
    own: tuple[float, tuple[Evidence, ...]] | None = None,
) -> tuple[float, list[Evidence]]:
    """Score one candidate (``near``: :func:`nearness`); return (score, evidence).

    ``own`` is :func:`own_evidence` of the candidate, when already known.
    """
    score, own_found = own if own is not None else own_evidence(c, use)
    found = list(own_found)
    area = c.feature in AREAS
    if c.feature != Feature.COUNTRY and ctx.names_country(c.country_code, use.key):
        score += W_COUNTRY_IN_TEXT
        found.append(Evidence.COUNTRY_IN_TEXT)
    if c.feature in (Feature.COUNTRY, Feature.REGION) and ctx.holds_places(c, use.key):
        score += W_REGION_IN_TEXT  # "Georgia" with Atlanta, not with Tbilisi
        found.append(Evidence.HOLDS_OTHER_PLACES)
    if not area and ctx.names_region(c.country_code, c.admin1, use.key):
        score += W_REGION_IN_TEXT
        found.append(Evidence.REGION_IN_TEXT)
    if not area and ctx.focus is not None and ctx.in_focus(c, use.key):
        score += W_FOCUS  # "Paris" in a story of Memphis and Jackson: Paris, Tennessee
        found.append(Evidence.DOCUMENT_FOCUS)
    if (
        use.within
        and not area
        and ((c.country_code, c.admin1) in use.within or (c.country_code, "") in use.within)
    ):
        score += W_WITHIN  # "Paris, Tenn.", "Paris, France"
        found.append(Evidence.IN_NAMED_AREA)
    if not area:
        score += W_NEARBY * near
        if near > 0.3:
            found.append(Evidence.NEAR_OTHER_PLACES)
    return score, found


def holds_part(c: Candidate, found: Sequence[Evidence]) -> bool:
    """Whether a place named inside a longer name ("Manila Cathedral") is where that thing is.

    It is when the place is local to the document or a city big enough to be the obvious
    one; a small namesake far away ("Eglinton Avenue" in Toronto, not Eglinton) is not.
    """
    big = c.feature in TOWNS and c.population >= POPULOUS
    return big or c.feature in AREAS or not _LOCAL.isdisjoint(found)


def _plausible_acronym(c: Candidate, supported: bool) -> bool:
    """Judge an acronym ("NATO", "BA"): an alias ("US", "EU") as is, else a big place.

    A curated place's acronym ("LoC", "DMZ") needs its country in the text.
    """
    if c.kind == MatchKind.ALIAS:
        return True
    if c.feature in SUPPLEMENTED:
        return supported
    return c.kind == MatchKind.PRIMARY and (c.population >= POPULOUS or supported)


def _plausible_common_word(c: Candidate, use: NameUse, found: Sequence[Evidence]) -> bool:
    """Judge an ordinary word ("Police", "Reading"): mid-sentence, own name, big or local.

    A sentence's first word proves nothing, unless it is a big national capital named as
    the speaker ("Bangkok said": the government; metonymic, but the place is found).
    """
    if c.kind != MatchKind.PRIMARY:
        return False
    if use.initial_only:
        return use.speaker and c.feature == Feature.CAPITAL and c.population >= METROPOLIS
    if c.feature in UNITS:  # "Centre", "Western": in its country only
        return (
            c.feature in (Feature.CONTINENT, Feature.MACROREGION)
            or Evidence.COUNTRY_IN_TEXT in found
        )
    # "in Nelson", "near Franklin": a town too, if it is no hamlet and fits the document
    supported = not _SUPPORT.isdisjoint(found)
    local = use.locative and c.population >= SMALL and supported
    return c.population >= POPULOUS or local


def plausible(c: Candidate, use: NameUse, found: Sequence[Evidence]) -> bool:
    """Whether ``c`` may be meant at all, given how its name was written and the evidence.

    Names that may be ordinary words, acronyms, speakers or stray spellings need more.
    """
    if use.ner:
        return True  # the recogniser decided it is a place; only which place is open
    if use.variant:  # a folded spelling: only in a country the text names
        return Evidence.COUNTRY_IN_TEXT in found
    supported = not _SUPPORT.isdisjoint(found)
    if use.part:  # "Windsor Castle" near London is at Windsor; "Eglinton Avenue" is not Eglinton
        return c.feature not in AREAS and holds_part(c, found)
    if use.acronym:
        return _plausible_acronym(c, supported)
    if c.feature == Feature.COUNTRY or c.kind in CONTEXT_ONLY:
        return True  # "Turkey", "China", "Chad": the capital in running text is enough
    if c.feature in SUPPLEMENTED:  # a curated name ("Golan Heights"); lines need their country
        return supported if c.feature in LINES else True
    if use.speaker and c.population < POPULOUS:
        return False  # "Johnson said": a person
    if use.common_word:
        return _plausible_common_word(c, use, found)
    if c.feature in UNITS:
        return True
    if c.population < TINY or (c.kind == MatchKind.ALTERNATE and c.population < SMALL):
        return supported  # a hamlet, or a small place by another name, needs corroboration
    if c.kind == MatchKind.ALTERNATE and len(use.key) <= SHORT_ALTERNATE:
        return supported  # "Che", "Wu": GeoNames' short alternates are mostly fragments
    return True


@dataclass(frozen=True)
class Scored:
    """A candidate with its score, evidence and plausibility."""

    score: float
    found: list[Evidence]
    plausible: bool
    candidate: Candidate

    def because(self, why: Evidence) -> Scored:
        """Return this choice with one more piece of evidence."""
        return Scored(self.score, [*self.found, why], self.plausible, self.candidate)
