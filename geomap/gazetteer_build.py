"""Build the gazetteer's SQLite tables from the sources, in phases a progress bar follows.

:func:`fill` gathers every source's rows (:mod:`geomap.gazetteer_sources`), normalises all
names in one vectorised pass, writes places, names, word lists and the folded keys of
spelling variants, and records a content checksum (:func:`content_checksum`).
:mod:`geomap.gazetteer` decides where and when to build, and opens the result.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import gazetteer_sources as sources
from .io import progress_disabled
from .names import normalize_names
from .variants import fold_keys

__all__ = [
    "BUILD_PHASES",
    "SCHEMA",
    "VARIANT_MIN_POPULATION",
    "Progress",
    "SourceError",
    "content_checksum",
    "fill",
]

#: The tables of a gazetteer file.
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (
    geonameid INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
    country_code TEXT NOT NULL, admin1 TEXT NOT NULL, population INTEGER NOT NULL,
    feature TEXT NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, geonameid INTEGER NOT NULL, kind INTEGER NOT NULL);
CREATE TABLE words (word TEXT NOT NULL, list TEXT NOT NULL, PRIMARY KEY (list, word));
CREATE TABLE variants (fkey TEXT NOT NULL, key TEXT NOT NULL, country_code TEXT NOT NULL);
"""

#: Places whose own name is sought under other spellings (:meth:`Gazetteer.variant_keys`):
#: regions, counties, and towns of at least this many people.
VARIANT_MIN_POPULATION = 10_000


class SourceError(Exception):
    """A source package could not be read (wraps the cause)."""


#: The phases of a build and their share of its time (measured; they add up to 100), so the
#: progress bar moves through every phase and ends at 100 %.
BUILD_PHASES = (
    ("reading GeoNames towns", 24), ("towns", 12), ("countries, regions, counties", 14),
    ("normalising names", 14), ("writing places and names", 14), ("indexing names", 8),
    ("word lists", 8), ("checksum", 6),
)  # fmt: skip


class Progress:
    """A progress bar advanced phase by phase (:data:`BUILD_PHASES`), named as it goes."""

    def __init__(self, progress: bool | None) -> None:
        from tqdm.auto import tqdm

        self._weights = dict(BUILD_PHASES)
        self._bar = tqdm(
            total=sum(self._weights.values()),
            desc="building gazetteer",
            unit="%",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}",
            disable=progress_disabled(progress),
        )

    def start(self, phase: str) -> None:
        """Name the phase now running."""
        self._bar.set_description(f"building gazetteer: {phase}")

    def done(self, phase: str) -> None:
        """Advance the bar by the share of a finished phase."""
        self._bar.update(self._weights[phase])

    def close(self) -> None:
        """Close the bar (it stands at 100 % after the last phase)."""
        self._bar.set_description("building gazetteer")
        self._bar.close()


def fill(
    path: Path, borders_path: str | None, progress: bool | None, meta: dict[str, str]
) -> None:
    """Create the gazetteer tables in the new SQLite file ``path`` and fill them.

    Every source's rows are gathered first, then all names are normalised in one pass
    (:func:`geomap.names.normalize_names`) and written at once. The cyclic garbage collector
    is paused meanwhile: the build makes millions of small objects and frees none of them
    until the end, so its scans would only cost time (a third of the build).
    """
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        _fill_tables(path, borders_path, progress, meta)
    finally:
        if gc_was_on:
            gc.enable()


def _fill_tables(
    path: Path, borders_path: str | None, progress: bool | None, meta: dict[str, str]
) -> None:
    """Do the work of :func:`fill`."""
    bar = Progress(progress)
    phase = BUILD_PHASES[0][0]
    bar.start(phase)
    try:
        cities = sources.load_cities()
    except (OSError, ValueError) as err:
        bar.close()
        raise SourceError(str(err)) from err
    bar.done(phase)
    country_points: dict[str, tuple[float, float]] = {}
    # A later source replaces a place an earlier one gave, except the supplement: a place it
    # shares with another source keeps that row and gains the names.
    places: dict[int, tuple[Any, ...]] = {}
    gids: list[int] = []  # one entry per (place, name): flat lists, vectorised below
    names: list[str] = []
    kinds: list[int] = []
    steps = (
        ("towns", ((sources.city_rows(cities), True),)),
        ("countries, regions, counties", (
            (_collect_points(sources.country_rows(borders_path), country_points), True),
            (sources.region_rows(cities), True),
            (sources.county_rows(cities), True),
            (sources.continent_rows(), True),
            (sources.macroregion_rows(country_points), True),  # after the countries
            (sources.supplement_rows(), False),
        )),
    )  # fmt: skip
    for phase, parts in steps:
        bar.start(phase)
        for rows, replace in parts:
            for row, row_names in rows:
                if replace or row[0] not in places:
                    places[row[0]] = row
                gids.extend([row[0]] * len(row_names))
                names.extend(name for name, _ in row_names)
                kinds.extend(int(kind) for _, kind in row_names)
        bar.done(phase)
    del cities
    bar.start(phase := "normalising names")
    # distinct (key, place, kind) rows; a name that is two kinds of one place keeps both,
    # and lookups take the strongest (MIN(kind))
    triples = dict.fromkeys(zip(normalize_names(names), gids, kinds, strict=True))
    triples.pop(("", 0, 0), None)
    del names, gids, kinds
    bar.done(phase)
    con = sqlite3.connect(path)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        bar.start(phase := "writing places and names")
        con.executemany(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?)",
            (row[:7] + (str(row[7]),) for _, row in sorted(places.items())),
        )
        con.executemany("INSERT INTO names VALUES (?,?,?)", (t for t in triples if t[0]))
        bar.done(phase)
        bar.start(phase := "indexing names")
        con.execute("CREATE INDEX names_key ON names (key)")
        own = sorted(
            {(key, places[gid][4]) for key, gid, kind in triples if kind == 0 and key
             and _variant_place(places[gid])}
        )  # fmt: skip
        folded = fold_keys([key for key, _ in own])
        con.executemany(
            "INSERT INTO variants VALUES (?,?,?)",
            ((f, key, cc) for f, (key, cc) in zip(folded, own, strict=True)),
        )
        con.execute("CREATE INDEX variants_fkey ON variants (fkey)")
        bar.done(phase)
        bar.start(phase := "word lists")
        single = {key for key, _, _ in triples if " " not in key}
        try:
            lists = sources.word_lists(single)
        except (OSError, ValueError) as err:
            raise SourceError(str(err)) from err
        for list_name, words in lists.items():
            con.executemany(
                "INSERT INTO words VALUES (?, ?)", ((w, list_name) for w in sorted(words))
            )
        bar.done(phase)
        bar.start(phase := "checksum")
        meta = {
            **meta,
            "places": str(len(places)),
            "names": str(sum(1 for t in triples if t[0])),
            "checksum": content_checksum(con),
        }
        con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        con.commit()
        bar.done(phase)
    finally:
        con.close()
        bar.close()


def _variant_place(row: tuple[Any, ...]) -> bool:
    """Whether a place's own name is sought under other spellings (a region, county, town)."""
    feature, population = str(row[7]), int(row[6])
    return feature in ("region", "county") or (
        feature in ("city", "capital") and population >= VARIANT_MIN_POPULATION
    )


def _collect_points(
    rows: Iterable[sources.Row], into: dict[str, tuple[float, float]]
) -> Iterator[sources.Row]:
    """Pass ``rows`` through, noting each one's (lat, lon) by country code in ``into``."""
    for row, names in rows:
        into[row[4]] = (row[2], row[3])
        yield row, names


#: Each table as one text per row, in the order the build wrote them (SQLite makes the text).
_CANONICAL_ROWS = {
    "places": "geonameid, name, lat, lon, country_code, admin1, population, feature",
    "names": "key, geonameid, kind",
    "words": "list, word",
    "variants": "fkey, key, country_code",
}


def content_checksum(con: sqlite3.Connection) -> str:
    """SHA-256 over every place, name and word, in the order the build wrote them.

    SQLite joins each table's rows into one text (fields by tabs, rows by newlines; numbers
    as SQLite prints them), so that the million names take a fraction of a second.
    """
    digest = hashlib.sha256()
    for table, columns in _CANONICAL_ROWS.items():
        fields = " || char(9) || ".join(f"quote({c})" for c in columns.split(", "))
        (text,) = con.execute(
            f"SELECT group_concat(row, char(10)) FROM (SELECT {fields} AS row FROM {table}"
            " ORDER BY rowid)"
        ).fetchone()
        digest.update(f"{table}\n{text or ''}\n".encode())
    return "sha256:" + digest.hexdigest()
