"""The corpus job: geoparse many documents into one incidents table, on any engine.

:func:`read_documents` reads a corpus (a folder of ``.txt`` files or a JSONL file) one
document at a time, reporting unusable ones instead of stopping, and listing what in a
folder is not read and why; :func:`batch_geoparse` sends the documents in tasks of a few
dozen through one of the engines of :mod:`geomap.engines` (each worker geoparses with the
gazetteer and border index it opened once) and writes, in corpus order, the outputs chosen
(partitioned GeoParquet, GeoJSON, GeoPackage, CSV, one map). It takes the same
`geomap.options.RunOptions` as `geomap.job.map_files`, so a text gives the same rows either
way; :func:`texts_geojson` is that job for texts in memory (standard input).
"""

from __future__ import annotations

import codecs
import itertools
import json
import math
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from .borders import load_borders
from .engines import (
    Job,
    WorkerConfig,
    claim,
    run_ordered,
    start_engine,
    sweep_leftovers,
    worker_borders,
    worker_gazetteer,
)
from .errors import ConfigurationError, InputError, OutputError
from .events import get_backend
from .export import run_provenance
from .gazetteer import open_gazetteer
from .incidents import COLUMNS, incidents_from_texts
from .io import JsonLine, atomic_dir, atomic_write, progress_disabled, read_jsonl, read_text
from .options import BATCH_FORMATS, RunOptions

__all__ = [
    "BATCH_DEFAULT_FORMATS",
    "BATCH_OUTPUTS",
    "TEXT_SUFFIXES",
    "BatchSummary",
    "Document",
    "batch_geoparse",
    "read_documents",
    "texts_geojson",
]

#: File suffixes read as articles in a corpus folder (any case: ``.TXT`` too).
TEXT_SUFFIXES: Final = (".txt", ".text")
#: What `batch_geoparse` writes when no format is chosen.
BATCH_DEFAULT_FORMATS: Final = ("parquet", "geojson", "gpkg", "html")


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
    document : bool
        False for what a folder holds that is not an article (a ``.md`` or ``.pdf``
        file, a link to a folder): it is listed with the reason, not counted as skipped.
    """

    id: str
    text: str | None
    error: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    document: bool = True


def _folder_entries(root: Path) -> list[tuple[str, Path, str | None, bool]]:
    """Every entry of a corpus folder, sorted: (id, path, why it is not read, is it a loss).

    The reason is None for the texts. An unreadable folder may hide articles (a loss: the
    run counts it as skipped); a file that is not a ``.txt`` is only listed. Hidden files
    and folders (``.git``, ``.DS_Store``) are neither read nor listed.
    """
    found: list[tuple[str, Path, str | None, bool]] = []

    def unreadable(err: OSError) -> None:
        where = Path(err.filename or root)
        if where != root:
            reason = (
                f"folder '{where}' cannot be read ({err.strerror}): its files were not "
                "geoparsed; check its permissions"
            )
            found.append((where.relative_to(root).as_posix() + "/", where, reason, True))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in list(dirs):
            if (here / name).is_symlink():
                dirs.remove(name)
                reason = "a link to a folder: not followed; pass that folder itself"
                found.append(
                    ((here / name).relative_to(root).as_posix() + "/", here / name, reason, False)
                )
        for name in files:
            if name.startswith("."):
                continue
            path = here / name
            doc_id = path.relative_to(root).as_posix()
            if path.suffix.lower() in TEXT_SUFFIXES:
                found.append((doc_id, path, None, False))
            else:
                reason = f"not a .txt file, not read (save an article as {path.stem}.txt)"
                found.append((doc_id, path, reason, False))
    return sorted(found, key=lambda entry: entry[0])


def read_documents(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    max_bytes: int | None = 50_000_000,
) -> Iterator[Document]:
    """Yield the documents of a folder of ``.txt`` files or of a JSONL file, in order.

    Parameters
    ----------
    path : path-like
        A folder (its ``*.txt`` files, any case, recursively, sorted by path) or a
        ``.jsonl`` / ``.ndjson`` file of objects with ``text`` (required), ``id`` and other
        fields.
    encoding : str
        Encoding of the ``.txt`` files (JSON lines are UTF-8 by definition).
    max_bytes : int or None
        Larger documents are skipped (None: no limit).

    Yields
    ------
    Document
        Unusable documents (empty, not in the encoding, too large, invalid JSON, no text, a
        repeated id) come with ``text=None`` and the reason in ``error``. In a folder, each
        file that is not a ``.txt`` and each folder that cannot be read comes too (with
        ``document=False`` for the files); hidden files and folders are not read. Nothing
        is dropped silently.

    Raises
    ------
    InputError
        If the path is missing, neither a folder nor a JSONL file, or has no documents.
    ConfigurationError
        For an encoding other than UTF-8 with a JSONL file.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"corpus '{root}' does not exist: check the path")
    seen: set[str] = set()
    count = 0
    if root.is_dir():
        entries = _folder_entries(root)
        for doc_id, file, reason, loss in entries:
            if reason is not None:
                yield Document(doc_id, None, reason, document=loss)
                continue
            count += 1
            try:
                yield Document(doc_id, read_text(file, encoding=encoding, max_bytes=max_bytes))
            except InputError as err:
                yield Document(doc_id, None, str(err))
        if count == 0:
            others = [e[0] for e in entries]
            hint = f" ({len(others)} other entries, e.g. '{others[0]}')" if others else ""
            raise InputError(
                f"corpus folder '{root}' has no .txt files{hint}: put one article in each"
            )
        return
    if root.suffix.lower() not in (".jsonl", ".ndjson"):
        raise InputError(
            f"corpus '{root}' is neither a folder of .txt files nor a .jsonl file: "
            "pass one of those"
        )
    if codecs.lookup(encoding).name != "utf-8":
        raise ConfigurationError(
            f"JSON lines are UTF-8 by definition, so --encoding {encoding} does not apply to "
            f"'{root}': convert the file to UTF-8, or pass a folder of .txt files"
        )
    for line in read_jsonl(root, what="corpus"):
        count += 1
        doc = _jsonl_document(line)
        if doc.text is not None and max_bytes is not None and len(doc.text) > max_bytes // 4:
            size = len(doc.text.encode("utf-8"))
            if size > max_bytes:
                doc = Document(
                    doc.id, None, f"{line.where}: text of {size:,} bytes, over --max-bytes"
                )
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
        ``(id, reason)`` of each document that was skipped (and each folder that could not
        be read).
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
    ignored : list of (str, str)
        ``(path, reason)`` of what a corpus folder holds that is not an article.
    """

    documents: int
    skipped: list[tuple[str, str]]
    rows: int
    outputs: list[Path]
    seconds: float
    engine: str
    workers: int
    ignored: list[tuple[str, str]] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        """Documents per second of wall time."""
        return self.documents / self.seconds if self.seconds > 0 else math.inf


#: Outputs of :func:`batch_geoparse` inside its folder, by format.
BATCH_OUTPUTS: Final = BATCH_FORMATS


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
    docs: list[tuple[str, str]],
    measure: str = "land",
    extractor: str = "gazetteer",
    dates: dict[str, Any] | None = None,
    events_backend: str = "rules",
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """One task, in a worker: (id, text) pairs (and their dates) in, incidents and failures out."""
    gazetteer = worker_gazetteer()
    borders = worker_borders()

    def run(texts: list[tuple[str, str]]) -> gpd.GeoDataFrame:
        return incidents_from_texts(
            texts,
            gazetteer=gazetteer,
            borders=borders,
            measure=measure,
            extractor=extractor,
            dates=dates,
            events_backend=events_backend,
        )

    try:
        return run(docs), []
    except Exception:  # noqa: BLE001 - find which document failed, keep the others
        frames, failed = [], []
        for doc_id, text in docs:
            try:
                frames.append(run([(doc_id, text)]))
            except Exception as err:  # noqa: BLE001 - reported per document, not raised
                failed.append((doc_id, f"{type(err).__name__}: {err}"))
        good = [f for f in frames if len(f)]
        if not good:
            return run([]), failed
        frame = pd.concat(good, ignore_index=True)
        return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), failed


def _dates(batch: list[Document], default: str | None) -> dict[str, Any]:
    """Return each document's ``date`` field, else ``default`` (the events stage reads it)."""
    found = {d.id: d.fields.get("date") or default for d in batch}
    return {doc_id: day for doc_id, day in found.items() if day is not None}


def _metadata(options: RunOptions, borders: Any, gazetteer: Any) -> dict[str, Any]:
    """Return the provenance of the GeoJSON outputs, as `geomap.job.map_files` writes it."""
    return run_provenance(
        borders, gazetteer=gazetteer.meta.get("source", ""), measure=options.measure
    )


def texts_geojson(
    texts: Iterable[tuple[str, str]],
    *,
    options: RunOptions | None = None,
    gazetteer_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Geoparse texts in memory into one RFC 7946 FeatureCollection (as `map` and `batch`).

    Parameters
    ----------
    texts : iterable of (source, text)
        The documents; ``source`` fills the ``source`` column.
    options : RunOptions, optional
        Measure, extractor, border data (its formats are not used).
    gazetteer_path, cache_dir : path-like, optional
        As for :func:`batch_geoparse`.

    Returns
    -------
    dict
        The FeatureCollection, with the provenance in its member ``"geomap"``.
    """
    from .export import geojson_dict

    options = options or RunOptions()
    borders = load_borders(
        options.borders_path, code_field=options.code_field, pov=options.pov, cache_dir=cache_dir
    )
    gazetteer = open_gazetteer(gazetteer_path, cache_dir=cache_dir, progress=False)
    texts = list(texts)
    incidents = incidents_from_texts(
        texts,
        gazetteer=gazetteer,
        borders=borders,
        measure=options.measure,
        extractor=options.extractor,
        dates={source: options.date for source, _ in texts} if options.date else None,
    )
    return geojson_dict(incidents, metadata=_metadata(options, borders, gazetteer))


def batch_geoparse(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    options: RunOptions | None = None,
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
        Created if missing. Receives, by format (`geomap.options.BATCH_FORMATS`),
        ``incidents/part-NNNNN.parquet`` (GeoParquet, one part per task),
        ``incidents.geojson``, ``incidents.gpkg``, ``incidents.csv`` and ``map.html``
        (clustered markers), plus ``skipped.jsonl`` when documents were skipped.
    options : RunOptions, optional
        The choices shared with `geomap.job.map_files`: formats (default
        :data:`BATCH_DEFAULT_FORMATS`), measure, offline map, extractor, encoding and
        size limit of the ``.txt`` files, border data and its code field.
    engine : {"local", "dask"}
        ``local``: ``workers`` processes of this machine (1: in this process); ``dask``:
        the cluster at ``scheduler``, else a LocalCluster of ``workers`` processes.
    scheduler : str, optional
        Address of an existing dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Processes (local engine, default all cores) or LocalCluster workers.
    docs_per_task : int
        Documents per task and per GeoParquet part.
    borders_path : path-like, optional
        Admin-0 polygons; overrides ``options.borders_path``.
    gazetteer_path : path-like, optional
        The gazetteer (default: the cached one); must be readable by the workers.
    cache_dir : path-like, optional
        Where the gazetteer is built (when ``gazetteer_path`` is not given) and derived
        borders are cached. Default :func:`geomap.io.cache_dir`, looked up by each worker
        for itself; when given, every worker uses this one.
    force : bool
        Replace existing outputs.
    progress : bool, optional
        Progress bar; ``None``: only on a terminal.

    Returns
    -------
    BatchSummary
        With ``skipped`` listing each unusable or failed document and why, and ``ignored``
        what a folder holds that is not an article; the others are in the outputs. The
        incidents have the columns of `geomap.incidents` (``source`` is the document id)
        plus the documents' extra fields.

    Raises
    ------
    InputError
        If the corpus cannot be read at all.
    OutputError
        If an output exists (without ``force``) or cannot be written.
    ConfigurationError
        For an unknown engine or format, fewer than one document per task or worker, or
        an unreachable scheduler.
    """
    from .export import write_csv, write_geojson, write_gpkg
    from .render import incident_map, save_map

    started = time.perf_counter()
    options = options or RunOptions()
    if borders_path is not None:
        options = replace(options, borders_path=os.fspath(borders_path))
    options = options.with_formats(options.formats or BATCH_DEFAULT_FORMATS, BATCH_FORMATS)
    if docs_per_task < 1:
        raise ConfigurationError(f"docs per task must be at least 1, not {docs_per_task}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output '{out}' is not a directory: pass a directory to --out")
    targets = {k: out / BATCH_FORMATS[k] for k in options.formats}
    if not force:
        existing = [t for t in [*targets.values(), out / "skipped.jsonl"] if t.exists()]
        if existing:
            raise OutputError(f"{existing[0]} exists: pass --force to overwrite")
    get_backend(options.events_backend)  # a missing model is said before anything is written
    documents = read_documents(path, encoding=options.encoding, max_bytes=options.max_bytes)
    first = next(documents)  # raises InputError for an unusable corpus before any output
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output directory '{out}': {err.strerror}") from err
    for target in targets.values():
        sweep_leftovers(target)
    borders = load_borders(
        options.borders_path, code_field=options.code_field, pov=options.pov, cache_dir=cache_dir
    )
    # Built once, here, before any worker starts: the workers only open it.
    gazetteer = open_gazetteer(gazetteer_path, cache_dir=cache_dir, progress=progress)
    config = WorkerConfig.of(
        options.borders_path,
        gazetteer_path,
        cache_dir=cache_dir,
        gazetteer=True,
        code_field=options.code_field,
        pov=options.pov,
    )
    skipped: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    count = 0
    frames: list[gpd.GeoDataFrame] = []
    runner = start_engine(engine, config, workers=workers, scheduler=scheduler)
    task_options = (options.measure, options.extractor)

    def jobs() -> Iterator[Job]:
        nonlocal count
        batch: list[Document] = []
        for doc in itertools.chain([first], documents):
            if not doc.document:
                ignored.append((doc.id, doc.error or "not read"))
                continue
            count += not doc.id.endswith("/")  # an unreadable folder: skipped, no document
            if doc.text is None:
                skipped.append((doc.id, doc.error or "unusable"))
                continue
            batch.append(doc)
            if len(batch) == docs_per_task:
                texts = [(d.id, d.text) for d in batch]
                dates = _dates(batch, options.date)
                yield batch, _geoparse_task, (texts, *task_options, dates, options.events_backend)
                batch = []
        if batch:
            texts = [(d.id, d.text) for d in batch]
            dates = _dates(batch, options.date)
            yield batch, _geoparse_task, (texts, *task_options, dates, options.events_backend)

    def run(parts_dir: Path | None) -> None:
        bar = tqdm(desc="geoparsing", unit="doc", disable=progress_disabled(progress))
        for part, (batch, (frame, failed)) in enumerate(run_ordered(runner, jobs())):
            skipped.extend(failed)
            frame = _with_fields(frame, {d.id: d.fields for d in batch})
            if parts_dir is not None:
                _parquet_ready(frame).to_parquet(
                    parts_dir / f"part-{part:05d}.parquet", index=False
                )
            frames.append(frame)
            bar.update(len(batch))
        bar.close()

    try:
        if "parquet" in targets:
            # The parts go to a hidden folder, moved onto incidents/ only when all are written.
            with atomic_dir(targets["parquet"], force=force) as parts_dir, claim(parts_dir):
                run(parts_dir)
        else:
            run(None)
    finally:
        runner.close()
    if frames:
        merged = gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
        )
    else:
        merged = incidents_from_texts([], gazetteer=gazetteer, borders=borders)
    written = [targets["parquet"]] if "parquet" in targets else []
    for fmt, target in targets.items():
        if fmt == "geojson":
            meta = _metadata(options, borders, gazetteer)
            written.append(write_geojson(merged, target, force=force, metadata=meta))
        elif fmt == "gpkg":
            written.append(write_gpkg(merged, target, force=force, borders=borders.lines))
        elif fmt == "csv":
            written.append(write_csv(merged, target, force=force))
        elif fmt == "html":
            page = incident_map(
                merged,
                border_lines=borders.lines,
                countries=borders.countries,
                offline=options.offline,
                title=Path(path).name,
                disputed_lines=borders.disputed_lines,
                pov=borders.pov,
                pov_text=borders.description.get("pov_description"),
            )
            written.append(save_map(page, target, force=force))
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
        ignored=ignored,
    )
