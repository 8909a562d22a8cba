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
from dataclasses import dataclass, field

import numpy as np

from .extract import Extractor, Mention, get_extractor
from .gazetteer import (
    KIND_ALTERNATE,
    KIND_COUNTRY_ALIAS,
    KIND_PRIMARY,
    Candidate,
    Gazetteer,
    open_gazetteer,
)

__all__ = ["Toponym", "geoparse", "resolve_mentions"]

# Hand-set weights of the evidence (see the module docstring); documented in the README.
W_POPULATION, W_NAME, W_FEATURE, W_COUNTRY_IN_TEXT, W_REGION_IN_TEXT, W_NEARBY = (
    2.0, 1.5, 1.5, 1.0, 1.0, 1.5
)  # fmt: skip
W_CAPITAL = 1.0  # national capitals are what news names most ("Washington", "Tbilisi")
NAME_MATCH = {KIND_PRIMARY: 1.0, KIND_ALTERNATE: 0.3}
_MATCH_REASON = {0: "name", 1: "alternate-name", 2: "alias", 3: "adjective"}
AREAS = ("country", "region", "continent", "macroregion")  # too big to be near anything
# Administrative units: ordinary words among their names need their country named.
UNITS = ("region", "county", "continent", "macroregion")
NEARBY_KM = 150.0
POPULOUS = 100_000
METROPOLIS = 1_000_000
TINY = 1_000
SMALL = 10_000
EARTH_RADIUS_KM = 6371.0088
PASSES = 3


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


def _nearness(cs: list[Candidate], k: _Key, ctx: _Context) -> np.ndarray:
    """Return exp(-d / NEARBY_KM) for each candidate (0 when there is nothing to be near).

    ``d`` is the great-circle distance in km to the nearest place chosen for another name of
    the document; one distance matrix per name. Areas are never near anything: no distances.
    """
    if all(c.feature in AREAS for c in cs):
        return np.zeros(len(cs))
    anchors = ctx.anchor_arrays()
    own = anchors.index.get(k.key)
    if len(anchors.index) - (own is not None) == 0:
        return np.zeros(len(cs))
    lat1 = np.radians([c.lat for c in cs])[:, None]
    lon1 = np.radians([c.lon for c in cs])[:, None]
    h = (
        np.sin((anchors.lat - lat1) / 2) ** 2
        + np.cos(lat1) * anchors.coslat * np.sin((anchors.lon - lon1) / 2) ** 2
    )
    if own is not None:
        h[:, own] = 1.0  # a name is not near itself: the antipode
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))).min(axis=1)
    return np.exp(-km / NEARBY_KM)


@dataclass(frozen=True)
class _Anchors:
    """The point places of a context as arrays (radians), with each name's column."""

    index: dict[str, int]
    lat: np.ndarray
    lon: np.ndarray
    coslat: np.ndarray


@dataclass
class _Context:
    """What the document says so far: its countries, regions and point places."""

    # Each piece of evidence remembers which names gave it, so no name supports itself.
    countries: dict[str, set[str]] = field(default_factory=dict)
    regions: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    anchors: dict[str, Candidate] = field(default_factory=dict)
    # the point places of the document by the country and the region they lie in
    inside: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _arrays: _Anchors | None = None

    @classmethod
    def from_picks(cls, picks: dict[str, Candidate]) -> _Context:
        ctx = cls()
        for key, c in picks.items():
            if c.feature in ("country", "region"):
                ctx.countries.setdefault(c.country_code, set()).add(key)
            if c.feature == "region":
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
            self._arrays = _Anchors(index, lat, lon, np.cos(lat))
        return self._arrays

    def names_country(self, code: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in country ``code``."""
        return _other_than(self.countries.get(code), key)

    def names_region(self, code: str, admin1: str, key: str) -> bool:
        """Whether a name other than ``key`` places the document in that region."""
        return _other_than(self.regions.get((code, admin1)), key)

    def holds_places(self, c: Candidate, key: str) -> bool:
        """Whether a country or region ``c`` holds places chosen for other names."""
        area = (c.country_code, c.admin1 if c.feature == "region" else "")
        return _other_than(self.inside.get(area), key)


def _other_than(names: set[str] | None, key: str) -> bool:
    """Whether ``names`` holds a name other than ``key`` (without building a new set)."""
    if not names:
        return False
    return len(names) > 1 or key not in names


@dataclass(frozen=True)
class _Key:
    """A distinct name of the document and how it was written."""

    key: str
    common_word: bool  # also a frequent English word
    locative: bool  # written after a preposition of place at least once ("in Nelson")
    initial_only: bool  # every mention starts a sentence
    acronym: bool  # written in capitals, at most 5 letters ("NATO", "BA")
    speaker: bool  # a lone word that says or tells something ("Johnson said")
    part: bool = False  # always inside the name of something else ("Windsor Castle")
    ner: bool = False  # a recogniser already judged it a place


def _score(c: Candidate, k: _Key, ctx: _Context, near: float) -> tuple[float, list[str], bool]:
    """Score one candidate (``near``: :func:`_nearness`); return (score, reasons, plausible)."""
    reasons = []
    area = c.feature in AREAS
    score = (
        0.0  # their population is the sum of their towns', not a measure of fame
        if c.feature in ("region", "continent", "macroregion")
        else W_POPULATION * min(math.log10(c.population + 1) / 7.0, 1.0)
    )
    if c.population >= POPULOUS and not area:
        reasons.append("populous")
    score += W_NAME * NAME_MATCH.get(c.kind, 1.0)
    reasons.append(_MATCH_REASON[c.kind])
    if area:
        score += W_FEATURE
        reasons.append(c.feature)
    elif c.feature == "county":
        reasons.append(c.feature)
    elif c.feature == "capital" and c.kind == KIND_PRIMARY:
        score += W_CAPITAL
        reasons.append("capital")
    if c.feature != "country" and ctx.names_country(c.country_code, k.key):
        score += W_COUNTRY_IN_TEXT
        reasons.append("country-in-text")
    if c.feature in ("country", "region") and ctx.holds_places(c, k.key):
        score += W_REGION_IN_TEXT  # "Georgia" with Atlanta, not with Tbilisi
        reasons.append("holds-other-places")
    if not area and ctx.names_region(c.country_code, c.admin1, k.key):
        score += W_REGION_IN_TEXT
        reasons.append("region-in-text")
    if not area:
        score += W_NEARBY * near
        if near > 0.3:
            reasons.append("near-other-places")
    return score, reasons, _plausible(c, k, reasons)


# Evidence that a place is local to the document, not just in a country it names.
_LOCAL = frozenset({"region-in-text", "near-other-places"})


def _holds_part(c: Candidate, reasons: list[str]) -> bool:
    """Whether a place named inside a longer name ("Manila Cathedral") is where that thing is.

    It is when the place is local to the document or a city big enough to be the obvious
    one; a small namesake far away ("Eglinton Avenue" in Toronto, not Eglinton) is not.
    """
    big = c.feature in ("city", "capital") and c.population >= POPULOUS
    return big or c.feature in AREAS or bool(_LOCAL.intersection(reasons))


def _plausible(c: Candidate, k: _Key, reasons: list[str]) -> bool:
    """Demand more evidence for names that may be ordinary words, acronyms or stray spellings."""
    if k.ner:
        return True  # the recogniser decided it is a place; only which place is open
    supported = bool({"country-in-text", "region-in-text", "near-other-places"} & set(reasons))
    if k.part:  # "Windsor Castle" near London is at Windsor; "Eglinton Avenue" is not Eglinton
        return c.feature not in AREAS and _holds_part(c, reasons)
    if k.acronym:  # "NATO", "BA": only an alias ("US", "UAE", "EU") as is
        alias = c.kind == KIND_COUNTRY_ALIAS
        return alias or (c.kind == KIND_PRIMARY and (c.population >= POPULOUS or supported))
    if c.feature == "country":
        return True  # "Turkey", "China", "Chad": the capital in running text is enough
    if k.speaker and c.population < POPULOUS:
        return False  # "Johnson said": a person
    if k.common_word:  # "Police", "Reading": mid-sentence, its own name, and a big place
        if k.initial_only or c.kind != KIND_PRIMARY:
            return False
        if c.feature in UNITS:  # "Centre", "Western": in its country only
            return c.feature in ("continent", "macroregion") or "country-in-text" in reasons
        # "in Nelson", "near Franklin": a town too, if it is no hamlet and fits the document
        local = k.locative and c.population >= SMALL and supported
        return c.population >= POPULOUS or local
    if c.feature in UNITS:
        return True
    if c.population < TINY or (c.kind == KIND_ALTERNATE and c.population < SMALL):
        return supported  # a hamlet, or a small place by another name, needs corroboration
    return True


def _namesake(
    best: Candidate, reasons: list[str], plausible: list[tuple[float, list[str], bool, Candidate]]
) -> tuple[float, list[str], bool, Candidate] | None:
    """Return the region or city that news means when a town and a region share a name.

    A first-level region beats a town of its name that is not big: inside it ("Syunik",
    "Tavush"), or elsewhere when the region's country is named and the town's own region is
    not ("California" in a text on the US, not California, Maryland). So does a region of
    several countries ("Middle East"). A city of a million beats the region named after it
    ("New York"). A region that holds the document's other places beats a country of its name
    that holds none ("Georgia" with Atlanta).
    """
    if best.feature in ("city", "capital") and best.population < POPULOUS:
        for t in plausible:
            c = t[3]
            if c.feature not in ("region", "macroregion"):
                continue
            inside = (c.country_code, c.admin1) == (best.country_code, best.admin1)
            elsewhere = (
                c.kind == KIND_PRIMARY
                and ("country-in-text" in t[1] or c.feature == "macroregion")
                and "region-in-text" not in reasons
            )
            if inside or elsewhere:
                return (t[0], [*t[1], "region-over-namesake-town"], *t[2:])
    if best.feature == "country" and "holds-other-places" not in reasons:
        for t in plausible:  # "Georgia" with Atlanta and Savannah: the US state
            if t[3].feature == "region" and "holds-other-places" in t[1]:
                return (t[0], [*t[1], "region-over-namesake-country"], *t[2:])
    if best.feature == "county":  # "Fairfax": the town, not the county that shares its name
        for t in plausible:
            c = t[3]
            if c.feature in ("city", "capital") and (c.country_code, c.admin1) == (
                best.country_code, best.admin1):  # fmt: skip
                return (t[0], [*t[1], "town-over-namesake-county"], *t[2:])
    if best.feature == "region":
        for t in plausible:
            c = t[3]
            if c.feature in ("city", "capital") and c.population >= METROPOLIS and (
                c.country_code, c.admin1) == (best.country_code, best.admin1):  # fmt: skip
                return (t[0], [*t[1], "city-over-namesake-region"], *t[2:])
    return None


def _choose(
    cs: list[Candidate], k: _Key, ctx: _Context
) -> tuple[Candidate, float, list[str]] | None:
    """Return the best plausible candidate with its confidence and reasons, or None."""
    near = _nearness(cs, k, ctx)
    scored = [(*_score(c, k, ctx, float(n)), c) for c, n in zip(cs, near, strict=True)]
    plausible = [t for t in scored if t[2]]
    if k.acronym and any(t[3].kind == KIND_COUNTRY_ALIAS for t in plausible):
        # "EU" as written is the alias, not the French town Eu
        plausible = [t for t in plausible if t[3].kind == KIND_COUNTRY_ALIAS]
    if not plausible:
        return None
    score, reasons, _, best = max(plausible, key=lambda t: t[0])
    namesake = _namesake(best, reasons, plausible)
    if namesake is not None:
        score, reasons, _, best = namesake
    top = max(t[0] for t in scored)
    share = math.exp(score - top) / sum(math.exp(t[0] - top) for t in scored)  # softmax
    if len(cs) == 1:
        reasons.append("only-candidate")
    return best, share * (1 - math.exp(-score / 2)), reasons


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
        From :func:`geomap.extract.extract_mentions`.
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
    keys: dict[str, _Key] = {}
    pools: dict[str, list[Candidate]] = {}  # each name's candidates
    for key, ms in by_key.items():
        only = ms[0].only
        pools[key] = [c for c in candidates.get(ms[0].key, []) if only in (None, c.feature)]
        keys[key] = _Key(
            key=key,
            common_word=any(m.common_word for m in ms),
            locative=any(m.locative for m in ms),
            initial_only=all(m.sentence_initial for m in ms),
            acronym=all(m.name.isupper() and len(m.name) <= 5 for m in ms),
            speaker=any(m.speaker for m in ms),
            part=all(m.part for m in ms),
            ner=all(m.ner for m in ms),
        )
    # First context: the countries named outright, before anything is resolved.
    ctx = _Context.from_picks(
        {k: cs[0] for k, cs in pools.items() if cs and cs[0].feature == "country"}
    )
    chosen: dict[str, tuple[Candidate, float, list[str]]] = {}
    for n_pass in range(1, PASSES + 1):
        previous = {key: pick[0].geonameid for key, pick in chosen.items()}
        chosen = {}
        for key, k in keys.items():
            pick = _choose(pools[key], k, ctx)
            if pick is not None:
                chosen[key] = pick
        stable = {key: pick[0].geonameid for key, pick in chosen.items()} == previous
        if stable or n_pass == PASSES:
            break  # the context would not change, or this was the last pass
        ctx = _Context.from_picks({key: pick[0] for key, pick in chosen.items()})
    out = []
    for m in mentions:
        if _group(m) not in chosen:
            if m.ner:  # a place by the recogniser's judgement, but not in the gazetteer
                out.append(
                    Toponym(
                        m.start,
                        m.end,
                        m.name,
                        None,
                        None,
                        None,
                        None,
                        0.0,
                        "not-in-gazetteer",
                        sentence_start=m.sentence_start,
                        sentence_end=m.sentence_end,
                    )  # fmt: skip
                )
            continue
        c, score, reasons = chosen[_group(m)]
        if m.part and not _holds_part(c, reasons):
            continue  # "Marigny Canal" when Marigny is in France: not the place, nor near it
        out.append(
            Toponym(
                start=m.start,
                end=m.end,
                name=m.name,
                lat=c.lat,
                lon=c.lon,
                geonameid=c.raw["geonameid"],  # None for regions of several countries
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
        (spaCy when an English model is installed) or an :class:`~geomap.extract.Extractor`.

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


_EXTRACTORS: dict[str, Extractor] = {}


def _extractor(name: str) -> Extractor:
    """Return the named recogniser, made once per process (a spaCy model loads slowly)."""
    if name not in _EXTRACTORS:
        _EXTRACTORS[name] = get_extractor(name)
    return _EXTRACTORS[name]
