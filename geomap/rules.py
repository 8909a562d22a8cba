"""Vocabularies: every word list and table geomap decides by, read from ``geomap/data/``.

The files are tab-separated text, one entry per line; ``#`` starts a comment line that
says what the file holds and where it comes from. :func:`table` is the one reader; the
helpers below give the shapes the stages use. Nothing here knows about text flow or maps.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from .errors import DataFileError

__all__ = ["Trigger", "Violence", "WordClasses", "table", "violence", "word_classes", "words"]


@functools.cache
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """Return the rows of the shipped table ``geomap/data/<name>.tsv``, fields split on tabs.

    Blank lines and lines starting with ``#`` are skipped. Read once per process.

    Raises
    ------
    DataFileError
        If the file is missing from the installed package.

    Examples
    --------
    >>> ("Calif.", "California") in table("abbreviations")
    True
    """
    try:
        text = resources.files("geomap").joinpath(f"data/{name}.tsv").read_text("utf-8")
    except OSError as err:
        raise DataFileError(
            f"geomap's vocabulary 'data/{name}.tsv' is missing: reinstall geomap"
        ) from err
    return tuple(
        tuple(line.split("\t")) for line in text.splitlines() if line and not line.startswith("#")
    )


@functools.cache
def words(name: str) -> frozenset[str]:
    """Return the casefolded words of a word list: every whitespace-separated token.

    Examples
    --------
    >>> "june" in words("calendar")
    True
    """
    return frozenset(w.casefold() for row in table(name) for field in row for w in field.split())


@dataclass(frozen=True, slots=True)
class Trigger:
    """A violence word of ``violence.tsv``: its form, ``event_type`` and ``kind``.

    ``kind`` is ``"verb"``, ``"noun"``, ``"weak"`` (counts only with a place or victim near
    it) or ``"capture"`` (counts only when what is taken is a place).
    """

    form: str
    event_type: str
    kind: str


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Violence:
    """The one violence vocabulary: its words, their event types and the marker classes.

    ``triggers`` maps each lowercase form ("shelled", "air strike") to its :class:`Trigger`;
    ``trigger_first`` indexes the forms by their first word, as word tuples, longest first;
    ``regex`` finds any of the forms in running text; ``event_types`` lists the types most
    specific first (``geomap/data/event_types.tsv``), ``class_of`` gives each type its
    marker class and ``labels`` its label; ``classes`` lists the classes.
    """

    regex: re.Pattern[str]
    triggers: Mapping[str, Trigger]
    trigger_first: Mapping[str, tuple[tuple[tuple[str, ...], Trigger], ...]]
    event_types: tuple[str, ...]
    class_of: Mapping[str, str]
    labels: Mapping[str, str]

    @property
    def classes(self) -> tuple[str, ...]:
        """The marker classes of the event types, each once, in the order first used."""
        return tuple(dict.fromkeys(self.class_of[t] for t in self.event_types))

    def event_type(self, word: str) -> str | None:
        """Return the event type of the violence word ``word`` (any case), or None.

        Examples
        --------
        >>> violence().event_type("Air strikes"), violence().event_type("exploring")
        ('air_strike', None)
        """
        found = self.triggers.get(" ".join(word.lower().split()))
        return found.event_type if found is not None else None

    def classify(self, word: str) -> str | None:
        """Return the marker class of the violence word ``word``, or None if it is none.

        Examples
        --------
        >>> violence().classify("Stormed"), violence().classify("exploring")
        ('attack', None)
        """
        event_type = self.event_type(word)
        return self.class_of[event_type] if event_type is not None else None


@functools.cache
def violence() -> Violence:
    """Return the violence vocabulary of ``geomap/data/violence.tsv`` and ``event_types.tsv``.

    Raises
    ------
    DataFileError
        If a row has not three fields, or names an event type ``event_types.tsv`` lacks.

    Examples
    --------
    >>> violence().regex.search("Snipers stormed Goris").group()
    'Snipers'
    >>> violence().triggers["shelled"].event_type
    'shelling'
    """
    types = _rows("event_types", 3, "event type<TAB>legend class<TAB>label")
    class_of = {t: cls for t, cls, _ in types}
    triggers: dict[str, Trigger] = {}
    for forms, event_type, kind in _rows("violence", 3, "forms<TAB>event type<TAB>kind"):
        if event_type not in class_of:
            raise DataFileError(
                f"geomap/data/violence.tsv: event type {event_type!r} is not in "
                "geomap/data/event_types.tsv: add it there or fix the row"
            )
        for form in forms.split("|"):
            word = " ".join(form.lower().split())
            triggers[word] = Trigger(word, event_type, kind)
    first: dict[str, list[tuple[tuple[str, ...], Trigger]]] = {}
    for form, trigger in triggers.items():
        first.setdefault(form.split()[0], []).append((tuple(form.split()), trigger))
    alternatives = sorted(triggers, key=len, reverse=True)
    regex = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    return Violence(
        regex=regex,
        triggers=triggers,
        trigger_first={
            k: tuple(sorted(v, key=lambda p: len(p[0]), reverse=True)) for k, v in first.items()
        },
        event_types=tuple(class_of),
        class_of=class_of,
        labels={t: label for t, _, label in types},
    )


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class WordClasses:
    """A table of word classes (``class<TAB>word|word|...``), as :func:`word_classes` reads it.

    ``words`` maps a class to its lowercase entries (phrases with their spaces),
    ``phrases`` to its multi-word entries as word tuples (longest first), and ``values`` to
    the numbers of its ``word:value`` entries (directions in degrees, units in km, ...).
    """

    words: Mapping[str, frozenset[str]]
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    values: Mapping[str, Mapping[str, float]]

    def has(self, cls: str, word: str) -> bool:
        """Whether the lowercase ``word`` is an entry of class ``cls``."""
        return word in self.words.get(cls, frozenset())


@functools.cache
def word_classes(name: str) -> WordClasses:
    """Return the word classes of ``geomap/data/<name>.tsv`` (rows ``class<TAB>entries``).

    Entries are separated by ``|`` and lowercased; ``word:number`` gives the word a value
    (an entry that starts with ``:``, such as ``:`` itself, is a word).

    Raises
    ------
    DataFileError
        If a row has not two fields, or a value is not a number.

    Examples
    --------
    >>> classes = word_classes("event_words")
    >>> classes.has("speech", "said"), classes.values["unit"]["km"]
    (True, 1.0)
    """
    words: dict[str, set[str]] = {}
    phrases: dict[str, list[tuple[str, ...]]] = {}
    values: dict[str, dict[str, float]] = {}
    for cls, entries in _rows(name, 2, "class<TAB>word|word|..."):
        for entry in entries.split("|"):
            word, _, value = entry.lower().rpartition(":")
            if not word:  # no value: the entry is a word (":" itself is one)
                word, value = entry.lower(), ""
            if value:
                try:
                    values.setdefault(cls, {})[word] = float(value)
                except ValueError as err:
                    raise DataFileError(
                        f"geomap/data/{name}.tsv: class {cls!r} entry {entry!r} needs a number "
                        "after ':'"
                    ) from err
            words.setdefault(cls, set()).add(word)
            if " " in word:
                phrases.setdefault(cls, []).append(tuple(word.split()))
    return WordClasses(
        words={k: frozenset(v) for k, v in words.items()},
        phrases={k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrases.items()},
        values=values,
    )


def _rows(name: str, fields: int, shape: str) -> tuple[tuple[str, ...], ...]:
    """Return the rows of ``name``, each checked to have ``fields`` fields (``shape``)."""
    rows = table(name)
    for row in rows:
        if len(row) != fields:
            raise DataFileError(
                f"geomap/data/{name}.tsv: row {chr(9).join(row)!r} has {len(row)} fields, not "
                f"{fields}: write it as {shape}, one tab between fields"
            )
    return rows
