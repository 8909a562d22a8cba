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

from geomap.rules import Trigger, WordClasses, violence, word_classes

__all__ = ["WORDS_FILE", "Vocabulary", "vocabulary"]

#: The table of word classes (``geomap/data/event_words.tsv``).
WORDS_FILE = "event_words"


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Vocabulary(WordClasses):
    """Every word class of the events stage: those of ``event_words.tsv`` and the violence words.

    The :class:`~geomap.rules.WordClasses` of ``event_words.tsv`` (``words``, ``phrases``,
    ``values``, ``has``), and ``triggers``, which maps a violence word to its
    :class:`~geomap.rules.Trigger`, and ``trigger_first``, which indexes them by first word
    (word tuples, longest first).
    """

    triggers: Mapping[str, Trigger]
    trigger_first: Mapping[str, tuple[tuple[tuple[str, ...], Trigger], ...]]


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
