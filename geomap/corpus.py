"""The corpus job: geoparse many documents into one incidents table, on any engine.

:func:`read_documents` reads a corpus (a folder of ``.txt`` files or a JSONL file) one
document at a time, reporting unusable ones instead of stopping; :func:`batch_geoparse`
sends the documents in tasks of a few dozen through one of the engines of
:mod:`geomap.engines` (each worker geoparses with the gazetteer and border index it opened
once) and writes, in corpus order, partitioned GeoParquet, GeoJSON, GeoPackage and one map.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from .borders import load_borders
from .engines import Job, WorkerConfig, run_ordered, start_engine, worker_borders, worker_gazetteer
from .errors import ConfigurationError, InputError, OutputError
from .gazetteer import open_gazetteer
from .incidents import COLUMNS, incidents_from_texts
from .io import JsonLine, atomic_dir, atomic_write, progress_disabled, read_jsonl, read_text

__all__ = [
    "BATCH_OUTPUTS",
    "BatchSummary",
    "Document",
    "batch_geoparse",
    "read_documents",
]


@dataclass(frozen=True)
class Document:
    """One document of a corpus: its id, its text (or why it is unusable) and extra fields.

    Attributes
    ----------
    id : str
        The JSONL ``id`` (else ``<file>:<line>``) or the file path relative to the folder.
    text : str or None
        The text; None when the document cannot be used.
    error : str or None
        Why it cannot be used (empty, not UTF-8, bad JSON, ...).
    fields : dict
        Other scalar JSONL fields (date, url, ...), carried into the outputs.
    """

    id: str
    text: str | None
    error: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def read_documents(path: str | os.PathLike[str]) -> Iterator[Document]:
    """Yield the documents of a folder of ``.txt`` files or of a JSONL file, in order.

    Parameters
    ----------
    path : path-like
        A folder (its ``*.txt`` files, recursively, sorted by path) or a ``.jsonl`` /
        ``.ndjson`` file of objects with ``text`` (required), ``id`` and other fields.

    Yields
    ------
    Document
        Unusable documents (empty, not UTF-8, invalid JSON, no text, a repeated id) come
        with ``text=None`` and the reason in ``error``; they are never dropped silently.

    Raises
    ------
    InputError
        If the path is missing, neither a folder nor a JSONL file, or has no documents.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"corpus '{root}' does not exist: check the path")
    seen: set[str] = set()
    count = 0
    if root.is_dir():
        for file in sorted(root.rglob("*.txt")):
            doc_id = file.relative_to(root).as_posix()
            count += 1
            try:
                yield Document(doc_id, read_text(file))
            except InputError as err:
                yield Document(doc_id, None, str(err))
        if count == 0:
            raise InputError(f"corpus folder '{root}' has no .txt files: put one article in each")
        return
    if root.suffix.lower() not in (".jsonl", ".ndjson"):
        raise InputError(
            f"corpus '{root}' is neither a folder of .txt files nor a .jsonl file: "
            "pass one of those"
        )
    for line in read_jsonl(root, what="corpus"):
        count += 1
        doc = _jsonl_document(line)
        if doc.text is not None and doc.id in seen:
            doc = Document(doc.id, None, f"id {doc.id!r} repeats an earlier document")
        seen.add(doc.id)
        yield doc
    if count == 0:
        raise InputError(f"corpus '{root}' is empty: give it one JSON object per line")


def _jsonl_document(line: JsonLine) -> Document:
    """Return the document of one JSONL line, or why it cannot be used."""
    where = line.where
    if line.error is not None:
        return Document(where, None, line.error)
    record = line.value
    if not isinstance(record, dict):
        return Document(where, None, f"{where}: not a JSON object")
    doc_id = str(record.get("id", where))
    text = record.get("text")
    if not isinstance(text, str):
        return Document(doc_id, None, f"{where}: no 'text' string")
    if not text.strip():
        return Document(doc_id, None, f"{where}: empty text")
    fields = {
        k: v
        for k, v in record.items()
        if k not in ("id", "text") and (v is None or isinstance(v, str | int | float | bool))
    }
    return Document(doc_id, text, None, fields)


@dataclass(frozen=True)
class BatchSummary:
    """What :func:`batch_geoparse` did.

    Attributes
    ----------
    documents : int
        Documents in the corpus.
    skipped : list of (str, str)
        ``(id, reason)`` of each document that was skipped.
    rows : int
        Incident rows written (one per distinct place per document).
    outputs : list of Path
        The files and folder written.
    seconds : float
        Wall time.
    engine : str
        The engine used.
    workers : int
        How many workers it had.
    """

    documents: int
    skipped: list[tuple[str, str]]
    rows: int
    outputs: list[Path]
    seconds: float
    engine: str
    workers: int

    @property
    def docs_per_second(self) -> float:
        """Documents per second of wall time."""
        return self.documents / self.seconds if self.seconds > 0 else math.inf


#: Outputs of :func:`batch_geoparse` inside its folder.
BATCH_OUTPUTS: Final = {
    "parquet": "incidents",
    "geojson": "incidents.geojson",
    "gpkg": "incidents.gpkg",
    "html": "map.html",
}


def _with_fields(frame: gpd.GeoDataFrame, fields: dict[str, dict[str, Any]]) -> gpd.GeoDataFrame:
    """Add each document's extra fields as string columns (``doc_<name>`` on a clash)."""
    names = list(dict.fromkeys(k for f in fields.values() for k in f))
    out = frame.copy()
    geometry = out.pop("geometry")
    for name in names:
        column = f"doc_{name}" if name in COLUMNS or name == "geometry" else name
        values = [fields.get(s, {}).get(name) for s in out["source"]]
        out[column] = pd.array([None if v is None else str(v) for v in values], dtype="string")
    out["geometry"] = geometry
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def _parquet_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give text columns a string dtype so every part has the same Parquet schema."""
    out = frame.copy()
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def _geoparse_task(
    docs: list[tuple[str, str]], dates: dict[str, Any] | None = None
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """One task, in a worker: (id, text) pairs (and their ``date`` fields) in, incidents out."""
    gazetteer = worker_gazetteer()
    borders = worker_borders()
    try:
        return incidents_from_texts(docs, gazetteer=gazetteer, borders=borders, dates=dates), []
    except Exception:  # noqa: BLE001 - find which document failed, keep the others
        frames, failed = [], []
        for doc_id, text in docs:
            try:
                frames.append(
                    incidents_from_texts(
                        [(doc_id, text)], gazetteer=gazetteer, borders=borders, dates=dates
                    )
                )
            except Exception as err:  # noqa: BLE001 - reported per document, not raised
                failed.append((doc_id, f"{type(err).__name__}: {err}"))
        good = [f for f in frames if len(f)]
        if not good:
            return incidents_from_texts([], gazetteer=gazetteer, borders=borders), failed
        frame = pd.concat(good, ignore_index=True)
        return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), failed


def _dates(batch: list[Document]) -> dict[str, Any]:
    """Return the ``date`` field of each document that has one (the events stage reads it)."""
    return {d.id: d.fields["date"] for d in batch if d.fields.get("date") is not None}


def batch_geoparse(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    docs_per_task: int = 50,
    borders_path: str | os.PathLike[str] | None = None,
    gazetteer_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: bool | None = None,
) -> BatchSummary:
    """Geoparse a corpus into one incidents table, written as GeoParquet, GeoJSON, GPKG, map.

    Parameters
    ----------
    path : path-like
        A folder of ``.txt`` files or a JSONL file (see :func:`read_documents`).
    out_dir : path-like
        Created if missing. Receives ``incidents/part-NNNNN.parquet`` (GeoParquet, one
        part per task), ``incidents.geojson``, ``incidents.gpkg`` and ``map.html``
        (clustered when large), plus ``skipped.jsonl`` when documents were skipped.
    engine : {"local", "dask"}
        ``local``: ``workers`` processes of this machine (1: in this process); ``dask``:
        the cluster at ``scheduler``, else a LocalCluster of ``workers`` processes.
    scheduler : str, optional
        Address of an existing dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Processes (local engine, default all cores) or LocalCluster workers.
    docs_per_task : int
        Documents per task and per GeoParquet part.
    borders_path, gazetteer_path : path-like, optional
        The data sets (defaults: Natural Earth, the cached gazetteer); must be readable by
        the workers.
    cache_dir : path-like, optional
        Where the gazetteer is built (when ``gazetteer_path`` is not given) and derived
        borders are cached. Default :func:`geomap.io.cache_dir` (``$GEOMAP_CACHE_DIR``,
        else the user cache), looked up by each worker for itself; when given, every
        worker uses this one (on a remote dask cluster it must be a path the workers can
        reach).
    force : bool
        Replace existing outputs.
    progress : bool, optional
        Progress bar; ``None``: only on a terminal.

    Returns
    -------
    BatchSummary
        With ``skipped`` listing each unusable or failed document and why; the others are
        in the outputs. The incidents have the columns of `geomap.incidents` (``source``
        is the document id) plus the documents' extra fields.

    Raises
    ------
    InputError
        If the corpus cannot be read at all.
    OutputError
        If an output exists (without ``force``) or cannot be written.
    ConfigurationError
        For an unknown engine, fewer than one document per task or worker, or an
        unreachable scheduler.
    """
    from .export import write_geojson, write_gpkg
    from .render import incident_map, save_map

    started = time.perf_counter()
    if docs_per_task < 1:
        raise ConfigurationError(f"docs per task must be at least 1, not {docs_per_task}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output '{out}' is not a directory: pass a directory to --out")
    targets = {k: out / v for k, v in BATCH_OUTPUTS.items()}
    if not force:
        existing = [t for t in [*targets.values(), out / "skipped.jsonl"] if t.exists()]
        if existing:
            raise OutputError(f"{existing[0]} exists: pass --force to overwrite")
    documents = read_documents(path)
    first = next(documents)  # raises InputError for an unusable corpus before any output
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output directory '{out}': {err.strerror}") from err
    borders = load_borders(borders_path, cache_dir=cache_dir)
    # Built once, here, before any worker starts: the workers only open it.
    gazetteer = open_gazetteer(gazetteer_path, cache_dir=cache_dir, progress=progress)
    config = WorkerConfig.of(borders_path, gazetteer_path, cache_dir=cache_dir, gazetteer=True)
    skipped: list[tuple[str, str]] = []
    count = 0
    frames: list[gpd.GeoDataFrame] = []
    runner = start_engine(engine, config, workers=workers, scheduler=scheduler)

    def jobs() -> Iterator[Job]:
        nonlocal count
        batch: list[Document] = []
        for doc in itertools.chain([first], documents):
            count += 1
            if doc.text is None:
                skipped.append((doc.id, doc.error or "unusable"))
                continue
            batch.append(doc)
            if len(batch) == docs_per_task:
                yield batch, _geoparse_task, ([(d.id, d.text) for d in batch], _dates(batch))
                batch = []
        if batch:
            yield batch, _geoparse_task, ([(d.id, d.text) for d in batch], _dates(batch))

    try:
        # The parts go to a hidden folder, moved onto incidents/ only when all are written.
        with atomic_dir(targets["parquet"], force=force) as parts_dir:
            bar = tqdm(desc="geoparsing", unit="doc", disable=progress_disabled(progress))
            for part, (batch, (frame, failed)) in enumerate(run_ordered(runner, jobs())):
                skipped.extend(failed)
                frame = _with_fields(frame, {d.id: d.fields for d in batch})
                path_of_part = parts_dir / f"part-{part:05d}.parquet"
                _parquet_ready(frame).to_parquet(path_of_part, index=False)
                frames.append(frame)
                bar.update(len(batch))
            bar.close()
    finally:
        runner.close()
    if frames:
        merged = gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
        )
    else:
        merged = incidents_from_texts([], gazetteer=gazetteer, borders=borders)
    written = [targets["parquet"]]
    meta = {
        "generator": f"geomap {metadata.version('geomap')}",
        "borders": borders.source,
        "gazetteer": gazetteer.meta.get("source", ""),
        "distance": "geodesic (WGS84 ellipsoid) to the nearest international land border",
    }
    written.append(write_geojson(merged, targets["geojson"], force=force, metadata=meta))
    written.append(write_gpkg(merged, targets["gpkg"], force=force, borders=borders.lines))
    page = incident_map(
        merged,
        border_lines=borders.lines,
        countries=borders.countries,
        title=Path(path).name,
        disputed_lines=borders.disputed_lines,
        pov=borders.pov,
        pov_text=borders.description["pov_description"],
    )
    written.append(save_map(page, targets["html"], force=force))
    skipped_file = out / "skipped.jsonl"
    if skipped:
        with atomic_write(skipped_file, force=force) as tmp:
            tmp.write_text(
                "".join(
                    json.dumps({"id": i, "error": e}, ensure_ascii=False) + "\n"
                    for i, e in skipped
                ),
                encoding="utf-8",
            )
        written.append(skipped_file)
    elif force and skipped_file.exists():
        skipped_file.unlink()  # from an earlier run: it would describe other documents
    return BatchSummary(
        documents=count,
        skipped=skipped,
        rows=len(merged),
        outputs=written,
        seconds=time.perf_counter() - started,
        engine=runner.name,
        workers=runner.workers,
    )
