"""Text: place-name mentions, sentences, and the recogniser contract with its registry.

Every recogniser (the gazetteer rules of `geomap.extract`, the spaCy backend of
`geomap.extract_spacy`) returns :class:`Mention` objects and is found by name through
:func:`get_extractor`. Offsets are 0-based Python string indices (code points), end
exclusive. Nothing here knows about coordinates.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .errors import ConfigurationError
from .names import SHORT_FORMS
from .rules import words

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

__all__ = [
    "EXCERPT_CHARS",
    "EXTRACTORS",
    "Extractor",
    "Mention",
    "excerpt",
    "get_extractor",
    "split_sentences",
]


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name as found in the text, before resolution.

    ``text[start:end] == name``; ``key`` is the gazetteer lookup key;
    ``sentence_start``/``sentence_end`` delimit its sentence in the text.
    ``sentence_initial`` is true for the first word of a sentence, whose capital proves nothing;
    ``common_word`` is true when the name is also an ordinary English word ("Police", "Reading");
    ``speaker`` when a single-word name is followed by a verb of speech ("Johnson said");
    ``only`` restricts the places it may name to one feature ("Ga." is the US state, not the
    country Georgia); ``part`` is true when the name stands inside the name of a facility,
    street or natural feature ("Eglinton Avenue", "Indian Ocean", "Hotel Kyjev").
    """

    start: int
    end: int
    name: str
    key: str
    sentence_start: int
    sentence_end: int
    sentence_initial: bool = False
    common_word: bool = False
    speaker: bool = False
    ner: bool = False  # found by a named-entity recogniser, which already judged it a place
    locative: bool = False  # after a preposition of place: "in Nelson", "near Franklin"
    only: str | None = None  # the one feature the name can stand for ("region" for "Calif.")
    part: bool = False  # inside the name of something else ("Windsor Castle", "Hotel Kyjev")
    landmark: str | None = None  # "temple" in "Preah Vihear temple" (not itself in the gazetteer)
    within: str | None = None  # key of the area after a comma: "Paris, Tenn." -> "tennessee"
    unit: str | None = None  # the feature a following word asks for: "Sumy region" -> "region"
    variant: bool = False  # a spelling the gazetteer lacks, matched by folding ("Baramulla")
    listed: bool = False  # "and" or "or" joins it to the next name: "England and Wales"


class Extractor(Protocol):
    """What geomap needs of a recogniser: text (and the gazetteer's names) -> mentions."""

    name: str

    def __call__(self, text: str, gazetteer: Gazetteer) -> list[Mention]:
        """Return the place-name mentions of ``text`` in text order."""
        ...


#: Recognisers by name, as ``module:factory`` (imported only when asked for); "auto" is
#: spaCy when an English model is installed, else "gazetteer".
EXTRACTORS: dict[str, str] = {
    "gazetteer": "geomap.extract:GazetteerExtractor",
    "spacy": "geomap.extract_spacy:SpacyExtractor",
    "auto": "",
}


def _factory(name: str) -> Callable[[], Extractor]:
    module, _, attr = EXTRACTORS[name].partition(":")
    factory: Callable[[], Extractor] = getattr(importlib.import_module(module), attr)
    return factory


def get_extractor(name: str = "gazetteer") -> Extractor:
    """Return a recogniser by name: ``"gazetteer"`` (default), ``"spacy"`` or ``"auto"``.

    Raises
    ------
    ConfigurationError
        If no recogniser has that name, or ``"spacy"`` finds no English model.
    ImportError
        If ``"spacy"`` is asked for and spaCy is not installed.
    """
    if name not in EXTRACTORS:
        raise ConfigurationError(
            f"unknown extractor {name!r}; choose one of: {', '.join(EXTRACTORS)}"
        )
    if name == "auto":
        try:
            return _factory("spacy")()
        except (ImportError, ConfigurationError):
            return _factory("gazetteer")()
    return _factory(name)()


# -- sentences -----------------------------------------------------------------------------

_SENTENCE_END = re.compile(
    r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[^\W_a-z])|\n\s*\n"
)
# A dateline ("YEREVAN — ", "KAPAN, Armenia (Reuters) - ") names where a report was filed, so it
# stands as a sentence of its own: violence in the sentence after it is not located there.
_DATELINE = re.compile(
    r"(?m)^[^\W\d_a-z][^\W\da-z]+(?:[ ,]+[^\W\d]+){0,3}(?: \([^)\n]{1,30}\))? [\u2014\u2013-]+ "
)


def _abbreviations() -> frozenset[str]:
    return words("sentence_abbreviations") | frozenset(SHORT_FORMS)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, leading spaces stripped.

    Examples
    --------
    >>> t = "KAPAN — Mr. Smith left Goris. Kapan was shelled!"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['KAPAN —', 'Mr. Smith left Goris.', 'Kapan was shelled!']
    >>> t = "A bomb went off at 9 a.m. (0600 GMT) in Goris. Kapan was hit at 5 p.m. It burned."
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['A bomb went off at 9 a.m. (0600 GMT) in Goris.', 'Kapan was hit at 5 p.m.', 'It burned.']
    """
    abbreviations = _abbreviations()
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)\W*$", text[max(start, m.start() - 12) : m.start() + 1])
        if (
            m.group().startswith(".")
            and word
            and (
                word.group(1).casefold() in abbreviations or re.fullmatch(r"[A-Z]", word.group(1))
            )
        ):
            continue  # "Mr. Smith", "Gino D. Bassett": not the end of a sentence
        if (
            m.group() == "."
            and _CLOCK.search(text, max(start, m.start() - 4), m.start())
            and _PAREN_NEXT.match(text, m.end())
        ):
            continue  # "at 11:30 a.m. (0830 GMT) in Goris": one sentence
        if _NOT_SPACE.search(text, start, m.end()):
            spans.append((start, m.end()))
        start = m.end()
    if _NOT_SPACE.search(text, start):
        spans.append((start, len(text)))
    stripped = (_strip(text, s, e) for s, e in _split_datelines(text, spans))
    return [(s, e) for s, e in stripped if s < e]


_NOT_SPACE = re.compile(r"\S")
_CLOCK = re.compile(r"(?i)(?<![\w.])[ap]\.m$")  # before the final dot of "a.m." / "p.m."
_PAREN_NEXT = re.compile(r"\s+\(")


def _split_datelines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut each dateline that opens a sentence off into a sentence of its own.

    Datelines and sentences are both in text order, so one pass over each suffices (linear
    in the text, however many datelines it holds).
    """
    out: list[tuple[int, int]] = []
    i = 0
    first = -1  # where the text of spans[i] starts (its first non-space character)
    for m in _DATELINE.finditer(text):
        while i < len(spans) and spans[i][1] <= m.start():
            out.append(spans[i])
            i, first = i + 1, -1
        if i == len(spans):
            break
        s, e = spans[i]
        if first < 0:
            found = _NOT_SPACE.search(text, s, e)
            first = found.start() if found else e
        if s <= m.start() <= first and m.end() < e:  # the dateline opens the sentence
            out.append((s, m.end()))
            spans[i], first = (m.end(), e), -1
    out.extend(spans[i:])
    return out


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    """Return ``(s, e)`` without the white space at either end (no copy of the text)."""
    found = _NOT_SPACE.search(text, s, e)
    if found is None:
        return s, s
    last = e
    while last > found.start() and text[last - 1].isspace():
        last -= 1
    return found.start(), last


#: The most characters of a sentence a row carries around a mention (about two long
#: sentences of news); a longer sentence is cut to a window around the mention.
EXCERPT_CHARS = 400


def excerpt(
    text: str, sentence: tuple[int, int], mention: tuple[int, int], *, limit: int = EXCERPT_CHARS
) -> tuple[str, int, int]:
    """Return the sentence around a mention, at most ``limit`` characters, and its offsets.

    A sentence longer than ``limit`` is cut to a window centred on the mention, at word
    boundaries, with "…" where it was cut; white space is folded to single spaces. The
    offsets ``(start, end)`` are those of the window in ``text`` (of the whole sentence when
    it fits), so the full text is always one slice away.

    Examples
    --------
    >>> t = "Intro. " + "word " * 200 + "Kapan was shelled. " + "more " * 200
    >>> s = t.index("Kapan")
    >>> shown, start, end = excerpt(t, (7, len(t)), (s, s + 5), limit=60)
    >>> shown
    '… word word word word word Kapan was shelled. more more …'
    >>> start < s < end and end - start <= 60
    True
    """
    s_start, s_end = sentence
    m_start, m_end = mention
    start, end = s_start, s_end
    if end - start > limit:
        room = max(0, limit - (m_end - m_start)) // 2
        start = max(s_start, m_start - room)
        end = min(s_end, m_end + room)
        if start > s_start:  # whole words only
            space = text.find(" ", start, m_start)
            start = space + 1 if space >= 0 else start
        if end < s_end:
            space = text.rfind(" ", m_end, end)
            end = space if space >= 0 else end
    shown = " ".join(text[start:end].split())
    return f"{'… ' if start > s_start else ''}{shown}{' …' if end < s_end else ''}", start, end
