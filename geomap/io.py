"""Input and output shared by every stage.

Reading texts and JSON lines, the cache directory, atomic writes of files and folders, and
when to show a progress bar.

Nothing here knows about places or geometry.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.errors import ConfigurationError, InputError, OutputError

__all__ = [
    "CACHE_ENV",
    "check_encoding",
    "format_size",
    "MAX_BYTES",
    "JsonLine",
    "atomic_dir",
    "atomic_write",
    "cache_dir",
    "check_target",
    "gdal_path",
    "output_dir",
    "progress_disabled",
    "read_jsonl",
    "read_text",
    "remove_stale_temporaries",
    "safe_file_name",
]

#: The environment variable that names the cache directory when no argument does.
CACHE_ENV = "GEOMAP_CACHE_DIR"


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return geomap's cache directory.

    That is ``path`` if given, else ``$GEOMAP_CACHE_DIR``, else the user's cache directory
    (``platformdirs``).

    This is the one place the environment variable is read; everything that builds cached
    data (the gazetteer, derived borders) takes the directory as an argument and asks here
    only when it was given none.

    Examples
    --------
    >>> cache_dir("/tmp/geomap-cache").as_posix()
    '/tmp/geomap-cache'
    """
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("geomap"))


def progress_disabled(progress: bool | None) -> bool | None:
    """Translate geomap's ``progress`` option into tqdm's ``disable``.

    ``None`` (the default everywhere) shows a bar only on a terminal, so the CLI stays quiet
    when piped; ``True``/``False`` force it on or off.

    Examples
    --------
    >>> progress_disabled(None) is None, progress_disabled(True), progress_disabled(False)
    (True, False, True)
    """
    return None if progress is None else not progress


#: Default largest input ``read_text`` accepts, in bytes (50 MB, some 10,000 news articles).
MAX_BYTES = 50_000_000


def read_text(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    max_bytes: int | None = MAX_BYTES,
) -> str:
    """Read an input text file, checking that it is usable text.

    The text is returned as decoded: line ends (CRLF too) are kept, so every offset
    geomap reports is an offset into the file's text exactly as read. A UTF-8 byte order
    mark is dropped (with ``encoding="utf-8"`` or ``"utf-8-sig"``).

    Parameters
    ----------
    path : path-like
        The text file.
    encoding : str, default "utf-8"
        Any codec Python knows (``latin-1``, ``cp1251``, ...).
    max_bytes : int or None, default :data:`MAX_BYTES`
        Refuse larger files before reading them (``None``: no limit). The file is read
        once, so memory stays near twice its size.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable, larger than ``max_bytes``, binary
        (it holds NUL bytes), not valid in ``encoding`` or has no text.
    ConfigurationError
        If ``encoding`` is not a codec Python knows.
    """
    check_encoding(encoding)
    p = Path(path)
    if not p.exists():
        raise InputError(f"input '{p}' does not exist: check the path")
    if p.is_dir():
        raise InputError(f"input '{p}' is a directory: pass the text files inside it")
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"input '{p}' is not a regular file (a device, pipe or socket): "
                "save the article to a file and pass that"
            )
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputError(
                f"input '{p}' is {format_size(info.st_size)}, over the limit of "
                f"{format_size(max_bytes)}: split it, or raise --max-bytes"
            )
        with open(p, "rb") as handle:  # never more than the limit, even if it grows
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except InputError:
        raise
    except OSError as err:
        raise InputError(f"cannot read input '{p}': {err.strerror}") from err
    if max_bytes is not None and len(data) > max_bytes:  # grew while we looked
        raise InputError(f"input '{p}' is over the limit of {format_size(max_bytes)}")
    utf16 = encoding.lower().replace("_", "-").startswith("utf-16")
    if not utf16 and b"\x00" in data:
        raise InputError(
            f"input '{p}' looks like a binary file (it holds NUL bytes), not text: "
            "pass the article as a text file"
        )
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    codec, shown = ("utf-8-sig", "UTF-8") if is_utf8 else (encoding, encoding)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        hint = (
            "pass --encoding (e.g. --encoding latin-1) or convert it, "
            "e.g. `iconv -f latin1 -t utf-8`"
        )
        raise InputError(
            f"input '{p}' is not {shown} text (bad byte at offset {err.start}): {hint}"
        ) from err
    if not text.strip():
        raise InputError(f"input '{p}' is empty: give it the article text")
    return text


def check_encoding(encoding: str) -> str:
    """Return ``encoding`` if Python can decode text with it.

    Raises
    ------
    ConfigurationError
        If it is no codec, or a codec that is not a text encoding (``base64``, ``rot13``).

    Examples
    --------
    >>> check_encoding("latin-1")
    'latin-1'
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigurationError(
            f"unknown encoding {encoding!r}: use a Python codec name such as utf-8 or latin-1"
        ) from None
    try:
        b"x".decode(encoding)  # bytes-to-bytes codecs refuse to make text
    except UnicodeDecodeError:
        pass  # a text encoding that needs more than one byte (utf-16)
    except LookupError:
        raise ConfigurationError(
            f"encoding {encoding!r} is not a text encoding: use one such as utf-8, latin-1 "
            "or cp1251"
        ) from None
    return encoding


def format_size(size: int) -> str:
    """Return a byte count for a message: bytes, KB or MB (decimal), never "0.0 MB".

    Examples
    --------
    >>> format_size(3), format_size(12_300), format_size(50_000_000)
    ('3 bytes', '12.3 KB', '50.0 MB')
    """
    if size < 1000:
        return f"{size:,} byte{'s' if size != 1 else ''}"
    if size < 1_000_000:
        return f"{size / 1e3:,.1f} KB"
    return f"{size / 1e6:,.1f} MB"


def check_target(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may be written and return it as a `Path`.

    Parameters
    ----------
    path : str or os.PathLike
        The output file.
    force : bool, default False
        Whether an existing file may be overwritten.

    Returns
    -------
    Path
        ``path`` as a `Path`.

    Raises
    ------
    OutputError
        If the directory does not exist, ``path`` is a directory, or ``path`` exists and
        ``force`` is False.
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise OutputError(f"output directory does not exist: {directory}")
    if target.is_dir():
        raise OutputError(f"output path is a directory: {target}")
    if target.exists() and not force:
        raise OutputError(f"{target} exists: pass --force to overwrite")
    return target


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; move it onto ``path`` only if the block succeeds.

    The temporary file lives in a private hidden directory next to ``path`` (same file
    system, so the final move is an atomic rename) and keeps the target's suffix, so
    writers that pick a format by extension, or create side files (GDAL), work unchanged.
    On success the file is fsynced and renamed onto ``path``; on any exception (an
    interrupt too) the temporary directory is removed and ``path`` is left as it was.

    The yielded path is absolute and holds nothing GDAL or pyogrio read as syntax: its file
    name is the target's with ``!`` replaced (:func:`safe_file_name`: pyogrio reads
    ``a!b.gpkg`` as member ``b.gpkg`` of archive ``a``), and when the folder's own path
    holds such syntax the block writes through a link from the system's temporary folder.
    So no writer can be led to write outside ``path``.

    The hidden directory is named ``.<name>.<pid>-<host>.<random>.tmp``: a crash that
    leaves it behind is recognised, and the leftover removed, by
    :func:`remove_stale_temporaries`.

    Parameters
    ----------
    path : str or os.PathLike
        The final output file.
    force : bool, default False
        Whether an existing file may be overwritten. Without it an existing file is never
        replaced, even if it appears while the block runs.

    Yields
    ------
    Path
        A path that does not exist yet; the block must create it.

    Raises
    ------
    OutputError
        If the target exists and ``force`` is False, the directory is missing or cannot be
        written, or the block did not create the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(out) as tmp:
    ...     _ = tmp.write_text("hello", encoding="utf-8")
    >>> out.read_text(encoding="utf-8")
    'hello'
    """
    target = check_target(path, force=force)
    directory = target.parent
    workdir = _make_temporary(target)
    try:
        with contextlib.ExitStack() as links:
            tmp = workdir / safe_file_name(target.name)
            yield _writable_alias(tmp, links)
            if not tmp.is_file():
                raise OutputError(f"nothing was written for {target}")
            _fsync(tmp)
            _move(tmp, target, force=force)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def safe_file_name(name: str) -> str:
    """Return a file name with the characters GDAL or pyogrio read as syntax replaced by ``_``.

    pyogrio reads a ``!`` in a path as ``archive!member``; control characters are replaced
    too. Ordinary names come back unchanged.

    Examples
    --------
    >>> safe_file_name("report!victim.gpkg"), safe_file_name("Mar del Plata.csv")
    ('report_victim.gpkg', 'Mar del Plata.csv')
    """
    return _GDAL_SYNTAX.sub("_", name)


_GDAL_SYNTAX = re.compile(r"[!\x00-\x1f\x7f]")


def _gdal_safe(path: Path) -> bool:
    """Whether GDAL and pyogrio take ``path`` as the local file it names."""
    text = str(path)
    return path.is_absolute() and "!" not in text and not text.startswith("/vsi")


def _writable_alias(tmp: Path, links: contextlib.ExitStack) -> Path:
    """Return ``tmp``, or, if its folder's path is not GDAL-safe, a link reaching it."""
    if _gdal_safe(tmp):
        return tmp
    holder = _links(links, {"out": tmp.parent}, f"cannot write into '{tmp.parent.parent}'")
    return holder / "out" / tmp.name


@contextlib.contextmanager
def gdal_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a path by which GDAL and pyogrio read the existing file ``path`` as itself.

    pyogrio reads ``a!b.gpkg`` as member ``b.gpkg`` of an archive ``a`` (a reader would
    open ``./b.gpkg``, another file). For such a path this yields a safely named link in
    a private temporary folder, beside links to the file's same-stem companions (a
    Shapefile's ``.dbf``, ``.shx``, ``.prj``), removed after the block. Any other path
    comes back absolute and unchanged.

    Raises
    ------
    InputError
        If a link is needed but cannot be made (no symbolic links on this system).
    """
    source = Path(path).absolute()
    if _gdal_safe(source):
        yield source
        return
    stem = glob.escape(source.name.split(".")[0])
    files = {safe_file_name(f.name): f for f in source.parent.glob(f"{stem}.*")}
    with contextlib.ExitStack() as links:
        yield _links(links, files, f"cannot read '{path}'") / safe_file_name(source.name)


def _links(links: contextlib.ExitStack, targets: dict[str, Path], what: str) -> Path:
    """Make a private temporary folder of links ``name -> target``, removed with ``links``.

    Raises `OutputError` (or `InputError` when reading) if that is impossible.
    """
    error = InputError if what.startswith("cannot read") else OutputError
    try:
        holder = Path(tempfile.mkdtemp(prefix="geomap-link-")).absolute()
        links.callback(shutil.rmtree, holder, ignore_errors=True)  # the links, not targets
        for name, target in targets.items():
            (holder / name).symlink_to(target, target_is_directory=target.is_dir())
    except OSError as err:
        raise error(
            f"{what}: its path holds '!', which GDAL reads as an archive, and no link to it "
            f"can be made ({err.strerror or err}); rename it"
        ) from err
    if not _gdal_safe(holder):
        raise error(f"{what}: its path and the temporary folder's both hold '!': set TMPDIR")
    return holder


def _make_temporary(target: Path) -> Path:
    """Create the hidden, owner-stamped temporary folder for ``target`` next to it."""
    directory = target.parent
    try:
        made = tempfile.mkdtemp(
            prefix=_temporary_prefix(target.name), suffix=".tmp", dir=directory
        )
    except OSError as err:
        raise OutputError(f"cannot write to directory {directory}: {err.strerror}") from err
    return Path(made).absolute()


def _host_tag() -> str:
    """Eight hex digits standing for this machine (temporaries on a shared disk)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _temporary_prefix(name: str) -> str:
    return f".{_short_name(name)}.{os.getpid()}-{_host_tag()}."


def _short_name(name: str) -> str:
    """Return the output's name as its temporary folder carries it: safe, at most 64 bytes.

    The folder's name adds some 30 characters to it and must stay within the file
    system's 255 bytes, whatever the length of the output's own name.
    """
    return safe_file_name(name).encode("utf-8")[:64].decode("utf-8", "ignore")


#: ``.<name>.<pid>-<host>.<random>.tmp``, the hidden temporaries of the atomic writers.
_TEMPORARY = re.compile(
    r"^\.(?P<name>.+?)(?:\.(?P<pid>\d+)-(?P<host>[0-9a-f]{8}))?\.[a-z0-9_]{8}\.tmp$"
)


def remove_stale_temporaries(
    directory: str | os.PathLike[str], *, name: str | None = None
) -> list[Path]:
    """Remove the hidden temporaries that an interrupted geomap left in ``directory``.

    :func:`atomic_write` and :func:`atomic_dir` remove their temporary folder whatever
    happens in the block; only a process killed outright (``SIGKILL``, a power cut) leaves
    one behind. Its name records the process and machine that made it; it is stale, and
    removed, when that process no longer runs on this machine. Temporaries of other
    machines (a shared disk) and of running processes are left alone. Where processes
    cannot be checked (Windows), nothing is removed: leftovers are hidden and never read.

    Parameters
    ----------
    directory : path-like
        The folder to tidy (a missing folder has nothing to remove).
    name : str, optional
        Also remove every temporary of the output ``name``, whoever made it (older geomap
        versions' unstamped ones too). Only for a caller that holds an exclusive lock on
        that output, such as the gazetteer build.

    Returns
    -------
    list of Path
        The folders removed.
    """
    folder = Path(directory)
    removed: list[Path] = []
    own = _short_name(name) if name is not None else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host = _host_tag()
    for entry in entries:
        if not entry.name.endswith(".tmp") or not entry.is_dir(follow_symlinks=False):
            continue
        found = _TEMPORARY.match(entry.name)
        if found is None:
            continue
        mine = own is not None and found["name"] == own
        stale = (
            found["pid"] is not None
            and found["host"] == host
            and os.name == "posix"
            and not _running(int(found["pid"]))
        )
        if mine or stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            if not os.path.lexists(entry.path):
                removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (POSIX)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 only checks
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


@contextlib.contextmanager
def output_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Create the folder ``path`` (and its parents) for the block; undo that if it fails.

    If the block raises (an interrupt too), the folders this call created are removed
    again as long as they are empty, so a refused or interrupted job leaves no empty
    output folder behind. A folder that already existed is never removed.

    Raises
    ------
    OutputError
        If the folder cannot be created or ``path`` is a file.
    """
    target = Path(path)
    created: list[Path] = []
    probe = target
    while not probe.exists() and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    try:
        target.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"output '{target}' is not a directory: pass a directory") from None
    except OSError as err:
        raise OutputError(f"cannot create output directory '{target}': {err.strerror}") from err
    try:
        yield target
    except BaseException:
        for folder in created:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or not ours any more): keep it and its parents
        raise


def _fsync(path: Path) -> None:
    """Flush ``path`` to disk."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _move(tmp: Path, target: Path, *, force: bool) -> None:
    """Rename ``tmp`` onto ``target``; without ``force`` never replace an existing file."""
    try:
        if force:
            os.replace(tmp, target)
            return
        try:
            # A hard link fails if the target exists: an atomic "create, do not replace".
            os.link(tmp, target)
        except FileExistsError:
            raise OutputError(f"{target} exists: pass --force to overwrite") from None
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            # The file system has no hard links: check, then rename.
            if target.exists():
                raise OutputError(f"{target} exists: pass --force to overwrite") from None
            os.replace(tmp, target)
    except OSError as err:
        if isinstance(err, OutputError):
            raise
        raise OutputError(f"cannot write {target}: {err.strerror or err}") from err


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder to fill; move it onto ``path`` only if the block succeeds.

    The temporary folder is hidden next to ``path`` (same file system), named as those of
    :func:`atomic_write` (absolute, no ``!``, owner-stamped). On success it replaces
    ``path`` (an existing folder only with ``force``); on any exception it is removed and
    ``path`` is left as it was.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is False, or the folder cannot be written.
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputError(f"{target} exists: pass --force to overwrite")
    tmp = _make_temporary(target)
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private; outputs are ordinary folders
        _replace_dir(tmp, target, force=force)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replace_dir(tmp: Path, target: Path, *, force: bool) -> None:
    """Move the finished folder ``tmp`` onto ``target`` (replacing it only with ``force``)."""
    try:
        if target.exists():
            if not force:
                raise OutputError(f"{target} exists: pass --force to overwrite")
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except OSError as err:
        if isinstance(err, OutputError):
            raise
        raise OutputError(f"cannot write {target}: {err.strerror or err}") from err


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One non-blank line of a JSON-lines file: the decoded value, or why it is unusable.

    ``where`` is ``<file name>:<line number>``; exactly one of ``value`` and ``error`` is set.
    """

    where: str
    value: Any = None
    error: str | None = None


def read_jsonl(path: str | os.PathLike[str], *, what: str = "file") -> Iterator[JsonLine]:
    """Yield the non-blank lines of a JSON-lines file, decoded one by one.

    A line that is not UTF-8 or not JSON comes back with ``error`` set instead of stopping
    the file, so that callers decide: a corpus skips it, an evaluation refuses the file.

    Parameters
    ----------
    path : path-like
        The ``.jsonl`` file (a UTF-8 byte order mark is dropped).
    what : str
        What the file is, for messages ("corpus", "events").

    Raises
    ------
    InputError
        If the file cannot be opened.
    """
    p = Path(path)
    try:
        handle = open(p, "rb")  # noqa: SIM115 - closed below; lines decoded one by one
    except OSError as err:
        raise InputError(f"cannot read {what} '{p}': {err.strerror}") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{p.name}:{number}"
            try:
                value = json.loads(raw.decode("utf-8-sig"))
            except UnicodeDecodeError as err:
                yield JsonLine(where, error=f"{where}: not UTF-8 (bad byte at offset {err.start})")
            except json.JSONDecodeError as err:
                yield JsonLine(where, error=f"{where}: invalid JSON ({err.msg})")
            else:
                bad = _lone_surrogate(value)
                if bad is None:
                    yield JsonLine(where, value=value)
                else:
                    yield JsonLine(
                        where, error=f"{where}: not valid Unicode (a lone surrogate {bad} in it)"
                    )


def _lone_surrogate(value: Any) -> str | None:
    r"""Return the first lone surrogate in a decoded JSON value, escaped, or None.

    JSON may escape one (``"\udcff"``), but it is no character: no file format can write it.

    Examples
    --------
    >>> _lone_surrogate({"id": "a\udcff", "text": "ok"}), _lone_surrogate(["ok", 1])
    ('\\udcff', None)
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as err:
                return ascii(item[err.start])[1:-1]
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None
