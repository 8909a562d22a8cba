"""Geoparsing evaluation against annotated corpora (JSONL: text + gold toponyms with offsets).

Each line is ``{"id", "text", "toponyms": [{"start", "end", "name", "lat", "lon", ...}]}``.
Recognition: gold = toponyms with coordinates; a prediction matches a gold toponym when their
spans overlap, each used once. Resolution is scored on the matched gold: the great-circle
error (accuracy within 161 km), and an area-aware accuracy, for which a country or region
is also right when the gold place lies in it.

Area-aware accuracy: a matched prediction is right when it is within 161 km of the gold
point, or names the same GeoNames id, or is a country or first-level region that holds the
gold place. A region holds it when the gold GeoNames place carries the region's codes in the
gazetteer (GeoNames' own hierarchy; no region polygons are shipped); a country holds it
when the gold place is of that country in the gazetteer, or, for places the gazetteer lacks
or holds without a country (continents), when the gold point lies in the country's polygon
(:meth:`geomap.borders.Borders.country_at`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataFileError, InputError
from .io import read_jsonl

__all__ = [
    "ANNOTATED_FORMATS",
    "EvalReport",
    "area_holds",
    "detect_format",
    "evaluate_corpus",
    "evaluate_documents",
    "format_report",
    "read_annotated",
    "read_corpus",
]

#: Half the Earth's circumference: the largest possible error, km (Gritta et al. 2018).
MAX_ERROR_KM = 20039.0
ACCURACY_KM = 161.0


@dataclass(frozen=True)
class EvalReport:
    """Scores of one run over a corpus; see :func:`evaluate_documents`."""

    corpus: str
    documents: int
    gold: int
    predicted: int
    matched: int
    exact: int
    precision: float
    recall: float
    f1: float
    accuracy_161: float
    median_km: float
    mean_km: float
    auc: float
    end_to_end: float
    docs_per_s: float
    area_accuracy: float = math.nan  #: right within 161 km, by id, or inside the chosen area


#: The key that tells each annotated format apart -> its name.
ANNOTATED_FORMATS = {"toponyms": "geoparse", "locations": "eventloc", "reading": "relocar"}


def detect_format(row: dict[str, Any]) -> str:
    """Return the format of an annotated row: ``"geoparse"``, ``"eventloc"`` or ``"relocar"``.

    Raises
    ------
    DataFileError
        If the row has none of the keys ``toponyms``, ``locations``, ``reading``.

    Examples
    --------
    >>> detect_format({"text": "Kapan was shelled.", "locations": [[0, 5]]})
    'eventloc'
    """
    for key, kind in ANNOTATED_FORMATS.items():
        if key in row:
            return kind
    raise DataFileError(
        "an annotated row needs 'toponyms' (geoparsing), 'locations' (event locations) or "
        "'reading' (metonymy): see ../shared/bench/incidents/README.md"
    )


def read_annotated(
    path: str | os.PathLike[str], *, kind: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Read an annotated JSONL file (the first ``limit`` rows), each row checked.

    Every row must be an object with a ``text`` string and the annotations of one format
    (``kind``, else the format of the first row, :func:`detect_format`): gold toponyms
    with offsets inside the text and valid coordinates, event-location spans, or a ReLocaR
    span and reading.

    Raises
    ------
    DataFileError
        Naming the file and the line, if the file cannot be read, is not a regular file, a
        line is not such a row, or there is none.
    """
    p = Path(path)
    if p.exists() and not p.is_file():
        raise DataFileError(f"corpus '{p}' is not a regular file: pass a JSONL file")
    rows: list[dict[str, Any]] = []
    try:
        for line in read_jsonl(p, what="corpus"):
            try:
                if line.error is not None:
                    raise ValueError(line.error.split(": ", 1)[-1])
                row = line.value
                if not isinstance(row, dict):
                    raise ValueError("it is not a JSON object")
                kind = kind or detect_format(row)
                _check_row(row, kind)
            except (ValueError, DataFileError) as err:
                raise DataFileError(
                    f"corpus '{p}' line {line.where.rsplit(':', 1)[-1]} is not a document: {err}"
                ) from err
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except InputError as err:
        raise DataFileError(f"{err}; check the path") from err
    if not rows:
        raise DataFileError(f"corpus '{p}' has no documents: give it JSON lines")
    return rows


def read_corpus(path: str | os.PathLike[str], *, limit: int | None = None) -> list[dict[str, Any]]:
    """Read a geoparsing corpus (GeoWebNews-style ``toponyms``): see :func:`read_annotated`."""
    return read_annotated(path, kind="geoparse", limit=limit)


def _check_row(row: dict[str, Any], kind: str) -> None:
    """Raise `ValueError` unless ``row`` is an annotated row of format ``kind``."""
    text = row.get("text")
    if not isinstance(text, str):
        raise ValueError("it needs 'text' (a string)")
    if kind == "geoparse":
        if not isinstance(row.get("toponyms"), list):
            raise ValueError("it needs 'text' (a string) and 'toponyms' (a list)")
        for number, toponym in enumerate(row["toponyms"], 1):
            _check_toponym(toponym, len(text), number)
    elif kind == "eventloc":
        spans = row.get("locations")
        if not isinstance(spans, list) or not all(_is_span(s, len(text)) for s in spans):
            raise ValueError("'locations' must be a list of [start, end] offsets into the text")
    elif not (_is_span([row.get("start"), row.get("end")], len(text)) and row.get("reading")):
        raise ValueError("it needs 'start' and 'end' offsets into the text and a 'reading'")


def _is_span(span: Any, length: int) -> bool:
    """Whether ``span`` is ``[start, end]``: integers with ``0 <= start < end <= length``."""
    return (
        isinstance(span, list | tuple)
        and len(span) == 2
        and all(type(v) is int for v in span)
        and 0 <= span[0] < span[1] <= length
    )


def _check_toponym(toponym: Any, length: int, number: int) -> None:
    """Raise `ValueError` unless ``toponym`` is a gold toponym of a text of ``length``."""
    if not isinstance(toponym, dict):
        raise ValueError(f"toponym {number} is not a JSON object")
    start, end = toponym.get("start"), toponym.get("end")
    if type(start) is not int or type(end) is not int:  # bool is no offset
        raise ValueError(f"toponym {number} needs integer 'start' and 'end' offsets")
    if not 0 <= start < end <= length:
        raise ValueError(
            f"toponym {number} spans {start}-{end}, outside its text of {length} characters"
        )
    for key, bound in (("lat", 90.0), ("lon", 180.0)):
        value = toponym.get(key)
        if value is None:
            continue
        if type(value) not in (int, float):  # bool is no coordinate
            raise ValueError(f"toponym {number} has a {key} that is not a number: {value!r}")
        if not -bound <= value <= bound:
            raise ValueError(
                f"toponym {number} has {key} {value}, outside [-{bound:g}, {bound:g}]"
            )


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _match(gold: Sequence[dict[str, Any]], pred: Sequence[Any]) -> list[tuple[int, int]]:
    """Pair overlapping spans greedily in text order, each used once."""
    pairs, used = [], set()
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi not in used and p.start < g["end"] and g["start"] < p.end:
                pairs.append((gi, pi))
                used.add(pi)
                break
    return pairs


def evaluate_documents(
    docs: Sequence[dict[str, Any]],
    parse: Callable[[str], Sequence[Any]],
    *,
    corpus: str = "",
    holds: Callable[[dict[str, Any], Any], bool] | None = None,
) -> EvalReport:
    """Score ``parse`` (text -> objects with ``start``, ``end``, ``lat``, ``lon``) on ``docs``.

    The first document is parsed once before timing (warm-up). ``holds(gold, predicted)``
    says whether a predicted area holds the gold place (see the module docstring); without
    it the area-aware accuracy is NaN.
    """
    if docs:
        parse(docs[0]["text"])
    started = time.perf_counter()
    outputs = [parse(d["text"]) for d in docs]
    elapsed = time.perf_counter() - started
    n_gold = n_pred = n_exact = 0
    errors: list[float] = []
    area_right = 0
    for doc, pred in zip(docs, outputs, strict=True):
        gold = [
            g for g in doc["toponyms"] if g.get("lat") is not None and g.get("lon") is not None
        ]
        n_gold += len(gold)
        n_pred += len(pred)
        for gi, pi in _match(gold, pred):
            g, p = gold[gi], pred[pi]
            n_exact += (g["start"], g["end"]) == (p.start, p.end)
            if p.lat is None or p.lon is None:
                errors.append(MAX_ERROR_KM)
            else:
                errors.append(_great_circle_km(g["lat"], g["lon"], p.lat, p.lon))
            if holds is not None and p.lat is not None:
                area_right += errors[-1] < ACCURACY_KM or holds(g, p)
    err = np.array(errors)
    matched = len(err)
    precision = matched / n_pred if n_pred else 0.0
    recall = matched / n_gold if n_gold else 0.0
    within = int((err < ACCURACY_KM).sum())
    return EvalReport(
        corpus=corpus,
        documents=len(docs),
        gold=n_gold,
        predicted=n_pred,
        matched=matched,
        exact=n_exact,
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        accuracy_161=within / matched if matched else 0.0,
        median_km=float(np.median(err)) if matched else math.nan,
        mean_km=float(err.mean()) if matched else math.nan,
        auc=float(np.mean(np.log1p(err) / math.log(MAX_ERROR_KM))) if matched else math.nan,
        end_to_end=within / n_gold if n_gold else 0.0,
        docs_per_s=len(docs) / elapsed if elapsed > 0 else math.inf,
        area_accuracy=area_right / matched if matched and holds is not None else math.nan,
    )


def evaluate_corpus(
    path: str | os.PathLike[str],
    *,
    limit: int | None = None,
    extractor: str = "gazetteer",
    cache_dir: str | os.PathLike[str] | None = None,
) -> EvalReport:
    """Evaluate :func:`geomap.geoparse` on a JSONL corpus file.

    Parameters
    ----------
    path : path-like
        The corpus (JSONL, see the module docstring).
    limit : int, optional
        Only the first ``limit`` documents.
    extractor : str
        The recogniser :func:`geomap.geoparse` uses.
    cache_dir : path-like, optional
        The cache directory holding the gazetteer; default :func:`geomap.io.cache_dir`.
    """
    from .gazetteer import open_gazetteer
    from .resolve import geoparse
    from .text import get_extractor

    docs = read_corpus(path, limit=limit)
    gaz = open_gazetteer(cache_dir=cache_dir)
    recogniser = get_extractor(extractor)
    return evaluate_documents(
        docs,
        lambda t: geoparse(t, gazetteer=gaz, extractor=recogniser),
        corpus=str(path),
        holds=area_holds(gaz),
    )


def area_holds(gazetteer: Any, borders: Any = None) -> Callable[[dict[str, Any], Any], bool]:
    """Return ``holds(gold, predicted)``: whether a predicted place is, or holds, the gold one.

    - the same GeoNames id;
    - a predicted country whose code the gold place carries in ``gazetteer``, or (a gold
      place the gazetteer lacks, or one of no country, such as a continent) whose polygon
      in ``borders`` (default Natural Earth) holds the gold point;
    - a predicted first-level region whose country and admin1 code the gold place carries in
      ``gazetteer``, or (a gold place the gazetteer lacks) the nearest town to the gold point,
      within :data:`NEAREST_TOWN_KM` (GeoNames' hierarchy, not a polygon);
    - a predicted region of several countries or continent one of whose member countries'
      polygons holds the gold point (:func:`geomap.gazetteer_sources.area_members`).
    """
    from .borders import load_borders
    from .gazetteer_sources import area_members

    state: dict[str, Any] = {"borders": borders}

    def country_of(gold: dict[str, Any]) -> Any:
        if state["borders"] is None:
            state["borders"] = load_borders()
        return state["borders"].country_at([gold["lon"]], [gold["lat"]])[0]

    def holds(gold: dict[str, Any], pred: Any) -> bool:
        gid = gold.get("geonameid")
        if gid is not None and pred.geonameid == gid:
            return True
        if pred.feature in ("macroregion", "continent"):
            if "members" not in state:
                state["members"] = area_members()
            return country_of(gold) in state["members"].get(pred.place, ())
        if pred.feature not in ("country", "region"):
            return False
        place = gazetteer.get(gid) if gid is not None else None
        if pred.feature == "country":
            if place is not None and place.country_code:
                return bool(place.country_code == pred.country_code)
            # a gold place the gazetteer lacks, or one of no one country (a continent's
            # point): where its point lies
            return bool(country_of(gold) == pred.country_code)
        region = gazetteer.get(pred.geonameid) if pred.geonameid else None
        if region is None:
            return False
        if place is None:
            place = _nearest_town(gazetteer, state, gold["lat"], gold["lon"])
        return place is not None and (place.country_code, place.admin1) == (
            region.country_code,
            region.admin1,
        )

    return holds


#: A gold place the gazetteer lacks lies in the region of the nearest town this close.
NEAREST_TOWN_KM = 50.0


def _nearest_town(gazetteer: Any, state: dict[str, Any], lat: float, lon: float) -> Any:
    """Return the gazetteer town nearest to (lat, lon) within :data:`NEAREST_TOWN_KM`."""
    if "towns" not in state:
        from scipy.spatial import cKDTree

        rows = gazetteer.towns()
        lat_r = np.radians([r.lat for r in rows])
        lon_r = np.radians([r.lon for r in rows])
        xyz = np.column_stack(
            (np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r))
        )
        state["towns"] = (rows, cKDTree(xyz))
    rows, tree = state["towns"]
    la, lo = math.radians(lat), math.radians(lon)
    chord, i = tree.query([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    if 2 * 6371.0088 * math.asin(min(1.0, chord / 2)) > NEAREST_TOWN_KM:
        return None
    return rows[int(i)]


def format_report(reports: EvalReport | Iterable[EvalReport], names: Sequence[str] = ()) -> str:
    """Format one or more reports as a Markdown table."""
    rows = [reports] if isinstance(reports, EvalReport) else list(reports)
    head = (
        "| system | docs | gold | pred | P | R | F1 | exact spans | acc@161km | area-aware "
        "| median km | AUC | end-to-end | docs/s |\n|---" + "|---:" * 13 + "|"
    )
    lines = [head]
    for i, r in enumerate(rows):
        name = names[i] if i < len(names) else "geomap"
        lines.append(
            f"| {name} | {r.documents} | {r.gold} | {r.predicted} | {r.precision:.3f} "
            f"| {r.recall:.3f} | {r.f1:.3f} | {r.exact} | {r.accuracy_161:.3f} "
            f"| {r.area_accuracy:.3f} | {r.median_km:.1f} | {r.auc:.3f} | {r.end_to_end:.3f} "
            f"| {r.docs_per_s:.0f} |"
        )
    return "\n".join(lines)
