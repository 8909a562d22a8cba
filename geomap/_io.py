"""Atomic file output shared by the render and export stages."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geomap.errors import OutputError

__all__ = ["atomic_write", "check_target"]


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
    system, so the final move is an atomic rename) and keeps the target's file name, so
    writers that pick a format by extension, or create side files (GDAL), work unchanged.
    On success the file is fsynced and renamed onto ``path``; on any exception the
    temporary directory is removed and ``path`` is left as it was.

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
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory))
    except OSError as err:
        raise OutputError(f"cannot write to directory {directory}: {err.strerror}") from err
    try:
        tmp = workdir / target.name
        yield tmp
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
