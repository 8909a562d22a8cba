"""The events stage: where the violence happened. Roles, event types, precision codes, dates.

Between resolution and borders: for every resolved place mention of a text, decide whether
the text reports violence happening there, and link each reported violent event to its
place(s). Input is the text and its :class:`~geomap.resolve.Toponym` list (offsets, sentence,
feature, country, coordinates); nothing else of the pipeline is needed.

- **Events**: violence words (the one violence vocabulary, ``geomap/data/violence.tsv``) with
  an ACLED-like event type (``geomap/data/event_types.tsv``: ``shelling``, ``air_strike``,
  ``armed_clash``, ``attack``, ``explosion``, ``killing``, ``abduction``, ``destruction``,
  ``territory``), the trigger and its offsets, and whether the text reports it as having
  happened.
- **Roles** per mention and per place: ``incident`` (violence reported there), ``container``
  (a larger area holding a place the text names more precisely) or ``context``, each with a
  machine-readable reason ("target of 'shelled'", "named as the speaker", "dateline",
  "origin/nationality", "reference point", "destination", "container of Kapan", ...).
  Hard cues decide first (dateline, speaker, origin, metonymy, destination, reference point,
  no reported violence, container); the remaining mentions of a sentence that reports
  violence are scored by a small linear model over generic cues (relation to the trigger,
  preposition class, clause, distance, feature type), fitted by cross-validation
  (``bench/fit_events.py``) and shipped as ``geomap/data/event_weights.tsv``.
- **Metonymy**: every mention gets ``metonymic`` (:mod:`geomap.events.metonymy`); a metonymic
  mention ("Baku said", "Russia invaded") is never an incident location.
- **Precision**: ACLED-style ``geo_precision`` (1 the town itself, 2 near it / part of it /
  a small area, 3 a region or larger) and UCDP-style ``where_prec`` (1 exact, 2 within about
  25 km of a named place, 3 second-order unit, 4 first-order unit, 5 between places or along
  a line, 6 country, 7 at sea or in the air: not produced).
- **Relative locations** (:mod:`geomap.events.relative`) and **dates**
  (:mod:`geomap.events.dates`).
- **Backends** (:mod:`geomap.events.models`): ``"rules"`` (default, no model) or ``"spacy"``
  add their cues to both linear models.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from geomap.names import behaves_as
from geomap.resolve import Toponym
from geomap.rules import violence

from .dates import anchor_date, is_dateline, past_year
from .grammar import (
    MentionContext,
    SentenceAnalysis,
    TriggerHit,
    analyse_sentence,
)
from .metonymy import metonymy_features
from .models import (
    EventsBackend,
    LinearModel,
    get_backend,
    load_event_model,
    load_metonymy_model,
)
from .relative import RelativeLocation
from .vocab import Vocabulary, vocabulary

__all__ = [
    "EVENT_TYPES",
    "RELATIVE_KINDS",
    "ROLES",
    "Event",
    "EventAnalysis",
    "MentionRole",
    "PlaceRole",
    "analyse_events",
    "sentence_analyses",
]

ROLES = ("incident", "container", "context")
#: Relative locations that make a place a reference point, not the scene: "10 km north of
#: X" (offset), "north of X" (direction), "30 km from X" (distance).
RELATIVE_KINDS = ("offset", "direction", "distance")
#: Event types, most specific first (``geomap/data/event_types.tsv``): a sentence's event
#: takes the first type among its words.
EVENT_TYPES = violence().event_types
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # as events_rules tokenises words
_UNREPORTED = (
    ("denied", "violence denied"),
    ("negated", "violence negated"),
    ("future", "violence threatened or planned, not reported"),
    ("past", "violence in the past (a year long before the document's)"),
)
_UNLINKED = "not linked to the violence of its sentence"
_METONYMIC = "metonymic: stands for its government, people or forces"
_AREA_RANK = {"continent": 6, "macroregion": 5, "country": 4, "region": 3, "county": 2}


@dataclass(frozen=True, slots=True)
class Event:
    """A violent event of the text.

    ``places`` and ``containers`` are indices into the toponym list (incident mentions, and
    mentions of larger areas holding them); ``reference`` is the mention a relative location
    is measured from (``relative``: kind, distance, bearing, offset point). ``status`` is
    ``"reported"`` (only these make incidents), ``"negated"``, ``"denied"``, ``"future"`` or
    ``"no-place"``. ``geo_precision`` (ACLED, 1-3) and ``where_prec`` (UCDP, 1-7) describe the
    best place of the event; ``event_date`` is set when a document date is given and the
    sentence anchors the event to it, with ``date_precision`` "day", "week" or "month".
    """

    id: int
    event_type: str
    trigger: str
    trigger_start: int
    trigger_end: int
    sentence_start: int
    sentence_end: int
    status: str
    places: tuple[int, ...] = ()
    containers: tuple[int, ...] = ()
    reference: int | None = None
    relative: RelativeLocation | None = None
    geo_precision: int | None = None
    where_prec: int | None = None
    event_date: dt.date | None = None
    date_precision: str | None = None


@dataclass(frozen=True, slots=True)
class MentionRole:
    """The decision for one toponym mention (``index`` into the toponym list).

    ``metonymic``: the name stands for a government, people, army or team ("Baku said");
    never true of an incident mention (the violence is located at the place itself).
    ``score`` is the incident model's probability when it decided (NaN when a rule did).
    """

    index: int
    start: int
    end: int
    name: str
    metonymic: bool
    role: str
    reason: str
    event: int | None = None
    score: float = math.nan


@dataclass(frozen=True, slots=True)
class PlaceRole:
    """The decision for one place of the document (its mentions grouped as in the incidents table).

    ``key`` is ``(geonameid, place, lat, lon)``; ``mentions`` indexes the toponym list. The
    event fields are those of the place's first event (``events`` lists all of them).
    ``metonymic`` is true when every mention is metonymic.
    """

    key: tuple[int | None, str | None, float | None, float | None]
    mentions: tuple[int, ...]
    role: str
    reason: str
    metonymic: bool
    events: tuple[int, ...] = ()
    event_type: str = ""
    trigger: str = ""
    trigger_start: int = -1
    trigger_end: int = -1
    geo_precision: int | None = None
    where_prec: int | None = None
    event_date: dt.date | None = None
    date_precision: str | None = None
    relative: RelativeLocation | None = None


@dataclass(frozen=True)
class EventAnalysis:
    """What :func:`analyse_events` found: events, one role per mention and per place."""

    events: tuple[Event, ...]
    mentions: tuple[MentionRole, ...]
    places: tuple[PlaceRole, ...]

    def place_of(self, index: int) -> PlaceRole | None:
        """Return the place role of the toponym at ``index`` (None without coordinates)."""
        for p in self.places:
            if index in p.mentions:
                return p
        return None

    def relative_events(self) -> tuple[Event, ...]:
        """Return the reported events located only relative to a reference place.

        "Shells landed 10 km north of Kharkiv": no place of the text is the scene, the
        event is at a distance or direction from its ``reference`` (a mention that stays
        ``context``, reason "reference point").
        """
        return tuple(
            e
            for e in self.events
            if e.status == "reported"
            and not e.places
            and e.reference is not None
            and e.relative is not None
            and e.relative.kind in RELATIVE_KINDS
        )


@functools.lru_cache(maxsize=1)
def _trigger_words(vocab: Vocabulary) -> tuple[frozenset[str], dict[str, list[frozenset[str]]]]:
    """Single-word triggers, and the word sets of multi-word ones by their first word."""
    single = frozenset(w for w in vocab.triggers if " " not in w)
    phrases: dict[str, list[frozenset[str]]] = {}
    for w in vocab.triggers:
        if " " in w:
            phrases.setdefault(w.split()[0], []).append(frozenset(w.split()))
    return single, phrases


def sentence_analyses(text: str, toponyms: Sequence[Toponym]) -> list[SentenceAnalysis]:
    """Return the analysis of every sentence that names a place (see :mod:`events_rules`).

    A sentence without any violence word is not analysed further: its analysis has no
    triggers and no mention contexts (its places are context places).
    """
    vocab = vocabulary()
    by_sentence: dict[tuple[int, int], list[int]] = {}
    for i, t in enumerate(toponyms):
        by_sentence.setdefault((t.sentence_start, t.sentence_end), []).append(i)
    single, phrases = _trigger_words(vocab)
    out = []
    for (s0, s1), indices in by_sentence.items():
        words = set(_WORD.findall(text[s0:s1].lower()))
        if single.isdisjoint(words) and not any(
            words.issuperset(p) for first, ps in phrases.items() if first in words for p in ps
        ):
            out.append(SentenceAnalysis(s0, s1, [], [], list(indices)))
        else:
            out.append(analyse_sentence(text, s0, s1, toponyms, indices, vocab))
    return out


def _hard_reason(c: MentionContext, reported: list[TriggerHit], triggers: list[TriggerHit],
                 metonymic: bool) -> tuple[str, str] | None:  # fmt: skip
    """Return (role, reason) when a cue decides without the model, else None."""
    if c.dateline:
        return "context", "dateline"
    if c.speaker:
        return "context", c.speaker
    if c.origin:
        return "context", "origin/nationality"
    located = c.target is not None or c.prep_class in ("locative", "near", "between")
    if metonymic and not located:
        return "context", _METONYMIC
    if c.destination:
        return "context", "destination"
    if c.relative is not None and c.relative.kind in RELATIVE_KINDS:
        return "context", "reference point"
    if not reported:
        if triggers:
            status = {h.status for h in triggers}
            for s, why in _UNREPORTED:
                if s in status:
                    return "context", why
        return "context", "no violence reported in its sentence"
    if c.container_of:
        return "container", f"container of {c.container_of}"
    return None


def _incident_reason(c: MentionContext, hit: TriggerHit) -> str:
    word = hit.text.lower()
    if c.target is not None:
        return f"target of '{c.target.text.lower()}'"
    if c.relative is not None and c.relative.kind == "between":
        return f"between places: location of '{word}'"
    if c.prep_class == "near":
        return f"near: location of '{word}'"
    if c.fronted:
        return f"opening 'In X,' of a sentence reporting '{word}'"
    if c.prep:
        return f"location of '{word}' ({c.prep})"
    return f"in a clause reporting '{word}'"


def _rank(t: Toponym) -> int:
    """Return how large an area a toponym is (0 a town, 2 county ... 6 continent)."""
    return _AREA_RANK.get(t.feature or "", 0)


def _precision(feature: str | None, c: MentionContext | None) -> tuple[int, int]:
    """Return (geo_precision, where_prec) of an incident place."""
    if feature == "country":
        return 3, 6
    if feature in ("continent", "macroregion"):
        return 3, 6
    if feature == "region":
        return 3, 4
    if c is not None and c.relative is not None and c.relative.kind == "between":
        return 2, 5
    if c is not None and (
        c.prep_class == "near" or (c.relative is not None and c.relative.kind == "near")
    ):
        return 2, 2
    if feature == "county":
        return 2, 3
    return 1, 1


def analyse_events(
    text: str,
    toponyms: Sequence[Toponym],
    *,
    document_date: dt.date | None = None,
    backend: str | EventsBackend = "rules",
    model: LinearModel | None = None,
    metonymy: LinearModel | None = None,
    weighed: dict[int, dict[str, float]] | None = None,
) -> EventAnalysis:
    """Find the violent events of ``text`` and decide the role of every place mention.

    Parameters
    ----------
    text : str
        The document.
    toponyms : sequence of Toponym
        Its resolved place mentions (:func:`geomap.geoparse`), in text order.
    document_date : datetime.date, optional
        The document's date; events anchored to it ("on Tuesday") get an ``event_date``,
        and violence set in a year long before it ("in the 1967 war") is background, not an
        incident (:func:`geomap.events.dates.past_year`).
    backend : str or EventsBackend, default "rules"
        A name of :data:`geomap.events.BACKENDS` or a backend object: ``"rules"`` needs no
        model; ``"spacy"`` adds a dependency parse to the cues
        (:mod:`geomap.events.spacy_backend`; spaCy and an English model must be installed).
    model, metonymy : LinearModel, optional
        The incident and metonymy models (default: the shipped weights of ``backend``).
    weighed : dict, optional
        Filled with the cues the incident model weighed, by toponym index: the mentions the
        fixed rules leave open (for fitting the model: ``bench/fit_events.py``).

    Raises
    ------
    ConfigurationError
        For an unknown ``backend``, or ``"spacy"`` without an English model.
    ImportError
        For ``"spacy"`` without spaCy installed.

    Returns
    -------
    EventAnalysis
        ``events``, ``mentions`` (one :class:`MentionRole` per toponym, same order) and
        ``places`` (one :class:`PlaceRole` per distinct place with coordinates).

    Examples
    --------
    >>> from geomap import geoparse
    >>> text = "Baku said Armenian artillery shelled Kapan on Tuesday."
    >>> result = analyse_events(text, geoparse(text), document_date=dt.date(2026, 12, 2))
    >>> [(m.name, m.role, m.reason) for m in result.mentions]  # doctest: +NORMALIZE_WHITESPACE
    [('Baku', 'context', 'named as the speaker'),
     ('Armenian', 'context', 'origin/nationality'),
     ('Kapan', 'incident', "target of 'shelled'")]
    >>> result.events[0].event_type, result.events[0].event_date
    ('shelling', datetime.date(2026, 12, 1))
    """
    # The stage's cues know GeoNames' features; a supplement place is judged as what it
    # behaves like (a temple or a crossing as a town, a disputed area or a valley as a region).
    toponyms = [
        t if t.feature == (kind := behaves_as(t.feature)) else dataclasses.replace(t, feature=kind)
        for t in toponyms
    ]
    chosen = get_backend(backend) if isinstance(backend, str) else backend
    model = model if model is not None else load_event_model(chosen.name)
    metonymy = metonymy if metonymy is not None else load_metonymy_model(chosen.name)
    cues = chosen.document(text) if toponyms else None

    def met_features(t: Toponym) -> dict[str, float]:
        f = metonymy_features(text, t)
        if cues is not None:
            f.update(cues.mention_features(t.start, t.end))
        return f

    roles: dict[int, MentionRole] = {}
    contexts: dict[int, MentionContext] = {}
    events: list[Event] = []
    for sa in sentence_analyses(text, toponyms):
        if sa.triggers and past_year(text, sa.start, sa.end, document_date) is not None:
            for h in sa.triggers:  # background ("captured in the 1967 war"), not the news
                h.status = "past" if h.status == "reported" else h.status
        reported = [h for h in sa.triggers if h.status == "reported"]
        linked: dict[int, list[int]] = {}  # trigger token -> incident mentions
        hits: dict[int, TriggerHit] = {h.token: h for h in sa.triggers}
        decided: dict[int, tuple[str, str, float, TriggerHit | None]] = {}
        for i in sa.quiet:  # a sentence without violence words
            t = toponyms[i]
            met = metonymy.probability(met_features(t)) >= metonymy.threshold
            if t.start - t.sentence_start < 60 and is_dateline(
                text, t.sentence_start, t.sentence_end, t.end
            ):
                reason = "dateline"
            elif t.reason.startswith("adjective"):
                reason = "origin/nationality"
            elif met:
                reason = _METONYMIC
            else:
                reason = "no violence reported in its sentence"
            roles[i] = MentionRole(i, t.start, t.end, t.name, met, "context", reason)
        for c in sa.mentions:
            t = toponyms[c.index]
            contexts[c.index] = c
            met_p = metonymy.probability(met_features(t))
            if cues is not None:
                c.features.update(cues.mention_features(t.start, t.end))
            c.features["_metonymic"] = met_p
            hard = _hard_reason(c, reported, sa.triggers, met_p >= metonymy.threshold)
            if hard is not None:
                decided[c.index] = (*hard, math.nan, None)
                continue
            hit = _nearest_trigger(c, reported)
            point = toponyms[c.index].feature in ("city", "capital", "county")
            if point and (c.target is not None or c.prep_class == "between"):
                # a town the violence is aimed at, or between: the location itself
                decided[c.index] = ("incident", _incident_reason(c, hit), math.nan, hit)
                continue
            features = {k: v for k, v in c.features.items() if k[0] != "_"}
            if cues is not None:
                features.update(cues.link_features(t.start, t.end, hit.start, hit.end))
            if weighed is not None:
                weighed[c.index] = features
            p = model.probability(features)
            if p >= model.threshold:
                decided[c.index] = ("incident", _incident_reason(c, hit), p, hit)
            else:
                decided[c.index] = ("context", _UNLINKED, p, hit)
        # an area that is the most precise place the sentence gives for its violence
        if reported and not any(d[0] == "incident" for d in decided.values()):
            areas = [
                c for c in sa.mentions
                if decided[c.index][1] == _UNLINKED
                and c.prep_class in ("near", "between")
                and _AREA_RANK.get(toponyms[c.index].feature or "", 0) in (2, 3)
            ]  # fmt: skip
            if areas:
                best = min(areas, key=lambda c: _AREA_RANK[toponyms[c.index].feature or ""])
                hit = _nearest_trigger(best, reported)
                decided[best.index] = (
                    "incident", f"most precise place given for '{hit.text.lower()}'",
                    decided[best.index][2], hit,
                )  # fmt: skip
        # a coarser area of the same country as an incident place of the sentence holds it
        incident_idx = [i for i, d in decided.items() if d[0] == "incident"]
        for i in incident_idx:
            ti = toponyms[i]
            finer = [
                toponyms[j] for j in incident_idx
                if j != i and toponyms[j].country_code == ti.country_code
                and _rank(toponyms[j]) < _rank(ti)
            ]  # fmt: skip
            if finer and _rank(ti) > 0:
                _, _, p, linked_hit = decided[i]
                decided[i] = ("container", f"container of {finer[0].name}", p, linked_hit)
        for c in sa.mentions:
            role, reason, p, linked_hit = decided[c.index]
            if role == "incident" and linked_hit is not None:
                linked.setdefault(linked_hit.token, []).append(c.index)
            # the place the violence is located at is the place itself: never metonymic
            metonymic = role != "incident" and c.features["_metonymic"] >= metonymy.threshold
            roles[c.index] = MentionRole(
                c.index, toponyms[c.index].start, toponyms[c.index].end,
                toponyms[c.index].name, metonymic, role, reason, None, p,
            )  # fmt: skip
        events.extend(_sentence_events(text, sa, linked, hits, decided, toponyms, contexts,
                                       len(events), document_date))  # fmt: skip
    event_of: dict[int, int] = {}
    for e in events:
        for i in (*e.places, *e.containers):
            event_of.setdefault(i, e.id)
    mentions = []
    for i, t in enumerate(toponyms):
        r = roles.get(i) or MentionRole(i, t.start, t.end, t.name, False, "context", "no sentence")
        if i in event_of and r.role != "context":
            r = MentionRole(r.index, r.start, r.end, r.name, r.metonymic, r.role, r.reason,
                            event_of[i], r.score)  # fmt: skip
        mentions.append(r)
    places = _places(toponyms, mentions, events, contexts)
    return EventAnalysis(tuple(events), tuple(mentions), places)


def _nearest_trigger(c: MentionContext, reported: list[TriggerHit]) -> TriggerHit:
    """Return the violence word a mention is linked to: its target, else the nearest one.

    A place in a locative phrase that is not fronted ("struck a house in X and artillery
    shelled Y") belongs to the violence word before it, when there is one: the phrase
    follows what it locates.
    """
    if c.target is not None:
        return c.target
    if c.prep_class in ("locative", "near") and not c.fronted:
        before = [h for h in reported if h.token < c.tok0]
        if before:
            return max(before, key=lambda h: h.token)
    return min(reported, key=lambda h: min(abs(h.token - c.tok0), abs(h.token - c.tok1)))


def _sentence_events(
    text: str,
    sa: SentenceAnalysis,
    linked: dict[int, list[int]],
    hits: dict[int, TriggerHit],
    decided: dict[int, tuple[str, str, float, TriggerHit | None]],
    toponyms: Sequence[Toponym],
    contexts: dict[int, MentionContext],
    first_id: int,
    document_date: dt.date | None,
) -> list[Event]:
    """Make the events of one sentence.

    One per trigger that locates places, else one for the first reported trigger, plus the
    unreported triggers (kept with their status).
    """
    out: list[Event] = []
    reported = [h for h in sa.triggers if h.status == "reported"]
    chosen = [hits[tok] for tok in sorted(linked)]
    if not chosen and reported:
        chosen = [reported[0]]
    containers = tuple(i for i, d in decided.items() if d[0] == "container")
    references = [
        c for c in sa.mentions
        if c.relative is not None and c.relative.kind in RELATIVE_KINDS
        and decided[c.index][1] == "reference point"
    ]  # fmt: skip
    for hit in chosen:
        same_clause = [h for h in reported if h.segment == hit.segment] or [hit]
        etype = min(
            (h.trigger.event_type for h in same_clause),
            key=lambda e: EVENT_TYPES.index(e) if e in EVENT_TYPES else len(EVENT_TYPES),
        )
        places = tuple(linked.get(hit.token, ()))
        precisions = [_precision(toponyms[i].feature, contexts.get(i)) for i in places]
        ref = references[0] if references else None
        geo: int | None
        where: int | None
        if precisions:
            geo, where = min(precisions)
        elif ref is not None:
            geo, where = 2, 2
        elif containers:
            ranks = [_precision(toponyms[i].feature, None) for i in containers]
            geo, where = 3, min(r[1] for r in ranks)
        else:
            geo = where = None
        day, day_prec = anchor_date(text, hit.start, sa.start, sa.end, document_date)
        out.append(
            Event(
                id=first_id + len(out),
                event_type=etype,
                trigger=hit.text,
                trigger_start=hit.start,
                trigger_end=hit.end,
                sentence_start=sa.start,
                sentence_end=sa.end,
                status=hit.status,
                places=places,
                containers=containers if hit is chosen[0] else (),
                reference=ref.index if ref is not None else None,
                relative=ref.relative if ref is not None else None,
                geo_precision=geo,
                where_prec=where,
                event_date=day,
                date_precision=day_prec,
            )  # fmt: skip
        )
    for hit in sa.triggers:
        if hit.status != "reported":
            out.append(
                Event(
                    id=first_id + len(out),
                    event_type=hit.trigger.event_type,
                    trigger=hit.text,
                    trigger_start=hit.start,
                    trigger_end=hit.end,
                    sentence_start=sa.start,
                    sentence_end=sa.end,
                    status=hit.status,
                )  # fmt: skip
            )
    return out


def _finer_incident(
    toponyms: Sequence[Toponym], mentions: list[MentionRole], area: Toponym
) -> str:
    """Return an incident place of the document inside the country ``area``, or "".

    Same country code and finer than a country; "" also when ``area`` is no country.
    """
    if area.feature != "country":
        return ""
    for m in mentions:
        t = toponyms[m.index]
        if m.role == "incident" and t.country_code == area.country_code and _rank(t) < 4:
            return t.name
    return ""


def _places(
    toponyms: Sequence[Toponym],
    mentions: list[MentionRole],
    events: list[Event],
    contexts: dict[int, MentionContext],
) -> tuple[PlaceRole, ...]:
    groups: dict[tuple[int | None, str | None, float | None, float | None], list[int]] = {}
    for i, t in enumerate(toponyms):
        if t.lat is not None and t.lon is not None:
            groups.setdefault((t.geonameid, t.place, t.lat, t.lon), []).append(i)
    by_id = {e.id: e for e in events}
    incident_countries = {
        toponyms[m.index].country_code
        for m in mentions
        if m.role == "incident" and _AREA_RANK.get(toponyms[m.index].feature or "", 0) < 4
    }
    out = []
    for key, idx in groups.items():
        ms = [mentions[i] for i in idx]
        metonymic = all(m.metonymic for m in ms)
        chosen = next((m for m in ms if m.role == "incident"), None)
        chosen = chosen or next((m for m in ms if m.role == "container"), None)
        first = toponyms[idx[0]]
        if (
            chosen is None
            and first.feature == "country"
            and first.country_code in incident_countries
        ):
            holder = next(
                toponyms[m.index].name for m in mentions
                if m.role == "incident" and toponyms[m.index].country_code == first.country_code
            )  # fmt: skip
            out.append(
                PlaceRole(key, tuple(idx), "container", f"container of {holder}", metonymic)
            )
            continue
        if chosen is None:
            out.append(PlaceRole(key, tuple(idx), "context", ms[0].reason, metonymic))
            continue
        finer = _finer_incident(toponyms, mentions, toponyms[chosen.index])
        if chosen.role == "incident" and finer:
            # "towns in southern Armenia" when the text names the towns hit elsewhere
            out.append(PlaceRole(key, tuple(idx), "container", f"container of {finer}", metonymic))
            continue
        evs = tuple(sorted({m.event for m in ms if m.event is not None and m.role == chosen.role}))
        e = by_id.get(evs[0]) if evs else None
        geo = where = None
        if chosen.role == "incident":
            geo, where = _precision(toponyms[chosen.index].feature, contexts.get(chosen.index))
        c = contexts.get(chosen.index)
        out.append(
            PlaceRole(
                key,
                tuple(idx),
                chosen.role,
                chosen.reason,
                metonymic,
                evs,
                e.event_type if e else "",
                e.trigger if e else "",
                e.trigger_start if e else -1,
                e.trigger_end if e else -1,
                geo,
                where,
                e.event_date if e else None,
                e.date_precision if e else None,
                c.relative if c is not None else None,
            )  # fmt: skip
        )
    return tuple(out)
