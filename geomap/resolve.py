"""Mentions + gazetteer candidates + document context -> one chosen place each, scored.

Each candidate of a mention is scored on evidence a reader would use (:class:`Evidence`):
how the name matched (the place's own name beats an alternate spelling), its population,
whether it is a country, region or capital, whether its country or region is named elsewhere
in the document, and how close it lies to the places chosen for the other names. Resolution
runs in passes (:data:`PASSES` at most): the first knows only the countries named outright,
each later one the places chosen by the pass before, until the choice is stable.

Each rule is a small function of its own, testable on hand-made candidates:
:func:`evidence` (the score), :func:`plausible` (names that may be ordinary words, acronyms,
speakers or stray spellings need more evidence) and :data:`NAMESAKE_RULES` (a region or a
city that news means when a town and a region share a name). :func:`geoparse` runs
extraction and resolution together and is the public entry point.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from .gazetteer import Gazetteer, open_gazetteer
from .geodesy import EARTH_RADIUS_KM
from .names import AREAS, UNITS, Candidate, Feature, MatchKind
from .text import Extractor, Mention, get_extractor

__all__ = [
    "NAMESAKE_RULES",
    "Evidence",
    "Toponym",
    "evidence",
    "geoparse",
    "plausible",
    "resolve_mentions",
]

# Hand-set weights of the evidence (see the module docstring); documented in the README.
W_POPULATION, W_NAME, W_FEATURE, W_COUNTRY_IN_TEXT, W_REGION_IN_TEXT, W_NEARBY = (
    2.0, 1.5, 1.5, 1.0, 1.0, 1.5
)  # fmt: skip
W_CAPITAL = 1.0  # national capitals are what news names most ("Washington", "Tbilisi")
NAME_MATCH: dict[int, float] = {MatchKind.PRIMARY: 1.0, MatchKind.ALTERNATE: 0.3}
NEARBY_KM = 150.0
POPULOUS = 100_000
METROPOLIS = 1_000_000
TINY = 1_000
SMALL = 10_000
PASSES = 3
TREE_ANCHORS = 256  # more anchors than this: nearest by k-d tree, not a distance matrix
_TOWNS = frozenset({Feature.CITY, Feature.CAPITAL})


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


_MATCH_EVIDENCE: dict[int, Evidence] = {
    MatchKind.PRIMARY: Evidence.NAME,
    MatchKind.ALTERNATE: Evidence.ALTERNATE_NAME,
    MatchKind.ALIAS: Evidence.ALIAS,
    MatchKind.ADJECTIVE: Evidence.ADJECTIVE,
}
# Evidence that the document is about the place's country or region.
_SUPPORT = frozenset(
    {Evidence.COUNTRY_IN_TEXT, Evidence.REGION_IN_TEXT, Evidence.NEAR_OTHER_PLACES}
)
# Evidence that a place is local to the document, not just in a country it names.
_LOCAL = frozenset({Evidence.REGION_IN_TEXT, Evidence.NEAR_OTHER_PLACES})


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

    @classmethod
    def of(cls, key: str, mentions: Sequence[Mention]) -> NameUse:
        """Sum up how the mentions of one name were written."""
        return cls(
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
    _arrays: _Anchors | None = None

    @classmethod
    def from_picks(cls, picks: dict[str, Candidate]) -> Context:
        """Return the context that the places chosen for the names (``picks``) give."""
        ctx = cls()
        for key, c in picks.items():
            if c.feature in (Feature.COUNTRY, Feature.REGION):
                ctx.countries.setdefault(c.country_code, set()).add(key)
            if c.feature == Feature.REGION:
                ctx.regions.setdefault((c.country_code, c.admin1), set()).add(key)
            if c.feature not in AREAS:
                ctx.anchors[key] = c
                ctx.inside.setdefault((c.country_code, ""), set()).add(key)
                ctx.inside.setdefault((c.country_code, c.admin1), set()).add(key)
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
            self._arrays = _Anchors(index, lat, lon, np.cos(lat), tree)
        return self._arrays

    def names_country(self, code: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in country ``code``."""
        return _other_than(self.countries.get(code), key)

    def names_region(self, code: str, admin1: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in that region."""
        return _other_than(self.regions.get((code, admin1)), key)

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


# -- the rules -------------------------------------------------------------------------------


def evidence(
    c: Candidate, use: NameUse, ctx: Context, near: float
) -> tuple[float, list[Evidence]]:
    """Score one candidate (``near``: :func:`nearness`); return (score, evidence)."""
    found: list[Evidence] = []
    area = c.feature in AREAS
    score = (
        0.0  # their population is the sum of their towns', not a measure of fame
        if c.feature in (Feature.REGION, Feature.CONTINENT, Feature.MACROREGION)
        else W_POPULATION * min(math.log10(c.population + 1) / 7.0, 1.0)
    )
    if c.population >= POPULOUS and not area:
        found.append(Evidence.POPULOUS)
    score += W_NAME * NAME_MATCH.get(c.kind, 1.0)
    found.append(_MATCH_EVIDENCE[c.kind])
    if area:
        score += W_FEATURE
        found.append(Evidence(str(c.feature)))
    elif c.feature == Feature.COUNTY:
        found.append(Evidence.COUNTY)
    elif c.feature == Feature.CAPITAL and c.kind == MatchKind.PRIMARY:
        score += W_CAPITAL
        found.append(Evidence.CAPITAL)
    if c.feature != Feature.COUNTRY and ctx.names_country(c.country_code, use.key):
        score += W_COUNTRY_IN_TEXT
        found.append(Evidence.COUNTRY_IN_TEXT)
    if c.feature in (Feature.COUNTRY, Feature.REGION) and ctx.holds_places(c, use.key):
        score += W_REGION_IN_TEXT  # "Georgia" with Atlanta, not with Tbilisi
        found.append(Evidence.HOLDS_OTHER_PLACES)
    if not area and ctx.names_region(c.country_code, c.admin1, use.key):
        score += W_REGION_IN_TEXT
        found.append(Evidence.REGION_IN_TEXT)
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
    big = c.feature in _TOWNS and c.population >= POPULOUS
    return big or c.feature in AREAS or not _LOCAL.isdisjoint(found)


def _plausible_acronym(c: Candidate, supported: bool) -> bool:
    """Judge an acronym ("NATO", "BA"): an alias ("US", "EU") as is, else a big place."""
    if c.kind == MatchKind.ALIAS:
        return True
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
    supported = not _SUPPORT.isdisjoint(found)
    if use.part:  # "Windsor Castle" near London is at Windsor; "Eglinton Avenue" is not Eglinton
        return c.feature not in AREAS and holds_part(c, found)
    if use.acronym:
        return _plausible_acronym(c, supported)
    if c.feature == Feature.COUNTRY:
        return True  # "Turkey", "China", "Chad": the capital in running text is enough
    if use.speaker and c.population < POPULOUS:
        return False  # "Johnson said": a person
    if use.common_word:
        return _plausible_common_word(c, use, found)
    if c.feature in UNITS:
        return True
    if c.population < TINY or (c.kind == MatchKind.ALTERNATE and c.population < SMALL):
        return supported  # a hamlet, or a small place by another name, needs corroboration
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


def _same_region(a: Candidate, b: Candidate) -> bool:
    return (a.country_code, a.admin1) == (b.country_code, b.admin1)


def region_over_town(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a first-level region to a town of its name that is not big ("Syunik").

    When the region holds the town, or lies elsewhere while the region's country is named and
    the town's own region is not ("California" in a text on the US, not California,
    Maryland). So does a region of several countries ("Middle East").
    """
    town = best.candidate
    if town.feature not in _TOWNS or town.population >= POPULOUS:
        return None
    for t in options:
        c = t.candidate
        if c.feature not in (Feature.REGION, Feature.MACROREGION):
            continue
        elsewhere = (
            c.kind == MatchKind.PRIMARY
            and (Evidence.COUNTRY_IN_TEXT in t.found or c.feature == Feature.MACROREGION)
            and Evidence.REGION_IN_TEXT not in best.found
        )
        if _same_region(c, town) or elsewhere:
            return t.because(Evidence.REGION_OVER_NAMESAKE_TOWN)
    return None


def region_over_country(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a region holding the document's other places to a namesake country.

    "Georgia" with Atlanta and Savannah is the US state: the country holds none of them.
    """
    if best.candidate.feature != Feature.COUNTRY or Evidence.HOLDS_OTHER_PLACES in best.found:
        return None
    for t in options:
        if t.candidate.feature == Feature.REGION and Evidence.HOLDS_OTHER_PLACES in t.found:
            return t.because(Evidence.REGION_OVER_NAMESAKE_COUNTRY)
    return None


def town_over_county(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a town to the county of its region that shares its name ("Fairfax")."""
    if best.candidate.feature != Feature.COUNTY:
        return None
    for t in options:
        if t.candidate.feature in _TOWNS and _same_region(t.candidate, best.candidate):
            return t.because(Evidence.TOWN_OVER_NAMESAKE_COUNTY)
    return None


def city_over_region(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a city of a million to the region named after it ("New York")."""
    if best.candidate.feature != Feature.REGION:
        return None
    for t in options:
        c = t.candidate
        if c.feature in _TOWNS and c.population >= METROPOLIS and _same_region(c, best.candidate):
            return t.because(Evidence.CITY_OVER_NAMESAKE_REGION)
    return None


#: The namesake rules, tried in order on the best-scoring candidate; the first that names
#: another candidate decides.
NAMESAKE_RULES: tuple[Callable[[Scored, Sequence[Scored]], Scored | None], ...] = (
    region_over_town,
    region_over_country,
    town_over_county,
    city_over_region,
)


def choose(
    cs: Sequence[Candidate], use: NameUse, ctx: Context
) -> tuple[Candidate, float, list[Evidence]] | None:
    """Return the best plausible candidate with its confidence and evidence, or None."""
    near = nearness(cs, use.key, ctx)
    scored = []
    for c, n in zip(cs, near, strict=True):
        score, found = evidence(c, use, ctx, float(n))
        scored.append(Scored(score, found, plausible(c, use, found), c))
    options = [t for t in scored if t.plausible]
    if use.acronym and any(t.candidate.kind == MatchKind.ALIAS for t in options):
        # "EU" as written is the alias, not the French town Eu
        options = [t for t in options if t.candidate.kind == MatchKind.ALIAS]
    if not options:
        return None
    best = max(options, key=lambda t: t.score)
    for rule in NAMESAKE_RULES:
        other = rule(best, options)
        if other is not None:
            best = other
            break
    top = max(t.score for t in scored)
    share = math.exp(best.score - top) / sum(math.exp(t.score - top) for t in scored)  # softmax
    found = list(best.found)
    if len(cs) == 1:
        found.append(Evidence.ONLY_CANDIDATE)
    return best.candidate, share * (1 - math.exp(-best.score / 2)), found


# -- the document ----------------------------------------------------------------------------


def _group(m: Mention) -> str:
    """Return the name a mention shares its place with: its key, apart when restricted."""
    return m.key if m.only is None else f"{m.key}#{m.only}"


def resolve_mentions(
    mentions: Sequence[Mention], candidates: dict[str, list[Candidate]]
) -> list[Toponym]:
    """Choose one place for each mention from its candidates, using the whole document.

    Parameters
    ----------
    mentions : sequence of Mention
        From a recogniser (:func:`geomap.text.get_extractor`).
    candidates : dict
        Lookup key -> gazetteer candidates (:meth:`Gazetteer.lookup`).

    Returns
    -------
    list of Toponym
        The mentions that are places, in text order. Mentions with no plausible candidate
        (e.g. a sentence-initial "Police", "NATO" as a village in the Philippines) are left out.
    """
    by_key: dict[str, list[Mention]] = {}
    for m in mentions:
        by_key.setdefault(_group(m), []).append(m)
    uses: dict[str, NameUse] = {}
    pools: dict[str, list[Candidate]] = {}  # each name's candidates
    for key, ms in by_key.items():
        only = ms[0].only
        pools[key] = [c for c in candidates.get(ms[0].key, []) if only in (None, c.feature)]
        uses[key] = NameUse.of(key, ms)
    # First context: the countries named outright, before anything is resolved.
    ctx = Context.from_picks(
        {k: cs[0] for k, cs in pools.items() if cs and cs[0].feature == Feature.COUNTRY}
    )
    chosen: dict[str, tuple[Candidate, float, list[Evidence]]] = {}
    for n_pass in range(1, PASSES + 1):
        previous = {key: pick[0].geonameid for key, pick in chosen.items()}
        chosen = {}
        for key, use in uses.items():
            pick = choose(pools[key], use, ctx)
            if pick is not None:
                chosen[key] = pick
        stable = {key: pick[0].geonameid for key, pick in chosen.items()} == previous
        if stable or n_pass == PASSES:
            break  # the context would not change, or this was the last pass
        ctx = Context.from_picks({key: pick[0] for key, pick in chosen.items()})
    return [t for m in mentions if (t := _toponym(m, chosen.get(_group(m)))) is not None]


def _toponym(m: Mention, pick: tuple[Candidate, float, list[Evidence]] | None) -> Toponym | None:
    """Return the toponym of mention ``m`` given its name's pick (None: not a place)."""
    if pick is None:
        if not m.ner:
            return None
        # a place by the recogniser's judgement, but not in the gazetteer
        return Toponym(
            m.start, m.end, m.name, None, None, None, None, 0.0,
            Evidence.NOT_IN_GAZETTEER.value,
            sentence_start=m.sentence_start, sentence_end=m.sentence_end,
        )  # fmt: skip
    c, score, found = pick
    if m.part and not holds_part(c, found):
        return None  # "Marigny Canal" when Marigny is in France: not the place, nor near it
    return Toponym(
        start=m.start,
        end=m.end,
        name=m.name,
        lat=c.lat,
        lon=c.lon,
        geonameid=c.raw["geonameid"],  # None for regions of several countries
        country_code=c.country_code,
        score=round(score, 3),
        reason="+".join(e.value for e in found),
        place=c.name,
        feature=str(c.feature),
        population=c.population,
        sentence_start=m.sentence_start,
        sentence_end=m.sentence_end,
    )


def geoparse(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    extractor: Extractor | str | None = None,
) -> list[Toponym]:
    """Find the place names in ``text`` and resolve each to a gazetteer place.

    Parameters
    ----------
    text : str
        The document (e.g. a news article).
    gazetteer : Gazetteer, optional
        Defaults to :func:`geomap.gazetteer.open_gazetteer` (built on first use).
    extractor : Extractor or str, optional
        The recogniser: ``"gazetteer"`` (default, no model needed), ``"spacy"``, ``"auto"``
        (spaCy when an English model is installed) or an :class:`~geomap.text.Extractor`.
        A recogniser named here is made once per process (a spaCy model loads slowly).

    Returns
    -------
    list of Toponym
        In text order; ``text[t.start:t.end] == t.name`` for each. A place that a spaCy
        model recognised but the gazetteer lacks has ``lat``/``lon`` None.

    Examples
    --------
    >>> [(t.name, t.country_code) for t in geoparse("Shells hit Goris and Kapan in Armenia.")]
    [('Goris', 'AM'), ('Kapan', 'AM'), ('Armenia', 'AM')]
    """
    gaz = gazetteer if gazetteer is not None else open_gazetteer()
    if extractor is None or isinstance(extractor, str):
        extractor = _extractor(extractor or "gazetteer")
    mentions = extractor(text, gaz)
    return resolve_mentions(mentions, gaz.lookup(m.key for m in mentions))


@functools.cache
def _extractor(name: str) -> Extractor:
    """Return the named recogniser, made once per process."""
    return get_extractor(name)
