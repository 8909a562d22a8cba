"""Scores of the events stage: incident locations (P/R/F1) and metonymy accuracy.

The annotated formats of ``../shared/bench/incidents/README.md`` (next to the repository),
told apart per file by their keys (:func:`detect_format`):

- **geoparse** (GeoWebNews-style ``{"text", "toponyms": [{"start", "end", "lat", "lon",
  "type"}]}``): geoparsing scores (`geomap.evaluate`), and metonymy accuracy on the toponyms
  typed ``Literal`` vs ``Metonymic``;
- **event locations** (``{"id", "text", "verbs", "locations"}``, one sentence a line): per
  sentence, per place geomap finds (mentions grouped by gazetteer place, as in the incidents
  table; continents and regions of several countries left out), a place is a true incident
  location when one of its mentions overlaps a gold location span. Precision and recall of
  ``role == "incident"`` over those places, and the share of gold location spans starting
  with a capital letter that geomap finds at all (recognition, not role);
- **metonymy** (ReLocaR ``{"text", "start", "end", "reading"}`` with ``lit``/``met``; ``mix``
  rows are left out and counted): accuracy of ``metonymic`` on the gold spans.

A gold span is described as the pipeline describes a mention (:func:`gold_span_toponym`),
so the metonymy score is the model's, not the recogniser's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataFileError
from .evaluate import (
    ANNOTATED_FORMATS,
    EvalReport,
    area_holds,
    detect_format,
    evaluate_documents,
    format_report,
    read_annotated,
)
from .events import EventsBackend, LinearModel, analyse_events, get_backend, load_metonymy_model
from .events.metonymy import metonymy_features
from .resolve import Toponym
from .rules import violence
from .text import split_sentences

__all__ = [
    "FileReport",
    "IncidentScores",
    "MetonymyScores",
    "baseline_incident_places",
    "detect_format",
    "evaluate_file",
    "format_file_reports",
    "gold_span_toponym",
    "gwn_metonymy_rows",
    "metonymy_items",
    "read_rows",
    "relocar_rows",
    "score_incidents",
    "score_metonymy",
]

_LEFT_OUT = ("continent", "macroregion")
PlaceKey = tuple[Any, ...]


def read_rows(
    path: str | os.PathLike[str], *, required: Sequence[str] = ("text",), limit: int | None = None
) -> list[dict[str, Any]]:
    """Read an annotated JSONL file whose rows hold the ``required`` keys (the first ``limit``).

    The rows are checked by their format (`geomap.evaluate.read_annotated`).

    Raises
    ------
    DataFileError
        If the file cannot be read, a line is not such a row, or there is none.
    """
    kinds = [ANNOTATED_FORMATS[k] for k in required if k in ANNOTATED_FORMATS]
    rows = read_annotated(path, kind=kinds[0] if kinds else None, limit=limit)
    for number, row in enumerate(rows, 1):
        missing = [k for k in required if k not in row]
        if missing:
            raise DataFileError(f"'{path}' row {number} is missing {', '.join(missing)}")
    return rows


@dataclass(frozen=True)
class IncidentScores:
    """Incident-location scores over the places geomap finds (see the module docstring)."""

    places: int
    gold: int
    predicted: int
    true_positive: int
    precision: float
    recall: float
    f1: float
    gold_capitalised: int
    capitalised_found: float


def _place_groups(toponyms: Sequence[Toponym]) -> dict[PlaceKey, list[Toponym]]:
    groups: dict[PlaceKey, list[Toponym]] = {}
    for t in toponyms:
        if t.lat is not None and t.lon is not None:
            groups.setdefault((t.geonameid, t.place, t.lat, t.lon), []).append(t)
    return groups


def baseline_incident_places(
    text: str, toponyms: Sequence[Toponym], *, words: re.Pattern[str] | None = None
) -> set[PlaceKey]:
    """Return the places the per-sentence baseline rule makes incidents.

    A place is an incident when a sentence mentioning it holds a violence word (of the one
    violence vocabulary, `geomap.rules.violence`), unless it is a country, a region of
    several countries or a continent. This was geomap's rule before the events stage; it
    stays here as the baseline of ``bench/eval_incidents.py``, which passes the violence
    ``words`` of that time.
    """
    out = set()
    words = words if words is not None else violence().regex
    for key, ms in _place_groups(toponyms).items():
        if ms[0].feature in ("country", "macroregion", "continent"):
            continue
        if any(words.search(text, t.sentence_start, t.sentence_end) for t in ms):
            out.add(key)
    return out


def score_incidents(
    docs: Iterable[dict[str, Any]],
    parse: Callable[[str], Sequence[Toponym]],
    incident_places: Callable[[str, Sequence[Toponym]], set[PlaceKey]],
) -> IncidentScores:
    """Score incident places on event-location sentences.

    Parameters
    ----------
    docs : iterable of dict
        Rows with ``text`` and ``locations`` (``[start, end)`` spans).
    parse : callable
        text -> toponyms (e.g. :func:`geomap.geoparse` with a gazetteer).
    incident_places : callable
        (text, toponyms) -> the place keys ``(geonameid, place, lat, lon)`` it calls incidents.
    """
    places = gold = predicted = tp = caps = caps_found = 0
    for doc in docs:
        text, locations = doc["text"], doc["locations"]
        toponyms = parse(text)
        chosen = incident_places(text, toponyms)
        for key, ms in _place_groups(toponyms).items():
            if ms[0].feature in _LEFT_OUT:
                continue
            is_gold = any(t.start < e and s < t.end for t in ms for s, e in locations)
            is_pred = key in chosen
            places += 1
            gold += is_gold
            predicted += is_pred
            tp += is_gold and is_pred
        for s, e in locations:
            if text[s : s + 1].isupper():
                caps += 1
                caps_found += any(t.start < e and s < t.end for t in toponyms)
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    return IncidentScores(
        places, gold, predicted, tp, precision, recall,
        2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        caps, caps_found / caps if caps else 0.0,
    )  # fmt: skip


@dataclass(frozen=True)
class MetonymyScores:
    """Accuracy of ``metonymic`` on gold literal/metonymic spans."""

    items: int
    literal: int
    metonymic: int
    left_out: int
    accuracy: float
    literal_accuracy: float
    metonymic_accuracy: float


def gold_span_toponym(
    text: str,
    start: int,
    end: int,
    found: Sequence[Toponym],
    sentences: Sequence[tuple[int, int]],
) -> Toponym:
    """Return a Toponym for a gold span: geomap's own mention's place when it overlaps one.

    The feature type and match kind come from the overlapping mention geomap found (else
    unknown); the sentence from :func:`geomap.text.split_sentences`.
    """
    s0, s1 = next(((a, b) for a, b in sentences if a <= start < b), (0, len(text)))
    same = next((t for t in found if t.start < end and start < t.end), None)
    return Toponym(
        start, end, text[start:end], None, None, None,
        same.country_code if same else None, 0.0, same.reason if same else "",
        same.place if same else None, same.feature if same else None,
        same.population if same else 0, s0, s1,
    )  # fmt: skip


def metonymy_items(
    rows: Iterable[tuple[str, int, int, bool]],
    parse: Callable[[str], Sequence[Toponym]],
    *,
    backend: str | EventsBackend = "rules",
) -> list[tuple[dict[str, float], bool]]:
    """Return (features, is_metonymic) for gold spans ``(text, start, end, metonymic)``.

    Each span is described as the pipeline describes a mention, by
    :func:`geomap.events.metonymy.metonymy_features` over its sentence, plus the cues of the
    ``backend`` (the dependency parse of ``"spacy"``).
    """
    chosen = get_backend(backend) if isinstance(backend, str) else backend
    out = []
    cache: dict[str, tuple[Sequence[Toponym], list[tuple[int, int]], Any]] = {}
    for text, start, end, met in rows:
        if text not in cache:
            cache[text] = (parse(text), split_sentences(text), chosen.document(text))
        found, sentences, view = cache[text]
        t = gold_span_toponym(text, start, end, found, sentences)
        features = metonymy_features(text, t)
        features.update(view.mention_features(start, end))
        out.append((features, met))
    return out


def score_metonymy(
    items: Sequence[tuple[dict[str, float], bool]],
    model: LinearModel | None = None,
    *,
    left_out: int = 0,
) -> MetonymyScores:
    """Score the metonymy model on :func:`metonymy_items` (``left_out``: rows not scored)."""
    model = model if model is not None else load_metonymy_model()
    right = lit = met = lit_right = met_right = 0
    for features, gold in items:
        pred = model.probability(features) >= model.threshold
        right += pred == gold
        if gold:
            met += 1
            met_right += pred
        else:
            lit += 1
            lit_right += not pred
    n = len(items)
    return MetonymyScores(
        n, lit, met, left_out, right / n if n else 0.0,
        lit_right / lit if lit else 0.0, met_right / met if met else 0.0,
    )  # fmt: skip


def relocar_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[tuple[str, int, int, bool]], int]:
    """Return the ReLocaR gold spans ``(text, start, end, metonymic)`` and the ``mix`` count.

    ``lit`` rows are literal, ``met`` rows metonymic; ``mix`` rows are left out (counted).
    """
    spans, mix = [], 0
    for r in rows:
        if r["reading"] in ("lit", "met"):
            spans.append((r["text"], int(r["start"]), int(r["end"]), r["reading"] == "met"))
        else:
            mix += 1
    return spans, mix


def gwn_metonymy_rows(
    docs: Iterable[dict[str, Any]],
) -> tuple[list[tuple[str, int, int, bool]], list[str]]:
    """Return GeoWebNews's ``Literal``/``Metonymic`` toponyms as gold spans, with doc ids.

    Other types (``Mixed``, ``Demonym``, ``Literal_Modifier``, ...) are left out.
    """
    spans, groups = [], []
    for i, d in enumerate(docs):
        for t in d.get("toponyms", ()):
            if t.get("type") in ("Literal", "Metonymic"):
                spans.append((d["text"], int(t["start"]), int(t["end"]), t["type"] == "Metonymic"))
                groups.append(str(d.get("id", i)))
    return spans, groups


@dataclass(frozen=True)
class FileReport:
    """What :func:`evaluate_file` measured on one annotated file (None: not in its format)."""

    path: str
    kind: str
    geoparse: EvalReport | None = None
    incidents: IncidentScores | None = None
    metonymy: MetonymyScores | None = None


def evaluate_file(
    path: str | os.PathLike[str],
    *,
    limit: int | None = None,
    extractor: str = "gazetteer",
    backend: str | EventsBackend = "rules",
    cache_dir: str | os.PathLike[str] | None = None,
) -> FileReport:
    """Score geomap on one annotated JSONL file, in the format its first row shows.

    Geoparsing files (``toponyms``) get the geoparsing scores (`geomap.evaluate`) and, when
    their toponyms carry GeoWebNews's ``type``, the metonymy accuracy on ``Literal`` vs
    ``Metonymic``; event-location files (``locations``) the incident-location scores;
    ReLocaR files (``reading``) the metonymy accuracy. The events stage runs with the
    shipped weights of ``backend``: on the data they were fitted on (the dev sets), these are
    training-set figures; ``bench/eval_incidents.py`` gives the held-out ones.

    Parameters
    ----------
    path : path-like
        The JSONL file.
    limit : int, optional
        Only its first ``limit`` rows.
    extractor : str
        The recogniser :func:`geomap.geoparse` uses.
    backend : str or EventsBackend
        The events stage's backend.
    cache_dir : path-like, optional
        The cache directory holding the gazetteer.

    Raises
    ------
    DataFileError
        If the file cannot be read or its rows are in none of the formats.
    """
    from .gazetteer import open_gazetteer
    from .resolve import geoparse
    from .text import get_extractor

    rows = read_annotated(path, limit=limit)  # every row in the format of the first
    kind = detect_format(rows[0])
    gaz = open_gazetteer(cache_dir=cache_dir)
    recogniser = get_extractor(extractor)
    parsed: dict[str, Sequence[Toponym]] = {}

    def parse(text: str) -> Sequence[Toponym]:
        if text not in parsed:
            parsed[text] = geoparse(text, gazetteer=gaz, extractor=recogniser)
        return parsed[text]

    chosen = get_backend(backend) if isinstance(backend, str) else backend
    model = load_metonymy_model(chosen.name)
    if kind == "geoparse":
        report = evaluate_documents(
            rows,
            lambda t: geoparse(t, gazetteer=gaz, extractor=recogniser),
            corpus=str(path),
            holds=area_holds(gaz),
        )
        spans, _ = gwn_metonymy_rows(rows)
        metonymy = None
        if spans:
            items = metonymy_items(spans, parse, backend=chosen)
            metonymy = score_metonymy(items, model)
        return FileReport(str(path), kind, geoparse=report, metonymy=metonymy)
    if kind == "eventloc":

        def incident_places(text: str, toponyms: Sequence[Toponym]) -> set[PlaceKey]:
            result = analyse_events(text, toponyms, backend=chosen)
            return {p.key for p in result.places if p.role == "incident"}

        return FileReport(str(path), kind, incidents=score_incidents(rows, parse, incident_places))
    spans, mix = relocar_rows(rows)
    items = metonymy_items(spans, parse, backend=chosen)
    return FileReport(str(path), kind, metonymy=score_metonymy(items, model, left_out=mix))


def format_file_reports(reports: Sequence[FileReport], names: Sequence[str] = ()) -> str:
    """Format reports as Markdown: geoparsing, incident-location and metonymy tables."""
    label = {
        id(r): names[i] if i < len(names) else Path(r.path).name for i, r in enumerate(reports)
    }
    parts = []
    geo = [r for r in reports if r.geoparse is not None]
    if geo:
        parts.append(
            format_report([r.geoparse for r in geo if r.geoparse], [label[id(r)] for r in geo])
        )
    inc = [r for r in reports if r.incidents is not None]
    if inc:
        rows = []
        for r in inc:
            s = r.incidents
            assert s is not None
            rows.append(
                f"| {label[id(r)]} | {s.places} | {s.gold} | {s.predicted} | {s.precision:.3f} "
                f"| {s.recall:.3f} | {s.f1:.3f} | {s.capitalised_found:.3f} |"
            )
        header = "incident locations | places | gold | predicted | P | R | F1 "
        parts.append(_table(header + "| capitalised gold found", rows))
    met = [r for r in reports if r.metonymy is not None]
    if met:
        rows = []
        for r in met:
            m = r.metonymy
            assert m is not None
            rows.append(
                f"| {label[id(r)]} | {m.items} | {m.literal} | {m.metonymic} | {m.left_out} "
                f"| {m.accuracy:.3f} | {m.literal_accuracy:.3f} | {m.metonymic_accuracy:.3f} |"
            )
        header = "metonymy | spans | literal | metonymic | left out | accuracy | literal acc. "
        parts.append(_table(header + "| metonymic acc.", rows))
    return "\n\n".join(parts)


def _table(header: str, rows: list[str]) -> str:
    """Return a Markdown table: ``header`` (cells split by " | "), a text column, numbers."""
    cells = header.count("|") + 1
    return "\n".join([f"| {header} |", "|---" + "|---:" * (cells - 1) + "|", *rows])
