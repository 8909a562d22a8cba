"""Build the gazetteer's SQLite tables from the sources, in phases a progress bar follows.

:func:`fill` gathers every source's rows (:mod:`geomap.gazetteer_sources`), normalises the
names in vectorised passes, writes places, names, word lists and the folded keys of
spelling variants, and records a content checksum (:func:`content_checksum`); SQLite's long
statements run in worker threads meanwhile.
:mod:`geomap.gazetteer` decides where and when to build, and opens the result.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from . import gazetteer_sources as sources
from .io import progress_disabled
from .names import MatchKind, normalize_names
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
    ("reading GeoNames towns", 8), ("towns", 7), ("normalising names", 24),
    ("countries, regions, counties", 21), ("writing places", 7), ("distinct names", 1),
    ("spelling variants", 4), ("word lists", 5), ("writing, indexing names, checksum", 23),
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
        self._bar.set_description_str(f"building gazetteer: {phase}")

    def done(self, phase: str) -> None:
        """Advance the bar by the share of a finished phase."""
        self._bar.update(self._weights[phase])

    def close(self) -> None:
        """Close the bar (it stands at 100 % after the last phase)."""
        self._bar.set_description_str("building gazetteer")
        self._bar.close()


def fill(
    path: Path, borders_path: str | None, progress: bool | None, meta: dict[str, str]
) -> None:
    """Create the gazetteer tables in the new SQLite file ``path`` and fill them.

    The towns' million names are normalised in one pass first
    (:func:`geomap.names.normalize_names`; the counties need their keys), then the other
    sources' rows are gathered and their names normalised, and all are written at once.
    The cyclic garbage collector is paused meanwhile: the build makes millions of small
    objects and frees none of them until the end, so its scans would only cost time (a
    third of the build).

    The long SQLite statements run in other threads (:class:`_Writer`), where they let go
    of the interpreter lock: the towns' names are written while the other sources are
    gathered, the text of the places for the checksum is read while the other names are
    written, and the names are indexed and read while the spelling variants and word lists
    are made.
    """
    gc_was_on = gc.isenabled()
    gc.disable()
    bar = Progress(progress)
    writer: _Writer | None = None
    try:
        writer = _Writer(path)
        _fill_tables(writer, bar, borders_path, meta)
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    finally:
        if writer is not None:
            writer.close()
        bar.close()
        if gc_was_on:
            gc.enable()


def _fill_tables(
    writer: _Writer, bar: Progress, borders_path: str | None, meta: dict[str, str]
) -> None:
    """Do the work of :func:`fill`: gather, normalise and hand each table to ``writer``."""
    bar.start(phase := BUILD_PHASES[0][0])
    try:
        cities = sources.load_cities()
    except (OSError, ValueError) as err:
        raise SourceError(str(err)) from err
    bar.done(phase)
    bar.start(phase := "towns")
    town_rows, names, counts = sources.town_table(cities)
    # A later source replaces a place an earlier one gave, except the supplement: a place it
    # shares with another source keeps that row and gains the names.
    places: dict[int, tuple[Any, ...]] = {row[0]: row for row in town_rows}
    # one entry per (place, name): flat lists, the towns' made by numpy
    per_town = np.array(counts, dtype=np.int64)
    own = np.cumsum(per_town) - per_town  # where each town's own name is
    town_ids = np.array([row[0] for row in town_rows], dtype=np.int64)
    gids: list[int] = np.repeat(town_ids, per_town).tolist()
    town_kinds = np.full(len(names), int(MatchKind.ALTERNATE), dtype=np.int64)
    town_kinds[own] = int(MatchKind.PRIMARY)
    kinds: list[int] = town_kinds.tolist()
    del town_rows, counts, per_town, town_ids, town_kinds
    bar.done(phase)
    bar.start(phase := "normalising names")
    keys = normalize_names(names)  # the towns' million names
    n_town = len(keys)
    del names
    # the towns' are written (in a worker) while the other sources are gathered
    town_triples = _distinct_names(keys, gids, kinds)
    writer.names(town_triples)
    bar.done(phase)
    bar.start(phase := "countries, regions, counties")
    country_points: dict[str, tuple[float, float]] = {}
    town_keys = [keys[i] for i in own.tolist()]
    parts = (
        (_collect_points(sources.country_rows(borders_path), country_points), True),
        (sources.region_rows(cities), True),
        (sources.county_rows(cities, town_keys), True),
        (sources.continent_rows(), True),
        (sources.macroregion_rows(country_points), True),  # after the countries
        (sources.supplement_rows(), False),
    )
    names = []
    for rows, replace in parts:
        for row, row_names in rows:
            if replace or row[0] not in places:
                places[row[0]] = row
            gids.extend([row[0]] * len(row_names))
            names.extend(name for name, _ in row_names)
            kinds.extend(int(kind) for _, kind in row_names)
    del cities, town_keys
    keys += normalize_names(names)
    del names
    bar.done(phase)
    bar.start(phase := "writing places")
    writer.places([places[gid] for gid in sorted(places)])
    bar.done(phase)
    bar.start(phase := "distinct names")
    later = _distinct_names(keys[n_town:], gids[n_town:], kinds[n_town:])
    more = [t for t in later if t not in town_triples]
    writer.names(more, last=True)
    n_names = len(town_triples) + len(more)
    bar.done(phase)
    bar.start(phase := "spelling variants")
    variants = _variant_rows(places, keys, gids, kinds)
    del gids, kinds
    bar.done(phase)
    bar.start(phase := "word lists")
    try:
        lists = sources.word_lists(set(keys))
    except (OSError, ValueError) as err:
        raise SourceError(str(err)) from err
    del keys
    bar.done(phase)
    bar.start(phase := "writing, indexing names, checksum")
    writer.finish(variants, lists, {**meta, "places": str(len(places)),
                                    "names": str(n_names)})  # fmt: skip
    bar.done(phase)


def _distinct_names(
    keys: list[str], gids: list[int], kinds: list[int]
) -> dict[tuple[str, int, int], None]:
    """Return the distinct (key, place, kind) rows, in the order first given, no empty key.

    A name that is two kinds of one place keeps both; lookups take the strongest
    (``MIN(kind)``).
    """
    return dict.fromkeys(itertools.compress(zip(keys, gids, kinds, strict=True), keys))


def _variant_rows(
    places: dict[int, tuple[Any, ...]], keys: list[str], gids: list[int], kinds: list[int]
) -> list[tuple[str, str, str]]:
    """Return the rows of the variants table: (folded key, key, country), sorted by key.

    The own names of the places :func:`_variant_place` names, with their country.
    """
    country = {gid: row[4] for gid, row in places.items() if _variant_place(row)}
    own = sorted(
        {(keys[i], country[gids[i]]) for i in np.flatnonzero(np.array(kinds) == 0).tolist()
         if keys[i] and gids[i] in country}
    )  # fmt: skip
    folded = fold_keys([key for key, _ in own])
    return [(f, key, cc) for f, (key, cc) in zip(folded, own, strict=True)]


#: Seconds a connection of a build waits for another one's lock (a checksum reading a table
#: while the names are committed); they take a second or two.
_LOCK_WAIT = 300.0


class _Writer:
    """The SQLite side of a build: the main thread writes, worker threads write, index, read.

    The statements that run long, and let go of the interpreter lock meanwhile, run in
    worker threads while Python works on: the names are written (one statement per batch,
    from JSON text, so that the worker never waits for the lock) and indexed by one worker,
    which holds the writing connection until :meth:`finish` (or :meth:`places`) takes it back;
    the text each table gives the checksum is read through a connection of its own once the
    table is committed (:func:`_table_text`). The places are written by the main thread
    (binding their rows row by row needs the lock, and nothing else runs by then). The
    writing connection keeps its changes in memory until each commit (``cache_spill=OFF``),
    so that it never waits for a reader in mid-transaction.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._con = sqlite3.connect(path, timeout=_LOCK_WAIT, check_same_thread=False)
        self._con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_spill=OFF;" + SCHEMA
        )
        # the writing connection's statements, one after the other, in submission order
        self._sql = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazetteer-write")
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gazetteer-read")
        self._texts: dict[str, Future[bytes]] = {}
        self._last: Future[Any] | None = None

    def _read(self, table: str) -> bytes:
        """Return :func:`_table_text` of a committed table, read by a connection of its own."""
        con = sqlite3.connect(self._path, timeout=_LOCK_WAIT)
        try:
            return _table_text(con, table)
        finally:
            con.close()

    def places(self, rows: list[tuple[Any, ...]]) -> None:
        """Write the places (by id), commit, and start reading them for the checksum.

        In this thread, once the worker is done with the names given so far (the towns'),
        which it is by then: binding the rows needs the interpreter lock, row by row.
        """
        if self._last is not None:
            self._last.result()
        self._con.executemany(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?)",
            (row[:7] + (str(row[7]),) for row in rows),
        )
        self._con.commit()
        self._texts["places"] = self._pool.submit(self._read, "places")

    def names(self, triples: Iterable[tuple[str, int, int]], *, last: bool = False) -> None:
        """Start writing names in the worker; after the ``last`` ones, index and read them.

        SQLite's inserts let go of the interpreter lock, so the other sources, the variants
        and the word lists are made meanwhile; the connection is the worker's until
        :meth:`finish` waits for it.
        """
        # One statement reads them all from JSON text (SQLite's json_each), so the worker
        # never needs the interpreter lock, which a row-by-row insert takes for every row.
        text = orjson.dumps(list(triples)).decode()

        def write() -> None:
            self._con.execute(
                "INSERT INTO names SELECT value->>0, value->>1, value->>2 FROM json_each(?)",
                (text,),
            )
            if last:
                self._con.commit()
                self._texts["names"] = self._pool.submit(self._read, "names")
                self._con.execute("CREATE INDEX names_key ON names (key)")

        self._last = self._sql.submit(write)

    def finish(
        self, variants: list[tuple[str, str, str]], lists: dict[str, set[str]],
        meta: dict[str, str],
    ) -> None:  # fmt: skip
        """Write the variants and the word lists, record the checksum with ``meta``, commit."""
        if self._last is not None:
            self._last.result()  # the connection is this thread's again
        self._con.executemany("INSERT INTO variants VALUES (?,?,?)", variants)
        self._con.execute("CREATE INDEX variants_fkey ON variants (fkey)")
        for list_name, words in lists.items():
            self._con.executemany(
                "INSERT INTO words VALUES (?, ?)", ((w, list_name) for w in sorted(words))
            )
        digest = hashlib.sha256()
        for table in _CANONICAL_ROWS:
            done = self._texts.get(table)
            digest.update(done.result() if done is not None else _table_text(self._con, table))
        meta = {**meta, "checksum": "sha256:" + digest.hexdigest()}
        self._con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        self._con.commit()

    def abandon(self) -> None:
        """Stop the statement running, if one is, and drop what has not started."""
        self._con.interrupt()
        self._sql.shutdown(wait=True, cancel_futures=True)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Wait for the worker threads, then close the connection."""
        self._sql.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self._con.close()


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
    for table in _CANONICAL_ROWS:
        digest.update(_table_text(con, table))
    return "sha256:" + digest.hexdigest()


def _table_text(con: sqlite3.Connection, table: str) -> bytes:
    """Return what the checksum reads of one table: its name, then its rows, as UTF-8.

    SQLite hands over its own UTF-8 bytes (``CAST ... AS BLOB``): no decoding and encoding
    of tens of megabytes in Python.
    """
    fields = " || char(9) || ".join(f"quote({c})" for c in _CANONICAL_ROWS[table].split(", "))
    (text,) = con.execute(
        f"SELECT CAST(group_concat(row, char(10)) AS BLOB) FROM (SELECT {fields} AS row"
        f" FROM {table} ORDER BY rowid)"
    ).fetchone()
    return f"{table}\n".encode() + (text or b"") + b"\n"
