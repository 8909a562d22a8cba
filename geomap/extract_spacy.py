"""Optional recogniser backed by a spaCy pipeline (``pip install "geomap[spacy]"``).

Entities labelled GPE, LOC, FAC or NORP become mentions; resolution stays geomap's. spaCy is
imported only when this backend is used.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError
from .names import normalize_name
from .text import Mention, split_sentences

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

__all__ = ["LABELS", "SpacyExtractor", "english_models"]

#: spaCy entity labels that name places (NORP: nationalities, "Armenian").
LABELS = frozenset({"GPE", "LOC", "FAC", "NORP"})
_TRIM = re.compile(r"^(?:the|The)\s+|['\u2019]s$")


def _import_spacy() -> Any:
    try:
        import spacy
    except ImportError as err:
        raise ImportError(
            "the 'spacy' extractor needs spaCy: pip install \"geomap[spacy]\" "
            "(and an English model, e.g. python -m spacy download en_core_web_sm)"
        ) from err
    return spacy


def english_models() -> list[str]:
    """Return the installed English spaCy models (empty when spaCy is not installed)."""
    try:
        spacy = _import_spacy()
    except ImportError:
        return []
    return sorted(m for m in spacy.util.get_installed_models() if m.startswith("en_"))


class SpacyExtractor:
    """Recognise place names with a spaCy pipeline.

    Parameters
    ----------
    nlp : spacy.language.Language, optional
        A loaded pipeline; by default the first installed English model (``en_core_web_sm``
        and its larger siblings).
    labels : collection of str
        Entity labels that count as places.
    """

    name = "spacy"

    def __init__(self, nlp: Any = None, *, labels: frozenset[str] = LABELS) -> None:
        if nlp is None:
            spacy = _import_spacy()
            models = english_models()
            if not models:
                raise ConfigurationError(
                    "no English spaCy model is installed: python -m spacy download "
                    "en_core_web_sm, or use the default extractor 'gazetteer'"
                )
            nlp = spacy.load(models[0])
        self.nlp = nlp
        self.labels = labels

    def __call__(self, text: str, gazetteer: Gazetteer) -> list[Mention]:
        """Return the place entities of ``text`` as mentions (``gazetteer`` is not needed)."""
        del gazetteer  # the model decides what is a place; resolution uses the gazetteer
        doc = self.nlp(text)
        if doc.has_annotation("SENT_START"):
            sentences = [(s.start_char, s.end_char) for s in doc.sents]
        else:
            sentences = split_sentences(text)
        mentions = []
        for ent in doc.ents:
            if ent.label_ not in self.labels:
                continue
            start, end = ent.start_char, ent.end_char
            for m in _TRIM.finditer(ent.text):  # "the United States", "Armenia's"
                if m.start() == 0:
                    start += m.end()
                else:
                    end -= len(m.group())
            if start >= end:
                continue
            s_start, s_end = next(((s, e) for s, e in sentences if s <= start < e), (start, end))
            mentions.append(
                Mention(
                    start=start,
                    end=end,
                    name=text[start:end],
                    key=normalize_name(text[start:end]),
                    sentence_start=s_start,
                    sentence_end=s_end,
                    sentence_initial=start == s_start,
                    ner=True,
                )
            )
        return mentions
