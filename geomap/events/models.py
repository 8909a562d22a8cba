"""The two linear models of the events stage and the backends that add cues to them.

- **Linear models** (:class:`LinearModel`): logistic regression over named cues. The
  metonymy model says whether a mention stands for a government, people or team; the
  incident model whether a mention the fixed rules leave open is where its sentence's
  violence happened. Their weights are fitted by cross-validation (``bench/fit_events.py``)
  and shipped as ``geomap/data/{metonymy,event}_weights[_<backend>].tsv``.
- **Backends** (:class:`EventsBackend`): what a backend adds to the cues of both models. The
  default, ``"rules"``, adds nothing and needs no model; ``"spacy"``
  (:mod:`geomap.events.spacy_backend`) adds the dependency parse, ``"minilm"``
  (:mod:`geomap.events.minilm_backend`) contextual embeddings. Each backend has its own
  weights. A further backend is one class with ``name`` and ``document(text)`` and one line
  in :data:`BACKENDS`, plus its two weight files.
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from geomap.errors import ConfigurationError, DataFileError
from geomap.rules import table

__all__ = [
    "BACKENDS",
    "BackendDocument",
    "EventsBackend",
    "LinearModel",
    "RulesBackend",
    "get_backend",
    "load_event_model",
    "load_metonymy_model",
    "weights_file",
]

#: Backends by name, as ``module:class`` (imported only when asked for).
BACKENDS: dict[str, str] = {
    "rules": "geomap.events.models:RulesBackend",
    "spacy": "geomap.events.spacy_backend:SpacyBackend",
    "minilm": "geomap.events.minilm_backend:MiniLMBackend",
}


@dataclass(frozen=True)
class LinearModel:
    """A logistic model over named cues: weights and the decision threshold."""

    weights: Mapping[str, float]
    threshold: float = 0.5

    def probability(self, features: Mapping[str, float]) -> float:
        """Return the logistic probability of the positive class for ``features``.

        Examples
        --------
        >>> LinearModel({"bias": 0.0}).probability({"bias": 1.0})
        0.5
        """
        z = sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class BackendDocument(Protocol):
    """A backend's view of one document: the extra cues of its mentions."""

    def mention_features(self, start: int, end: int) -> dict[str, float]:
        """Cues of the mention at ``[start, end)``, added to both models' features."""
        ...

    def link_features(
        self, start: int, end: int, trigger_start: int, trigger_end: int
    ) -> dict[str, float]:
        """Cues of the mention and the violence word it is weighed against (incident model)."""
        ...


class EventsBackend(Protocol):
    """What a backend of the events stage is: a name and a per-document view."""

    name: str

    def document(self, text: str) -> BackendDocument:
        """Prepare ``text`` (e.g. parse it) and return its view."""
        ...


class _NoCues:
    """The view of the ``rules`` backend: no extra cues."""

    def mention_features(self, start: int, end: int) -> dict[str, float]:  # noqa: ARG002
        """Return no cues."""
        return {}

    def link_features(
        self,
        start: int,  # noqa: ARG002
        end: int,  # noqa: ARG002
        trigger_start: int,  # noqa: ARG002
        trigger_end: int,  # noqa: ARG002
    ) -> dict[str, float]:
        """Return no cues."""
        return {}


class RulesBackend:
    """The default backend: the cues of the fixed patterns only; needs no model."""

    name = "rules"

    def document(self, text: str) -> BackendDocument:  # noqa: ARG002
        """Return a view that adds nothing."""
        return _NoCues()


@functools.cache
def get_backend(name: str = "rules") -> EventsBackend:
    """Return a backend by name, loaded once per process (models load slowly).

    Raises
    ------
    ConfigurationError
        If no backend has that name, or its model is not installed.
    ImportError
        If the backend's package is not installed (the message says what to install).
    """
    if name not in BACKENDS:
        raise ConfigurationError(
            f"unknown events backend {name!r}; choose one of: {', '.join(BACKENDS)}"
        )
    module, _, attr = BACKENDS[name].partition(":")
    backend: EventsBackend = getattr(importlib.import_module(module), attr)()
    return backend


def weights_file(kind: str, backend: str = "rules") -> str:
    """Return the table name of a model's weights: ``event_weights``, ``metonymy_weights_spacy``.

    Examples
    --------
    >>> weights_file("event"), weights_file("metonymy", "spacy")
    ('event_weights', 'metonymy_weights_spacy')
    """
    return f"{kind}_weights" + ("" if backend == "rules" else f"_{backend}")


def _load(kind: str, backend: str) -> LinearModel:
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"unknown events backend {backend!r}; choose one of: {', '.join(BACKENDS)}"
        )
    name = weights_file(kind, backend)
    weights: dict[str, float] = {}
    threshold = 0.5
    for row in table(name):
        try:
            feature, value = row
            number = float(value)
        except ValueError as err:
            raise DataFileError(
                f"geomap/data/{name}.tsv: row {chr(9).join(row)!r} is not feature<TAB>weight: "
                f"rerun bench/fit_events.py --backend {backend}"
            ) from err
        if feature == "threshold":
            threshold = number
        else:
            weights[feature] = number
    return LinearModel(weights, threshold)


@functools.cache
def load_event_model(backend: str = "rules") -> LinearModel:
    """Return the shipped incident model of a backend (``geomap/data/event_weights*.tsv``).

    Raises
    ------
    ConfigurationError
        For an unknown backend.
    DataFileError
        If the weights file is missing or malformed.
    """
    return _load("event", backend)


@functools.cache
def load_metonymy_model(backend: str = "rules") -> LinearModel:
    """Return the shipped metonymy model of a backend (``geomap/data/metonymy_weights*.tsv``).

    Raises
    ------
    ConfigurationError
        For an unknown backend.
    DataFileError
        If the weights file is missing or malformed.
    """
    return _load("metonymy", backend)
