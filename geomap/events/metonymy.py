"""Metonymy: does a place name stand for the place, or for its government, people or team.

"Baku said", "talks with Canada", "Russia invaded", "Mexico won the playoff" are metonymic;
"born in Maastricht", "shelled Kapan", "Kapan was hit" are literal. A small logistic model
weighs generic cues of the name's context: the function word or word class before and after
it (a preposition of place, a verb of speech, an agentive verb, a possessive, an
institution noun), its feature type (country, capital, town, region) and its relation to the
sentence's violence. The word classes come from ``geomap/data/event_words.tsv``; the weights
(``geomap/data/metonymy_weights.tsv``, read by :mod:`geomap.events.models`) are fitted by
cross-validation in ``bench/fit_events.py`` on ReLocaR and GeoWebNews; no place name is a
feature.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .vocab import vocabulary

if TYPE_CHECKING:
    from geomap.resolve import Toponym

__all__ = ["metonymy_features", "word_class"]

_WORD = re.compile(r"[^\W_]+(?:[-'\u2019][^\W_]+)*|['\u2019]s\b|[^\w\s]")
_CLASSES = (
    "speech", "accuse", "passive_aux", "literal_verb", "agentive", "institution", "origin_noun",
    "area_noun", "site_noun", "locative", "destination", "agent", "met_cue", "lit_cue",
)  # fmt: skip
_CLASS_OF: dict[str, str] = {}  # word -> class, filled as words are seen (bounded below)


def word_class(word: str) -> str:
    """Return the class of a context word (memoised)."""
    cls = _CLASS_OF.get(word)
    if cls is None:
        cls = _classify(word)
        if len(_CLASS_OF) < 1 << 15:
            _CLASS_OF[word] = cls
    return cls


def _classify(word: str) -> str:
    """Return the class of a context word: itself when a function word, else its class."""
    vocab = vocabulary()
    if word in vocab.words["function"]:
        return word
    for cls in _CLASSES:
        if word in vocab.words[cls]:
            return cls
    if word in vocab.triggers:
        return "trigger"
    if word[:1].isdigit():
        return "number"
    if word.endswith("ed"):
        return "-ed"
    if word.endswith("ing"):
        return "-ing"
    return "other"


def metonymy_features(text: str, t: Toponym) -> dict[str, float]:
    """Return the generic cues of one mention for the metonymy model.

    Parameters
    ----------
    text : str
        The document.
    t : Toponym
        The mention (offsets, sentence, feature; ``reason`` tells an adjective match).

    Returns
    -------
    dict
        Feature name -> value: the class of the words before and after the name (function
        words as themselves, other words by class), the word before a list of names ("represented
        Serbia and Montenegro"), cue classes within six words, the feature type.
    """
    if t.reason.startswith("adjective"):  # "Azerbaijani forces": a modifier, weighed as one
        return {"bias": 1.0, "match=adjective": 1.0}
    vocab = vocabulary()
    f: dict[str, float] = {"bias": 1.0, f"feature={t.feature}": 1.0}
    if t.reason.startswith("alias"):
        f["match=alias"] = 1.0
    s0, s1 = t.sentence_start, t.sentence_end
    left = _WORD.findall(text, max(s0, t.start - 48), t.start)
    right = _WORD.findall(text, t.end, min(s1, t.end + 40))
    lows_l = [w.lower() for w in left]
    lows_r = [w.lower() for w in right[:6]]
    # a list of names before this one: "Serbia and [Montenegro]", "Poland, Norway, [Ukraine]"
    k = len(left)
    listed = False
    while k >= 2 and lows_l[k - 1] in ("and", "or", ",") and left[k - 2][:1].isupper():
        k -= 1
        if lows_l[k - 1] == ",":
            k -= 1
        while k >= 1 and left[k - 1][:1].isupper():
            k -= 1
        listed = True
    if listed:
        f["in_list"] = 1.0
    lows_head = lows_l[:k]
    p1 = word_class(lows_head[-1]) if lows_head else "^"
    p2 = word_class(lows_head[-2]) if len(lows_head) > 1 else "^"
    n1 = word_class(lows_r[0]) if lows_r else "$"
    n2 = word_class(lows_r[1]) if len(lows_r) > 1 else "$"
    f[f"p1={p1}"] = 1.0
    f[f"p2p1={p2}_{p1}"] = 1.0
    f[f"n1={n1}"] = 1.0
    f[f"n1n2={n1}_{n2}"] = 1.0
    if lows_head and left[k - 1][:1].isupper() and p1 == "other":
        f["p1_capitalised"] = 1.0
    if right and right[0][:1].isupper() and n1 == "other":
        f["n1_capitalised"] = 1.0
    if not lows_head or not any(w.isalnum() for w in lows_head):
        f["sentence_initial"] = 1.0
    if t.end < len(text) and text[t.end] == "-":
        f["hyphen_modifier"] = 1.0
    # the nearest preposition before the name, over articles and adjectives
    skip = vocab.words["skip"]
    for w in reversed(lows_head[-4:]):
        if w in vocab.words["function"] and w not in ("the", "a", "an", ","):
            f[f"prep={w}"] = 1.0
            break
        if w not in skip:
            break
    # the first verb-like word after the name within five words: "X has long said"
    for w in lows_r[:5]:
        cls = word_class(w)
        if cls in ("speech", "accuse", "agentive", "literal_verb", "passive_aux", "trigger"):
            f[f"verb_after={cls}"] = 1.0
            break
        if cls in ("in", "at", "of", "to", "from", ".", ";", "by", "with"):
            break
    window = lows_l[-6:] + lows_r[:6]
    if not vocab.words["met_cue"].isdisjoint(window):
        f["met_cue_near"] = 1.0
    if not vocab.words["lit_cue"].isdisjoint(window):
        f["lit_cue_near"] = 1.0
    return f
