"""The main job: article files -> incidents -> ``DIR/<stem>.html`` and ``DIR/<stem>.geojson``.

Every input is read and checked before anything is written. A single bad input (missing,
empty, a directory, binary, not in the encoding, too large) stops the job with no output at
all; among several inputs, the bad ones are skipped and reported (`MapResult.skipped`) and
the others are mapped. Each output file is written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from tqdm.auto import tqdm

from .borders import load_borders
from .errors import ConfigurationError, InputError, OutputError
from .export import write_csv, write_geojson, write_gpkg
from .gazetteer import open_gazetteer
from .incidents import incidents_from_texts
from .io import MAX_BYTES, read_text
from .options import FORMATS, MEASURE_DESCRIPTIONS, check_measure
from .render import incident_map, save_map

__all__ = ["MapResult", "map_files"]


class MapResult(list[Path]):
    """The files `map_files` wrote (a list of `Path`), with what it skipped or found empty.

    Attributes
    ----------
    skipped : list of (str, str)
        ``(input, reason)`` for each input that could not be used and was skipped.
    empty : list of str
        The inputs in which no place was found (their map and files are still written).
    """

    def __init__(
        self,
        written: Iterable[Path] = (),
        *,
        skipped: Iterable[tuple[str, str]] = (),
        empty: Iterable[str] = (),
    ) -> None:
        super().__init__(written)
        self.skipped = list(skipped)
        self.empty = list(empty)


def _check_formats(formats: Iterable[str]) -> list[str]:
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ConfigurationError(
            f"unknown output format(s) {', '.join(unknown) or '(none)'}: "
            f"choose from {', '.join(FORMATS)}"
        )
    return list(dict.fromkeys(chosen))


def map_files(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    formats: Iterable[str] = ("html", "geojson"),
    force: bool = False,
    borders_path: str | os.PathLike[str] | None = None,
    gazetteer_path: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    measure: str = "land",
    offline: bool = False,
    extractor: str = "gazetteer",
    encoding: str = "utf-8",
    max_bytes: int | None = MAX_BYTES,
    cache_dir: str | os.PathLike[str] | None = None,
    code_field: str | None = None,
) -> MapResult:
    """Map each article file: write its incident map and GIS files into ``out_dir``.

    Parameters
    ----------
    paths : sequence of path-like
        Text files, one article each. With one file, a bad file raises `InputError`
        and nothing is written; with several, bad files are skipped and listed in
        `MapResult.skipped` (all bad: `InputError`).
    out_dir : path-like
        Output directory (created if missing); each input ``a/b/<stem>.txt`` gives
        ``out_dir/<stem>.<suffix>`` for each format.
    formats : iterable of str
        Any of ``html``, ``geojson``, ``gpkg``, ``csv``.
    force : bool
        Overwrite existing outputs.
    borders_path : path-like, optional
        Admin-0 polygons to derive land borders from; default Natural Earth 1:10m.
    gazetteer_path : path-like, optional
        Gazetteer cache file; default in the cache directory.
    progress : bool, optional
        Progress bar when building the gazetteer; ``None``: only on a terminal.
    measure : {"land", "any", "outline"}
        Which border ``distance_km`` is measured to (see ``geomap.borders.MEASURES``):
        the nearest international land border (default), the nearest land border or
        foreign coast, or the outline of the place's own country.
    offline : bool, default False
        HTML map without tile basemap: it opens with no network at all, drawing the
        countries from the border data (see `geomap.render.incident_map`).
    extractor : str, default "gazetteer"
        The recogniser: ``"gazetteer"``, ``"spacy"`` or ``"auto"`` (see `geomap.geoparse`).
    encoding : str, default "utf-8"
        Encoding of the inputs (a UTF-8 byte order mark is dropped).
    max_bytes : int or None, default `geomap.io.MAX_BYTES`
        Inputs larger than this are refused before they are read; None: no limit.
    cache_dir : path-like, optional
        The cache directory (gazetteer, derived borders); default :func:`geomap.io.cache_dir`.
    code_field : str, optional
        The column of ``borders_path`` holding country codes (default: the first known one).

    Returns
    -------
    MapResult
        The files written (a list of Path), plus ``skipped`` inputs and ``empty`` ones
        (no place found: an empty map and FeatureCollection are written for them).

    Raises
    ------
    InputError
        If the only input, or every input, cannot be used; nothing is written then.
    OutputError
        If an output exists (without ``force``) or cannot be written.
    """
    chosen = _check_formats(formats)
    check_measure(measure)
    if not paths:
        raise ConfigurationError("no input files given: pass one or more article text files")
    texts: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for p in paths:  # all inputs checked before any output
        try:
            texts.append((str(p), read_text(p, encoding=encoding, max_bytes=max_bytes)))
        except InputError as err:
            if len(paths) == 1:
                raise
            skipped.append((str(p), str(err)))
    if not texts:
        raise InputError(f"no usable input among {len(paths)} files: {skipped[0][1]}")
    stems: dict[str, str] = {}
    for source, _ in texts:
        stem = Path(source).stem
        if stem in stems:
            raise ConfigurationError(
                f"inputs '{stems[stem]}' and '{source}' would write the same outputs "
                f"'{stem}.*': rename one"
            )
        stems[stem] = source
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output '{out}' is not a directory: pass a directory to --out")
    targets = [out / f"{Path(s).stem}{FORMATS[f]}" for s, _ in texts for f in chosen]
    if not force:
        existing = [t for t in targets if t.exists()]
        if existing:
            raise OutputError(f"{existing[0]} exists: pass --force to overwrite")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output directory '{out}': {err.strerror}") from err
    borders = load_borders(borders_path, code_field=code_field, cache_dir=cache_dir)
    gazetteer = open_gazetteer(gazetteer_path, cache_dir=cache_dir, progress=progress)
    metadata_ = {
        "generator": f"geomap {metadata.version('geomap')}",
        "borders": borders.source,
        "borders_dataset": borders.description,
        "gazetteer": gazetteer.meta.get("source", ""),
        "measure": measure,
        "distance": MEASURE_DESCRIPTIONS[measure],
    }
    border_attribution = (
        "Borders: Natural Earth" if borders_path is None else f"Borders: {Path(borders_path).name}"
    )
    written = MapResult(skipped=skipped)
    # A bar for several files: on a terminal only, unless `progress` says otherwise.
    disable = (None if len(texts) > 1 else True) if progress is None else not progress
    for source, text in tqdm(texts, desc="mapping", unit="file", disable=disable):
        incidents = incidents_from_texts(
            [(source, text)],
            gazetteer=gazetteer,
            borders=borders,
            measure=measure,
            extractor=extractor,
        )
        if incidents.empty:
            written.empty.append(source)
        for fmt in chosen:
            target = out / f"{Path(source).stem}{FORMATS[fmt]}"
            if fmt == "html":
                page = incident_map(
                    incidents,
                    border_lines=borders.lines,
                    countries=borders.countries,
                    offline=offline,
                    border_attribution=border_attribution,
                )
                written.append(save_map(page, target, force=force))
            elif fmt == "geojson":
                written.append(write_geojson(incidents, target, force=force, metadata=metadata_))
            elif fmt == "gpkg":
                written.append(write_gpkg(incidents, target, force=force, borders=borders.lines))
            else:
                written.append(write_csv(incidents, target, force=force))
    return written
