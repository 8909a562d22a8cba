"""Writing outputs safely: atomic files and folders, GDAL-safe paths, stale temporaries.

Every file geomap writes goes through :func:`atomic_write` (a temporary with a GDAL-safe
name, then a rename) or :func:`atomic_dir`; an existing output is replaced only with
``force``. Temporaries carry their process and host, so that the next run can remove those
a killed process left (:func:`remove_stale_temporaries`). Nothing here knows about places or
geometry.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import glob
import hashlib
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geomap.errors import InputError, OutputError

__all__ = [
    "atomic_dir",
    "atomic_write",
    "check_target",
    "gdal_path",
    "output_dir",
    "remove_stale_temporaries",
    "safe_file_name",
]


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
        _remove_temporary(workdir)


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
        holder = (Path(tempfile.gettempdir()) / f"geomap-link-{secrets.token_hex(8)}").absolute()
        links.callback(shutil.rmtree, holder, ignore_errors=True)  # known before it exists
        holder.mkdir(mode=0o700)
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
    """Create the hidden, owner-stamped temporary folder for ``target`` next to it.

    The folder is known (in ``_UNFINISHED``) before it exists, so that an interrupt at any
    moment leaves nothing the exit's clean-up does not know of. (Holding signals back would
    not do: another thread may receive the signal, and Python raises it in the main one.)
    """
    directory = target.parent
    prefix = _temporary_prefix(target.name)
    for _ in range(100):
        workdir = (directory / f"{prefix}{secrets.token_hex(4)}.tmp").absolute()
        _UNFINISHED.add(workdir)
        try:
            os.mkdir(workdir, 0o700)
        except FileExistsError:  # a name this process drew before (its pid is in it)
            _UNFINISHED.discard(workdir)
            continue
        except OSError as err:
            _UNFINISHED.discard(workdir)
            raise OutputError(f"cannot write to directory {directory}: {err.strerror}") from err
        return workdir
    raise OutputError(f"cannot make a temporary folder in {directory}")


def _remove_temporary(workdir: Path) -> None:
    """Remove a temporary folder of this process (it is finished, or abandoned)."""
    shutil.rmtree(workdir, ignore_errors=True)
    _UNFINISHED.discard(workdir)


#: The temporary folders this process has made and not yet removed. An interrupt that lands
#: between a writer's set-up and its ``with`` block (or a suspended writer never finalised)
#: would leave one behind; they are removed when the interpreter exits.
_UNFINISHED: set[Path] = set()


@atexit.register
def _remove_unfinished() -> None:
    for workdir in list(_UNFINISHED):
        _remove_temporary(workdir)


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
        tmp.chmod(0o755)  # made private; outputs are ordinary folders
        _replace_dir(tmp, target, force=force)
    finally:
        _remove_temporary(tmp)


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
