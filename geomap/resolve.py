"""Mentions + gazetteer candidates + document context -> one chosen place each, scored.

Each candidate of a mention is scored on evidence a reader would use (:class:`Evidence`):
how the name matched (the place's own name beats an alternate spelling), its population,
whether it is a country, region or capital, whether its country or region is named elsewhere
in the document, and how close it lies to the places chosen for the other names. Resolution
runs in passes (:data:`PASSES` at most): the first knows only the countries named outright,
each later one the places chosen by the pass before, until the choice is stable.

Each rule is a small function of its own, testable on hand-made candidates:
:func:`~geomap.evidence.evidence` (the score) and :func:`~geomap.evidence.plausible` (names
that may be ordinary words, acronyms, speakers or stray spellings need more evidence) in
:mod:`geomap.evidence`; here :data:`NAMESAKE_RULES` (a region or a city that news means when
a town and a region share a name), :func:`consistent_twin` (two records of one town), and,
for single mentions after the passes, :func:`area_holding` ("Tacoma, Washington": the area
holding the town) and :func:`listed_like` ("England and Wales": names of one kind).
:func:`geoparse` runs extraction and resolution together and is the public entry point.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import ConfigurationError, InputError
from .evidence import (
    METROPOLIS,
    NAME_MATCH,
    POPULOUS,
    TOWNS,
    W_NAME,
    Context,
    Evidence,
    NameUse,
    Scored,
    evidence,
    holds_part,
    nearness,
    own_evidence,
    plausible,
)
from .gazetteer import Gazetteer, open_gazetteer
from .geodesy import EARTH_RADIUS_KM
from .names import CONTEXT_ONLY, LANDMARKS, Candidate, Feature, MatchKind
from .text import Extractor, Mention, get_extractor

__all__ = [
    "NAMESAKE_RULES",
    "Context",
    "Evidence",
    "NameUse",
    "Scored",
    "Toponym",
    "area_holding",
    "choose",
    "consistent_twin",
    "listed_like",
    "evidence",
    "geoparse",
    "plausible",
    "resolve_mentions",
    "twins",
]

PASSES = 3
TWIN_KM = 25.0  # two records of one town (same name, country, region) this far apart disagree
TWIN_PENALTY = 0.7  # the score of a town whose records disagree is multiplied by this
LANDMARK_PENALTY = 0.5  # ... and of a place standing in for a landmark it does not hold


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


def _same_region(a: Candidate, b: Candidate) -> bool:
    return (a.country_code, a.admin1) == (b.country_code, b.admin1)


# Evidence that a town is the one the document is about, which a namesake area does not beat.
# Being near the document's other places is not such evidence: "California" in a story
# from Washington is the state, not California, Maryland.
_LOCAL_TOWN = frozenset({Evidence.REGION_IN_TEXT, Evidence.DOCUMENT_FOCUS})


def region_over_town(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a first-level region to a town of its name that is not big ("Syunik").

    When the region holds the town, or lies elsewhere while the region's country is named and
    the town's own region is not ("California" in a text on the US, not California,
    Maryland). So does a region of several countries ("Middle East").
    """
    town = best.candidate
    if town.feature not in TOWNS or town.population >= POPULOUS:
        return None
    for t in options:
        c = t.candidate
        if c.feature not in (Feature.REGION, Feature.MACROREGION):
            continue
        elsewhere = (
            c.kind in (MatchKind.PRIMARY, MatchKind.ADJECTIVE)  # "Arab leaders": Arab world
            and (
                Evidence.COUNTRY_IN_TEXT in t.found
                or c.feature == Feature.MACROREGION
                or c.country_code == town.country_code  # "a judge in Wyoming": the state
            )
            and _LOCAL_TOWN.isdisjoint(best.found)
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
        if t.candidate.feature in TOWNS and _same_region(t.candidate, best.candidate):
            return t.because(Evidence.TOWN_OVER_NAMESAKE_COUNTY)
    return None


def city_over_region(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a city of a million to the region named after it ("New York").

    Unless the document's other places lie in the region away from the city ("New York"
    with Albany and Buffalo is the state).
    """
    if best.candidate.feature != Feature.REGION:
        return None
    for t in options:
        c = t.candidate
        if c.feature in TOWNS and c.population >= METROPOLIS and _same_region(c, best.candidate):
            if (
                Evidence.HOLDS_OTHER_PLACES in best.found
                and Evidence.NEAR_OTHER_PLACES not in t.found
            ):
                return None
            return t.because(Evidence.CITY_OVER_NAMESAKE_REGION)
    return None


def region_over_distant_city(best: Scored, options: Sequence[Scored]) -> Scored | None:
    """Prefer a region holding the document's places to its namesake city far from them.

    "New York" with Albany, Buffalo and Rochester is the state: the city lies in it, but
    none of the other places is near the city.
    """
    town = best.candidate
    if town.feature not in TOWNS or Evidence.NEAR_OTHER_PLACES in best.found:
        return None
    for t in options:
        c = t.candidate
        if (
            c.feature == Feature.REGION
            and _same_region(c, town)
            and Evidence.HOLDS_OTHER_PLACES in t.found
        ):
            return t.because(Evidence.REGION_OVER_NAMESAKE_TOWN)
    return None


#: The namesake rules, tried in order on the best-scoring candidate; the first that names
#: another candidate decides.
NAMESAKE_RULES: tuple[Callable[[Scored, Sequence[Scored]], Scored | None], ...] = (
    region_over_town,
    region_over_country,
    town_over_county,
    city_over_region,
    region_over_distant_city,
)


def twins(c: Candidate, cs: Sequence[Candidate]) -> list[Candidate]:
    """Return the other records of town ``c`` among ``cs`` (one name's candidates).

    Towns of the same name, country and first-level region more than :data:`TWIN_KM` apart:
    GeoNames sometimes holds one town twice ("Kupwara" at 34.03 N, and at the district seat
    near 34.53 N under the name "Kopawor"), or a region has two places of one name; either
    way the records disagree about where the name is.
    """
    if c.feature not in TOWNS:
        return []
    return [
        o
        for o in cs
        if o is not c and o.feature in TOWNS and _same_region(o, c) and _km(o, c) > TWIN_KM
    ]


def _km(a: Candidate, b: Candidate) -> float:
    """Great-circle distance between two candidates, km."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def consistent_twin(best: Scored, options: Sequence[Scored]) -> Scored:
    """Among a town's disagreeing records (:func:`twins`), prefer the one its unit supports.

    The record nearest to a county or district of the name in the same region, if one is a
    candidate; else the record with the best evidence apart from how the name matched (an
    alternate spelling of one town is no evidence between two records of it), then the more
    populous. Either way the choice says that the records disagree.
    """
    if len(options) < 2 or best.candidate.feature not in TOWNS:
        return best  # the usual case, decided cheaply
    others = twins(best.candidate, [t.candidate for t in options])
    if not others:
        return best
    records = [best, *(t for t in options if t.candidate in others)]
    units = [t.candidate for t in options if t.candidate.feature == Feature.COUNTY
             and _same_region(t.candidate, best.candidate)]  # fmt: skip
    if units:
        pick = min(records, key=lambda t: min(_km(t.candidate, u) for u in units))
    else:
        pick = max(
            records,
            key=lambda t: (
                round(t.score - W_NAME * NAME_MATCH.get(t.candidate.kind, 1.0), 6),
                t.candidate.population,
            ),
        )
    return pick.because(Evidence.RECORDS_DISAGREE)


def choose(
    cs: Sequence[Candidate],
    use: NameUse,
    ctx: Context,
    own: Sequence[tuple[float, tuple[Evidence, ...]]] | None = None,
) -> tuple[Candidate, float, list[Evidence]] | None:
    """Return the best plausible candidate with its confidence and evidence, or None.

    ``own``: :func:`~geomap.evidence.own_evidence` of each candidate, when already known.
    """
    near = nearness(cs, use.key, ctx).tolist()
    owns = own if own is not None else [own_evidence(c, use) for c in cs]
    scored = []
    for c, n, o in zip(cs, near, owns, strict=True):
        score, found = evidence(c, use, ctx, n, o)
        scored.append(Scored(score, found, plausible(c, use, found), c))
    options = [t for t in scored if t.plausible]
    if use.acronym and any(t.candidate.kind == MatchKind.ALIAS for t in options):
        # "EU" as written is the alias, not the French town Eu
        options = [t for t in options if t.candidate.kind == MatchKind.ALIAS]
    if len(options) > 1 and any(t.candidate.kind == MatchKind.INSTITUTION for t in options):
        # "the White House" is the government, not White House, Tennessee
        options = [t for t in options if t.candidate.kind == MatchKind.INSTITUTION]
    if use.unit and any(t.candidate.feature == use.unit for t in options):
        # "the Sumy region" is the oblast; "Georgia state line" the US state
        options = [t.because(Evidence.UNIT_NAMED) for t in options
                   if t.candidate.feature == use.unit]  # fmt: skip
    if not options:
        return None
    best = max(options, key=lambda t: t.score)
    for rule in NAMESAKE_RULES:
        other = rule(best, options)
        if other is not None:
            best = other
            break
    best = consistent_twin(best, options)
    top = max(t.score for t in scored)
    share = math.exp(best.score - top) / sum(math.exp(t.score - top) for t in scored)  # softmax
    confidence = share * (1 - math.exp(-best.score / 2))
    if Evidence.RECORDS_DISAGREE in best.found:
        confidence *= TWIN_PENALTY
    found = list(best.found)
    if len(cs) == 1:
        found.append(Evidence.ONLY_CANDIDATE)
    return best.candidate, confidence, found


# -- the document ----------------------------------------------------------------------------


def _group(m: Mention) -> str:
    """Return the name a mention shares its place with: its key, apart when restricted.

    "Ga.", "the Sumy region" and "Paris, Tenn." are resolved apart from a plain "Georgia",
    "Sumy" or "Paris" in the same text.
    """
    if m.only is None and m.unit is None and m.within is None:
        return m.key
    return f"{m.key}#{m.only or ''}#{m.unit or ''}#{m.within or ''}"


def _areas(cs: Sequence[Candidate]) -> frozenset[tuple[str, str]]:
    """Return the areas a name may stand for: (country, admin1) of regions, (country, "")."""
    out = set()
    for c in cs:
        if c.feature == Feature.REGION:
            out.add((c.country_code, c.admin1))
        elif c.feature == Feature.COUNTRY and c.kind not in CONTEXT_ONLY:
            out.add((c.country_code, ""))
    return frozenset(out)


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
        within = ms[0].within
        uses[key] = NameUse.of(key, ms, _areas(candidates.get(within, [])) if within else None)
    owns = {key: [own_evidence(c, uses[key]) for c in pools[key]] for key in uses}
    # First context: the countries named outright, before anything is resolved.
    ctx = Context.from_picks(
        {k: cs[0] for k, cs in pools.items() if cs and cs[0].feature == Feature.COUNTRY}
    )
    chosen: dict[str, tuple[Candidate, float, list[Evidence]]] = {}
    for n_pass in range(1, PASSES + 1):
        previous = {key: pick[0].geonameid for key, pick in chosen.items()}
        chosen = {}
        for key, use in uses.items():
            pick = choose(pools[key], use, ctx, owns[key])
            if pick is not None:
                chosen[key] = pick
        stable = {key: pick[0].geonameid for key, pick in chosen.items()} == previous
        if stable or n_pass == PASSES:
            break  # the context would not change, or this was the last pass
        ctx = Context.from_picks({key: pick[0] for key, pick in chosen.items()})
    picks = [chosen.get(_group(m)) for m in mentions]
    for n, m in enumerate(mentions[:-1]):  # "Tacoma, Washington": the state, not the capital
        area, town, before = mentions[n + 1], picks[n], picks[n + 1]
        if m.within is not None and m.within == area.key and town is not None:
            group = _group(area)
            held = area_holding(town, pools[group], uses[group], ctx)
            if held is not None and (before is None or before[0] != held[0]):
                picks[n + 1] = held  # not what the name means elsewhere in the text
    for n, m in enumerate(mentions[:-1]):  # "England and Wales": both regions
        if m.listed and picks[n] is not None and picks[n + 1] is not None:
            for one, other in ((n, n + 1), (n + 1, n)):
                group = _group(mentions[other])
                like = listed_like(picks[one], picks[other], pools[group], uses[group], ctx)  # type: ignore[arg-type]
                if like is not None:
                    picks[other] = like
    return [t for m, pick in zip(mentions, picks, strict=True)
            if (t := _toponym(m, pick)) is not None]  # fmt: skip


# Evidence that the text itself says what a name is, which a list does not override.
_SETTLED = frozenset({Evidence.IN_NAMED_AREA, Evidence.HOLDS_TOWN_BEFORE, Evidence.UNIT_NAMED})


def listed_like(
    one: tuple[Candidate, float, list[Evidence]],
    other: tuple[Candidate, float, list[Evidence]],
    cs: Sequence[Candidate],
    use: NameUse,
    ctx: Context,
) -> tuple[Candidate, float, list[Evidence]] | None:
    """Return the place of a name listed with a region or country, when it may be one too.

    "England and Wales", "California or Washington": names joined by "and" or "or" are
    things of one kind. When ``one`` is a first-level region and the ``other`` name, chosen
    as something else, can be a region of the same country, it is that region; likewise a
    country listed with a country. None when nothing changes.
    """
    feature = one[0].feature
    if feature not in (Feature.REGION, Feature.COUNTRY) or other[0].feature == feature:
        return None
    if not _SETTLED.isdisjoint(other[2]):
        return None  # "Florida and Washington, D.C.": the area after it says what it is
    same = [
        c
        for c in cs
        if c.feature == feature
        and c.kind not in CONTEXT_ONLY
        and (feature == Feature.COUNTRY or c.country_code == one[0].country_code)
    ]
    pick = choose(same, use, ctx) if same else None
    if pick is None:
        return None
    found = [e for e in pick[2] if e != Evidence.ONLY_CANDIDATE or len(cs) == 1]
    return pick[0], pick[1], [*found, Evidence.LISTED_WITH_LIKE]


def area_holding(
    town: tuple[Candidate, float, list[Evidence]],
    cs: Sequence[Candidate],
    use: NameUse,
    ctx: Context,
) -> tuple[Candidate, float, list[Evidence]] | None:
    """Return the place of an area named after a town and a comma: the one holding the town.

    "Tacoma, Washington" is the state, "Tbilisi, Georgia" the country, whatever the name
    means elsewhere in the text. Only when the town was chosen for lying in one of the
    name's areas (:attr:`Evidence.IN_NAMED_AREA`); its region first, else its country.
    """
    c, _, found = town
    if Evidence.IN_NAMED_AREA not in found:
        return None
    for feature, admin1 in ((Feature.REGION, c.admin1), (Feature.COUNTRY, "")):
        held = [
            a
            for a in cs
            if a.feature == feature
            and a.kind not in CONTEXT_ONLY
            and (a.country_code, a.admin1 if admin1 else "") == (c.country_code, admin1)
        ]
        pick = choose(held, use, ctx) if held else None
        if pick is not None:
            found = [e for e in pick[2] if e != Evidence.ONLY_CANDIDATE or len(cs) == 1]
            return pick[0], pick[1], [*found, Evidence.HOLDS_TOWN_BEFORE]
    return None


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
    if c.kind in CONTEXT_ONLY:
        return None  # "Palestinians", "the White House": the country is context, not a place
    if m.part and not holds_part(c, found):
        return None  # "Marigny Canal" when Marigny is in France: not the place, nor near it
    if m.landmark and c.feature not in LANDMARKS:
        # "Preah Vihear temple" when the temple is not in the gazetteer: the point is the
        # province's (or the town's), and the toponym says so
        found = [*found, Evidence.LANDMARK_NOT_IN_GAZETTEER]
        score *= LANDMARK_PENALTY
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
    _check_text(text)
    gaz = gazetteer if gazetteer is not None else open_gazetteer()
    if extractor is None or isinstance(extractor, str):
        extractor = _extractor(extractor or "gazetteer")
    mentions = extractor(text, gaz)
    return resolve_mentions(mentions, gaz.lookup(m.key for m in mentions))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: object) -> None:
    """Raise unless ``text`` is a string of characters (no lone surrogate)."""
    if not isinstance(text, str):
        raise ConfigurationError(f"geoparse needs the text as a str, not {type(text).__name__}")
    found = _SURROGATE.search(text)
    if found:
        raise InputError(
            f"the text holds a lone surrogate ({ascii(found.group())[1:-1]} at offset "
            f"{found.start()}), which is no character: decode it with errors='replace' "
            "or fix its source"
        )


@functools.cache
def _extractor(name: str) -> Extractor:
    """Return the named recogniser, made once per process."""
    return get_extractor(name)
