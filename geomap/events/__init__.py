"""Events: where the violence happened (between resolution and the incidents table).

For every resolved place mention of a text (:func:`geomap.geoparse`), decide whether the text
reports violence happening there, and link each reported violent event to its place(s):
:func:`analyse_events` returns the events (ACLED-like type, trigger and offsets, status,
precision codes, relative location, date) and a role per mention and per place
(``incident``, ``container``, ``context``, each with a machine-readable reason, and
``metonymic``). `geomap.incidents` runs it for every document.

Modules: :mod:`~geomap.events.stage` (the stage), :mod:`~geomap.events.grammar` (patterns
over a sentence), :mod:`~geomap.events.metonymy`, :mod:`~geomap.events.relative` (relative
locations, geodesic offsets), :mod:`~geomap.events.dates` (event and document dates),
:mod:`~geomap.events.models` (the linear models and the backend seam),
:mod:`~geomap.events.spacy_backend` and :mod:`~geomap.events.minilm_backend` (optional),
:mod:`~geomap.events.vocab` (word lists, read through `geomap.rules`).
"""

from __future__ import annotations

from .dates import DATE_PRECISIONS, anchor_date, dateline_date, document_date
from .models import (
    BACKENDS,
    BackendDocument,
    EventsBackend,
    LinearModel,
    get_backend,
    load_event_model,
    load_metonymy_model,
)
from .relative import RelativeLocation, find_relative, offset_point
from .stage import (
    EVENT_TYPES,
    RELATIVE_KINDS,
    ROLES,
    Event,
    EventAnalysis,
    MentionRole,
    PlaceRole,
    analyse_events,
    sentence_analyses,
)

__all__ = [
    "BACKENDS",
    "DATE_PRECISIONS",
    "EVENT_TYPES",
    "RELATIVE_KINDS",
    "ROLES",
    "BackendDocument",
    "Event",
    "EventAnalysis",
    "EventsBackend",
    "LinearModel",
    "MentionRole",
    "PlaceRole",
    "RelativeLocation",
    "analyse_events",
    "anchor_date",
    "dateline_date",
    "document_date",
    "find_relative",
    "get_backend",
    "load_event_model",
    "load_metonymy_model",
    "offset_point",
    "sentence_analyses",
]
