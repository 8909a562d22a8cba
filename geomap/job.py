"""The main job: article files -> incidents -> ``DIR/<stem>.html`` and ``DIR/<stem>.geojson``.

Every input is read and checked before anything is written. A single bad input (missing,
empty, a directory, binary, not in the encoding, too large) stops the job with no output at
all; among several inputs, the bad ones are skipped and reported (`MapResult.skipped`) and
the others are mapped. Each output file is written atomically. What was found in each input
(places, incidents, the incident nearest to a border) is returned with the files
(`MapResult.summaries`), for the CLI to print.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from tqdm.auto import tqdm

from .borders import load_borders
from .errors import ConfigurationError, InputError, OutputError
from .events import EventsBackend, document_date, get_backend
from .export import run_provenance, write_csv, write_geojson, write_gpkg
from .features import DISTANCE_DECIMALS
from .gazetteer import open_gazetteer
from .incidents import incidents_from_texts
from .io import (
    MAX_BYTES,
    output_dir,
    progress_disabled,
    read_text,
    remove_stale_temporaries,
    ticking,
)
from .options import FORMATS, check_formats, check_measure, check_pov
from .render import incident_map, save_map
from .snapshot import find_chromium, snapshot

__all__ = ["InputSummary", "MapResult", "NearestBorder", "map_files", "summarize"]


@dataclass(frozen=True, slots=True)
class NearestBorder:
    """The incident nearest to a border in one input.

    Attributes
    ----------
    name : str
        The place as written in the text.
    border : str
        The border, e.g. ``"AM-AZ"``.
    distance_km : float
        Geodesic distance to it, km (the job's measure), rounded as in the exports.
    """

    name: str
    border: str
    distance_km: float


@dataclass(frozen=True, slots=True)
class InputSummary:
    """What `map_files` found in one input and wrote for it.

    Attributes
    ----------
    source : str
        The input, as given.
    outputs : tuple of Path
        The files written for it, in format order (none when it was skipped).
    places : int
        Places found (rows of the incidents table: one per distinct place).
    incidents : int
        Of those, places whose role is ``incident``.
    nearest : NearestBorder or None
        The incident nearest to a border (None: no incident with a distance).
    skipped : str or None
        Why the input was skipped (None: it was mapped).
    """

    source: str
    outputs: tuple[Path, ...] = ()
    places: int = 0
    incidents: int = 0
    nearest: NearestBorder | None = None
    skipped: str | None = None

    @property
    def status(self) -> str:
        """``"skipped"``, ``"empty"`` (no place found) or ``"mapped"``."""
        if self.skipped is not None:
            return "skipped"
        return "mapped" if self.places else "empty"

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-safe data (paths as strings, distance in km).

        Examples
        --------
        >>> InputSummary("a.txt", skipped="empty file").as_dict()["status"]
        'skipped'
        """
        nearest = self.nearest
        return {
            "input": self.source,
            "status": self.status,
            "outputs": [str(p) for p in self.outputs],
            "places": self.places,
            "incidents": self.incidents,
            "nearest": None
            if nearest is None
            else {
                "name": nearest.name,
                "border": nearest.border,
                "distance_km": nearest.distance_km,
            },
            "skipped": self.skipped,
        }


def summarize(
    incidents: gpd.GeoDataFrame, source: str, outputs: Iterable[Path] = ()
) -> InputSummary:
    """Summarise one input's incidents table: places, incidents, the one nearest a border.

    Parameters
    ----------
    incidents : GeoDataFrame
        The incidents of that input (see `geomap.incidents`).
    source : str
        The input, as given.
    outputs : iterable of Path
        The files written for it.

    Returns
    -------
    InputSummary
        Ties in distance go to the first place in the table (text order).
    """
    places = len(incidents)
    if not places or "role" not in incidents:
        return InputSummary(source, tuple(outputs), places)
    rows = incidents[incidents["role"] == "incident"]
    nearest = None
    if len(rows) and "distance_km" in rows:
        distance = rows["distance_km"].astype(float)
        finite = distance[distance.map(math.isfinite)]
        if len(finite):
            row = rows.loc[finite.idxmin()]
            km = round(float(finite.min()), DISTANCE_DECIMALS)  # as in the exports
            nearest = NearestBorder(str(row["name"]), str(row["border"] or ""), km)
    return InputSummary(source, tuple(outputs), places, len(rows), nearest)


class MapResult(list[Path]):
    """The files `map_files` wrote (a list of `Path`), with what it skipped or found empty.

    Attributes
    ----------
    skipped : list of (str, str)
        ``(input, reason)`` for each input that could not be used and was skipped.
    empty : list of str
        The inputs in which no place was found (their map and files are still written).
    summaries : list of InputSummary
        One per input, in the order given (skipped ones too): what was found and written.
    """

    def __init__(
        self,
        written: Iterable[Path] = (),
        *,
        skipped: Iterable[tuple[str, str]] = (),
        empty: Iterable[str] = (),
        summaries: Iterable[InputSummary] = (),
    ) -> None:
        super().__init__(written)
        self.skipped = list(skipped)
        self.empty = list(empty)
        self.summaries = list(summaries)


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
    pov: str | None = None,
    date: str | dt.date | None = None,
    code_field: str | None = None,
    events_backend: str | EventsBackend = "rules",
) -> MapResult:
    """Map each article file: write its incident map and GIS files into ``out_dir``.

    Parameters
    ----------
    paths : sequence of path-like
        Text files, one article each. With one file, a bad file raises `InputError`
        and nothing is written; with several, bad files are skipped and listed in
        `MapResult.skipped` (all bad: `InputError`).
    out_dir : path-like
        Output directory, created only once the inputs, options, border data and
        gazetteer are known to be usable (a refusal leaves no empty folder); each input
        ``a/b/<stem>.txt`` gives ``out_dir/<stem>.<suffix>`` for each format. Hidden
        temporaries an earlier, killed run left there are removed
        (`geomap.io.remove_stale_temporaries`).
    formats : iterable of str
        Any of ``html``, ``geojson``, ``gpkg``, ``csv``, ``png`` (a picture of the map,
        drawn with the offline basemap in headless Chromium: see `geomap.snapshot`).
    force : bool
        Overwrite existing outputs.
    borders_path : path-like, optional
        Admin-0 polygons to derive land borders from; default Natural Earth 1:10m.
    gazetteer_path : path-like, optional
        Gazetteer cache file; default in the cache directory.
    progress : bool, optional
        Progress bars (border data, gazetteer build, several files); ``None``: only on a
        terminal.
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
    pov : {"deu", "de_facto"}, optional
        Whose lines count as international borders (see `geomap.borders.load_borders`):
        Natural Earth's German view (default) or de facto control; a ``borders_path`` file
        has its own view. Stated in every output (the ``pov`` column, the GeoJSON
        metadata, the map's legend).
    date : str or datetime.date, optional
        The date of the articles (ISO 8601, e.g. ``"2026-12-02"``): events a text anchors to
        it ("on Tuesday", "yesterday") get an ``event_date``. Without it, an article that
        opens with a dated dateline is dated by it.
    code_field : str, optional
        The column of ``borders_path`` holding country codes (default: the first known one).
    events_backend : str or EventsBackend, default "rules"
        The backend of the events stage (``geomap.options.EVENTS_BACKENDS``): ``"rules"``
        needs no model; ``"spacy"`` and ``"minilm"`` add cues from an optional model (see
        `geomap.events.models`). A missing one is said before anything is written.

    Returns
    -------
    MapResult
        The files written (a list of Path), plus ``skipped`` inputs and ``empty`` ones
        (no place found: an empty map and FeatureCollection are written for them), and
        one `InputSummary` per input (``summaries``).

    Raises
    ------
    InputError
        If the only input, or every input, cannot be used, or ``date`` is not a date;
        nothing is written then.
    OutputError
        If an output exists (without ``force``) or cannot be written.
    DependencyError
        If ``png`` is asked for and Chromium or Playwright is missing, or the ``minilm``
        events backend's packages are (before any output).
    ConfigurationError
        For an unknown events backend.
    """
    chosen = check_formats(formats, FORMATS)
    check_measure(measure)
    if pov is not None:
        check_pov(pov)
    day = document_date(date, what="the date")  # a bad date is said before anything is read
    if "png" in chosen:
        find_chromium()  # a missing browser is said before anything is written
    # an unknown events backend, or a missing model package, too
    backend = get_backend(events_backend) if isinstance(events_backend, str) else events_backend
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
    # Reading and deriving the border data takes seconds on a first run: say so.
    bar = tqdm(
        total=1, desc="loading border data", leave=False, disable=progress_disabled(progress)
    )
    with bar, ticking(bar):
        borders = load_borders(borders_path, code_field=code_field, pov=pov, cache_dir=cache_dir)
        bar.update()
    gazetteer = open_gazetteer(gazetteer_path, cache_dir=cache_dir, progress=progress)
    metadata_ = run_provenance(
        borders, gazetteer=gazetteer.meta.get("source", ""), measure=measure
    )
    border_attribution = (
        "Borders: Natural Earth" if borders_path is None else f"Borders: {Path(borders_path).name}"
    )
    written = MapResult(skipped=skipped)
    found: dict[str, InputSummary] = {}
    # A bar for several files: on a terminal only, unless `progress` says otherwise.
    disable = (None if len(texts) > 1 else True) if progress is None else not progress
    remove_stale_temporaries(out)  # left by a run that was killed outright
    with output_dir(out):  # removed again if nothing could be written into it
        for source, text in tqdm(texts, desc="mapping", unit="file", disable=disable):
            incidents = incidents_from_texts(
                [(source, text)],
                gazetteer=gazetteer,
                borders=borders,
                measure=measure,
                extractor=extractor,
                dates={source: day} if day is not None else None,
                events_backend=backend,
            )
            if incidents.empty:
                written.empty.append(source)
            outputs: list[Path] = []
            for fmt in chosen:
                target = out / f"{Path(source).stem}{FORMATS[fmt]}"
                if fmt in ("html", "png"):
                    # The picture is always of the offline page: it needs no network.
                    page = incident_map(
                        incidents,
                        border_lines=borders.lines,
                        countries=borders.countries,
                        offline=offline or fmt == "png",
                        border_attribution=border_attribution,
                        disputed_lines=borders.disputed_lines,
                        pov=borders.pov,
                        pov_text=borders.description["pov_description"],
                    )
                    if fmt == "html":
                        outputs.append(save_map(page, target, force=force))
                    else:
                        outputs.append(_picture(page, target, force=force))
                elif fmt == "geojson":
                    outputs.append(
                        write_geojson(incidents, target, force=force, metadata=metadata_)
                    )
                elif fmt == "gpkg":
                    outputs.append(
                        write_gpkg(incidents, target, force=force, borders=borders.lines)
                    )
                else:
                    outputs.append(write_csv(incidents, target, force=force))
            written.extend(outputs)
            found[source] = summarize(incidents, source, outputs)
    reasons = dict(skipped)
    written.summaries = [
        found[str(p)] if str(p) in found else InputSummary(str(p), skipped=reasons[str(p)])
        for p in paths
    ]
    return written


def _picture(page: Any, target: Path, *, force: bool) -> Path:
    """Save the folium page to a temporary file and picture it into ``target`` (PNG)."""
    with tempfile.TemporaryDirectory(prefix=".geomap-png-", dir=target.parent) as tmp:
        html = save_map(page, Path(tmp) / "page.html")
        return snapshot(html, target, force=force)
