"""The word lists of the events stage, as one object: violence words and word classes.

Nothing is read here: the violence words (with their event types) come from the one violence
vocabulary, :func:`geomap.rules.violence` (``geomap/data/violence.tsv``), and every other
class (verbs of speech, prepositions of place, origin and destination, direction words,
units, date words, ...) from :func:`geomap.rules.word_classes` over
``geomap/data/event_words.tsv``. :func:`vocabulary` puts them together once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from geomap.rules import Trigger, violence, word_classes

__all__ = ["WORDS_FILE", "Vocabulary", "vocabulary"]

#: The table of word classes (``geomap/data/event_words.tsv``).
WORDS_FILE = "event_words"


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Vocabulary:
    """Every word class of the events stage.

    ``triggers`` maps a violence word to its :class:`~geomap.rules.Trigger`, and
    ``trigger_first`` indexes them by first word (word tuples, longest first); ``words``
    maps a class of ``event_words.tsv`` to its entries, ``phrases`` to its multi-word entries
    as word tuples, ``values`` to the numbers of its ``word:value`` entries.
    """

    triggers: Mapping[str, Trigger]
    trigger_first: Mapping[str, tuple[tuple[tuple[str, ...], Trigger], ...]]
    words: Mapping[str, frozenset[str]]
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    values: Mapping[str, Mapping[str, float]]

    def has(self, cls: str, word: str) -> bool:
        """Whether the (lowercase) ``word`` is in class ``cls``."""
        return word in self.words.get(cls, frozenset())


@functools.cache
def vocabulary() -> Vocabulary:
    """Return the events vocabulary (built once per process from `geomap.rules`).

    Examples
    --------
    >>> v = vocabulary()
    >>> v.triggers["shelled"].event_type, v.has("speech", "said")
    ('shelling', True)
    """
    words = word_classes(WORDS_FILE)
    violent = violence()
    return Vocabulary(
        triggers=violent.triggers,
        trigger_first=violent.trigger_first,
        words=words.words,
        phrases=words.phrases,
        values=words.values,
    )
