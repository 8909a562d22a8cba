"""Text -> place-name mentions: character span, surface form and the sentence it stands in.

Recognition is gazetteer-driven: capitalised word sequences are looked up as names (longest
match first), persons are skipped (titles such as "President", known first names), and each
mention is flagged when it is also an ordinary English word, so that resolution can demand
more evidence for it. Offsets are 0-based Python string indices, end exclusive.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from .names import SHORT_FORMS, normalize_name
from .rules import table, words
from .text import Mention, split_sentences

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

__all__ = [
    "GazetteerExtractor",
    "MAX_NGRAM",
    "NOT_PLACES",
    "PLACE_SHORT_FORMS",
    "REGION_SHORT_FORMS",
    "extract_mentions",
]

#: The longest place name looked up, in words ("Bosnia and Herzegovina" is 3).
MAX_NGRAM = 6

# Hyphens split tokens ("Russian-backed" -> "Russian"); runs re-join them ("Nagorno-Karabakh").
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_](?:\w|['\u2019](?=\w)|\.(?=[^\W\d_]\.))*")
_POSSESSIVE = re.compile(r"['\u2019](?:s|ve|re|ll|d|m|t)$")  # "Armenia's", "I've"
# Capitalised words whose possessive stands inside a name: "People's Republic of China".
_INNER_POSSESSIVES = words("name_possessives")
# Lowercase words that may stand inside a name: "Republic of the Congo", "Rostov on Don".
_CONNECTORS = words("name_connectors")
# Stretches that may hold a run: a word that does not start with a-z, then more such words
# joined by a space or hyphen, with at most two connectors between them (a fast superset).
_CAP_WORD = r"(?<!\w)[^\W\d_a-z][\w'\u2019.]*"
_CANDIDATE_REGION = re.compile(
    rf"{_CAP_WORD}(?:[ -](?:(?:{'|'.join(sorted(_CONNECTORS))})[ -]){{0,2}}{_CAP_WORD})*"
)
# Words after which a capitalised sequence names a person, not a place.
_TITLES = words("person_titles")
_TITLE_BEFORE = re.compile(r"\b(?:" + "|".join(sorted(_TITLES)) + r")\.?\s+$", re.IGNORECASE)
_NEVER_ALONE = words("calendar") | _TITLES
# A lone name followed by a verb of speech is a speaker: "Johnson said", "Kelly told".
_SPEAKER = re.compile(r",? (?:" + "|".join(sorted(words("speech_verbs"))) + r")\b")


def _prepositions(role: str) -> re.Pattern[str]:
    """Match, at the end of a stretch, a preposition of ``geomap/data/prepositions.tsv``."""
    found = sorted(word for word, roles in table("prepositions") if role in roles.split())
    return re.compile(r"\b(?:" + "|".join(found) + r")\s+$")


# A preposition of place before a name makes "X said" a place: "a man from Dewsbury said".
_PLACE_BEFORE = _prepositions("place")
# Prepositions that put what follows on a map: "in Nelson", "near Franklin" (not "of Police").
_LOCATIVE = _prepositions("locative")
# A middle initial before a name: "Gino D. Bassett" (the run restarts after "D.").
_INITIAL_BEFORE = re.compile(r"\b[A-Z]\.\s+$")


def _name_parts(where: str, kind: str) -> frozenset[str]:
    """Words of ``geomap/data/name_parts.tsv`` standing ``where`` a place name, of ``kind``."""
    return frozenset(w for w, at, kinds in table("name_parts") if at == where and kind in kinds)


# Words that make a place name part of a longer name of something else when they follow it
# ("Eglinton Avenue", "Windsor Castle", "Indian Ocean") or precede it ("Hotel Kyjev",
# "Cape Peron"), unless the whole is itself a known place.
_FACILITY_AFTER = _name_parts("after", "facility")
_FEATURE_BEFORE = _name_parts("before", "facility")
# Words that follow a place name, never a first name: "Beverly Hills", "Maryland State Police".
_PLACE_FOLLOWERS = _name_parts("after", "follower")

#: Region short forms as style guides write them, dot included ("Va." -> Virginia).
REGION_SHORT_FORMS = {short: normalize_name(name) for short, name in table("abbreviations")}
#: City short forms news writes ("L.A." -> Los Angeles): short form -> (key, feature).
PLACE_SHORT_FORMS = {
    short: (normalize_name(name), feature) for short, name, feature in table("place_short_forms")
}


def _short_form_pattern(forms: Iterable[str]) -> re.Pattern[str]:
    """Match any of ``forms`` as written, standing alone ("W.Va.", "L.A.").

    The forms are grouped by their first letter, longest first within each group, and a
    lookahead on those letters comes first: the engine then tries the alternatives only
    where one may start, instead of all of them at every character of the text.
    """
    groups: dict[str, list[str]] = {}
    for form in sorted(forms, key=len, reverse=True):
        groups.setdefault(form[0], []).append(re.escape(form[1:]))
    alternatives = "|".join(f"{re.escape(c)}(?:{'|'.join(rest)})" for c, rest in groups.items())
    first = "".join(re.escape(c) for c in sorted(groups))
    return re.compile(rf"(?=[{first}])(?<![\w.])(?:{alternatives})(?!\w)")


# Every short form as written: the dots are part of it, and it stands alone ("W.Va.", "L.A.").
_SHORT_FORM = _short_form_pattern([*REGION_SHORT_FORMS, *PLACE_SHORT_FORMS])
# A postal code right after "Town, " ("Paris, TN"); alone, "IN" and "OR" are words.
_POSTAL = {code: normalize_name(name) for code, name in table("postal_codes")}
_AFTER_COMMA_POSTAL = re.compile(r",\s?(" + "|".join(sorted(_POSTAL)) + r")\b(?!\.\w)")

#: Lookup keys that are never places by themselves: months and their abbreviations ("Jan",
#: "Nov"), holidays ("Christmas"), well-known persons and companies ("Obama", "Toyota"), and
#: institutions that stand for no one country ("Chancellery"). Buildings that stand for a
#: country's government ("White House") are in the gazetteer as context (see
#: :data:`geomap.names.CONTEXT_ONLY`).
NOT_PLACES = frozenset(
    normalize_name(row[0])
    for name in ("months", "holidays", "persons_companies", "institution_buildings")
    for row in table(name)
    if name != "institution_buildings" or not row[1:2] or not row[1]
)
# Landmark words after a name ("Preah Vihear temple"); unit words ("the Sumy region").
_LANDMARK_WORDS = words("landmark_words")
_PARTICLES = words("person_particles")
# Articles, pronouns, prepositions: never a surname ("Florida The controversy" lost its stop).
_FUNCTION_WORDS = words("function_words")
# A particle after a capitalised word before a run: "Mohammed bin Rashid" continues a name.
_PARTICLE_BEFORE = re.compile(
    r"[^\W\d_][\w'\u2019-]*\s+(?:" + "|".join(sorted(_PARTICLES)) + r")\s+$"
)
# "Johnson & Johnson", "Dimond Kaplan & Rothstein": names joined by "&" are a firm.
_FIRM_AND = re.compile(r"\s*&\s*[^\W\d_][\w'\u2019-]*(?: [^\W\d_a-z][\w'\u2019-]*)*")
_AMPERSAND_BEFORE = re.compile(r"[^\W\d_a-z][\w'\u2019-]*(?: [^\W\d_a-z][\w'\u2019-]*)*\s*&\s*$")
_UNIT_WORDS: dict[str, str] = {row[0]: row[1] for row in table("unit_words")}
_NEXT_WORD = re.compile(r"[ -]([^\W\d_]+)")


def _is_word_char(char: str) -> bool:
    """Whether ``char`` is a word character of regular expressions: a letter, digit or _."""
    return char.isalnum() or char == "_"


def _titled(text: str, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` ends in a title or a middle initial and white space.

    The same as ``_TITLE_BEFORE.search(text, lo, hi) or _INITIAL_BEFORE.search(text, lo,
    hi)``, read backwards from ``hi``: searching the stretch tries every title at every
    character, and this runs for every run of capitalised words.
    """
    stripped = text[lo:hi].rstrip()
    if len(stripped) == hi - lo:
        return False  # no white space before the name
    end = lo + len(stripped)
    if text[end - 1 : end] == ".":
        end -= 1
        initial = end - lo >= 1 and "A" <= text[end - 1] <= "Z"  # "D." in "Gino D. Bassett"
        if initial and (end - 1 == 0 or not _is_word_char(text[end - 2])):
            return True
    start = end
    while start > lo and text[start - 1].isalpha():
        start -= 1
    word = text[start:end]
    if not word.isascii():  # case folding beyond ASCII: leave it to the pattern itself
        return bool(_TITLE_BEFORE.search(text, lo, hi))
    return word.lower() in _TITLES and (start == 0 or not _is_word_char(text[start - 1]))


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _runs(text: str, s_start: int, s_end: int) -> Iterable[list[tuple[int, int, str]]]:
    """Yield runs of capitalised tokens (with inner connectors) within one sentence."""
    for region in _CANDIDATE_REGION.finditer(text, s_start, s_end):  # skips lowercase prose
        yield from _region_runs(text, *region.span())


def _region_runs(text: str, s_start: int, s_end: int) -> Iterable[list[tuple[int, int, str]]]:
    run: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str]] = []
    prev_end = -1
    for m in _TOKEN.finditer(text, s_start, s_end):
        start, end = m.span()
        word = m.group()
        possessive = _POSSESSIVE.search(word) if "'" in word or "\u2019" in word else None
        if possessive and word[: possessive.start()].casefold() in _INNER_POSSESSIVES:
            possessive = None  # "People's Republic of China" goes on
        if possessive:
            end -= len(possessive.group())
            word = word[: -len(possessive.group())]
        gap = text[prev_end:start] if prev_end >= 0 else ""
        joined = bool(run) and (  # a short form joins across its dot: "St. Louis"
            gap in (" ", "-") or (gap == ". " and run[-1][2].casefold() in SHORT_FORMS)
        )
        if _capitalised(word):
            if run and joined:
                run.extend(pending)
            elif run:
                yield run
                run = []
            run.append((start, end, word))
            pending = []
        elif run and joined and word in _CONNECTORS and len(pending) < 2:
            pending.append((start, end, word))
        else:
            if run:
                yield run
            run, pending = [], []
        prev_end = end
        if possessive and run:
            yield run
            run, pending = [], []
    if run:
        yield run


def _split_persons(
    run: list[tuple[int, int, str]], first_names: Collection[str], titled: bool
) -> tuple[list[list[tuple[int, int, str]]], list[str], list[str]]:
    """Cut the persons out of a run; return the pieces left, the surnames and first names.

    A person starts after a title ("President Charles Michel"), at a first name followed by a
    word that may be a surname, or at the run's start when a title or initial precedes it
    (``titled``), and spans the capitalised words that follow, particles included ("Mike de
    Kock"). What comes after a connector is a new piece: "Charlotte Smith of North Carolina"
    keeps "North Carolina". The first names are those a surname followed ("Tyler Williams").
    """
    if not titled and len(run) == 1:
        return [run], [], []  # a lone word starts no person by itself (most runs)
    pieces, surnames, firsts = [], [], []
    start = i = 0
    while i < len(run):
        folded = run[i][2].casefold().rstrip(".")
        k = i + 1
        while k < len(run) - 1 and run[k][2] in _PARTICLES:
            k += 1  # "Mike de Kock": the surname comes after the particle
        after = run[k][2] if k < len(run) else ""
        if not _capitalised(run[i][2]):
            i += 1  # a connector ("del", "les") starts no person, even when a first name
            continue
        if titled and i == 0:
            person = 0
        elif folded in _TITLES and _capitalised(after):
            person = i + 1  # "President Charles Michel", not "Prince of Wales"
        elif (
            folded in first_names
            and _capitalised(after)
            and _may_be_surname(after)
            and (after.isupper() or not run[i][2].isupper())  # not "SAN ANTONIO Turner"
        ):
            person = i
        else:
            i += 1
            continue
        end = person
        while end < len(run) and (
            _capitalised(run[end][2])
            or (run[end][2] in _PARTICLES and end + 1 < len(run) and _capitalised(run[end + 1][2]))
        ):
            end += 1
        pieces.append(run[start:person])
        name = [w for _, _, w in run[person:end]]
        if not any(w.casefold() in _PLACE_FOLLOWERS for w in name[1:]):
            # a person's names hide the same word elsewhere; a facility named after one
            # ("Florida Atlantic University", "Marjory Douglas High School") teaches none
            surnames.extend(_surname(name, first_names))
            if person == i and not (titled and i == 0) and folded in first_names:
                firsts.append(run[i][2])
        start = end
        while start < len(run) and not _capitalised(run[start][2]):
            start += 1  # the connectors after a name ("of the")
        i = start
    pieces.append(run[start:])
    return [p for p in pieces if p], surnames, firsts


def _may_be_surname(word: str) -> bool:
    """Whether ``word`` after a first name may be a surname: not "Hills", "State", "KLM", "The"."""
    folded = word.casefold()
    return not (
        folded in _PLACE_FOLLOWERS
        or folded in _FUNCTION_WORDS
        or (word.isupper() and len(word) > 1)
    )


def _surname(words: list[str], first_names: Collection[str]) -> list[str]:
    """Return the surnames in a person's name: the words after the first names.

    "Mario Diaz-Balart" gives "Diaz" and "Balart"; "Henry Lazenby US-based" gives "Lazenby",
    not "US": an acronym is never a surname, nor is anything after one.
    """
    rest = [w for w in words[1:] if w.casefold() not in first_names and w not in _PARTICLES]
    rest = rest or words[-1:]
    out = []
    for w in rest:
        if w.isupper():
            break
        out.append(w)
    return out


def extract_mentions(
    text: str,
    known: Callable[[Iterable[str]], Collection[str]],
    *,
    common_words: Collection[str] = frozenset(),
    first_names: Collection[str] = frozenset(),
    countries: Collection[str] = frozenset(),
    english_words: Collection[str] = frozenset(),
    unknown: list[tuple[int, int, str, int, int]] | None = None,
) -> list[Mention]:
    """Find the place-name mentions in ``text``.

    Parameters
    ----------
    text : str
        The document.
    known : callable
        Takes lookup keys and returns those that name a place (e.g. from the gazetteer).
    common_words : collection of str
        Lowercase ordinary English words; mentions equal to one are flagged ``common_word``.
    first_names : collection of str
        Casefolded first names; a capitalised sequence starting with one is a person.
    countries : collection of str
        Lookup keys of countries: a surname learnt from a person ("Michael Jordan") does not
        make a lone country name ("Jordan's King Abdullah") a person.
    english_words : collection of str
        Lowercase frequent English words: one before a place name ("After Paris") is not a
        first name.
    unknown : list, optional
        Receives the capitalised names of one or two words (four letters or more each) that
        are not places as written, not persons, not ordinary words or first names, and do not
        start a sentence, as ``(start, end, key, sentence_start, sentence_end)``: the names
        :func:`variant_mentions` may find under another spelling.

    Returns
    -------
    list of Mention
        In text order, non-overlapping.
    """
    sentences = split_sentences(text)
    runs: list[tuple[tuple[int, int], list[tuple[int, int, str]]]] = []
    surnames: set[str] = set()  # "Megyn Kelly" once makes every lone "Kelly" a person
    for sent in sentences:
        for run in _runs(text, *sent):
            before = max(sent[0], run[0][0] - 24), run[0][0]
            titled = _titled(text, *before)  # "Mr. Kapan", "Gino D. Bassett"
            if (
                not titled
                and text[before[0] : before[1]].rstrip().rpartition(" ")[2] in _PARTICLES
            ):
                titled = bool(_PARTICLE_BEFORE.search(text, *before))  # "bin Rashid"
            pieces, found_surnames, found_firsts = _split_persons(run, first_names, titled)
            surnames.update(found_surnames)
            surnames.update(found_firsts)  # "Tyler Williams" ... "his brother Tyler"
            runs.extend((sent, piece) for piece in pieces)
    grams: dict[tuple[int, int], str] = {}
    # a lowercase landmark word after a run: the whole may be a known landmark
    after: dict[tuple[int, int], tuple[int, str, str]] = {}
    for _, run in runs:
        caps = [w[:1].isupper() for _, _, w in run]
        for i in range(len(run)):
            if not caps[i]:
                continue
            start = run[i][0]
            for j in range(i, min(i + MAX_NGRAM, len(run))):
                if caps[j]:
                    grams[(start, run[j][1])] = normalize_name(text[start : run[j][1]])
        last = run[-1][1]
        nxt = _NEXT_WORD.match(text, last) if text[last : last + 1] == " " else None
        if nxt and nxt.group(1).islower() and nxt.group(1) in _LANDMARK_WORDS:
            for i in range(max(0, len(run) - MAX_NGRAM + 1), len(run)):
                whole = normalize_name(text[run[i][0] : nxt.end(1)])
                after[(run[i][0], last)] = (nxt.end(1), whole, nxt.group(1))
    # short forms as written, dots included: start -> (end, key, the one feature they name)
    shorts: dict[int, tuple[int, str, str]] = {}
    for m in _SHORT_FORM.finditer(text):
        form = m.group()
        shorts[m.start()] = (
            (m.end(), REGION_SHORT_FORMS[form], "region")
            if form in REGION_SHORT_FORMS
            else (m.end(), *PLACE_SHORT_FORMS[form])
        )
    for m in _AFTER_COMMA_POSTAL.finditer(text):  # "Paris, TN"
        shorts[m.start(1)] = (m.end(1), _POSTAL[m.group(1)], "region")
    queries = {*grams.values(), *(key for _, key, _ in shorts.values())}
    found = set(known(queries | {key for _, key, _ in after.values()}))
    kept = []
    ampersand = "&" in text  # most texts name no firm "X & Y": no run needs the check
    for sent, run in runs:
        if (
            ampersand
            and "&" in text[max(0, run[0][0] - 4) : run[-1][1] + 3]
            and _firm(text, run, countries)
        ):
            continue  # "Johnson & Johnson"
        kept.append((sent, run))
        if 2 <= len(run) <= 4:  # "Aidan Gillen": a name before a lone place makes a person
            surname = _unknown_first_name(run, grams, found, english_words)
            if surname:
                surnames.add(surname)
    runs = kept
    vetoed = {w for w in surnames if normalize_name(w) not in countries}  # not "Jordan's King"
    mentions: list[Mention] = []
    covered = 0  # the end of the last mention: a short form's dots hide the tokens inside it
    for (s_start, s_end), run in runs:
        i = 0
        while i < len(run):
            if run[i][0] < covered:
                i += 1
                continue
            for j in range(min(i + MAX_NGRAM, len(run)) - 1, i - 1, -1):
                start, end = run[i][0], run[j][1]
                single = i == j
                key: str | None = grams.get((start, end))
                only: str | None = None
                if single and start in shorts:
                    end, key, only = shorts[start]
                elif single and run[i][2].casefold() in _NEVER_ALONE:
                    break  # "May", "Monday", "Dr", "General" are not places on their own
                extended = after.get((start, end)) if j == len(run) - 1 else None
                if key is None or (key not in found and extended is None) or key in NOT_PLACES:
                    continue  # unknown; or "Christmas", "Obama", "Jan": never places alone
                if (
                    single
                    and only is None
                    and run[i][2] in vetoed
                    and not _LOCATIVE.search(text, max(0, start - 12), start)
                ):
                    continue  # "Megyn Kelly" once makes a lone "Kelly" a person (not "in Kelly")
                landmark: str | None = None
                if extended is not None:
                    w_end, whole, word = extended
                    if whole in found:  # "Preah Vihear temple" is itself a known place
                        end, key = w_end, whole
                    elif key in found:
                        landmark = word
                    else:
                        continue
                elif j + 1 < len(run) and run[j + 1][2].casefold() in _LANDMARK_WORDS:
                    landmark = run[j + 1][2].casefold()  # "Mosul Dam" unknown as a whole
                nxt = _NEXT_WORD.match(text, end) if only is None else None
                mentions.append(
                    Mention(
                        start=start,
                        end=end,
                        name=text[start:end],
                        key=key,
                        sentence_start=s_start,
                        sentence_end=s_end,
                        sentence_initial=start == s_start
                        or text[s_start:start].strip("\"'\u201c\u2018([ ") == "",
                        common_word=single
                        and only is None
                        and run[i][2].casefold() in common_words,
                        speaker=single
                        and bool(_SPEAKER.match(text, end))
                        and not _PLACE_BEFORE.search(text, max(0, start - 12), start),
                        locative=bool(_LOCATIVE.search(text, max(0, start - 12), start)),
                        only=only,
                        part=(j + 1 < len(run) and run[j + 1][2].casefold() in _FACILITY_AFTER)
                        or (i > 0 and run[i - 1][2].casefold() in _FEATURE_BEFORE),
                        landmark=landmark,
                        unit=_UNIT_WORDS.get(nxt.group(1).casefold()) if nxt else None,
                    )
                )
                covered = end
                i = j
                break
            i += 1
    if unknown is not None and not found.isdisjoint(countries):  # a country is named
        unknown.extend(_unknown_names(text, runs, mentions, grams, found, vetoed,
                                      english_words, first_names))  # fmt: skip
    return _with_areas_after_commas(text, mentions)


def _unknown_names(
    text: str,
    runs: Sequence[tuple[tuple[int, int], list[tuple[int, int, str]]]],
    mentions: Sequence[Mention],
    grams: dict[tuple[int, int], str],
    found: Collection[str],
    vetoed: Collection[str],
    english_words: Collection[str],
    first_names: Collection[str],
) -> list[tuple[int, int, str, int, int]]:
    """Return the names a folded spelling may find: see ``unknown`` in :func:`extract_mentions`.

    One or two capitalised words of a run (:func:`_name_word`), in text order, that overlap
    no mention, do not start a sentence, are not places as written, and hold no surname,
    ordinary word or first name.
    """

    def plain(word: str) -> bool:
        folded = word.casefold()
        return not (word in vetoed or folded in english_words or folded in first_names)

    out: list[tuple[int, int, str, int, int]] = []
    ends = [m.end for m in mentions]
    for (s_start, s_end), run in runs:
        for i, (start, end, word) in enumerate(run):
            if not _name_word(word):
                continue
            spans: list[tuple[int, tuple[str, ...]]] = [(end, (word,))]
            if i + 1 < len(run) and _name_word(run[i + 1][2]):
                spans.append((run[i + 1][1], (word, run[i + 1][2])))
            for stop, parts in spans:
                k = bisect.bisect_left(ends, start + 1)  # the first mention ending after start
                if k < len(mentions) and mentions[k].start < stop:
                    continue  # a place already
                if start == s_start or text[s_start:start].strip("\"'\u201c\u2018([ ") == "":
                    continue  # a sentence's first word proves nothing by its capital
                key = grams[(start, stop)]
                if key not in found and all(plain(w) for w in parts):
                    out.append((start, stop, key, s_start, s_end))
    return out


def _firm(
    text: str,
    run: list[tuple[int, int, str]],
    countries: Collection[str],
) -> bool:
    """Whether a run is part of a firm's name: "Johnson & Johnson", "Dimond Kaplan & Ro...".

    Names of countries joined by "&" ("Trinidad & Tobago") stay places.
    """
    after = _FIRM_AND.match(text, run[-1][1])
    head = _AMPERSAND_BEFORE.search(text, max(0, run[0][0] - 40), run[0][0])
    if after:
        joined = text[run[0][0] : after.end()]
    elif head:
        joined = text[head.start() : run[-1][1]]
    else:
        return False
    return normalize_name(joined.replace("&", " and ")) not in countries  # "Trinidad & Tobago"


def _unknown_first_name(
    run: list[tuple[int, int, str]],
    grams: dict[tuple[int, int], str],
    found: Collection[str],
    common_words: Collection[str],
) -> str | None:
    """Return the surname of "Aidan Gillen", a first name not in the lists before a place name.

    A run of two or three capitalised words whose last word alone names a place, while no
    earlier word is a place name, an ordinary word, an acronym or a place word ("North",
    "Fort"), and the whole names no place: a person, whose last word is a surname.
    """
    if not 2 <= len(run) <= 4:
        return None  # most runs are one word
    while run and run[0][2].casefold() in common_words:
        run = run[1:]  # "Actor Aidan Gillen": a sentence's first word is no first name
    if not 2 <= len(run) <= 3:
        return None
    words = [w for _, _, w in run]
    last = grams.get((run[-1][0], run[-1][1]))
    if last not in found or grams.get((run[0][0], run[-1][1])) in found:
        return None
    for n, (start, end, word) in enumerate(run[:-1]):
        folded = word.casefold()
        if n > 0 and folded in _PARTICLES:
            continue  # "Rachid El Abdi"
        if (
            not word[:1].isupper()
            or not word[1:].islower()
            or len(word) < 3
            or grams.get((start, end)) in found
            or folded in common_words
            or folded in _TITLES
            or folded in _PLACE_FOLLOWERS
            or folded in _FEATURE_BEFORE
        ):
            return None
    return words[-1]


def _with_areas_after_commas(text: str, mentions: list[Mention]) -> list[Mention]:
    """Note the area after each mention and a comma ("Paris, Tenn."), and lists.

    A mention followed by "and" or "or" and the next name is ``listed`` ("England and
    Wales").
    """
    out = list(mentions)
    for n in range(len(out) - 1):
        here, then = out[n], out[n + 1]
        same_sentence = here.sentence_start == then.sentence_start
        between = text[here.end : then.start]
        if same_sentence and between in (", ", ","):
            out[n] = dataclasses.replace(here, within=then.key)
        elif same_sentence and _LISTED.fullmatch(between):
            out[n] = dataclasses.replace(here, listed=True)
    return out


_LISTED = re.compile(r",? (?:and|or) ")


def _name_word(word: str) -> bool:
    """Whether ``word`` may be part of a name known under another spelling ("Kharkiw")."""
    return len(word) >= 4 and word[0].isupper() and word[1:].islower() and word.isalpha()


def variant_mentions(
    mentions: Sequence[Mention],
    unknown: Sequence[tuple[int, int, str, int, int]],
    text: str,
    gazetteer: Gazetteer,
) -> list[Mention]:
    """Find names the gazetteer knows only under another spelling ("Baramulla", "Baramula").

    Transliteration-aware matching (:func:`geomap.variants.fold_key`) is tried only where it
    adds little noise: for the ``unknown`` names :func:`extract_mentions` reports (one or two
    capitalised words, not in the gazetteer as written, not persons, ordinary words or first
    names, not starting a sentence), and only among the towns of 10,000 people or more,
    regions and counties of the countries the text names outright (``mentions``;
    :meth:`~geomap.gazetteer.Gazetteer.variant_keys`); a folded key must name exactly one
    of them. The mention's ``key`` is that place's own name and ``variant`` is set, so that
    resolution asks for its country in the text.
    """
    from .variants import fold_key

    if not unknown:
        return []
    country_keys = gazetteer.country_keys()
    named = {m.key for m in mentions if m.key in country_keys}
    # every mention's candidates at once: resolution asks for them next, from memory then
    looked = gazetteer.lookup(dict.fromkeys(m.key for m in mentions))
    countries = {
        cands[0].country_code
        for key in named
        if (cands := looked.get(key)) and cands[0].feature == "country"
    }
    if not countries:
        return []
    folded = {key: fold_key(key) for _, _, key, _, _ in unknown}
    matches = gazetteer.variant_keys(folded.values(), countries)
    out: list[Mention] = []
    for start, end, key, s_start, s_end in unknown:
        own = matches.get(folded[key], set())
        if len(own) != 1 or (out and out[-1].end > start):
            continue  # none or several places; or inside the name just taken
        out.append(Mention(start, end, text[start:end], next(iter(own)), s_start, s_end,
                           variant=True))  # fmt: skip
    return out


class GazetteerExtractor:
    """The default recogniser: gazetteer names in capitalised word runs (no model needed).

    ``variants`` adds the names known only under another spelling (:func:`variant_mentions`).
    """

    name = "gazetteer"
    variants = True

    def __call__(self, text: str, gazetteer: Gazetteer) -> list[Mention]:
        """Return the mentions of ``text`` (see :func:`extract_mentions`)."""
        english = gazetteer.words("english")
        first = gazetteer.words("first")
        unknown: list[tuple[int, int, str, int, int]] | None = [] if self.variants else None
        mentions = extract_mentions(
            text,
            gazetteer.known,
            common_words=gazetteer.words("common"),
            first_names=first,
            countries=gazetteer.country_keys(),
            english_words=english,
            unknown=unknown,
        )
        if not unknown:
            return mentions
        extra = variant_mentions(mentions, unknown, text, gazetteer)
        return sorted([*mentions, *extra], key=lambda m: m.start) if extra else mentions
