"""Grammar-aware patterns of the events stage: triggers, clauses and each place's relation.

Per sentence that names a place: the violence words (triggers, with their event type) and
whether each is reported as having happened (not denied, negated or only threatened); the
clauses; and, for each place mention, how the sentence relates it to the violence — the
target of a trigger ("shelled Kapan", "Kapan was hit", "an attack on Sumy"), its location
("in", "at", "near", an opening "In X,"), or a speaker ("Baku said", "officials in N'Djamena
said"), a dateline, an origin or nationality ("Azerbaijani forces", "from X"), a destination
("taken to X"), a reference point ("10 km north of X") or a container ("Kapan, Armenia",
"Baghdad's Sadr City district"). Everything is read from the word classes of
``geomap/data/event_words.tsv`` and ``event_triggers.tsv``; no place name is special.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from geomap.resolve import Toponym
from geomap.rules import Trigger

from .cues import mention_features, trigger_form
from .dates import is_dateline
from .relative import RelativeLocation, find_relative
from .vocab import Vocabulary

__all__ = [
    "MentionContext",
    "SentenceAnalysis",
    "TriggerHit",
    "analyse_sentence",
    "trigger_form",
]

# words (inner dots, dashes and apostrophes kept: "U.S.", "al-Mu'adham"), then "'s", "'t"
_TOKEN = re.compile(r"[^\W_]+(?:[-.][^\W_]+|'(?![st]\b)[^\W_]+)*|'(?:s|t)\b|\S")


@dataclass(slots=True)
class TriggerHit:
    """A violence word in a sentence: offsets, its vocabulary entry and its status.

    ``status`` is ``"reported"`` (the text says it happened), ``"negated"``, ``"denied"``,
    ``"future"`` (threatened, planned, possible) or ``"no-place"`` (a capture verb whose
    object is not a place: a person, a title); the events stage may set ``"past"``
    (:func:`geomap.events.dates.past_year`).
    """

    start: int
    end: int
    text: str
    trigger: Trigger
    token: int
    segment: int
    status: str = "reported"

    @property
    def last_token(self) -> int:
        """The index of the violence word's last token ("exchanged fire": of "fire")."""
        return self.token + len(self.text.split()) - 1


@dataclass(slots=True)
class MentionContext:
    """How one sentence relates one place mention to its violence (see the module docstring)."""

    index: int
    tok0: int
    tok1: int
    prep: str = ""
    prep_class: str = "none"
    via_area: bool = False  # "the town of X"
    fronted: bool = False  # "In X, ..."
    speaker: str = ""  # why it is a speaker ("named as the speaker", "named as the source")
    dateline: bool = False
    origin: str = ""  # why it is an origin ("adjective", "from", "modifier", "people of")
    destination: bool = False
    relative: RelativeLocation | None = None
    container_of: str = ""  # what more precise place the text names inside it
    target: TriggerHit | None = None
    coordinated: int = -1  # the mention (index) it is listed with ("Goris and Kapan")
    followed_by_area: bool = False
    directional: bool = False  # "northern Iraq", "south Lebanon"
    features: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class SentenceAnalysis:
    """The triggers and mention contexts of one sentence."""

    start: int
    end: int
    triggers: list[TriggerHit]
    mentions: list[MentionContext]
    quiet: list[int] = field(default_factory=list)  # mentions of a sentence without violence


def _tokens(text: str, start: int, end: int) -> tuple[list[int], list[int], list[str]]:
    matches = list(_TOKEN.finditer(text[start:end].replace("\u2019", "'")))
    starts = [m.start() + start for m in matches]
    ends = [m.end() + start for m in matches]
    lows = list(map(str.lower, map(re.Match.group, matches)))
    return starts, ends, lows


_PREP_CLASSES = ("near", "destination", "locative", "between", "origin", "agent")


@functools.lru_cache(maxsize=1)
def _prep_index(vocab: Vocabulary) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Prepositions by their last word: (class, words), classes in order, longest first."""
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for cls in _PREP_CLASSES:
        entries = sorted((tuple(w.split()) for w in vocab.words[cls]), key=len, reverse=True)
        for words in entries:
            index.setdefault(words[-1], []).append((cls, words))
    return {k: tuple(v) for k, v in index.items()}


def _preposition(lows: list[str], i: int, vocab: Vocabulary) -> tuple[str, str]:
    """Return (class, phrase) of the preposition ending at token ``i``, or ("", "")."""
    for cls, words in _prep_index(vocab).get(lows[i], ()):
        n = len(words)
        if n == 1 or (i - n + 1 >= 0 and tuple(lows[i - n + 1 : i + 1]) == words):
            return cls, " ".join(words)
    return "", ""


def analyse_sentence(
    text: str,
    s0: int,
    s1: int,
    toponyms: Sequence[Toponym],
    indices: Sequence[int],
    vocab: Vocabulary,
) -> SentenceAnalysis:
    """Analyse the sentence ``text[s0:s1]`` holding the toponyms at ``indices``.

    Returns the triggers with their status and clause, and one :class:`MentionContext`
    per mention with its relation to the violence and the features the model scores.
    """
    starts, ends, lows = _tokens(text, s0, s1)
    n = len(lows)
    # clause segments: a new one after a boundary word, a speech verb or a semicolon
    segment = [0] * n
    seg = 0
    splitters = _splitters(vocab)
    for i, w in enumerate(lows):
        if w in splitters:
            seg += 1
        segment[i] = seg
    mention_at: dict[int, int] = {}  # token -> index of the mention covering it
    spans: dict[int, tuple[int, int]] = {}
    for idx in indices:
        t = toponyms[idx]
        first = max(0, bisect.bisect_right(ends, t.start))  # the first token ending after it
        last = bisect.bisect_left(starts, t.end) - 1  # the last token starting before its end
        if first > last:
            continue
        spans[idx] = (first, last)
        for i in range(first, last + 1):
            mention_at[i] = idx
    triggers = _find_triggers(text, starts, ends, lows, segment, mention_at, vocab)
    contexts = [
        _context(text, s0, s1, idx, spans[idx], toponyms, starts, ends, lows, mention_at, vocab)
        for idx in indices
        if idx in spans
    ]
    by_index = {c.index: c for c in contexts}
    names = [toponyms[i].name.lower() for i in by_index]
    for c in contexts:
        _link(c, triggers, lows, mention_at, vocab)
        if c.container_of and not any(nm in c.container_of.lower() for nm in names):
            # the finer place is a name geomap did not resolve ("a Jewish settlement in X",
            # "at Manigram in X"): this area is the most precise place known, for the model
            c.container_of = ""
            c.features["holds_unresolved_name"] = 1.0
    for c in contexts:  # "Goris and Kapan": the second inherits the first's relation
        if c.coordinated >= 0 and c.coordinated in by_index:
            head = by_index[c.coordinated]
            if c.prep_class == "none" and c.target is None and not c.fronted:
                c.prep, c.prep_class, c.target = head.prep, head.prep_class, head.target
                if head.relative is not None and head.relative.kind in ("near", "between"):
                    c.relative = RelativeLocation(head.relative.kind, c.tok0, c.tok0)
    for c in contexts:
        mention_features(c, triggers, segment, toponyms, contexts, lows, vocab)
    return SentenceAnalysis(s0, s1, triggers, contexts)


def _find_triggers(
    text: str,
    starts: list[int],
    ends: list[int],
    lows: list[str],
    segment: list[int],
    mention_at: dict[int, int],
    vocab: Vocabulary,
) -> list[TriggerHit]:
    hits: list[TriggerHit] = []
    first = vocab.trigger_first
    n = len(lows)
    i = 0
    while i < n:
        phrases = first.get(lows[i])
        if phrases is None or i in mention_at:
            i += 1
            continue
        found = next((p for p in phrases if tuple(lows[i : i + len(p[0])]) == p[0]), None)
        if found is None:
            i += 1
            continue
        words, trig = found
        last = i + len(words) - 1
        word = text[starts[i] : ends[last]]
        if word[0].isupper() and i > 0 and not word.isupper() and lows[i - 1] not in ('"', "'"):
            i = last + 1
            continue  # part of a name: "Operation Storm", "Shell"
        hit = TriggerHit(starts[i], ends[last], word, trig, i, segment[i])
        i = last + 1
        hit.status = _status(hit, lows, mention_at, vocab)
        hits.append(hit)
    return hits


@functools.lru_cache(maxsize=1)
def _splitters(vocab: Vocabulary) -> frozenset[str]:
    """Words that open a new clause: boundary words, verbs of speech, ";", dashes, "("."""
    return (vocab.words["boundary"] | vocab.words["speech"] | {"\u2014", "--", "("}) - {";"} | {
        ";"
    }


def _negative(words: list[str], vocab: Vocabulary) -> bool:
    """Whether one of ``words`` negates ("not", "never", "n't")."""
    return any(w in vocab.words["negation"] or w == "'t" for w in words)


def _status(
    hit: TriggerHit, lows: list[str], mention_at: dict[int, int], vocab: Vocabulary
) -> str:
    i = hit.token
    before = lows[max(0, i - 4) : i]
    if _negative(before[-3:], vocab):
        return "negated"
    after = lows[hit.last_token + 1 : hit.last_token + 4]
    if (
        after
        and (after[0] in vocab.words["passive_aux"] or after[0] in vocab.words["auxiliary"])
        and _negative(after[1:], vocab)
    ):
        return "negated"  # "drones were not involved", "the attack did not happen"
    if any((w in vocab.words["denial"]) for w in lows[max(0, i - 8) : i]):
        return "denied"
    if any((w in vocab.words["future"]) for w in before):
        return "future"
    if hit.trigger.kind in ("capture", "weak") and not _takes_place(hit, lows, mention_at, vocab):
        return "no-place"
    return "reported"


def _takes_place(
    hit: TriggerHit, lows: list[str], mention_at: dict[int, int], vocab: Vocabulary
) -> bool:
    """Whether a capture or weak trigger has a place as its object or passive subject.

    "captured Kapan", "seized about a third of X", "captured the town", "Kapan was hit";
    not "captured two militants", "captured the title", "was captured in Mosul".
    """
    i = hit.last_token
    n = len(lows)
    passive = any(
        (w in vocab.words["passive_aux"]) for w in lows[max(0, hit.token - 2) : hit.token]
    )
    if not passive:
        j = i + 1
        if j + 1 < n and lows[j] == "and" and lows[j + 1].endswith("ed"):
            j += 2  # "captured and annexed X": the object of both verbs
        if j < n and hit.trigger.kind == "weak" and lows[j] in ("on", "at", "into", "upon"):
            j += 1
        while j < min(n, i + 8):
            w = lows[j]
            if (
                j in mention_at
                or (w in vocab.words["area_noun"])
                or (w in vocab.words["site_noun"])
                or (w in vocab.words["building_noun"])
            ):
                return True
            if not (
                (w in vocab.words["skip"])
                or w in vocab.words["quantity"]
                or w[:1].isdigit()
                or w == "-"
            ):
                return False
            j += 1
        return False
    k = hit.token - 1
    while k >= 0 and (lows[k] in vocab.words["passive_skip"] or lows[k].endswith("ly")):
        k -= 1
    while k >= 0 and (lows[k] in vocab.words["skip"]) and lows[k] not in vocab.words["area_noun"]:
        k -= 1
    return k >= 0 and (
        k in mention_at
        or (lows[k] in vocab.words["area_noun"])
        or (lows[k] in vocab.words["site_noun"])
    )


def _context(
    text: str,
    s0: int,
    s1: int,
    idx: int,
    span: tuple[int, int],
    toponyms: Sequence[Toponym],
    starts: list[int],
    ends: list[int],
    lows: list[str],
    mention_at: dict[int, int],
    vocab: Vocabulary,
) -> MentionContext:
    t = toponyms[idx]
    i0, i1 = span
    c = MentionContext(idx, i0, i1)
    n = len(lows)
    c.dateline = is_dateline(text, s0, s1, t.end)
    # the preposition governing the name, over articles, adjectives and "the town of"
    j = i0 - 1
    skipped = 0
    while j >= 0 and skipped < 6:
        w = lows[j]
        if w == "'s" and j > 0 and (j - 1 in mention_at or text[starts[j - 1]].isupper()):
            j -= 1  # "in Iraq's northern Nineveh province": over the possessor
            while j > 0 and (j - 1 in mention_at or text[starts[j - 1]].isupper()):
                j -= 1
        elif j in mention_at:
            k = j
            while k > 0 and mention_at.get(k - 1) == mention_at[j]:
                k -= 1
            if not (j + 1 < i0 and (lows[j + 1] in vocab.words["area_noun"])):
                break
            j = k  # "the West Bank city of Nablus": over the place that names the area
        elif w == "of" and j > 0 and _place_noun(lows[j - 1], vocab):
            c.via_area = True
            if (
                j > 2
                and (lows[j - 1] in vocab.words["part_noun"])
                and text[starts[j - 2]].isupper()
                and "-" not in lows[j - 2]
                and not (
                    j - 2 in mention_at
                    and toponyms[mention_at[j - 2]].reason.startswith("adjective")
                )
                and lows[j - 2] not in _capital_time(vocab)
                and lows[j - 2] not in vocab.words["locative"]
            ):
                c.container_of = text[starts[j - 2] : ends[j - 1]]  # "Nahrawan district of X"
        elif (
            skipped == 0 and text[starts[j]].isupper() and w not in _capital_time(vocab) and j > 0
        ):
            pass  # the first word of a longer name: "Bint Jbail", "Sadr City"
        elif not (
            (w in vocab.words["skip"])
            or "-" in w
            or (w.endswith("ly") and len(w) > 4)
            or (j + 1 < i0 and lows[j + 1] == "of" and _place_noun(w, vocab))
        ):
            break  # ("the provinces of X", "a shop in the centre of X": over the noun)
        j -= 1
        skipped += 1
    if j >= 0 and j not in mention_at:
        cls, phrase = _preposition(lows, j, vocab)
        if phrase:
            c.prep, c.prep_class = phrase, cls
    prev = j  # the token before the name's phrase
    directions = vocab.values["direction"]
    c.directional = any(
        lows[k] in directions or lows[k].removesuffix("ern") in directions
        for k in range(max(0, prev + 1), i0)
    )
    c.fronted = (
        c.prep in ("in", "at", "near")
        and prev >= 0
        and all(not lows[k].isalnum() for k in range(0, prev))
    )
    after = i1 + 1
    while after < n and (lows[after] in vocab.words["area_noun"]):
        c.followed_by_area = True
        after += 1
    if c.fronted and not (after < n and lows[after] == ","):
        c.fronted = False
    # relative location just before the name
    c.relative = find_relative(text, t.start, s0, lat=t.lat, lon=t.lon)
    if c.relative is not None and c.relative.kind == "near" and c.prep_class != "near":
        c.prep_class = "near"
    if c.prep_class == "between":
        c.relative = RelativeLocation("between", starts[prev], t.start)
    # origin or nationality
    if t.reason.startswith("adjective"):
        c.origin = "adjective"
    elif t.end < len(text) - 1 and text[t.end] == "-" and text[t.end + 1 : t.end + 2].islower():
        c.origin = "modifier"  # "Qatar-based", "US-led"
    elif after < n and lows[after] in vocab.words["force_noun"]:
        c.origin = "modifier"  # "near a U.S. patrol", "Syrian jets": whose, not where
    elif (
        after < n
        and (
            (lows[after] in vocab.words["origin_noun"])
            or (lows[after] in vocab.words["institution"])
        )
        and not (c.prep_class in ("locative", "near") and _site_follows(lows, after, vocab))
    ):
        c.origin = "modifier"  # "Nangarhar residents", "Baghdad police"; not "in the X
        # refugee camp", "outside X police headquarters": a site named after the place
    elif c.prep_class == "origin" and c.prep == "from":
        c.origin = "from"
    elif (
        c.prep == "of"
        and prev > 0
        and (
            (lows[prev - 1] in vocab.words["origin_noun"])
            or (lows[prev - 1] in vocab.words["institution"])
        )
    ):
        c.origin = "people of"  # "the people of X", "the government of X"
    c.destination = c.prep_class == "destination" and c.prep not in ("into", "to")
    if c.prep in ("into", "to") and not _trigger_near(lows, prev, vocab, 4):
        c.destination = True
    # speaker: "Baku said", "officials in N'Djamena said", "according to X", "told X"
    k = after
    if k < n and lows[k] == "'s":
        k += 1
        while k < n and (
            (lows[k] in vocab.words["institution"]) or (lows[k] in vocab.words["skip"])
        ):
            k += 1
    while k < n and lows[k] in vocab.words["time_skip"]:
        k += 1
    says = k < n and ((lows[k] in vocab.words["speech"]) or (lows[k] in vocab.words["accuse"]))
    institution_before = (
        prev > 0
        and c.prep in ("in", "from")
        and (
            (lows[prev - 1] in vocab.words["institution"])
            or (prev > 1 and (lows[prev - 2] in vocab.words["institution"]))
        )
    )
    if says and (c.prep_class in ("none", "agent") or institution_before):
        c.speaker = "named as the speaker"
    elif (prev >= 1 and lows[prev - 1 : prev + 1] == ["according", "to"]) or (
        prev >= 0 and lows[prev] in vocab.words["source_verb"]
    ):
        c.speaker = "named as the source"
    elif c.fronted and after < n and lows[after] == ",":
        for k2 in range(after + 1, min(n, after + 6)):
            if (lows[k2] in vocab.words["speech"]) or (lows[k2] in vocab.words["accuse"]):
                c.speaker = "named as the speaker"  # "In Tbilisi, the government condemned"
                break
            if lows[k2] in vocab.triggers:
                break
    # containers: "Kapan, Armenia", "at Manigram in Rupandehi", "Baghdad's Sadr City district"
    if after < n and lows[after] == "'s":
        k = after + 1
        while k < n and (
            (lows[k] in vocab.words["skip"]) and lows[k] not in vocab.words["area_noun"]
        ):
            k += 1
        if k < n and (
            (
                starts[k] < len(text)
                and text[starts[k]].isupper()
                and lows[k] not in vocab.words["weekday"]
            )
            or (lows[k] in vocab.words["area_noun"])
        ):
            c.container_of = text[starts[k] : ends[min(n - 1, k + 2)]]
    if (
        not c.container_of
        and i1 + 2 < n
        and (lows[i1 + 1] in vocab.words["area_noun"])
        and lows[i1 + 2] == "of"
        and i1 + 3 < n
        and text[starts[i1 + 3]].isupper()
    ):
        c.container_of = text[starts[i1 + 3] : ends[i1 + 3]]  # "the Colombo suburb of Nugegoda"
    if not c.container_of and (c.prep == "in" or (prev >= 0 and lows[prev] == ",")):
        c.container_of = _named_before(
            text, prev, starts, ends, lows, mention_at, toponyms, t, vocab
        )
    if not (c.via_area and prev >= 0 and lows[prev] == ","):  # not "Goma, the capital of X"
        c.coordinated = _coordinated_with(prev, lows, mention_at, vocab)
    return c


def _place_noun(word: str, vocab: Vocabulary) -> bool:
    """Whether a noun (singular or plural) names an area, a site or a part of a place."""
    for w in (word, word.removesuffix("s")):
        if w in vocab.words["area_noun"] or w in vocab.words["site_noun"]:
            return True
        if w in vocab.words["part_noun"]:
            return True
    return False


def _site_follows(lows: list[str], k: int, vocab: Vocabulary) -> bool:
    """Whether a site or area noun follows within three modifier words from token ``k``."""
    for w in lows[k : k + 4]:
        if w in vocab.words["site_noun"] or w in vocab.words["area_noun"]:
            return True
        if not w.isalpha():
            return False
    return False


@functools.lru_cache(maxsize=1)
def _capital_time(vocab: Vocabulary) -> frozenset[str]:
    """Day and month names: capitalised, yet no part of a place's name ("Monday", "May")."""
    return vocab.words["weekday"] | vocab.words["month"]


def _trigger_near(lows: list[str], j: int, vocab: Vocabulary, width: int) -> bool:
    return any(w in vocab.triggers for w in lows[max(0, j - width) : j])


def _named_before(
    text: str,
    prev: int,
    starts: list[int],
    ends: list[int],
    lows: list[str],
    mention_at: dict[int, int],
    toponyms: Sequence[Toponym],
    t: Toponym,
    vocab: Vocabulary,
) -> str:
    """Return the more precise place named just before "in X" / ", X", or "".

    "at Manigram in Rupandehi", "Noushera and Samba sectors in Jammu", "Kapan, Armenia",
    "Tabag village in Uruzgan": the phrase before the preposition is itself a place headed by
    a proper name. "killed 14 people in Iraq" and "a village in X" are not.
    """
    j = prev - 1
    area = False
    nouns = vocab.words["area_noun"]
    while j >= 0 and lows[j] in nouns:
        j, area = j - 1, True
    if area and j >= 0 and not _named(text, starts[j], ends[j]):
        k = j  # "Mir Ali, a major town in X": an apposition to the name before the comma
        while k >= 0 and k > j - 4 and (lows[k] in vocab.words["skip"] or lows[k] in ("a", "an")):
            k -= 1
        if (
            k > 0
            and lows[k] == ","
            and (k - 1 in mention_at or _named(text, starts[k - 1], ends[k - 1]))
        ):
            return toponyms[mention_at[k - 1]].name if k - 1 in mention_at else lows[k - 1]
    if j < 0:
        return ""
    if j in mention_at:
        other = toponyms[mention_at[j]]
        if lows[prev] == "," and not _contains(t, other):
            return ""  # "Goris, Kapan": a list, not a container
        return other.name
    if not _named(text, starts[j], ends[j]) or lows[j] in _capital_time(vocab):
        return ""
    k = j
    while (
        k > 0
        and _named(text, starts[k - 1], ends[k - 1])
        and lows[k - 1] not in _capital_time(vocab)
    ):
        k -= 1
    if k == 0 and not area:
        return ""  # the sentence's first word proves nothing
    before = lows[k - 1] if k > 0 else ""
    if area or (before in vocab.words["locative"]) or before in ("of", "and", ","):
        return text[starts[k] : ends[j]]
    return ""


def _named(text: str, start: int, end: int) -> bool:
    """Whether a token is part of a name: capitalised, or "al-Mu'adham", "de la"."""
    return text[start].isupper() or any(ch.isupper() for ch in text[start:end])


def _contains(outer: Toponym, inner: Toponym) -> bool:
    """Whether ``outer`` is an area of the same country as ``inner`` and coarser."""
    rank = {"country": 4, "region": 3, "county": 2}
    return outer.country_code == inner.country_code and rank.get(
        outer.feature or "", 0
    ) > rank.get(inner.feature or "", 0)


def _coordinated_with(
    prev: int, lows: list[str], mention_at: dict[int, int], vocab: Vocabulary
) -> int:
    """Return the mention this one is listed with ("Goris and Kapan"), or -1."""
    j = prev
    if j < 0 or lows[j] not in vocab.words["coordinator"]:
        return -1
    j -= 1
    if j >= 0 and lows[j] == ",":
        j -= 1
    while j >= 0 and (lows[j] in vocab.words["area_noun"]):
        j -= 1
    return mention_at.get(j, -1)


#: The most words an apposition between a place and its passive verb may hold.
APPOSITION_WORDS = 12


def _after_apposition(j: int, stop: int, lows: list[str], vocab: Vocabulary) -> int:
    """Return the token after an apposition at ``j`` (", the main city of X,"), else ``j``.

    An apposition opens with a comma and an article and closes with a comma before ``stop``
    within :data:`APPOSITION_WORDS` words, holding no verb of being, speech or violence.
    """
    if not (j + 2 < stop and lows[j] == "," and lows[j + 1] in vocab.words["article"]):
        return j
    for k in range(j + 2, min(stop, j + 2 + APPOSITION_WORDS)):
        w = lows[k]
        if w == ",":
            return k
        if w in vocab.words["passive_aux"] or w in vocab.words["speech"] or w in vocab.triggers:
            return j
    return j


def _link(
    c: MentionContext,
    triggers: list[TriggerHit],
    lows: list[str],
    mention_at: dict[int, int],
    vocab: Vocabulary,
) -> None:
    """Find the trigger whose target the mention is ("shelled X", "X was hit", "attack on X")."""
    for hit in triggers:
        i = hit.last_token
        if i < c.tok0:
            j = i + 1
            if j + 1 < c.tok0 and lows[j] == "and" and lows[j + 1].endswith("ed"):
                j += 2  # "captured and annexed X"
            if j < c.tok0 and lows[j] in vocab.words["target_prep"]:
                j += 1
            while j < c.tok0 and (
                (lows[j] in vocab.words["skip"]) or lows[j] in vocab.words["quantity"]
                or lows[j][:1].isdigit()
                or lows[j] in vocab.words["target_plural"]
            ):  # fmt: skip
                j += 1
            if j == c.tok0:
                c.target = hit
                return
        elif hit.token > c.tok1:
            j = _after_apposition(c.tok1 + 1, hit.token, lows, vocab)
            steps = 0
            while (
                j < hit.token
                and steps < 12
                and (
                    lows[j] in vocab.words["passive_skip"]
                    or j in mention_at
                    or (lows[j].endswith("ly") and len(lows[j]) > 4)
                )
            ):
                j += 1
                steps += 1
            passive = any(
                lows[k] in vocab.words["passive_aux"] or lows[k] in vocab.words["passive_like"]
                for k in range(c.tok1 + 1, hit.token)
            )
            governed = c.prep_class in ("locative", "near", "destination", "between")
            if j == hit.token and passive and not governed and c.prep != "from":
                c.target = hit  # "Kapan was hit"; not "those held at X were captured"
                return
